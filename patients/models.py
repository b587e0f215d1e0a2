from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from edc import protocol
from edc.access.models import Site
from edc.audit.models import AuditedModel

from . import constants as msg
from .constants import EndReason, PatientStatus, PriorTherapyType, Sex, TherapySetting

# The only moves a patient's status makes (patients.services.patient_set_status, as data
# queries, deviations and export jobs have theirs): screening ends in enrolment or screen
# failure; a patient not yet off study can end the study; off study is final.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    PatientStatus.SCREENING: frozenset(
        {PatientStatus.ENROLLED, PatientStatus.SCREEN_FAILED, PatientStatus.OFF_STUDY}
    ),
    PatientStatus.SCREEN_FAILED: frozenset({PatientStatus.OFF_STUDY}),
    PatientStatus.ENROLLED: frozenset({PatientStatus.OFF_STUDY}),
    PatientStatus.OFF_STUDY: frozenset(),
}
# What the user reads when a move is refused, by the status asked for.
STATUS_REFUSED = {
    PatientStatus.ENROLLED: msg.NOT_IN_SCREENING,
    PatientStatus.SCREEN_FAILED: msg.NOT_IN_SCREENING,
    PatientStatus.OFF_STUDY: msg.ALREADY_OFF_STUDY,
}


class Cohort(AuditedModel):
    """The open/closed state of a dose cohort; dose and capacity live in edc.protocol.

    The row also serialises enrolment: ``patient_enrol`` locks it (SELECT … FOR UPDATE), so
    the capacity check and the insert are atomic across concurrent requests.
    """

    SITE_LOOKUP = None
    PATIENT_LOOKUP = None

    code = models.CharField(
        max_length=1, unique=True, choices=[(c.code, c.title) for c in protocol.COHORTS]
    )
    is_open = models.BooleanField(default=False)
    opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        permissions = [("open_cohort", "Can open the next dose cohort")]

    def __str__(self) -> str:
        return str(self.declaration.title)

    @property
    def declaration(self) -> protocol.Cohort:
        return protocol.cohort(self.code)


class Patient(AuditedModel):
    SITE_LOOKUP = "site"
    PATIENT_LOOKUP = "pk"
    # Withheld from de-identified readers (edc.audit.privacy); the patients API gives an age.
    IDENTIFYING_FIELDS = frozenset({"screening_number", "year_of_birth", "screening_date"})

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="patients")
    screening_number = models.CharField(max_length=20)
    screening_date = models.DateField()
    year_of_birth = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    sex = models.CharField(max_length=1, choices=Sex.choices)
    status = models.CharField(
        max_length=20, choices=PatientStatus.choices, default=PatientStatus.SCREENING
    )
    # Enrolment
    subject_id = models.CharField(
        _("subject ID"), max_length=12, unique=True, null=True, blank=True
    )
    cohort = models.ForeignKey(
        Cohort, on_delete=models.PROTECT, null=True, blank=True, related_name="patients"
    )
    enrolled_on = models.DateField(null=True, blank=True)
    c1d1_date = models.DateField(
        _("Cycle 1 day 1"), null=True, blank=True, help_text=_("Planned at enrolment, then actual.")
    )
    eligibility_waiver = models.TextField(blank=True)
    # Screen failure
    screen_failure_reason = models.TextField(blank=True)
    # End of treatment / study
    end_of_treatment_date = models.DateField(null=True, blank=True)
    end_of_treatment_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    end_of_study_date = models.DateField(null=True, blank=True)
    end_of_study_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    consent_withdrawn_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["site__code", "screening_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "screening_number"], name="patient_unique_screening_number"
            ),
            models.CheckConstraint(
                condition=models.Q(subject_id__isnull=True)
                | models.Q(cohort__isnull=False, enrolled_on__isnull=False),
                name="patient_enrolled_has_cohort_and_date",
            ),
        ]

    def __str__(self) -> str:
        return self.subject_id or f"{self.site.code} screening {self.screening_number}"

    @property
    def label(self) -> str:
        return str(self)


class Consent(AuditedModel):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consents")
    consent_date = models.DateField()
    form_version = models.CharField(_("Consent form version"), max_length=30)

    class Meta:
        ordering = ["consent_date", "id"]

    def __str__(self) -> str:
        return gettext("Consent (version %(version)s) — %(patient)s") % {
            "version": self.form_version,
            "patient": self.patient,
        }


class EligibilityAnswer(AuditedModel):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="eligibility")
    criterion = models.CharField(
        max_length=4, choices=[(c.code, c.text) for c in protocol.ELIGIBILITY_CRITERIA]
    )
    answer = models.BooleanField()
    source_date = models.DateField()

    class Meta:
        ordering = ["criterion"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "criterion"], name="eligibility_one_answer_per_criterion"
            )
        ]

    def __str__(self) -> str:
        return gettext("Eligibility criterion %(code)s — %(patient)s") % {
            "code": self.criterion,
            "patient": self.patient,
        }


# A calendar event still to do: no data, not documented as not done, not cancelled.
OPEN_CONDITION = models.Q(actual_date__isnull=True, cancelled_reason="", not_done_reason="")


