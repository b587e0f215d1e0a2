"""Serializers of the exports API (read shapes, and the export parameters)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from rest_framework import serializers

from ..models import ExportJob, ExportLog
from ..validators import ExportParams, export_params


class ExportParamsSerializer(serializers.Serializer):
    """``as_of`` and ``updated_since`` (ISO 8601 date or date-time), validated by the same
    function as the page."""

    as_of = serializers.CharField(required=False, allow_blank=True)
    updated_since = serializers.CharField(required=False, allow_blank=True)

    def validate(self, attrs) -> dict:
        try:
            params = export_params(
                as_of=attrs.get("as_of"), updated_since=attrs.get("updated_since")
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return {"params": params}  # moments checked for the database by parse_moment


def params_from(data) -> ExportParams:
    serializer = ExportParamsSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data["params"]


class VariableSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    type = serializers.CharField()
    unit = serializers.CharField()
    codelist = serializers.CharField()
    origin = serializers.CharField()
    supplementary = serializers.BooleanField()


class DomainSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    description = serializers.CharField()
    keys = serializers.ListField(child=serializers.CharField())
    variables = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    def get_variables(self, domain) -> list[dict]:
        variables = domain.variables_for(deidentified=self.context["deidentified"])
        return VariableSerializer(variables, many=True).data

    def get_links(self, domain) -> dict[str, str]:
        request = self.context["request"]
        code = domain.code
        return {
            "rows": request.build_absolute_uri(reverse("exports-domain-detail", args=[code])),
            **{
                fmt: request.build_absolute_uri(reverse(f"exports-domain-{fmt}", args=[code]))
                for fmt in ("csv", "jsonl", "json", "dsjson", "ndjson", "xpt")
            },
        }


class ExportJobSerializer(serializers.ModelSerializer):
    status_url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "status",
            "progress",
            "step",
            "requested_at",
            "as_of",
            "finished_at",
            "filename",
            "size",
            "sha256",
            "error",
            "status_url",
            "download_url",
        ]
        read_only_fields = fields

    def _url(self, name: str, job) -> str:
        return self.context["request"].build_absolute_uri(reverse(name, args=[job.pk]))

    def get_status_url(self, job) -> str:
        return self._url("exports-job-detail", job)

    def get_download_url(self, job) -> str | None:
        return self._url("exports-job-download", job) if job.is_done else None


class ExportJobCreateSerializer(serializers.Serializer):
    as_of = serializers.CharField(required=False, allow_blank=True)


class ExportLogSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.get_username")

    class Meta:
        model = ExportLog
        fields = [
            "id",
            "at",
            "user",
            "role",
            "what",
            "format",
            "channel",
            "filters",
            "as_of",
            "deidentified",
            "row_count",
            "finished_at",
            "job",
        ]
        read_only_fields = fields


class DomainPageSerializer(serializers.Serializer):
    """A page of one domain: the rows of whole subjects (never split across pages)."""

    domain = serializers.CharField()
    as_of = serializers.DateTimeField(allow_null=True)
    updated_since = serializers.DateTimeField(allow_null=True)
    next = serializers.URLField(allow_null=True)
    subjects = serializers.IntegerField()
    results = serializers.ListField(child=serializers.DictField())
