"""Browser plumbing shared by every app's views: role gates and service-error display."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms import Form

from edc.access.selectors import can_enter_data, user_role
from edc.audit.exceptions import StaleVersion


class TrialRoleRequiredMixin(LoginRequiredMixin):
    """Any trial role may open the page; users without a role are refused."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and user_role(request.user) is None:
            raise PermissionDenied("You have no role in this trial.")
        return super().dispatch(request, *args, **kwargs)


class DataEntryRequiredMixin(TrialRoleRequiredMixin):
    """Pages that write clinical data: site staff only."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_enter_data(request.user):
            raise PermissionDenied("Only site staff can enter or change clinical data.")
        return super().dispatch(request, *args, **kwargs)


def run_service(form: Form, service, /, **kwargs):
    """Call a service; show its validation errors next to the form's fields.

    Returns the service result, or None when the service refused (nothing was saved: the
    savepoint is rolled back so the request's transaction stays usable).
    """
    try:
        with transaction.atomic():
            return service(**kwargs)
    except StaleVersion as exc:
        form.stale = exc
        form.add_error(None, exc.message_dict["version"])
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, messages in exc.message_dict.items():
                target = field if field in form.fields else None
                for message in messages:
                    form.add_error(target, message)
        else:
            for message in exc.messages:
                form.add_error(None, message)
    return None
