from edc.access.api_views import SiteViewSet

from .views import PatientViewSet


def register(router) -> None:
    router.register("sites", SiteViewSet, basename="site")
    router.register("patients", PatientViewSet, basename="patient")
