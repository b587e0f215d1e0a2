"""The /api/v1/ router: each app and trial-wide package registers its own viewsets."""

from importlib import import_module

from rest_framework.routers import DefaultRouter

# Order = URL resolution order; every module has a ``register(router)`` function.
ROUTE_MODULES = (
    "patients.api.routes",
    "dosing.api.routes",
    "assessments.api.routes",
    "labs.api.routes",
    "edc.monitoring.api.routes",
    "edc.deviations.api.routes",
    "edc.exports.api.routes",
    "edc.dashboard.api.routes",
)

router = DefaultRouter()
for module in ROUTE_MODULES:
    import_module(module).register(router)
