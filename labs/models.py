"""Laboratories, their dated normal ranges, lab results, immune draws and import batches.

Every model is audited and written only through ``labs.services`` / ``labs.imports``.
``ImportBatch``/``ImportChunk`` (an uploaded file and its dry-run report) are not trial data
(``CLINICAL_DATA = False``); every result an import creates goes through the audited
``lab_result_create``.
"""

from django.conf import settings
from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from edc.access.models import Site
from edc.audit.models import AuditedModel
from patients.models import Patient

from .catalogue import ANALYTES, analyte
from .constants import DrawEvent, Flag, ImportStatus, Sex, Source

ANALYTE_CHOICES = [(a.code, a.label) for a in ANALYTES]


def _decimal(**kwargs) -> models.DecimalField:
    # 14 digits, 6 places: the largest physiological limit (100 000 cells/µL) and the finest
    # converted precision (3 places for counts) both fit.
    return models.DecimalField(max_digits=14, decimal_places=6, **kwargs)


class Laboratory(AuditedModel):
    """A laboratory that analyses samples of one site (a site may use several)."""

    SITE_LOOKUP = "site"
    PATIENT_LOOKUP = None

    code = models.CharField(
        max_length=20, unique=True, help_text=_("Short code used in central-lab import files.")
    )
    name = models.CharField(max_length=200)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="laboratories")

    class Meta:
        ordering = ["site__code", "code"]
        verbose_name_plural = _("laboratories")

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class ReferenceRange(AuditedModel):
    """A laboratory's normal range for one analyte, valid from ``effective_from`` on.

    Ranges are versioned by date: a new range is a new row with a later ``effective_from``;
    a result is judged against the range valid on its collection date (``labs.ranges``).
    Limits are in the analyte's standard unit.
    """

    SITE_LOOKUP = "lab__site"
    PATIENT_LOOKUP = None

    lab = models.ForeignKey(Laboratory, on_delete=models.PROTECT, related_name="ranges")
    analyte = models.CharField(max_length=20, choices=ANALYTE_CHOICES)
    sex = models.CharField(max_length=1, choices=Sex.choices, blank=True, default=Sex.ANY)
    low = _decimal()
    high = _decimal()
    effective_from = models.DateField()

    class Meta:
        ordering = ["lab__code", "analyte", "sex", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["lab", "analyte", "sex", "effective_from"],
                name="reference_range_one_version_per_date",
            ),
            models.CheckConstraint(
                condition=models.Q(low__gte=0) & models.Q(low__lte=models.F("high")),
                name="reference_range_low_le_high",
            ),
        ]

    def __str__(self) -> str:
        sex = f" ({self.get_sex_display()})" if self.sex else ""
        return (
            f"{self.lab.code} {self.analyte}{sex} {self.low}-{self.high}"
            f" from {date_format(self.effective_from)}"
        )

    @property
    def unit(self) -> str:
        return analyte(self.analyte).unit


class ImmuneDraw(AuditedModel):
    """One immune-monitoring blood draw (baseline, 13 days after IMP321 injection 6 and 12).

    Its immune-panel values are ``LabResult`` rows linked by ``LabResult.immune_draw`` (collected
    at ``drawn_at`` by ``lab``), so every value has the same unit conversion, audit trail, API
    and export as any other lab result.
    """

    # The calendar event a draw fulfils (IMM-BL, IMM-INJ6, IMM-INJ12): an event signature
    # covers it and a change to it invalidates that signature.
    EVENT_LOOKUP = "event_code"
    # The sample ID is a laboratory barcode that links back to the hospital record.
    IDENTIFYING_FIELDS = frozenset({"sample_id"})

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="immune_draws")
    event_code = models.CharField(_("Draw"), max_length=12, choices=DrawEvent.choices)
    drawn_at = models.DateTimeField(_("date and time drawn"))
    sample_id = models.CharField(_("sample ID"), max_length=40, unique=True)
    processing_minutes = models.PositiveIntegerField(
        _("Time to processing (minutes)"), help_text=_("From the draw to the start of processing.")
    )
    lab = models.ForeignKey(Laboratory, on_delete=models.PROTECT, related_name="immune_draws")
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["patient_id", "drawn_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "event_code"], name="immune_draw_one_per_event"
            ),
        ]

    def __str__(self) -> str:
        return f"Immune draw {self.sample_id} — {self.patient}"


