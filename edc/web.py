"""Browser plumbing shared by every app's views: role gates and service-error display."""

import datetime as dt
from functools import wraps

from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import Form
from django.utils import timezone
from rest_framework.permissions import SAFE_METHODS

from edc import protocol
from edc.access import roles
from edc.audit.exceptions import STALE_VERSION, StaleVersion


class TrialRoleRequiredMixin(LoginRequiredMixin):
    """The page asks the authorization table (edc.access.roles) before anything else.

    ``action`` is needed to open the page (any trial role by default); ``post_action``, when
    set, is needed to submit it (e.g. everyone reads the cohorts, data managers open one).
    The check runs before the record is looked up, so a refused user learns nothing about
    which records exist.
    """

    action = roles.READ
    post_action: str | None = None

    @classmethod
    def required_action(cls, method: str) -> str:
        if method.upper() in SAFE_METHODS or cls.post_action is None:
            return cls.action
        return cls.post_action

    def setup(self, request, *args, **kwargs):
        # In setup, not dispatch: before any subclass's dispatch looks a record up.
        super().setup(request, *args, **kwargs)
        if request.user.is_authenticated:
            roles.require(request.user, self.required_action(request.method))


class DataEntryRequiredMixin(TrialRoleRequiredMixin):
    """Pages that write clinical data: site staff only."""

    action = roles.ENTER_DATA


def requires(action: str):
    """Declare (and enforce) the action a function view needs, for the access-matrix test."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if action not in (roles.PUBLIC,) and not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            roles.require(request.user, action)
            return view(request, *args, **kwargs)

        wrapped.edc_action = action
        return wrapped

    return decorate


def protocol_words(request) -> dict:
    """Context processor: protocol numbers as users read them (``{{ protocol_text.… }}``)."""
    return {"protocol_text": protocol.PROTOCOL_TEXT}


class StudyDatesMixin:
    """A form about one patient checks its clinical dates as the services do — not in the
    future, not before consent, not after consent withdrawal
    (``patients.validators.validate_study_date``) — so a wrong date is reported with the
    form's other field errors, not in a later round. ``study_date_fields`` names them (a
    date-time is checked on its local date); the service checks them again on save."""

    study_date_fields: tuple[str, ...] = ()

    def __init__(self, *args, patient=None, **kwargs):
        self.patient = patient
        super().__init__(*args, **kwargs)

    def check_study_date(self, name: str, value) -> None:
        """Raise ValidationError({name: …}) when ``value`` (a date or date-time) is refused."""
        from patients.services import consent_date_of
        from patients.validators import validate_study_date

        validate_study_date(
            timezone.localdate(value) if isinstance(value, dt.datetime) else value,
            name,
            consent_date=consent_date_of(self.patient),
            consent_withdrawn_on=self.patient.consent_withdrawn_on,
        )

    def clean(self):
        cleaned = super().clean()
        if self.patient is None:
            return cleaned
        for name in self.study_date_fields:
            value = cleaned.get(name)
            if value is None:
                continue
            try:
                self.check_study_date(name, value)
            except ValidationError as exc:
                for message in exc.message_dict.get(name, exc.messages):
                    self.add_error(name, message)
        return cleaned


def mark_required(field):
    """A field the save needs although the form lets it through empty (the service checks it,
    e.g. the reason for change): its label gets the required marker and its input
    ``required`` (templates/_label.html), like every required field. Returns the field."""
    field.widget.attrs["required"] = True
    return field


def run_service(form: Form, service, /, **kwargs):
    """Call a service; show its validation errors next to the form's fields.

    Returns the service result, or None when the service refused (nothing was saved: the
    savepoint is rolled back so the request's transaction stays usable).
    """
    try:
        with transaction.atomic():
            return service(**kwargs)
    except StaleVersion as exc:
        for change in exc.changes:  # name the fields as this form labels them
            if change.get("field") in form.fields:
                change["label"] = str(form.fields[change["field"]].label)
        form.stale = exc
        form.add_error(None, STALE_VERSION)  # what changed: the table of form.stale.changes
    except ValidationError as exc:
        # Soft checks still to confirm (edc.validators.EntryRefused): shown with the form.
        form.warnings = getattr(exc, "warnings", [])
        if hasattr(exc, "error_dict"):
            for field, messages in exc.message_dict.items():
                target = field if field in form.fields else None
                for message in messages:
                    form.add_error(target, message)
        else:
            for message in exc.messages:
                form.add_error(None, message)
    return None
