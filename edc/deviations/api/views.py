from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from edc.access import roles
from edc.api.filters import FilterBackend
from edc.api.serializers import WithheldFieldsMixin

from .. import services
from ..models import Deviation
from ..selectors import deviations_visible_to


class DeviationSerializer(WithheldFieldsMixin, serializers.ModelSerializer):
    subject_id = serializers.CharField(source="patient.subject_id", read_only=True)
    site = serializers.CharField(source="patient.site.code", read_only=True)

    class Meta:
        model = Deviation
        fields = [
            "id",
            "patient",
            "subject_id",
            "site",
            "rule",
            "severity",
            "subject_key",
            "summary",
            "evidence",
            "detected_at",
            "status",
            "status_comment",
            "status_changed_at",
            "version",
        ]
        read_only_fields = fields


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class DeviationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Deviations of the caller's sites; site staff and data managers acknowledge/resolve."""

    serializer_class = DeviationSerializer
    write_action = roles.REVIEW_DEVIATIONS
    filter_backends = [FilterBackend]
    filterset_fields = {
        "rule": ["exact"],
        "status": ["exact"],
        "severity": ["exact"],
        "patient": ["exact"],
        "patient__site__code": ["exact"],
        "detected_at": ["gte", "lte"],
    }

    def get_queryset(self):
        return deviations_visible_to(self.request.user).order_by("id")

    def _move(self, request, service):
        data = CommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        deviation = service(
            deviation=self.get_object(), user=request.user, comment=data.validated_data["comment"]
        )
        return Response(DeviationSerializer(deviation).data)

    @action(detail=True, methods=["post"], serializer_class=CommentSerializer)
    def acknowledge(self, request, pk=None):
        return self._move(request, services.deviation_acknowledge)

    @action(detail=True, methods=["post"], serializer_class=CommentSerializer)
    def resolve(self, request, pk=None):
        return self._move(request, services.deviation_resolve)
