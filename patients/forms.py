import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from edc import protocol
from edc.access.models import Site
from edc.web import AuditedEditForm
from edc.widgets import DATE

from . import constants as msg
from . import terms
from .constants import EndReason, PriorTherapyType, Sex, TherapySetting
from .services import MEDICAL_HISTORY_FIELDS, PRIOR_THERAPY_FIELDS, consent_date_of
from .validators import validate_study_date


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


class ScreenForm(forms.Form):
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none())
    screening_number = forms.CharField(label=_("Screening number"), max_length=20)
    screening_date = forms.DateField(label=_("Screening date"), widget=DATE)
    year_of_birth = forms.IntegerField(label=_("Year of birth"), min_value=1900, max_value=2100)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)

    def __init__(self, *args, sites=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites if sites is not None else Site.objects.none()


class PatientEditForm(AuditedEditForm):
    screening_number = forms.CharField(label=_("Screening number"), max_length=20)
    screening_date = forms.DateField(label=_("Screening date"), widget=DATE)
    year_of_birth = forms.IntegerField(label=_("Year of birth"), min_value=1900, max_value=2100)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)


class ConsentForm(forms.Form):
    consent_date = forms.DateField(label=_("Consent date"), widget=DATE)
    form_version = forms.CharField(label=_("Consent form version"), max_length=30)


CRITERION_KINDS = {
    # Translators: the kind of an eligibility criterion.
    protocol.INCLUSION: _("inclusion"),
    # Translators: the kind of an eligibility criterion.
    protocol.EXCLUSION: _("exclusion"),
}


class EligibilityForm(forms.Form):
    source_date = forms.DateField(label=_("Source document date"), widget=DATE)
    reason = forms.CharField(
        label=_("Reason for change (when correcting answers)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for criterion in protocol.ELIGIBILITY_CRITERIA:
            self.fields[criterion.code] = forms.TypedChoiceField(
                # Translators: e.g. "IN04 (inclusion): ECOG performance status 0-1".
                label=gettext("%(code)s (%(kind)s): %(text)s")
                % {
                    "code": criterion.code,
                    "kind": CRITERION_KINDS.get(criterion.kind, criterion.kind),
                    "text": criterion.text,
                },
                choices=[("", "—"), ("yes", _("Yes")), ("no", _("No"))],
                coerce=lambda v: v == "yes",
                required=True,
            )

    def answers(self) -> dict[str, bool]:
        return {c.code: self.cleaned_data[c.code] for c in protocol.ELIGIBILITY_CRITERIA}


class EnrolForm(forms.Form):
    enrolled_on = forms.DateField(label=_("Enrolment date"), widget=DATE)
    c1d1_date = forms.DateField(label=_("Planned cycle 1 day 1"), widget=DATE)
    waiver_reason = forms.CharField(
        label=_("Eligibility waiver (only if a criterion is not met)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ScreenFailForm(forms.Form):
    reason = forms.CharField(
        label=_("Screen failure reason"), widget=forms.Textarea(attrs={"rows": 2})
    )


class EndStudyForm(forms.Form):
    end_date = forms.DateField(label=_("End date"), widget=DATE)
    reason_code = forms.ChoiceField(label=_("Reason"), choices=EndReason.choices)
    consent_withdrawn = forms.BooleanField(label=_("Consent withdrawn"), required=False)


class EndTreatmentForm(forms.Form):
    end_date = forms.DateField(label=_("End of treatment date"), widget=DATE)
    reason_code = forms.ChoiceField(label=_("Reason"), choices=EndReason.choices)


class CohortOpenForm(forms.Form):
    code = forms.ChoiceField(label=_("Code"), choices=[(c.code, c.title) for c in protocol.COHORTS])
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


# --- Medical history and prior cancer therapy ----------------------------------------------------
YES_NO = [("True", _("Yes")), ("False", _("No"))]


def _yes_no(label: str, required_message: str) -> forms.TypedChoiceField:
    """A clinical yes/no: two radio buttons, neither selected until the user answers."""
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value == "True",
        widget=forms.RadioSelect,
        error_messages={"required": required_message},
    )


class MedicalHistoryForm(forms.Form):
    condition = forms.CharField(
        label=_("Condition (as written in the source)"),
        max_length=200,
        error_messages={"required": msg.CONDITION_REQUIRED},
    )
    meddra_code = forms.ChoiceField(
        label=_("MedDRA term (CTCAE v5.0), when the list has it"),
        choices=(),
        required=False,
    )
    start_date = forms.DateField(
        label=_("Start date"), widget=DATE, error_messages={"required": msg.START_DATE_REQUIRED}
    )
    ongoing = _yes_no(_("Ongoing at screening"), msg.ONGOING_REQUIRED)
    end_date = forms.DateField(
        label=_("End date"), widget=DATE, required=False, help_text=_("Only when not ongoing.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meddra_code"].choices = [
            ("", gettext("— no matching term (the condition as written is kept)")),
            *terms.term_choices(),
        ]

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in MEDICAL_HISTORY_FIELDS}


class MedicalHistoryEditForm(AuditedEditForm, MedicalHistoryForm):
    pass


class PriorTherapyForm(forms.Form):
    therapy_type = forms.ChoiceField(
        label=_("Type of therapy"),
        choices=[("", _("— choose")), *PriorTherapyType.choices],
        error_messages={"required": msg.THERAPY_TYPE_REQUIRED},
    )
    setting = forms.ChoiceField(
        label=_("Setting"),
        choices=[("", _("— choose")), *TherapySetting.choices],
        error_messages={"required": msg.THERAPY_SETTING_REQUIRED},
    )
    start_date = forms.DateField(
        label=_("Start date"), widget=DATE, error_messages={"required": msg.START_DATE_REQUIRED}
    )
    end_date = forms.DateField(
        label=_("End date"), widget=DATE, required=False, help_text=_("Empty while ongoing.")
    )
    description = forms.CharField(
        label=_("Description (regimen, drugs, cycles, site)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in PRIOR_THERAPY_FIELDS}


class PriorTherapyEditForm(AuditedEditForm, PriorTherapyForm):
    pass
