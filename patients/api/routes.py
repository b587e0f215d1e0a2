from edc.access.api_views import SiteViewSet

from .views import MedicalHistoryViewSet, PatientViewSet, PriorTherapyViewSet


def register(router) -> None:
    router.register("sites", SiteViewSet, basename="site")
    router.register("patients", PatientViewSet, basename="patient")
    router.register("medical-history", MedicalHistoryViewSet, basename="medical-history")
    router.register("prior-therapies", PriorTherapyViewSet, basename="prior-therapy")
