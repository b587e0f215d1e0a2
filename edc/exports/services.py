"""Writes of the exports package: the export log, export jobs and their build.

Exports read clinical data only through ``ExportContext`` (scoped like every selector); the
only rows written here are the log of exports and the package jobs, which are not trial data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import tempfile
from collections.abc import Iterable, Iterator

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation

from edc import protocol
from edc.access.roles import is_deidentified
from edc.access.selectors import user_role
from edc.archive.acrf import package_acrf_pdf

from . import package
from .constants import (
    FILE_CHUNK_BYTES,
    JOB_CLAIM_SECONDS,
    JOB_TRANSITIONS,
    PACKAGE,
    ExportFormat,
    JobStatus,
)
from .context import ExportContext
from .models import ExportFileChunk, ExportJob, ExportLog
from .validators import ExportParams

logger = logging.getLogger(__name__)
BUILD_TASK = "edc.exports.build_package"


# --- Export log ----------------------------------------------------------------------------------
def export_log_start(
    *,
    user,
    what: str,
    fmt: str,
    channel: str,
    params: ExportParams,
    extra_filters: dict | None = None,
    job: ExportJob | None = None,
) -> ExportLog:
    """Record that ``user`` starts an export (before the first byte leaves)."""
    return ExportLog.objects.create(
        user=user,
        role=user_role(user) or "",
        what=what,
        format=fmt,
        channel=channel,
        filters={**params.as_filters(), **(extra_filters or {})},
        as_of=params.as_of,
        deidentified=is_deidentified(user),
        job=job,
    )


def export_log_finish(log: ExportLog, *, rows: int) -> ExportLog:
    """Complete the log row once the export's last byte has been generated."""
    log.row_count = rows
    log.finished_at = timezone.now()
    log.save(update_fields=["row_count", "finished_at"])
    return log


def logged_stream(pieces: Iterable[bytes], *, log: ExportLog, counter) -> Iterator[bytes]:
    """Pass ``pieces`` through; complete ``log`` with the row count when they are exhausted."""
    yield from pieces
    export_log_finish(log, rows=counter.rows)


# --- Jobs ----------------------------------------------------------------------------------------
def _move(job: ExportJob, target: str) -> None:
    if target not in JOB_TRANSITIONS[job.status]:
        raise ValidationError(
            {"__all__": f"An export job cannot go from {job.status} to {target}."}
        )
    job.status = target


def _enqueue(job_id: int) -> None:
    """Hand the job to a worker after the surrounding transaction commits (inline if eager).

    Written to the outbox with the job: a broker that is down delays the build, never loses it.
    """
    from edc.outbox.services import outbox_enqueue

    outbox_enqueue(
        task=BUILD_TASK, args=[job_id], key=str(job_id), what=f"the build of export job {job_id}"
    )


@transaction.atomic
def export_job_request(*, user, params: ExportParams, channel: str) -> ExportJob:
    """Create a package job for ``user`` and enqueue its build; the request is logged."""
    job = ExportJob.objects.create(
        requested_by=user,
        role=user_role(user) or "",
        as_of=params.as_of,
        filename=_filename(params.as_of),
    )
    export_log_start(
        user=user,
        what=PACKAGE,
        fmt=ExportFormat.ZIP,
        channel=channel,
        params=params,
        extra_filters={"job": job.pk},
        job=job,
    )
    _enqueue(job.pk)
    return job


def _filename(as_of: dt.datetime | None) -> str:
    stamp = timezone.localtime(as_of or timezone.now())
    suffix = "as-of-" if as_of else ""
    return f"{protocol.TRIAL_ID}-{suffix}{stamp:%Y%m%dT%H%M}.zip"


