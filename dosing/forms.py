"""Dose forms: they parse input and check each value against its declared limit (so every
field error shows at once); the rules across fields and records are the services'."""

import datetime as dt
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from edc import protocol
from edc.validators import HEIGHT_CM, WEIGHT_KG
from edc.web import AuditedEditForm
from edc.widgets import DATE, DATETIME
from patients.forms import StudyDatesMixin

from . import rules, validators
from .constants import (
    ACTUAL_DOSE_POSITIVE,
    DOSE_LEVEL_CHOICES,
    AdministrationStatus,
    InjectionSite,
    InjectionStatus,
    LocalReaction,
)

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class DoseDatesMixin(StudyDatesMixin):
    """The dose's date is checked as the service checks it (a study date, not before C1D1),
    with the other field errors."""

    def check_study_date(self, name: str, value) -> None:
        super().check_study_date(name, value)
        day = timezone.localdate(value) if isinstance(value, dt.datetime) else value
        if self.patient.c1d1_date:
            validators.validate_not_before_c1d1(day, name, c1d1=self.patient.c1d1_date)


class WarningsMixin(forms.Form):
    """The soft checks the user confirms (codes of dosing.rules; rendered by
    templates/_warnings.html only when the service reported some, with rule and values)."""

    # ACKNOWLEDGE_FIELD: the name the services read.
    acknowledge_warnings = forms.MultipleChoiceField(
        label=_("Confirm the warnings"),
        choices=[
            (rules.WARN_DATE_OUTSIDE_WINDOW, _("Date outside the visit window")),
            (rules.WARN_WEIGHT_CHANGED, _("Weight changed since the last dose")),
            (rules.WARN_DOSE_OFF_PLAN, _("Dose off plan")),
            (rules.WARN_NOT_DAY_AFTER_PACLITAXEL, _("IMP321 not the day after paclitaxel")),
        ],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


def _premedication(label: str) -> forms.TypedChoiceField:
    """A premedication given or not: stated by the site, never pre-answered."""
    return forms.TypedChoiceField(
        label=label,
        choices=[("", _("— not answered yet")), ("True", _("Given")), ("False", _("Not given"))],
        coerce=lambda value: value == "True",
        empty_value=None,
        required=False,
        help_text=_("Answer for every dose given: the casebook shows it in progress until then."),
    )


class PaclitaxelForm(DoseDatesMixin, WarningsMixin, AuditedEditForm):
    study_date_fields = ("administration_date",)

    administration_date = forms.DateField(label=_("Date"), widget=DATE)
    # A clinical fact the user states: blank first, never pre-selected.
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("— choose")), *AdministrationStatus.choices]
    )
    status_reason = forms.CharField(
        label=_("Reason (held / not done)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    height_cm = HEIGHT_CM.apply_to(
        forms.DecimalField(label=_("Height (cm, baseline)"), max_digits=5, decimal_places=1)
    )
    weight_kg = WEIGHT_KG.apply_to(
        forms.DecimalField(label=_("Weight (kg, this visit)"), max_digits=5, decimal_places=1)
    )
    dose_level_mg_m2 = forms.TypedChoiceField(
        label=_("Dose level (mg/m²)"),
        choices=DOSE_LEVEL_CHOICES,
        coerce=lambda v: v,
    )
    reduction_reason = forms.CharField(
        label=_("Reason for dose reduction"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    actual_dose_mg = forms.DecimalField(
        label=_("Actual dose given (mg)"),
        required=False,
        max_digits=6,
        decimal_places=1,
        # The ceiling of a dose is 1.5 × its planned dose (checked on save); the input's max is
        # that ceiling at the largest BSA the height and weight limits allow.
        widget=forms.NumberInput(
            attrs={"min": "0.1", "step": "0.1", "max": f"{rules.largest_actual_dose_mg()}"}
        ),
    )
    infusion_start = forms.TimeField(label=_("Infusion start"), required=False, widget=TIME)
    infusion_stop = forms.TimeField(label=_("Infusion stop"), required=False, widget=TIME)
    hold_override_confirmed = forms.BooleanField(
        label=_("Hold criteria are met but the investigator decided to give the dose"),
        required=False,
    )

    # Premedication: stated per dose; nothing pre-selected (empty = not yet answered).
    premed_dexamethasone = _premedication(_("Dexamethasone before the infusion"))
    premed_antihistamine = _premedication(_("Antihistamine (H1) before the infusion"))
    premed_h2_blocker = _premedication(_("H2 blocker before the infusion"))
    premed_other = forms.CharField(
        label=_("Other premedication (name and dose)"), max_length=200, required=False
    )

    def clean_dose_level_mg_m2(self):
        return Decimal(self.cleaned_data["dose_level_mg_m2"])

    def clean_actual_dose_mg(self):
        value = self.cleaned_data.get("actual_dose_mg")
        if value is not None and value <= 0:
            raise ValidationError(ACTUAL_DOSE_POSITIVE)
        return value

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
        "premed_dexamethasone",
        "premed_antihistamine",
        "premed_h2_blocker",
        "premed_other",
        "acknowledge_warnings",
        "reason",
        "version",
    ]


class Imp321Form(DoseDatesMixin, WarningsMixin, AuditedEditForm):
    study_date_fields = ("injected_at",)

    injected_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=DATETIME,
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("— choose")), *InjectionStatus.choices]
    )
    status_reason = forms.CharField(label=_("Reason (not done)"), required=False)
    dose_mg = forms.DecimalField(
        label=_("Dose (mg)"), required=False, max_digits=5, decimal_places=2
    )
    dose_reason = forms.CharField(
        label=_("Reason for a dose other than the cohort dose"), required=False
    )
    kit_number = forms.CharField(label=_("Kit number"), max_length=30, required=False)
    lot_number = forms.CharField(label=_("Lot number"), max_length=30, required=False)
    injection_site = forms.ChoiceField(
        label=_("Injection site"), choices=[("", "—"), *InjectionSite.choices], required=False
    )
    # An observation: never pre-answered ("None" is a choice the user makes).
    local_reaction = forms.ChoiceField(
        label=_("Local reaction"),
        choices=[("", _("— choose (“No reaction” if there was none)")), *LocalReaction.choices],
    )
    local_reaction_details = forms.CharField(label=_("Local reaction details"), required=False)
    no_preceding_dose_reason = forms.CharField(
        label=_("Reason for injecting without paclitaxel the day before"), required=False
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
        "acknowledge_warnings",
        "reason",
        "version",
    ]

    def __init__(self, *args, cohort_dose: Decimal, **kwargs):
        super().__init__(*args, **kwargs)
        self.cohort_dose = cohort_dose
        # The input's max is the hard ceiling (1.5 × the cohort dose), checked on save too.
        self.fields["dose_mg"].widget.attrs.update(
            {"min": "0.01", "step": "0.01", "max": f"{rules.imp321_dose_ceiling_mg(cohort_dose)}"}
        )

    def clean_dose_mg(self):
        value = self.cleaned_data.get("dose_mg")
        if value is not None:
            try:
                validators.validate_imp321_dose_value(value, cohort_dose=self.cohort_dose)
            except ValidationError as exc:
                raise ValidationError(exc.message_dict["dose_mg"]) from None
        return value


__all__ = ["PaclitaxelForm", "Imp321Form", "protocol"]
