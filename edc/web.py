"""Browser plumbing shared by every app's views: role gates and service-error display."""

from functools import wraps

from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import CharField, Form, HiddenInput, IntegerField, Textarea
from django.utils.translation import gettext_lazy as _
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


def mark_required(field):
    """A field the save needs although the form lets it through empty (the service checks it,
    e.g. the reason for change): its label gets the required marker and its input
    ``required`` (templates/_label.html), like every required field. Returns the field."""
    field.widget.attrs["required"] = True
    return field


class AuditedEditForm(Form):
    """The one base of every form that edits a saved record: the version the user opened
    (hidden; a save over a newer version is refused, showing what changed) and the reason for
    change (the service refuses a save without it; marked required like any required field).

    Shown after the record's own fields (unless the form sets ``field_order``). A form that
    also enters new records passes ``editing=False`` for those, which drops both fields.
    """

    version = IntegerField(widget=HiddenInput)
    reason = mark_required(
        CharField(label=_("Reason for change"), widget=Textarea(attrs={"rows": 2}), required=False)
    )

    def __init__(self, *args, editing: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["version"], self.fields["reason"]
        elif self.field_order is None:
            for name in ("version", "reason"):
                self.fields[name] = self.fields.pop(name)


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
