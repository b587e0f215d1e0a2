"""Browser forms: they parse input only; every clinical rule is in the services/validators.

Fields that only carry service errors to a place on the page (``target_lesions``,
``measurements``) are hidden fields, so ``edc.web.run_service`` shows a rule's message next to
the table it is about.
"""

from functools import cache

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from edc.protocol import RECIST
from edc.softcheck import RULE_DATE_OUTSIDE_WINDOW, WARN_DATE_OUTSIDE_WINDOW
from edc.validators import (
    DIASTOLIC_BP,
    HEART_RATE,
    HEIGHT_CM,
    LESION_DIAMETER_MM,
    SYSTOLIC_BP,
    TEMPERATURE_C,
    WEIGHT_KG,
)
from edc.web import AuditedEditForm
from edc.widgets import DATE, DATETIME
from patients.forms import StudyDatesMixin

from . import constants as c
from . import ctcae, rules
from .services import (
    AE_FIELDS,
    CM_FIELDS,
    VITALS_FIELDS,
    MeasurementInput,
    NonTargetLesionInput,
    TargetLesionInput,
)

TEXTAREA = forms.Textarea(attrs={"rows": 2})
MM = {"max_digits": 5, "decimal_places": 1, "required": False}


def _diameter_field(label: str = _("Diameter (mm)"), **attrs) -> forms.DecimalField:
    """A lesion diameter: its input's min/max/step and its check come from LESION_DIAMETER_MM."""
    field = forms.DecimalField(label=label, widget=forms.NumberInput(attrs=attrs), **MM)
    return LESION_DIAMETER_MM.apply_to(field)


def _blank(label: str, choices) -> list:
    return [("", label), *choices]


# --- Tumour assessments --------------------------------------------------------------------------
class BaselineForm(StudyDatesMixin, forms.Form):
    study_date_fields = ("assessment_date",)

    assessment_date = forms.DateField(label=_("Assessment date"), widget=DATE)
    method = forms.ChoiceField(label=_("Method"), choices=c.ImagingMethod.choices)
    comments = forms.CharField(label=_("Comments"), widget=TEXTAREA, required=False)
    target_lesions = forms.CharField(
        label=_("Target lesions"), widget=forms.HiddenInput, required=False
    )
    non_target_lesions = forms.CharField(
        label=_("Non-target lesions"), widget=forms.HiddenInput, required=False
    )


class BaselineEditForm(AuditedEditForm, BaselineForm):
    pass


class _LesionRowForm(forms.Form):
    """A row of a lesion table: each input is named for screen readers ("Target lesion 2 organ")."""

    row_label = _("Lesion")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        row = (self.prefix or "").rsplit("-", 1)[-1]
        number = int(row) + 1 if row.isdigit() else ""
        self.row_title = f"{self.row_label} {number}"  # names the row in the error summary
        for name, field in self.fields.items():
            label = str(field.label or name).lower()
            field.widget.attrs.setdefault("aria-label", f"{self.row_title} {label}")


class TargetLesionRowForm(_LesionRowForm):
    row_label = _("Target lesion")
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    label = forms.CharField(label=_("Label"), max_length=8, required=False)
    organ = forms.ChoiceField(
        label=_("Organ"), choices=_blank("—", c.Organ.choices), required=False
    )
    location = forms.CharField(label=_("Location"), max_length=120, required=False)
    # The column header says "longest diameter; short axis for a lymph node".
    diameter_mm = _diameter_field()

    def is_entered(self) -> bool:
        data = self.cleaned_data
        if data.get("DELETE"):
            return False
        return bool(data.get("id") or data.get("organ") or data.get("diameter_mm") is not None)

    def to_input(self) -> TargetLesionInput:
        data = self.cleaned_data
        return TargetLesionInput(
            id=data.get("id"),
            label=(data.get("label") or "").strip(),
            organ=data.get("organ") or "",
            location=data.get("location") or "",
            diameter_mm=data.get("diameter_mm"),
        )