class ImportBatch(AuditedModel):
    """An uploaded central-lab CSV file and the state of its import.

    Not trial data (``CLINICAL_DATA = False``: never locked, verified or signed) but audited
    like everything in a clinical app: every status change and progress step is a version
    with its reason. The file itself is kept in the import storage (``labs.storage``), not in
    the database, and read as a stream; ``checksum`` identifies the very same file uploaded
    again.
    """

    SITE_LOOKUP = None
    PATIENT_LOOKUP = None
    CLINICAL_DATA = False

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filename = models.CharField(max_length=255)
    stored_name = models.CharField(max_length=255, help_text=_("Name in the import storage."))
    size = models.PositiveIntegerField()
    checksum = models.CharField(max_length=64, db_index=True, help_text=_("SHA-256 of the file."))
    status = models.CharField(
        max_length=12, choices=ImportStatus.choices, default=ImportStatus.CHECKING
    )
    asynchronous = models.BooleanField(default=False)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    rejected_rows = models.PositiveIntegerField(default=0)
    imported_rows = models.PositiveIntegerField(default=0)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("lab import")
        ordering = ["-id"]
        verbose_name_plural = _("lab imports")

    def __str__(self) -> str:
        return f"Lab import {self.filename}"

    @property
    def uploaded_at(self):
        return self.created_at

    @property
    def is_running(self) -> bool:
        return self.status in (ImportStatus.CHECKING, ImportStatus.COMMITTING)

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.COMMITTED:
            return 100
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0


class ImportChunk(AuditedModel):
    """The dry-run report (then the commit outcome) of consecutive rows of an import file.

    ``rows`` holds one dict per data row: the raw fields (``subject_id``, ``collected_at``,
    ``analyte``, ``value``, ``unit``, ``lab``), ``line``, ``status`` (``RowStatus``),
    ``reason``, and for valid rows the resolved ``patient_id``, ``lab_id``, ``at`` (ISO
    collection time) and, once imported, ``result_id``. A chunk is written in one transaction,
    so the report grows — and the progress moves — chunk by chunk.
    """

    SITE_LOOKUP = None
    PATIENT_LOOKUP = None
    CLINICAL_DATA = False

    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="chunks")
    first_line = models.PositiveIntegerField()
    last_line = models.PositiveIntegerField()
    rows = models.JSONField(default=list)
    valid_rows = models.PositiveIntegerField(default=0)
    rejected_rows = models.PositiveIntegerField(default=0)
    imported_rows = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("part of a lab import")
        ordering = ["batch_id", "first_line"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "first_line"], name="import_chunk_unique_start"
            ),
        ]

    def __str__(self) -> str:
        return f"Lines {self.first_line}-{self.last_line} of {self.batch}"


class LabResult(AuditedModel):
    """One laboratory value of a patient, as reported and in the standard unit.

    ``flag``, ``ctcae_grade`` and the normal limits are stored as computed at entry (the
    regulator needs what the investigator saw); ``reference_range`` names the range used.
    The natural key (patient, lab, analyte, collected_at) makes imports idempotent.
    """

    # A value of an immune draw belongs to the draw's event; other results to no event.
    EVENT_LOOKUP = "immune_draw__event_code"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="lab_results")
    lab = models.ForeignKey(Laboratory, on_delete=models.PROTECT, related_name="results")
    analyte = models.CharField(max_length=20, choices=ANALYTE_CHOICES)
    collected_at = models.DateTimeField(_("collection date and time"))
    original_value = models.CharField(max_length=40, help_text=_("The value as reported."))
    original_unit = models.CharField(max_length=20)
    standard_value = _decimal()
    standard_unit = models.CharField(max_length=20)
    reference_range = models.ForeignKey(
        ReferenceRange, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    normal_low = _decimal(null=True, blank=True)
    normal_high = _decimal(null=True, blank=True)
    flag = models.CharField(max_length=1, choices=Flag.choices, blank=True, default=Flag.NORMAL)
    ctcae_grade = models.PositiveSmallIntegerField(
        _("CTCAE grade"), null=True, blank=True, help_text=_("Empty when CTCAE does not grade it.")
    )
    comment = models.TextField(blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    import_batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="results"
    )
    immune_draw = models.ForeignKey(
        ImmuneDraw, on_delete=models.PROTECT, null=True, blank=True, related_name="results"
    )

    class Meta:
        ordering = ["patient_id", "collected_at", "analyte"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "lab", "analyte", "collected_at"],
                name="lab_result_natural_key",
            ),
            models.CheckConstraint(
                condition=models.Q(ctcae_grade__isnull=True) | models.Q(ctcae_grade__lte=4),
                name="lab_result_grade_0_to_4",
            ),
            models.CheckConstraint(
                condition=~models.Q(source=Source.IMPORT) | models.Q(import_batch__isnull=False),
                name="lab_result_import_has_batch",
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "analyte", "collected_at"], name="lab_result_series"),
            models.Index(fields=["updated_at"], name="lab_result_updated"),
        ]

    def __str__(self) -> str:
        value = f"{self.standard_value} {self.standard_unit}"
        return f"Lab result {self.analyte} {value} — {self.patient}"

    @property
    def analyte_name(self) -> str:
        """The analyte's name as shown on pages (in the user's language)."""
        return analyte(self.analyte).label

    @property
    def panel(self) -> str:
        return analyte(self.analyte).panel
