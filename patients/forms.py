from django import forms

from edc import protocol
from edc.access.models import Site
from edc.web import mark_required

from .constants import EndReason, Sex

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ScreenForm(forms.Form):
    site = forms.ModelChoiceField(queryset=Site.objects.none())
    screening_number = forms.CharField(max_length=20)
    screening_date = forms.DateField(widget=DATE)
    year_of_birth = forms.IntegerField(min_value=1900, max_value=2100)
    sex = forms.ChoiceField(choices=Sex.choices)

    def __init__(self, *args, sites=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites if sites is not None else Site.objects.none()


class PatientEditForm(forms.Form):
    screening_number = forms.CharField(max_length=20)
    screening_date = forms.DateField(widget=DATE)
    year_of_birth = forms.IntegerField(min_value=1900, max_value=2100)
    sex = forms.ChoiceField(choices=Sex.choices)
    version = forms.IntegerField(widget=forms.HiddenInput)
    # Required to save a correction (the service refuses without it): marked like the others.
    reason = mark_required(
        forms.CharField(
            label="Reason for change", widget=forms.Textarea(attrs={"rows": 2}), required=False
        )
    )


class ConsentForm(forms.Form):
    consent_date = forms.DateField(widget=DATE)
    form_version = forms.CharField(label="Consent form version", max_length=30)


class EligibilityForm(forms.Form):
    source_date = forms.DateField(label="Source document date", widget=DATE)
    reason = forms.CharField(
        label="Reason for change (when correcting answers)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for criterion in protocol.ELIGIBILITY_CRITERIA:
            self.fields[criterion.code] = forms.TypedChoiceField(
                label=f"{criterion.code} ({criterion.kind}): {criterion.text}",
                choices=[("", "—"), ("yes", "Yes"), ("no", "No")],
                coerce=lambda v: v == "yes",
                required=True,
            )

    def answers(self) -> dict[str, bool]:
        return {c.code: self.cleaned_data[c.code] for c in protocol.ELIGIBILITY_CRITERIA}


class EnrolForm(forms.Form):
    enrolled_on = forms.DateField(label="Enrolment date", widget=DATE)
    c1d1_date = forms.DateField(label="Planned cycle 1 day 1", widget=DATE)
    waiver_reason = forms.CharField(
        label="Eligibility waiver (only if a criterion is not met)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ScreenFailForm(forms.Form):
    reason = forms.CharField(
        label="Screen failure reason", widget=forms.Textarea(attrs={"rows": 2})
    )


class EndStudyForm(forms.Form):
    end_date = forms.DateField(widget=DATE)
    reason_code = forms.ChoiceField(label="Reason", choices=EndReason.choices)
    consent_withdrawn = forms.BooleanField(label="Consent withdrawn", required=False)


class EndTreatmentForm(forms.Form):
    end_date = forms.DateField(label="End of treatment date", widget=DATE)
    reason_code = forms.ChoiceField(label="Reason", choices=EndReason.choices)


class CohortOpenForm(forms.Form):
    code = forms.ChoiceField(choices=[(c.code, c.label) for c in protocol.COHORTS])
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