class NonTargetLesionRowForm(_LesionRowForm):
    row_label = _("Non-target lesion")
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    label = forms.CharField(label=_("Label"), max_length=8, required=False)
    organ = forms.ChoiceField(
        label=_("Organ"), choices=_blank("—", c.Organ.choices), required=False
    )
    location = forms.CharField(label=_("Location"), max_length=120, required=False)

    def is_entered(self) -> bool:
        data = self.cleaned_data
        if data.get("DELETE"):
            return False
        return bool(data.get("id") or data.get("organ"))

    def to_input(self) -> NonTargetLesionInput:
        data = self.cleaned_data
        return NonTargetLesionInput(
            id=data.get("id"),
            label=(data.get("label") or "").strip(),
            organ=data.get("organ") or "",
            location=data.get("location") or "",
        )


class _LabelledRows(forms.BaseFormSet):
    """Blank rows come pre-labelled T1, T2… (NT1…) after the saved lesions."""

    label_for = staticmethod(rules.target_label)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index >= self.initial_form_count():
            kwargs["initial"] = {"label": self.label_for(index + 1)}
        return kwargs

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields and index is not None:
            form.fields["DELETE"].widget.attrs["aria-label"] = gettext("Remove row %(number)s") % {
                "number": index + 1
            }


class _NonTargetRows(_LabelledRows):
    label_for = staticmethod(rules.non_target_label)


def target_lesion_formset(*, saved: int = 0):
    """Room for every target RECIST allows (a sixth row is refused by the service)."""
    return forms.formset_factory(
        TargetLesionRowForm,
        formset=_LabelledRows,
        extra=max(RECIST.max_targets - saved, 1),
        can_delete=True,
    )


NON_TARGET_ROWS = 5


def non_target_lesion_formset(*, saved: int = 0):
    return forms.formset_factory(
        NonTargetLesionRowForm,
        formset=_NonTargetRows,
        extra=max(NON_TARGET_ROWS - saved, 2),
        can_delete=True,
    )


def entered_rows(formset) -> list:
    return [form.to_input() for form in formset.forms if form.is_entered()]