class CalendarEvent(AuditedModel):
    """One planned event of a patient's calendar (generated from edc.protocol at enrolment).

    ``actual_date`` is set by the service that records the event's data (a dose, a draw, an
    assessment); ``not_done_reason`` documents an event that will not happen; ``cancelled_reason``
    is set for events left when treatment ended. Status is derived (patients.schedule).
    """

    # The stored label is English (exports); pages show the protocol's words in their language.
    SHOWN_VALUES = {"label": protocol.event_label_title}

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="calendar")
    code = models.CharField(max_length=20)
    kind = models.CharField(max_length=20, choices=protocol.EVENT_KINDS)
    label = models.CharField(max_length=80)
    cycle = models.PositiveSmallIntegerField(null=True, blank=True)
    day = models.PositiveSmallIntegerField(null=True, blank=True)
    sequence = models.PositiveSmallIntegerField(null=True, blank=True)
    planned_date = models.DateField()
    earliest = models.DateField()
    latest = models.DateField()
    actual_date = models.DateField(null=True, blank=True)
    not_done_reason = models.TextField(blank=True)
    cancelled_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["planned_date", "code"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "code"], name="calendar_event_unique_code"),
            models.CheckConstraint(
                condition=models.Q(earliest__lte=models.F("planned_date"))
                & models.Q(planned_date__lte=models.F("latest")),
                name="calendar_event_window_contains_planned",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "latest"], name="calendar_kind_latest_idx"),
            # Events still to do (no data, not documented as not done, not cancelled): a
            # fraction of the calendar, read by every site home page (issue 24: four scans
            # of the whole calendar, 180 ms at 3,333 patients a site, now 20 ms). By patient
            # for each patient's next event, by date for the to-do lists and their counts.
            models.Index(
                fields=["patient", "latest"],
                include=["planned_date", "earliest"],
                condition=OPEN_CONDITION,
                name="calendar_open_by_patient",
            ),
            models.Index(
                fields=["planned_date"],
                include=["patient", "latest", "id"],
                condition=OPEN_CONDITION,
                name="calendar_open_by_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} — {self.patient}"

    @property
    def title(self) -> str:
        """The event as the user reads it: the protocol's words in the user's language.
        ``label`` (stored, exported) stays English; an event the protocol no longer names, or
        names differently, shows its stored label."""
        return protocol.event_label_title(self.label)

    @property
    def has_data(self) -> bool:
        return self.actual_date is not None or bool(self.not_done_reason)


class MedicalHistory(AuditedModel):
    """A condition of the patient's medical history at screening: the condition as written in
    the source, and its MedDRA-coded term when the CTCAE v5.0 list has it (``patients.terms``)."""

    FREE_TEXT_FIELDS = frozenset({"condition"})  # as typed (edc.audit.privacy)

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="medical_history")
    condition = models.CharField(_("condition (as in the source)"), max_length=200)
    meddra_code = models.CharField(_("MedDRA code"), max_length=8, blank=True)
    meddra_term = models.CharField(_("MedDRA term (CTCAE v5.0)"), max_length=200, blank=True)
    start_date = models.DateField(_("start date"))
    # A clinical fact the site states: no default.
    ongoing = models.BooleanField(_("ongoing at screening"))
    end_date = models.DateField(_("end date"), null=True, blank=True)

    class Meta:
        verbose_name = _("medical history")
        verbose_name_plural = _("medical history")
        ordering = ["patient_id", "start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ongoing=True, end_date__isnull=True)
                | Q(ongoing=False, end_date__isnull=False),
                name="medical_history_end_date_iff_not_ongoing",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="medical_history_end_not_before_start",
            ),
        ]

    def __str__(self) -> str:
        start = date_format(self.start_date)
        return gettext("Medical history %(condition)s, from %(start)s — %(patient)s") % {
            "condition": self.condition,
            "start": start,
            "patient": self.patient,
        }


class PriorTherapy(AuditedModel):
    """A cancer therapy the patient received before the trial (the protocol excludes prior
    chemotherapy for metastatic disease: ``patients.eligibility`` reads these)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="prior_therapies")
    therapy_type = models.CharField(
        _("type of therapy"), max_length=20, choices=PriorTherapyType.choices
    )
    setting = models.CharField(max_length=20, choices=TherapySetting.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(
        _("end date"), null=True, blank=True, help_text=_("Empty while ongoing.")
    )
    description = models.TextField(
        blank=True, help_text=_("Regimen, drugs, cycles, site irradiated, surgery performed…")
    )

    class Meta:
        verbose_name = _("prior cancer therapy")
        verbose_name_plural = _("prior cancer therapies")
        ordering = ["patient_id", "start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="prior_therapy_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=~Q(therapy_type=PriorTherapyType.METASTATIC_CHEMO)
                | Q(setting=TherapySetting.METASTATIC),
                name="prior_therapy_metastatic_chemo_in_metastatic_setting",
            ),
        ]

    def __str__(self) -> str:
        start = date_format(self.start_date)
        return gettext("Prior therapy %(type)s, from %(start)s — %(patient)s") % {
            "type": self.get_therapy_type_display(),
            "start": start,
            "patient": self.patient,
        }
