"""Browser forms of the monitor workspace; the API validates with the same filter forms."""

from django import forms
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from edc.access.constants import Role
from edc.access.roles import is_deidentified
from edc.access.selectors import sites_visible_to
from edc.audit.display import form_name
from edc.audit.models import AuditAction
from edc.audit.records import audited_models
from edc.audit.selectors import SORTS, AuditFilters
from edc.widgets import DATE
from patients.selectors import patients_visible_to

from .constants import SIGNATURE_MEANINGS, LockScope, QueryStatus, meaning_label
from .records import RecordRef

TEXT = forms.Textarea(attrs={"rows": 3})

# How each audit-trail sort order reads in the filter.
SORT_LABELS = {
    "newest": _("Newest"),
    "oldest": _("Oldest"),
    "form": _("Form"),
    "patient": _("Patient"),
    "user": _("User"),
    "action": _("Action"),
}


def form_choices() -> list[tuple[str, str]]:
    """Every audited form (model), by label, for the audit-trail filter."""
    labels = sorted(
        (m._meta.label_lower for m in audited_models()), key=lambda label: form_name(label)
    )
    return [("", gettext("Any form"))] + [(label, form_name(label)) for label in labels]


class PatientNumberField(forms.CharField):
    """A patient typed by number (subject ID, or screening number for identified readers),
    among the patients the user may see; the record id is still accepted, so links such as
    ``?patient=<id>`` from a casebook keep working. A text box, never one option per patient
    (issue 24: a select of every patient made the audit-trail page grow with the trial)."""

    MSG_UNKNOWN = _("No patient you may see has this number.")
    MSG_AMBIGUOUS = _("Several patients have this screening number: type the subject ID.")

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("label", _("Patient"))
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"placeholder": _("Any patient"), "autocomplete": "off"}),
        )
        super().__init__(**kwargs)
        self.patients = None  # the user's scoped queryset, set by the form
        self.by_screening_number = True
        self._shown: dict[str, str] = {}

    def clean(self, value):
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        if text.isdigit():
            matches = list(self.patients.filter(pk=int(text))[:1])
        else:
            matches = list(self.patients.filter(subject_id__iexact=text)[:1])
            if not matches and self.by_screening_number:
                matches = list(self.patients.filter(screening_number__iexact=text)[:2])
                if len(matches) > 1:
                    raise forms.ValidationError(self.MSG_AMBIGUOUS, code="ambiguous")
        if not matches:
            raise forms.ValidationError(self.MSG_UNKNOWN, code="unknown")
        patient = matches[0]
        shown = patient.screening_number if self.by_screening_number else text
        self._shown[text] = patient.subject_id or shown
        return patient

    def prepare_value(self, value):
        # A patient found by id (a link) is shown by its number, as the user would type it.
        return self._shown.get(str(value).strip(), value) if value is not None else value


class AuditFilterForm(forms.Form):
    """The audit-trail review filters (GET), shared by the page, the CSV export and the API."""

    site = forms.ModelChoiceField(
        label=_("Site"),
        queryset=None,
        required=False,
        empty_label=_("Any site"),
        to_field_name="code",
    )
    patient = PatientNumberField(required=False)
    user = forms.CharField(label=_("User name"), required=False, max_length=150)
    role = forms.ChoiceField(
        label=_("Role"), choices=[("", _("Any role")), *Role.choices], required=False
    )
    form = forms.ChoiceField(label=_("Form"), required=False)
    field = forms.CharField(label=_("Field name"), required=False, max_length=100)
    # Translators: audit-trail filter: changes from this date
    date_from = forms.DateField(
        label=pgettext_lazy("date range", "From"), required=False, widget=DATE
    )
    # Translators: audit-trail filter: changes up to this date
    date_to = forms.DateField(label=pgettext_lazy("date range", "To"), required=False, widget=DATE)
    action = forms.ChoiceField(
        label=_("Action"), choices=[("", _("Any action")), *AuditAction.choices], required=False
    )
    sort = forms.ChoiceField(
        label=_("Sort"),
        choices=[(k, SORT_LABELS.get(k, k.capitalize())) for k in SORTS],
        required=False,
    )
    page = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites_visible_to(user)
        self.fields["patient"].patients = patients_visible_to(user)
        self.fields["form"].choices = form_choices()
        if is_deidentified(user):
            # Statisticians see roles, never people: no filtering by user name either.
            del self.fields["user"]
            self.fields["patient"].by_screening_number = False  # identifying: not searchable

    def filters(self) -> AuditFilters:
        data = self.cleaned_data
        return AuditFilters(
            site=data["site"].pk if data.get("site") else None,
            patient=data["patient"].pk if data.get("patient") else None,
            user=data.get("user") or "",
            role=data.get("role") or "",
            form=data.get("form") or "",
            field=(data.get("field") or "").strip(),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            action=data.get("action") or "",
            sort=data.get("sort") or "newest",
        )


class QueryFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *QueryStatus.choices], required=False
    )
    site = forms.ModelChoiceField(
        label=_("Site"), queryset=None, required=False, empty_label=_("Any site")
    )
    patient = forms.ModelChoiceField(
        label=_("Patient"), queryset=None, required=False, empty_label=_("Any patient")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites_visible_to(user)
        self.fields["patient"].queryset = patients_visible_to(user)


def field_choices(record: RecordRef) -> list[tuple[str, str]]:
    return [("", gettext("The whole record"))] + [
        (name, record.field_label(name)) for name in record.field_names()
    ]


class QueryRaiseForm(forms.Form):
    field = forms.ChoiceField(label=_("Field"), required=False)
    question = forms.CharField(label=_("Question"), widget=TEXT)

    def __init__(self, *args, record: RecordRef, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = field_choices(record)


class QueryAnswerForm(forms.Form):
    text = forms.CharField(label=pgettext_lazy("noun", "Answer"), widget=TEXT)
    linked_change_reason = forms.ChoiceField(
        label=_("Correction made for this query"),
        required=False,
        help_text=_("Correct the value in its form first, with a reason starting “Query #<id>:”."),
    )

    def __init__(self, *args, linked_reasons: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["linked_change_reason"].choices = [("", gettext("No data change"))] + [
            (reason, reason) for reason in dict.fromkeys(linked_reasons)
        ]


class QueryCloseForm(forms.Form):
    note = forms.CharField(label=_("Closing note"), required=False, widget=TEXT)


class QueryReopenForm(forms.Form):
    reason = forms.CharField(label=_("Why re-open"), widget=TEXT)


class SdvMarkForm(forms.Form):
    field = forms.ChoiceField(label=_("Verified"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, record: RecordRef, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = field_choices(record)


class SignForm(forms.Form):
    """21 CFR 11.200: both components of the signer's identity, every time they sign."""

    scope = forms.ChoiceField(label=_("What you sign"))
    # The English statement is the value stored with the signature; the signer reads it in
    # their language.
    meaning = forms.ChoiceField(
        label=_("Meaning of your signature"),
        choices=[(m, meaning_label(m)) for m in SIGNATURE_MEANINGS],
    )
    username = forms.CharField(label=_("Your user ID"), max_length=150)
    password = forms.CharField(label=_("Your password"), widget=forms.PasswordInput)

    def __init__(self, *args, scopes: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = scopes
        self.fields["username"].widget.attrs["autocomplete"] = "username"
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"


class LockForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=[
            (LockScope.PATIENT, LockScope.PATIENT.label),
            (LockScope.DATABASE, LockScope.DATABASE.label),
        ],
    )
    patient = forms.ModelChoiceField(
        label=_("Patient"), queryset=None, required=False, help_text=_("For a casebook lock.")
    )
    reason = forms.CharField(label=_("Reason"), widget=TEXT)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patient"].queryset = patients_visible_to(user)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=TEXT)
