from .views import (
    ImmuneDrawViewSet,
    LabImportViewSet,
    LaboratoryViewSet,
    LabResultViewSet,
    ReferenceRangeViewSet,
)


def register(router) -> None:
    """Register this app's API viewsets on the /api/v1/ router."""
    router.register("lab-results", LabResultViewSet, basename="lab-result")
    router.register("immune-draws", ImmuneDrawViewSet, basename="immune-draw")
    router.register("laboratories", LaboratoryViewSet, basename="laboratory")
    router.register("reference-ranges", ReferenceRangeViewSet, basename="reference-range")
    router.register("lab-imports", LabImportViewSet, basename="lab-import")
