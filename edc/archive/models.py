"""Archive jobs (a zip of PDF casebooks built by a worker), their stored file, and the log of
archive downloads.

None of these is trial data: a casebook is a rendering of audited records, so these rows are
not audited records; ``ArchiveDownload`` is itself the audit of what left the system — who took
which casebooks (one patient, a site, the trial or the blank annotated CRF), as of when, when.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .constants import DownloadKind, JobStatus

USER = settings.AUTH_USER_MODEL


class ArchiveJob(models.Model):
    """One request for the PDF casebooks of a site (or of the whole trial: ``site`` empty).

    Built by the Celery task ``edc.archive.build_casebooks`` (inline when Celery is eager);
    the zip is stored in ``ArchiveFileChunk`` rows, like the export package.
    """

    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=20, help_text="The requester's trial role at the time.")
    requested_at = models.DateTimeField(default=timezone.now)
    site = models.ForeignKey(
        "access.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: every site of the trial.",
    )
    as_of = models.DateTimeField(
        null=True, blank=True, help_text="Empty: the data as they were when the job was built."
    )
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    step = models.CharField(max_length=40, blank=True, help_text="What the worker is writing.")
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
            models.CheckConstraint(condition=Q(progress__lte=100), name="archive_job_progress_pct"),
            models.CheckConstraint(
                condition=~Q(status=JobStatus.DONE)
                | Q(finished_at__isnull=False, progress=100) & ~Q(sha256=""),
                name="archive_job_done_has_file",
            ),
        ]

    def __str__(self) -> str:
        if self.site_id:
            return _("PDF casebooks of site %(site)s (%(status)s)") % {
                "site": self.site.code,
                "status": self.get_status_display(),
            }
        return _("PDF casebooks of the whole trial (%(status)s)") % {
            "status": self.get_status_display()
        }

    @property
    def scope_label(self) -> str:
        """Which casebooks, in the reader's language."""
        if self.site_id:
            return _("Site %(site)s") % {"site": self.site.code}
        return _("The whole trial")

    @property
    def scope_code(self) -> str:
        """Which casebooks, in English (the zip's manifest)."""
        return f"Site {self.site.code}" if self.site_id else "The whole trial"

    @property
    def is_running(self) -> bool:
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING)

    @property
    def is_done(self) -> bool:
        return self.status == JobStatus.DONE


class ArchiveFileChunk(models.Model):
    """One piece (``FILE_CHUNK_BYTES``) of a built archive, in order."""

    job = models.ForeignKey(ArchiveJob, on_delete=models.CASCADE, related_name="chunks")
    seq = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        ordering = ["job_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["job", "seq"], name="archive_file_chunk_unique_seq")
        ]

    def __str__(self) -> str:
        return f"{self.job} part {self.seq + 1}"


class ArchiveDownload(models.Model):
    """Who took which casebooks, when (21 CFR 11.10(e) for data leaving the system)."""

    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=20)
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=10, choices=DownloadKind.choices)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    job = models.ForeignKey(
        ArchiveJob, on_delete=models.PROTECT, null=True, blank=True, related_name="downloads"
    )
    as_of = models.DateTimeField(null=True, blank=True)
    filename = models.CharField(max_length=160)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "at"], name="archive_download_user_at")]

    def __str__(self) -> str:
        return f"{self.user} downloaded {self.filename} on {self.at:%d %b %Y %H:%M}"
