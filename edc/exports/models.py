"""Export jobs (the zip package built by a worker), their stored file, and the export log.

None of these is trial data: they are not audited records (``AuditedModel``) but the
``ExportLog`` is itself the audit of exports — who took which data, in which format, with
which filters, as of when, and how many rows. It is written for every export and download.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .constants import Channel, ExportFormat, JobStatus

USER = settings.AUTH_USER_MODEL


class ExportJob(models.Model):
    """One request for the full export package (every domain, the data dictionary, ODM).

    Built by the Celery task ``edc.exports.build_package`` (inline when Celery is eager); the
    zip is stored in ``ExportFileChunk`` rows, so any web server can stream it back whichever
    machine built it (the lab-import precedent: no shared media volume is needed).
    """

    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=20, help_text="The requester's trial role at the time.")
    requested_at = models.DateTimeField(default=timezone.now)
    as_of = models.DateTimeField(
        null=True, blank=True, help_text="Empty: the current data (live tables)."
    )
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    step = models.CharField(max_length=40, blank=True, help_text="What the worker is writing.")
    # The worker that builds it (a random token) and since when: a redelivered task leaves a
    # fresh claim alone and takes over a stale one.
    claim = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    filename = models.CharField(max_length=120, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    manifest = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="export_job_progress_pct"),
            models.CheckConstraint(
                condition=~Q(status=JobStatus.DONE)
                | Q(finished_at__isnull=False, progress=100) & ~Q(sha256=""),
                name="export_job_done_has_file",
            ),
        ]
        indexes = [models.Index(fields=["requested_by", "requested_at"], name="export_job_user")]

    def __str__(self) -> str:
        return f"Export package #{self.pk} ({self.get_status_display()})"

    @property
    def is_running(self) -> bool:
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING)

    @property
    def is_done(self) -> bool:
        return self.status == JobStatus.DONE


class ExportFileChunk(models.Model):
    """One piece (``FILE_CHUNK_BYTES``) of a built package, in order."""

    job = models.ForeignKey(ExportJob, on_delete=models.CASCADE, related_name="chunks")
    seq = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        ordering = ["job_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["job", "seq"], name="export_file_chunk_unique_seq")
        ]

    def __str__(self) -> str:
        return f"{self.job} chunk {self.seq}"


class ExportLog(models.Model):
    """Who exported what: one row per export or download (21 CFR 11.10(e) for data leaving).

    Created when the export starts; ``row_count`` and ``finished_at`` are filled in when its
    last byte has been generated (they stay empty for an export the client abandoned).
    """

    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=20)
    at = models.DateTimeField(default=timezone.now)
    what = models.CharField(
        max_length=12, help_text='A domain code (DM, AE…), "PACKAGE", "ODM" or "DICTIONARY".'
    )
    format = models.CharField(max_length=6, choices=ExportFormat.choices)
    channel = models.CharField(max_length=4, choices=Channel.choices)
    filters = models.JSONField(default=dict, blank=True)
    as_of = models.DateTimeField(null=True, blank=True)
    deidentified = models.BooleanField(default=False)
    row_count = models.PositiveBigIntegerField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    job = models.ForeignKey(
        ExportJob, on_delete=models.PROTECT, null=True, blank=True, related_name="logs"
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["user", "at"], name="export_log_user_at"),
            models.Index(fields=["at"], name="export_log_at"),
        ]

    def __str__(self) -> str:
        return f"{self.user} exported {self.what} ({self.format}) at {self.at}"
