"""Turn the services' Django ValidationErrors into DRF 400s with field-level messages."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from edc.audit.exceptions import StaleVersion


def exception_handler(exc, context):
    if isinstance(exc, StaleVersion):
        body = {
            "version": exc.message_dict["version"],
            "current_version": exc.current_version,
            "changed_meanwhile": [
                {**c, "old": str(c["old"]), "new": str(c["new"]), "at": c["at"].isoformat()}
                for c in exc.changes
            ],
        }
        set_rollback()
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        detail = {("non_field_errors" if k == "__all__" else k): v for k, v in detail.items()}
        # Soft checks still to confirm (edc.validators.EntryRefused): their codes, rule, values.
        warnings = getattr(exc, "warnings", None)
        if warnings:
            detail["warnings"] = [w.as_dict() for w in warnings]
        exc = exceptions.ValidationError(detail)
    return drf_exception_handler(exc, context)
