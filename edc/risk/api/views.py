"""Read-only API of the site-risk indicators, for sponsors' own tools (scoped like the page)."""

from django.utils import translation
from rest_framework import mixins, serializers, viewsets

from edc.access import roles

from ..kri import INDICATORS
from ..models import SiteRisk
from ..selectors import latest_run, site_rows_for


class SiteRiskSerializer(serializers.ModelSerializer):
    site = serializers.CharField(source="site.code", read_only=True)
    site_name = serializers.CharField(source="site.name", read_only=True)
    as_of = serializers.DateField(source="run.as_of", read_only=True)
    computed_at = serializers.DateTimeField(source="run.computed_at", read_only=True)
    indicators = serializers.SerializerMethodField()

    class Meta:
        model = SiteRisk
        fields = [
            "id",
            "site",
            "site_name",
            "as_of",
            "computed_at",
            "level",
            "indicators",
            "findings",
        ]
        read_only_fields = fields

    def get_indicators(self, row) -> list[dict]:
        """The indicators, labelled in English whatever the caller's language (an API)."""
        with translation.override("en"):
            return [
                {
                    "code": i.code,
                    "label": str(i.label),
                    "unit": str(i.unit),
                    "value": row.values.get(i.code),
                    "level": row.levels.get(i.code),
                }
                for i in INDICATORS
            ]


class SiteRiskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The latest computed indicators and findings of the caller's sites (monitors: own sites)."""

    serializer_class = SiteRiskSerializer
    read_action = roles.VIEW_SITE_RISK
    queryset = SiteRisk.objects.none()  # the schema's model; get_queryset scopes the real rows

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema, no user
            return SiteRisk.objects.none()
        return site_rows_for(self.request.user, latest_run()).select_related("run").order_by("id")
