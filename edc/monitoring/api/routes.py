from .views import (
    AuditEntryViewSet,
    DataQueryViewSet,
    LockViewSet,
    SdvMarkViewSet,
    SignatureViewSet,
)


def register(router) -> None:
    """Register the monitor workspace's API viewsets on the /api/v1/ router."""
    router.register("audit-entries", AuditEntryViewSet, basename="audit-entry")
    router.register("queries", DataQueryViewSet, basename="data-query")
    router.register("sdv-marks", SdvMarkViewSet, basename="sdv-mark")
    router.register("signatures", SignatureViewSet, basename="signature")
    router.register("locks", LockViewSet, basename="lock")
