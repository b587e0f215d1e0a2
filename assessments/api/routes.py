from .views import (
    AdverseEventViewSet,
    ConcomitantMedicationViewSet,
    CtcaeTermViewSet,
    RecistResultViewSet,
    TrialEndpointViewSet,
    TumourAssessmentViewSet,
    VitalSignsViewSet,
)


def register(router) -> None:
    """Register this app's API viewsets on the /api/v1/ router."""
    router.register("tumour-assessments", TumourAssessmentViewSet, basename="tumour-assessment")
    router.register("recist-results", RecistResultViewSet, basename="recist-result")
    router.register("trial-endpoints", TrialEndpointViewSet, basename="trial-endpoint")
    router.register("adverse-events", AdverseEventViewSet, basename="adverse-event")
    router.register("vital-signs", VitalSignsViewSet, basename="vital-signs")
    router.register("ctcae-terms", CtcaeTermViewSet, basename="ctcae-term")
    router.register(
        "concomitant-medications", ConcomitantMedicationViewSet, basename="concomitant-medication"
    )