class FollowupForm(StudyDatesMixin, forms.Form):
    """A follow-up lists every baseline target lesion to re-measure.

    Nothing here pre-answers a clinical reading: the non-target status and the new-lesion
    question start blank (the non-target select says what the baseline had, and offers "no
    non-target lesions" only to a patient who had none).
    """

    study_date_fields = ("assessment_date",)

    assessment_date = forms.DateField(label=_("Assessment date"), widget=DATE)
    method = forms.ChoiceField(label=_("Method"), choices=c.ImagingMethod.choices)
    measurements = forms.CharField(
        label=_("Measurements"), widget=forms.HiddenInput, required=False
    )
    non_target_status = forms.ChoiceField(
        label=_("Non-target lesions"),
        choices=_blank(_("— (no non-target lesions at baseline)"), c.NonTargetStatus.choices),
        required=False,
    )
    new_lesion = forms.ChoiceField(
        label=_("New lesion"),
        choices=_blank(_("— choose"), c.NewLesion.choices),
        error_messages={"required": _("Say whether there is a new lesion.")},
    )
    new_lesion_description = forms.CharField(
        label=_("New lesion(s): site and method"), widget=TEXTAREA, required=False
    )
    investigator_response = forms.ChoiceField(
        label=_("Investigator's timepoint response"),
        choices=_blank(_("— not recorded"), c.ResponseChoice.choices),
        required=False,
        help_text=_("The EDC computes the RECIST response; a different reading is flagged."),
    )
    comments = forms.CharField(label=_("Comments"), widget=TEXTAREA, required=False)
    # Soft checks the user confirms (templates/_warnings.html shows them only when raised).
    acknowledge_warnings = forms.MultipleChoiceField(
        label=_("Confirm the warnings"),
        choices=[(WARN_DATE_OUTSIDE_WINDOW, RULE_DATE_OUTSIDE_WINDOW)],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, lesions=(), non_target_lesions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lesions = list(lesions)
        self._set_non_target_choices(list(non_target_lesions))
        for lesion in self.lesions:
            # Translators: %(label)s is a lesion label (T1, T2…).
            status = gettext("%(label)s status") % {"label": lesion.label}
            self.fields[f"m{lesion.pk}_state"] = forms.ChoiceField(
                label=status,
                choices=c.MeasurementState.choices,
                initial=c.MeasurementState.MEASURED,
                widget=forms.Select(attrs={"aria-label": status}),
            )
            # Translators: %(label)s is a lesion label (T1, T2…).
            diameter = gettext("%(label)s diameter (mm)") % {"label": lesion.label}
            self.fields[f"m{lesion.pk}_diameter"] = _diameter_field(
                diameter, **{"aria-label": diameter}
            )

    def _set_non_target_choices(self, baseline_non_targets: list) -> None:
        """The select follows the baseline: a patient with non-target lesions chooses their
        status (required, never "none at baseline"); one without has only that answer."""
        field = self.fields["non_target_status"]
        if not baseline_non_targets:
            field.choices = [("", gettext("No non-target lesions at baseline"))]
            field.disabled = True
            field.help_text = gettext("Record new disease as a new lesion.")
            return
        names = ", ".join(
            f"{n.label} ({n.get_organ_display().lower()})" for n in baseline_non_targets
        )
        field.choices = _blank(gettext("— choose the status"), c.NonTargetStatus.choices)
        field.required = True
        field.error_messages["required"] = c.NON_TARGET_STATUS_REQUIRED
        field.help_text = gettext("Present at baseline: %(lesions)s.") % {"lesions": names}

    def lesion_rows(self):
        """(lesion, state field, diameter field) for the template."""
        return [
            (lesion, self[f"m{lesion.pk}_state"], self[f"m{lesion.pk}_diameter"])
            for lesion in self.lesions
        ]

    def measurement_inputs(self) -> list[MeasurementInput]:
        data = self.cleaned_data
        rows = []
        for lesion in self.lesions:
            state = data.get(f"m{lesion.pk}_state")
            rows.append(
                MeasurementInput(
                    lesion_id=lesion.pk,
                    diameter_mm=data.get(f"m{lesion.pk}_diameter"),
                    too_small=state == c.MeasurementState.TOO_SMALL,
                    not_evaluable=state == c.MeasurementState.NOT_EVALUABLE,
                )
            )
        return rows

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "assessment_date": data["assessment_date"],
            "method": data["method"],
            "measurements": self.measurement_inputs(),
            "non_target_status": data.get("non_target_status") or "",
            "new_lesion": data["new_lesion"],
            "new_lesion_description": data.get("new_lesion_description") or "",
            "investigator_response": data.get("investigator_response") or "",
            "comments": data.get("comments") or "",
        }


class FollowupEditForm(AuditedEditForm, FollowupForm):
    pass


def followup_initial(assessment) -> dict:
    initial = {
        "assessment_date": assessment.assessment_date,
        "method": assessment.method,
        "non_target_status": assessment.non_target_status,
        "new_lesion": assessment.new_lesion,
        "new_lesion_description": assessment.new_lesion_description,
        "investigator_response": assessment.investigator_response,
        "comments": assessment.comments,
        "version": assessment.version,
    }
    for m in assessment.measurements.all():
        initial[f"m{m.lesion_id}_state"] = m.state
        initial[f"m{m.lesion_id}_diameter"] = m.diameter_mm
    return initial


# --- Adverse events ------------------------------------------------------------------------------
@cache
def ctcae_choices() -> tuple:
    """CTCAE v5.0 terms grouped by system organ class, for the term select."""
    groups: dict[str, list] = {}
    for term in ctcae.load_terms():
        groups.setdefault(term["soc"], []).append((term["meddra_code"], term["term"]))
    return tuple((soc, tuple(terms)) for soc, terms in groups.items())


def grade_choices(term: dict | None) -> list:
    if term is None:
        return [(g, str(g)) for g in c.CTCAE_GRADES]
    not_defined = gettext("(not defined for this term)")
    return [
        (int(g), f"{g} — {text}" if text else f"{g} — {not_defined}")
        for g, text in term["grades"].items()
    ]


def _required(message: str) -> dict:
    return {"required": message}


SERIOUS_CHOICES = [("True", _("Yes")), ("False", _("No"))]


