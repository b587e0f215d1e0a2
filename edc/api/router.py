"""Every app registers its API viewsets here, under /api/v1/."""

from rest_framework.routers import DefaultRouter

from edc.access.api_views import SiteViewSet
from patients.api.views import PatientViewSet

router = DefaultRouter()
router.register("sites", SiteViewSet, basename="site")
router.register("patients", PatientViewSet, basename="patient")
