from django import forms

from edc import protocol

from .constants import (
    DOSE_LEVEL_CHOICES,
    AdministrationStatus,
    InjectionSite,
    InjectionStatus,
    LocalReaction,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class EditReasonMixin(forms.Form):
    """Edits of saved data carry the version the user opened and a reason for change."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label="Reason for change",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when you change saved data.",
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["version"]
            del self.fields["reason"]


class PaclitaxelForm(EditReasonMixin):
    administration_date = forms.DateField(label="Date", widget=DATE)
    status = forms.ChoiceField(choices=AdministrationStatus.choices)
    status_reason = forms.CharField(
        label="Reason (held / not done)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    height_cm = forms.DecimalField(label="Height (cm, baseline)", max_digits=5, decimal_places=1)
    weight_kg = forms.DecimalField(label="Weight (kg, this visit)", max_digits=5, decimal_places=1)
    dose_level_mg_m2 = forms.TypedChoiceField(
        label="Dose level (mg/m²)",
        choices=DOSE_LEVEL_CHOICES,
        coerce=lambda v: v,
    )
    reduction_reason = forms.CharField(
        label="Reason for dose reduction",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    actual_dose_mg = forms.DecimalField(
        label="Actual dose given (mg)", required=False, max_digits=6, decimal_places=1
    )
    infusion_start = forms.TimeField(required=False, widget=TIME)
    infusion_stop = forms.TimeField(required=False, widget=TIME)
    hold_override_confirmed = forms.BooleanField(
        label="Hold criteria are met but the investigator decided to give the dose",
        required=False,
    )

    def clean_dose_level_mg_m2(self):
        from decimal import Decimal

        return Decimal(self.cleaned_data["dose_level_mg_m2"])

    field_order = [
        "administration_date",
        "status",
        "status_reason",
        "height_cm",
        "weight_kg",
        "dose_level_mg_m2",
        "reduction_reason",
        "actual_dose_mg",
        "infusion_start",
        "infusion_stop",
        "hold_override_confirmed",
        "reason",
        "version",
    ]


class Imp321Form(EditReasonMixin):
    injected_at = forms.DateTimeField(
        label="Date and time",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    status = forms.ChoiceField(choices=InjectionStatus.choices)
    status_reason = forms.CharField(label="Reason (not done)", required=False)
    dose_mg = forms.DecimalField(label="Dose (mg)", required=False, max_digits=5, decimal_places=2)
    dose_reason = forms.CharField(
        label="Reason for a dose other than the cohort dose", required=False
    )
    kit_number = forms.CharField(max_length=30, required=False)
    lot_number = forms.CharField(max_length=30, required=False)
    injection_site = forms.ChoiceField(choices=[("", "—"), *InjectionSite.choices], required=False)
    local_reaction = forms.ChoiceField(choices=LocalReaction.choices)
    local_reaction_details = forms.CharField(required=False)
    no_preceding_dose_reason = forms.CharField(
        label="Reason for injecting without paclitaxel the day before", required=False
    )
    field_order = [
        "injected_at",
        "status",
        "status_reason",
        "dose_mg",
        "dose_reason",
        "kit_number",
        "lot_number",
        "injection_site",
        "local_reaction",
        "local_reaction_details",
        "no_preceding_dose_reason",
        "reason",
        "version",
    ]


__all__ = ["PaclitaxelForm", "Imp321Form", "protocol"]