class AdverseEventForm(StudyDatesMixin, forms.Form):
    """CTCAE grade, seriousness, causality to each drug, action and outcome are clinical
    judgements: they start blank and must be answered (none is pre-selected)."""

    study_date_fields = ("start_date", "stop_date", "death_date")

    meddra_code = forms.ChoiceField(
        label=_("CTCAE v5.0 term"),
        choices=(),
        error_messages=_required(_("Choose the CTCAE term.")),
    )
    term_specify = forms.CharField(
        label=_("Specify (for “Other, specify” terms)"), max_length=200, required=False
    )
    grade = forms.TypedChoiceField(
        label=_("CTCAE grade"),
        coerce=int,
        empty_value=None,
        choices=(),
        error_messages=_required(_("Choose the CTCAE grade.")),
    )
    start_date = forms.DateField(label=_("Start date"), widget=DATE)
    stop_date = forms.DateField(
        label=_("Stop date"), widget=DATE, required=False, help_text=_("Empty while ongoing.")
    )
    serious = forms.TypedChoiceField(
        label=_("Serious adverse event (SAE)"),
        choices=SERIOUS_CHOICES,
        coerce=lambda value: value == "True",
        widget=forms.RadioSelect,
        error_messages=_required(_("Say whether the event is serious (an SAE).")),
    )
    sae_criteria = forms.MultipleChoiceField(
        label=_("Seriousness criteria"),
        choices=c.SAECriterion.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    sae_aware_at = forms.DateTimeField(
        label=_("Site aware of the SAE (date and time)"), widget=DATETIME, required=False
    )
    sae_reported_at = forms.DateTimeField(
        label=_("SAE reported to the sponsor (date and time)"), widget=DATETIME, required=False
    )
    relation_paclitaxel = forms.ChoiceField(
        label=_("Relation to paclitaxel"),
        choices=_blank(_("— choose"), c.Relation.choices),
        error_messages=_required(_("Choose the relation to paclitaxel.")),
    )
    relation_imp321 = forms.ChoiceField(
        label=_("Relation to IMP321 (incl. injection-site reactions)"),
        choices=_blank(_("— choose"), c.Relation.choices),
        error_messages=_required(_("Choose the relation to IMP321.")),
    )
    action_taken = forms.ChoiceField(
        label=_("Action taken"),
        choices=_blank(_("— choose"), c.ActionTaken.choices),
        error_messages=_required(_("Choose the action taken.")),
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=_blank(_("— choose"), c.AEOutcome.choices),
        error_messages=_required(_("Choose the outcome.")),
    )
    death_date = forms.DateField(label=_("Date of death (grade 5)"), widget=DATE, required=False)
    comments = forms.CharField(label=_("Comments"), widget=TEXTAREA, required=False)

    def __init__(self, *args, term: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.term = term
        self.fields["meddra_code"].choices = _blank(gettext("— choose a term"), ctcae_choices())
        self.fields["grade"].choices = _blank(gettext("— choose the grade"), grade_choices(term))

    def service_kwargs(self) -> dict:
        """The values the service takes: its field list (``AE_FIELDS``), this form's fields."""
        return {name: self.cleaned_data.get(name) for name in AE_FIELDS}


class AdverseEventEditForm(AuditedEditForm, AdverseEventForm):
    pass


# --- Vital signs ---------------------------------------------------------------------------------
def _limited(limit, field: forms.Field) -> forms.Field:
    """A vital sign: its input's min/max/step and its check come from its declared limit."""
    return limit.apply_to(field)


class VitalSignsForm(StudyDatesMixin, forms.Form):
    study_date_fields = ("measured_on",)

    visit = forms.ChoiceField(label=_("Visit"), choices=c.VITALS_VISITS)
    measured_on = forms.DateField(label=_("Date"), widget=DATE)
    weight_kg = _limited(
        WEIGHT_KG, forms.DecimalField(label=_("Weight (kg)"), max_digits=4, decimal_places=1)
    )
    height_cm = _limited(
        HEIGHT_CM,
        forms.DecimalField(label=_("Height (cm)"), max_digits=4, decimal_places=1, required=False),
    )
    systolic_bp = _limited(SYSTOLIC_BP, forms.IntegerField(label=_("Systolic BP (mmHg)")))
    diastolic_bp = _limited(DIASTOLIC_BP, forms.IntegerField(label=_("Diastolic BP (mmHg)")))
    heart_rate = _limited(HEART_RATE, forms.IntegerField(label=_("Heart rate (/min)")))
    temperature_c = _limited(
        TEMPERATURE_C,
        forms.DecimalField(label=_("Temperature (°C)"), max_digits=3, decimal_places=1),
    )
    # A clinical judgement: no score is pre-selected.
    ecog = forms.TypedChoiceField(
        label=_("ECOG performance status"),
        coerce=int,
        empty_value=None,
        error_messages=_required(_("Choose the ECOG performance status.")),
        choices=[
            ("", _("— choose")),
            (0, _("0 — Fully active")),
            (1, _("1 — Restricted in strenuous activity, ambulatory")),
            (2, _("2 — Ambulatory, self-care, unable to work; up more than half of waking hours")),
            (
                3,
                _("3 — Limited self-care; confined to bed or chair more than half of waking hours"),
            ),
            (4, _("4 — Completely disabled; totally confined to bed or chair")),
        ],
    )

    def service_kwargs(self) -> dict:
        """The values the service takes: its field list (``VITALS_FIELDS``), this form's fields."""
        return {name: self.cleaned_data.get(name) for name in VITALS_FIELDS}


class VitalSignsEditForm(AuditedEditForm, VitalSignsForm):
    pass


# --- Concomitant medications ---------------------------------------------------------------------
class AdverseEventChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        term = f"{obj.term}: {obj.term_specify}" if obj.term_specify else obj.term
        return gettext("%(term)s, grade %(grade)s, from %(date)s") % {
            "term": term,
            "grade": obj.grade,
            "date": date_format(obj.start_date),
        }


class ConcomitantMedicationForm(forms.Form):
    """The medication as the source names it; whether it is ongoing is stated, never assumed."""

    name = forms.CharField(
        label=_("Medication (as written in the source)"),
        max_length=200,
        error_messages=_required(c.CM_NAME_REQUIRED),
    )
    atc_code = forms.CharField(
        label=_("ATC code (optional)"),
        max_length=7,
        required=False,
        help_text=_("7 characters, e.g. A04AA01 (ondansetron)."),
    )
    indication = forms.CharField(
        label=_("Indication"),
        max_length=200,
        error_messages=_required(c.CM_INDICATION_REQUIRED),
    )
    adverse_event = AdverseEventChoice(
        label=_("Adverse event treated (optional)"),
        queryset=None,
        required=False,
        empty_label=_("— none (not given for an adverse event)"),
    )
    dose = forms.DecimalField(
        label=_("Dose"),
        max_digits=8,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"min": "0.01", "step": "any"}),
        error_messages=_required(c.CM_DOSE_POSITIVE),
    )
    unit = forms.ChoiceField(
        label=_("Dose unit"), choices=_blank(_("— choose"), c.DoseUnit.choices)
    )
    route = forms.ChoiceField(label=_("Route"), choices=_blank(_("— choose"), c.Route.choices))
    frequency = forms.ChoiceField(
        label=_("Frequency"), choices=_blank(_("— choose"), c.Frequency.choices)
    )
    start_date = forms.DateField(
        label=_("Start date"), widget=DATE, error_messages=_required(c.CM_START_REQUIRED)
    )
    ongoing = forms.TypedChoiceField(
        label=_("Ongoing"),
        choices=SERIOUS_CHOICES,
        coerce=lambda value: value == "True",
        widget=forms.RadioSelect,
        error_messages=_required(c.CM_ONGOING_REQUIRED),
    )
    stop_date = forms.DateField(
        label=_("Stop date"), widget=DATE, required=False, help_text=_("Only when not ongoing.")
    )

    def __init__(self, *args, adverse_events=None, **kwargs):
        kwargs.pop("patient", None)
        super().__init__(*args, **kwargs)
        self.fields["adverse_event"].queryset = adverse_events

    def service_kwargs(self) -> dict:
        """The values the service takes: its field list (``CM_FIELDS``), this form's fields."""
        return {name: self.cleaned_data.get(name) for name in CM_FIELDS}


class ConcomitantMedicationEditForm(AuditedEditForm, ConcomitantMedicationForm):
    pass