def _claim(job_id: int, token: str) -> ExportJob | None:
    """Take the job for this worker, or None when it is done or another worker holds it."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().get(pk=job_id)
        if job.status in (JobStatus.DONE, JobStatus.FAILED):
            return None
        stale = timezone.now() - dt.timedelta(seconds=JOB_CLAIM_SECONDS)
        if job.status == JobStatus.RUNNING and job.claimed_at and job.claimed_at > stale:
            return None
        _move(job, JobStatus.RUNNING)
        job.claim, job.claimed_at, job.progress, job.step = token, timezone.now(), 0, ""
        job.save(update_fields=["status", "claim", "claimed_at", "progress", "step"])
        return job


def _progress(job: ExportJob):
    def report(percent: int, step: str) -> None:
        job.progress, job.step = min(int(percent), 99), step[:40]
        job.save(update_fields=["progress", "step"])

    return report


def _store(job: ExportJob, token: str, fileobj, *, size: int, sha256: str, manifest: dict) -> bool:
    """Store the built file if this worker still holds the job (else a newer claim won)."""
    with transaction.atomic():
        locked = ExportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != JobStatus.RUNNING or locked.claim != token:
            return False
        ExportFileChunk.objects.filter(job=locked).delete()
        fileobj.seek(0)
        seq = 0
        while piece := fileobj.read(FILE_CHUNK_BYTES):
            ExportFileChunk.objects.create(job=locked, seq=seq, data=piece)
            seq += 1
        _move(locked, JobStatus.DONE)
        locked.size, locked.sha256, locked.manifest = size, sha256, manifest
        locked.progress, locked.step, locked.finished_at = 100, "", timezone.now()
        locked.save()
    log = locked.logs.filter(what=PACKAGE, row_count__isnull=True).order_by("id").first()
    if log is not None:
        export_log_finish(log, rows=sum(f["rows"] for f in manifest["files"] if f["domain"]))
    return True


def _fail(job: ExportJob, token: str, error: str) -> None:
    with transaction.atomic():
        locked = ExportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != JobStatus.RUNNING or locked.claim != token:
            return
        _move(locked, JobStatus.FAILED)
        locked.error, locked.finished_at = error[:2000], timezone.now()
        locked.save(update_fields=["status", "error", "finished_at"])


def export_package_build(*, job_id: int) -> ExportJob:
    """Build a package job's zip. Idempotent: a done job, or one another worker is building,
    is left as it is; a build whose worker died (stale claim) is taken over.

    Runs outside any request transaction (a worker, or ``on_commit`` in eager mode), so the
    progress it saves is visible to the page polling it.
    """
    token = secrets.token_hex(16)
    job = _claim(job_id, token)
    if job is None:
        return ExportJob.objects.get(pk=job_id)
    ctx = ExportContext(user=job.requested_by, as_of=job.as_of)
    try:
        # An exchange package: English whatever the language of the request that queued it.
        with tempfile.TemporaryFile() as handle, translation.override("en"):
            manifest = package.write_package(
                handle, ctx=ctx, progress=_progress(job), annotated_crf=package_acrf_pdf()
            )
            size = handle.tell()
            handle.seek(0)
            digest = hashlib.sha256()
            while piece := handle.read(FILE_CHUNK_BYTES):
                digest.update(piece)
            _store(job, token, handle, size=size, sha256=digest.hexdigest(), manifest=manifest)
    except Exception as exc:
        logger.exception("Export job %s failed", job_id)
        _fail(job, token, f"{type(exc).__name__}: {exc}")
        raise
    return ExportJob.objects.get(pk=job_id)


def export_job_download_logged(*, job: ExportJob, user, channel: str) -> ExportLog:
    """Log the download of a built package (its rows are the manifest's dataset rows)."""
    params = ExportParams(as_of=job.as_of)
    log = export_log_start(
        user=user,
        what=PACKAGE,
        fmt=ExportFormat.ZIP,
        channel=channel,
        params=params,
        extra_filters={"job": job.pk, "download": True},
        job=job,
    )
    rows = sum(f["rows"] for f in job.manifest.get("files", []) if f.get("domain"))
    return export_log_finish(log, rows=rows)
