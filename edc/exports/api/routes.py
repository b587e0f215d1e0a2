from .views import (
    AuthTokenViewSet,
    ExportDomainViewSet,
    ExportJobViewSet,
    ExportLogViewSet,
    OdmViewSet,
)


def register(router) -> None:
    """Register this package's API viewsets on the /api/v1/ router."""
    router.register("auth/token", AuthTokenViewSet, basename="auth-token")
    router.register("exports/domains", ExportDomainViewSet, basename="exports-domain")
    router.register("exports/jobs", ExportJobViewSet, basename="exports-job")
    router.register("exports/logs", ExportLogViewSet, basename="exports-log")
    router.register("exports/odm", OdmViewSet, basename="exports-odm")
