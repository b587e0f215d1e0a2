"""Tumour assessments (RECIST 1.1), adverse events (CTCAE v5), vital signs and ECOG.

Facts only: lesions and their measurements, AE terms and grades, vital signs. RECIST sums and
responses are computed by ``assessments.recist``; the computed timepoint response is also
stored on each follow-up *as shown at entry* (docs/architecture.md, "Derived values"), audited,
beside the investigator's own reading.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from edc.audit.models import AuditedModel
from patients.models import Patient

from . import constants as c
from . import ctcae


class TumourAssessment(AuditedModel):
    """One RECIST 1.1 timepoint: the baseline (with its lesions) or a follow-up."""

    # The calendar event it fulfils (for e-signatures of an event, edc.monitoring).
    EVENT_LOOKUP = "calendar_code"

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="tumour_assessments"
    )
    kind = models.CharField(max_length=10, choices=c.AssessmentKind.choices)
    assessment_date = models.DateField()
    method = models.CharField(max_length=12, choices=c.ImagingMethod.choices)
    # The calendar event this assessment fulfils (TUM-BL, TUM-W8, ...); blank = unscheduled.
    calendar_code = models.CharField(_("calendar event"), max_length=20, blank=True, editable=False)
    # Follow-up only.
    non_target_status = models.CharField(
        max_length=24, choices=c.NonTargetStatus.choices, blank=True
    )
    new_lesion = models.CharField(
        max_length=12, choices=c.NewLesion.choices, default=c.NewLesion.NONE
    )
    new_lesion_description = models.TextField(blank=True)
    investigator_response = models.CharField(
        _("Investigator's timepoint response"),
        max_length=16,
        choices=c.ResponseChoice.choices,
        blank=True,
    )
    # Computed by assessments.recist when saved (follow-up responses; sum at every timepoint).
    computed_sum_mm = models.DecimalField(
        _("sum of diameters (mm, computed)"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        editable=False,
    )
    computed_target_response = models.CharField(
        _("target response (computed)"),
        max_length=16,
        choices=c.ResponseChoice.choices,
        blank=True,
        editable=False,
    )
    computed_overall_response = models.CharField(
        _("overall response (computed)"),
        max_length=16,
        choices=c.ResponseChoice.choices,
        blank=True,
        editable=False,
    )
    response_disagrees = models.BooleanField(default=False, editable=False)
    comments = models.TextField(blank=True)
    # Soft checks the user confirmed before saving (edc.validators.stored_acknowledgements).
    warnings_acknowledged = models.TextField(_("Warnings confirmed at entry"), blank=True)

    class Meta:
        ordering = ["patient_id", "assessment_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(kind=c.AssessmentKind.BASELINE),
                name="tumour_one_baseline_per_patient",
            ),
            models.UniqueConstraint(
                fields=["patient", "assessment_date"], name="tumour_one_assessment_per_date"
            ),
            models.UniqueConstraint(
                fields=["patient", "calendar_code"],
                condition=~Q(calendar_code=""),
                name="tumour_one_assessment_per_calendar_event",
            ),
            models.CheckConstraint(
                condition=~Q(kind=c.AssessmentKind.BASELINE)
                | Q(
                    non_target_status="",
                    new_lesion=c.NewLesion.NONE,
                    investigator_response="",
                    computed_overall_response="",
                ),
                name="tumour_baseline_has_no_response",
            ),
            models.CheckConstraint(
                condition=Q(response_disagrees=False)
                | (~Q(investigator_response="") & ~Q(computed_overall_response="")),
                name="tumour_disagreement_needs_both_responses",
            ),
        ]
        indexes = [
            models.Index(fields=["response_disagrees"], name="tumour_disagrees_idx"),
        ]

    def __str__(self) -> str:
        values = {"date": date_format(self.assessment_date), "patient": self.patient}
        if self.is_baseline:
            return gettext("Baseline tumour assessment %(date)s — %(patient)s") % values
        return gettext("Follow-up tumour assessment %(date)s — %(patient)s") % values

    @property
    def is_baseline(self) -> bool:
        return self.kind == c.AssessmentKind.BASELINE


class TargetLesion(AuditedModel):
    """A baseline target lesion: longest diameter, or short axis for a lymph node."""

    SITE_LOOKUP = "assessment__patient__site"
    PATIENT_LOOKUP = "assessment__patient"
    EVENT_LOOKUP = "assessment__calendar_code"
    # Removed by the assessment services through audited_delete (edc.operations.dbroles).
    AUDITED_DELETE = True
    FREE_TEXT_FIELDS = frozenset({"location"})  # as typed (edc.audit.privacy)

    assessment = models.ForeignKey(
        TumourAssessment, on_delete=models.PROTECT, related_name="target_lesions"
    )
    label = models.CharField(max_length=8)
    organ = models.CharField(max_length=16, choices=c.Organ.choices)
    location = models.CharField(max_length=120, blank=True)
    diameter_mm = models.DecimalField(
        _("Baseline diameter (mm)"),
        max_digits=5,
        decimal_places=1,
        help_text=_("Longest diameter; short axis for a lymph node."),
    )

    class Meta:
        ordering = ["assessment_id", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "label"], name="target_lesion_unique_label"
            ),
            models.CheckConstraint(
                condition=Q(diameter_mm__gt=0), name="target_lesion_diameter_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_organ_display()})"

    @property
    def is_node(self) -> bool:
        return self.organ in c.NODAL_ORGANS

    @property
    def patient(self) -> Patient:
        return self.assessment.patient


class NonTargetLesion(AuditedModel):
    """A baseline non-target lesion (present at baseline; followed as a whole)."""

    SITE_LOOKUP = "assessment__patient__site"
    PATIENT_LOOKUP = "assessment__patient"
    EVENT_LOOKUP = "assessment__calendar_code"
    # Removed by the assessment services through audited_delete (edc.operations.dbroles).
    AUDITED_DELETE = True
    FREE_TEXT_FIELDS = frozenset({"location"})  # as typed (edc.audit.privacy)

    assessment = models.ForeignKey(
        TumourAssessment, on_delete=models.PROTECT, related_name="non_target_lesions"
    )
    label = models.CharField(max_length=8)
    organ = models.CharField(max_length=16, choices=c.Organ.choices)
    location = models.CharField(max_length=120, blank=True)

    class Meta:
        verbose_name = _("non-target lesion")
        ordering = ["assessment_id", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "label"], name="non_target_lesion_unique_label"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_organ_display()})"

    @property
    def patient(self) -> Patient:
        return self.assessment.patient


class LesionMeasurement(AuditedModel):
    """A baseline target lesion re-measured at a follow-up."""

    SITE_LOOKUP = "assessment__patient__site"
    PATIENT_LOOKUP = "assessment__patient"
    EVENT_LOOKUP = "assessment__calendar_code"
    # Removed by the assessment services through audited_delete (edc.operations.dbroles).
    AUDITED_DELETE = True

    assessment = models.ForeignKey(
        TumourAssessment, on_delete=models.PROTECT, related_name="measurements"
    )
    lesion = models.ForeignKey(TargetLesion, on_delete=models.PROTECT, related_name="measurements")
    diameter_mm = models.DecimalField(
        _("diameter (mm)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    too_small = models.BooleanField(_("Too small to measure"), default=False)
    not_evaluable = models.BooleanField(default=False)

    class Meta:
        ordering = ["assessment_id", "lesion_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "lesion"], name="measurement_one_per_lesion"
            ),
            # Exactly one of: a diameter, "too small to measure", "not evaluable".
            models.CheckConstraint(
                condition=Q(diameter_mm__isnull=False, too_small=False, not_evaluable=False)
                | Q(diameter_mm__isnull=True, too_small=True, not_evaluable=False)
                | Q(diameter_mm__isnull=True, too_small=False, not_evaluable=True),
                name="measurement_one_state",
            ),
            models.CheckConstraint(
                condition=Q(diameter_mm__isnull=True) | Q(diameter_mm__gte=0),
                name="measurement_diameter_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lesion.label}: {self.display_value}"

    @property
    def state(self) -> str:
        if self.too_small:
            return c.MeasurementState.TOO_SMALL
        if self.not_evaluable:
            return c.MeasurementState.NOT_EVALUABLE
        return c.MeasurementState.MEASURED

    @property
    def display_value(self) -> str:
        if self.too_small:
            return gettext("too small")
        if self.not_evaluable:
            return "NE"
        return f"{self.diameter_mm} mm"

    @property
    def patient(self) -> Patient:
        return self.assessment.patient


class AdverseEvent(AuditedModel):
    """An adverse event graded by NCI CTCAE v5.0 (term stored as MedDRA code + term).

    Dose reductions in ``dosing`` point here (a FK to ``assessments.AdverseEvent``).
    """

    FREE_TEXT_FIELDS = frozenset({"term_specify"})  # as typed (edc.audit.privacy)

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="adverse_events")
    meddra_code = models.CharField(_("MedDRA code"), max_length=8)
    term = models.CharField(_("CTCAE term"), max_length=200)
    term_specify = models.CharField(
        _("Specify (“Other, specify” terms)"), max_length=200, blank=True
    )
    grade = models.PositiveSmallIntegerField(
        _("CTCAE grade"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    start_date = models.DateField()
    stop_date = models.DateField(null=True, blank=True, help_text=_("Empty while ongoing."))
    serious = models.BooleanField(_("Serious (SAE)"), default=False)
    sae_criteria = models.JSONField(_("Seriousness criteria"), default=list, blank=True)
    sae_aware_at = models.DateTimeField(_("Site aware of the SAE"), null=True, blank=True)
    sae_reported_at = models.DateTimeField(_("SAE reported"), null=True, blank=True)
    reported_late = models.BooleanField(default=False, editable=False)
    relation_paclitaxel = models.CharField(
        _("Relation to paclitaxel"), max_length=12, choices=c.Relation.choices
    )
    relation_imp321 = models.CharField(
        _("Relation to IMP321"), max_length=12, choices=c.Relation.choices
    )
    action_taken = models.CharField(max_length=14, choices=c.ActionTaken.choices)
    outcome = models.CharField(max_length=14, choices=c.AEOutcome.choices)
    death_date = models.DateField(null=True, blank=True)
    comments = models.TextField(blank=True)

    class Meta:
        ordering = ["patient_id", "start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(grade__gte=1) & Q(grade__lte=5), name="ae_grade_1_to_5"
            ),
            models.CheckConstraint(
                condition=Q(stop_date__isnull=True) | Q(stop_date__gte=F("start_date")),
                name="ae_stop_not_before_start",
            ),
            models.CheckConstraint(
                condition=Q(grade=c.FATAL_GRADE, death_date__isnull=False)
                | (~Q(grade=c.FATAL_GRADE) & Q(death_date__isnull=True)),
                name="ae_grade_5_iff_death_date",
            ),
            models.CheckConstraint(
                condition=Q(death_date__isnull=True) | Q(death_date__gte=F("start_date")),
                name="ae_death_not_before_start",
            ),
            models.CheckConstraint(
                condition=Q(serious=True, sae_aware_at__isnull=False, sae_reported_at__isnull=False)
                | Q(
                    serious=False,
                    sae_aware_at__isnull=True,
                    sae_reported_at__isnull=True,
                    reported_late=False,
                ),
                name="ae_sae_has_awareness_and_report",
            ),
            models.CheckConstraint(
                condition=Q(sae_reported_at__isnull=True)
                | Q(sae_reported_at__gte=F("sae_aware_at")),
                name="ae_report_not_before_awareness",
            ),
        ]
        # The AE list, newest first, one page at a time: read in index order, not sorted
        # from every AE of the user's sites (issue 24).
        indexes = [
            models.Index(fields=["serious", "reported_late"], name="ae_sae_late_idx"),
            models.Index(fields=["start_date", "id"], name="ae_start_date_idx"),
        ]

    def __str__(self) -> str:
        term = f"{self.term}: {self.term_specify}" if self.term_specify else self.term
        return gettext("Adverse event %(term)s, grade %(grade)s, from %(start)s — %(patient)s") % {
            "term": term,
            "grade": self.grade,
            "start": date_format(self.start_date),
            "patient": self.patient,
        }

    @property
    def grade_definition(self) -> str:
        """The CTCAE v5.0 text of this grade for this term (from the data file, no query)."""
        term = ctcae.term_by_code(self.meddra_code)
        return term["grades"].get(str(self.grade), "") if term else ""


class VitalSigns(AuditedModel):
    """Vital signs and ECOG performance status (screening and each cycle day 1)."""

    EVENT_LOOKUP = "visit"  # PAC-C1D1 … PAC-C6D1 (screening/unscheduled match no event)

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="vital_signs")
    visit = models.CharField(max_length=12, choices=c.VITALS_VISITS)
    measured_on = models.DateField(_("date measured"))
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=4, decimal_places=1)
    height_cm = models.DecimalField(
        _("height (cm)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    systolic_bp = models.PositiveSmallIntegerField(_("Systolic BP (mmHg)"))
    diastolic_bp = models.PositiveSmallIntegerField(_("Diastolic BP (mmHg)"))
    heart_rate = models.PositiveSmallIntegerField(_("Heart rate (/min)"))
    temperature_c = models.DecimalField(_("Temperature (°C)"), max_digits=3, decimal_places=1)
    ecog = models.PositiveSmallIntegerField(
        _("ECOG performance status"), validators=[MinValueValidator(0), MaxValueValidator(4)]
    )

    class Meta:
        verbose_name = _("vital signs")
        verbose_name_plural = _("vital signs")
        ordering = ["patient_id", "measured_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "visit"],
                condition=~Q(visit=c.UNSCHEDULED_VISIT),
                name="vitals_one_per_scheduled_visit",
            ),
            models.CheckConstraint(condition=Q(ecog__lte=4), name="vitals_ecog_0_to_4"),
            models.CheckConstraint(
                condition=Q(diastolic_bp__lt=F("systolic_bp")),
                name="vitals_diastolic_below_systolic",
            ),
            models.CheckConstraint(condition=Q(weight_kg__gt=0), name="vitals_weight_positive"),
        ]

    def __str__(self) -> str:
        return gettext("Vital signs %(date)s — %(patient)s") % {
            "date": date_format(self.measured_on),
            "patient": self.patient,
        }


class ConcomitantMedication(AuditedModel):
    """A medication taken during the study besides the trial drugs: the verbatim name (coding
    to a licensed dictionary is out of scope), an optional WHO ATC code, and the adverse event
    it treats, when it treats one."""

    FREE_TEXT_FIELDS = frozenset({"name", "indication"})  # as typed (edc.audit.privacy)

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="concomitant_medications"
    )
    name = models.CharField(_("medication (as in the source)"), max_length=200)
    atc_code = models.CharField(_("ATC code"), max_length=7, blank=True)
    indication = models.CharField(max_length=200)
    dose = models.DecimalField(max_digits=8, decimal_places=2)
    unit = models.CharField(_("dose unit"), max_length=12, choices=c.DoseUnit.choices)
    route = models.CharField(max_length=12, choices=c.Route.choices)
    frequency = models.CharField(max_length=16, choices=c.Frequency.choices)
    start_date = models.DateField(_("start date"))
    # A clinical fact the site states: no default.
    ongoing = models.BooleanField()
    stop_date = models.DateField(_("stop date"), null=True, blank=True)
    adverse_event = models.ForeignKey(
        AdverseEvent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="medications",
        verbose_name=_("adverse event treated"),
    )

    class Meta:
        verbose_name = _("concomitant medication")
        ordering = ["patient_id", "start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ongoing=True, stop_date__isnull=True)
                | Q(ongoing=False, stop_date__isnull=False),
                name="conmed_stop_date_iff_not_ongoing",
            ),
            models.CheckConstraint(
                condition=Q(stop_date__isnull=True) | Q(stop_date__gte=F("start_date")),
                name="conmed_stop_not_before_start",
            ),
            models.CheckConstraint(condition=Q(dose__gt=0), name="conmed_dose_positive"),
        ]

    def __str__(self) -> str:
        return gettext("Concomitant medication %(name)s, from %(start)s — %(patient)s") % {
            "name": self.name,
            "start": date_format(self.start_date),
            "patient": self.patient,
        }
