"""The /api/v1/ router: each app and trial-wide package registers its own viewsets."""

from importlib import import_module

from django.urls import re_path
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
    schema,
)
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
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
    "edc.risk.api.routes",
)


@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([AllowAny])
@schema(None)
def not_found(request, path=""):
    """Any other /api/v1/…/ path, e.g. an id that is not a number: a JSON 404, not HTML."""
    raise NotFound()


class Router(DefaultRouter):
    def get_urls(self):
        # Last, and only for paths ending with "/": a path without its slash is still
        # redirected to it first (APPEND_SLASH), as before.
        return [*super().get_urls(), re_path(r"^(?P<path>.*/)$", not_found)]


router = Router()
for module in ROUTE_MODULES:
    import_module(module).register(router)
