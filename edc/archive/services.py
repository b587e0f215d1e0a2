"""Writes of the casebook archive: archive jobs, their build, and the log of downloads.

Casebooks read clinical data only through the scoping selectors, as the requester; the only
rows written here are jobs and the download log, which are not trial data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
import tempfile
import zipfile

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from edc import protocol
from edc.access import roles
from edc.access.selectors import user_role, user_site_ids

from . import constants as c
from .constants import BUILD_TASK, FILE_CHUNK_BYTES, JOB_CLAIM_SECONDS, JOB_TRANSITIONS, JobStatus
from .models import ArchiveDownload, ArchiveFileChunk, ArchiveJob
from .render import casebook_filename, casebook_pdf
from .selectors import archive_patients

logger = logging.getLogger(__name__)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- Download log --------------------------------------------------------------------------------
def archive_download_log(
    *,
    user,
    kind: str,
    filename: str,
    data: bytes | None = None,
    patient=None,
    job: ArchiveJob | None = None,
    as_of: dt.datetime | None = None,
) -> ArchiveDownload:
    """Record that ``user`` takes a casebook, an archive or the aCRF (before it leaves)."""
    if job is not None:
        size, digest = job.size, job.sha256
    else:
        size, digest = len(data or b""), sha256_hex(data or b"")
    return ArchiveDownload.objects.create(
        user=user,
        role=user_role(user) or "",
        kind=kind,
        patient=patient,
        job=job,
        as_of=as_of if job is None else job.as_of,
        filename=filename,
        size=size,
        sha256=digest,
    )


# --- Jobs ----------------------------------------------------------------------------------------
def _move(job: ArchiveJob, target: str) -> None:
    if target not in JOB_TRANSITIONS[job.status]:
        raise ValidationError(
            {"__all__": f"A casebook archive cannot go from {job.status} to {target}."}
        )
    job.status = target


def _filename(site, as_of: dt.datetime | None) -> str:
    stamp = timezone.localtime(as_of or timezone.now())
    where = site.code if site is not None else "all-sites"
    suffix = "as-of-" if as_of else ""
    return f"{protocol.TRIAL_ID}-casebooks-{where}-{suffix}{stamp:%Y%m%dT%H%M}.zip"


@transaction.atomic
def archive_job_request(*, user, site=None, as_of: dt.datetime | None = None) -> ArchiveJob:
    """Create the archive job of ``site`` (None: the whole trial) and enqueue its build.

    A monitor builds the casebooks of one of their sites; the whole trial is for roles that
    see every site (data managers).
    """
    roles.require(user, roles.ARCHIVE_CASEBOOKS)
    allowed = user_site_ids(user)
    if site is None and allowed is not None:
        raise ValidationError({"site": c.WHOLE_TRIAL_NOT_ALLOWED})
    if site is not None and allowed is not None and site.pk not in allowed:
        raise ValidationError({"site": c.SITE_NOT_YOURS})
    job = ArchiveJob.objects.create(
        requested_by=user,
        role=user_role(user) or "",
        site=site,
        as_of=as_of,
        filename=_filename(site, as_of),
    )
    from edc.outbox.services import outbox_enqueue

    outbox_enqueue(
        task=BUILD_TASK,
        args=[job.pk],
        key=str(job.pk),
        what=f"the build of casebook archive {job.pk}",
    )
    return job


def _claim(job_id: int, token: str) -> ArchiveJob | None:
    with transaction.atomic():
        job = ArchiveJob.objects.select_for_update().get(pk=job_id)
        if job.status in (JobStatus.DONE, JobStatus.FAILED):
            return None
        stale = timezone.now() - dt.timedelta(seconds=JOB_CLAIM_SECONDS)
        if job.status == JobStatus.RUNNING and job.claimed_at and job.claimed_at > stale:
            return None
        _move(job, JobStatus.RUNNING)
        job.claim, job.claimed_at, job.progress, job.step = token, timezone.now(), 0, ""
        job.save(update_fields=["status", "claim", "claimed_at", "progress", "step"])
        return job


def _report(job: ArchiveJob, percent: int, step: str) -> None:
    job.progress, job.step = min(int(percent), 99), step[:40]
    job.save(update_fields=["progress", "step"])


def write_archive(handle, *, job: ArchiveJob, progress=None) -> dict:
    """Write the zip of the job's casebooks into ``handle``; return its manifest.

    One PDF per patient the requester may see (``site/patient.pdf``), then ``manifest.json``
    (every file's SHA-256 and size) and ``SHA256SUMS`` (the same, for ``sha256sum -c``).
    """
    user = job.requested_by
    patients = list(archive_patients(user=user, site=job.site))
    files = []
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for i, patient in enumerate(patients, start=1):
            if progress is not None:
                progress(100 * (i - 1) // max(len(patients), 1), f"Casebook {i} of {len(patients)}")
            data = casebook_pdf(user=user, patient=patient, as_of=job.as_of)
            name = f"{patient.site.code}/{casebook_filename(patient, job.as_of)}"
            archive.writestr(name, data)
            files.append(
                {
                    "name": name,
                    "patient": str(patient),
                    "site": patient.site.code,
                    "size": len(data),
                    "sha256": sha256_hex(data),
                }
            )
        manifest = {
            "trial": protocol.TRIAL_ID,
            "scope": job.scope_code,
            "as_of": job.as_of.isoformat() if job.as_of else None,
            "generated_at": timezone.now().isoformat(),
            "user": user.get_username(),
            "role": job.role,
            "files": files,
        }
        archive.writestr(c.MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False))
        archive.writestr("SHA256SUMS", "".join(f"{f['sha256']}  {f['name']}\n" for f in files))
    return manifest


def _store(job: ArchiveJob, token: str, handle, *, size: int, digest: str, manifest: dict) -> bool:
    with transaction.atomic():
        locked = ArchiveJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != JobStatus.RUNNING or locked.claim != token:
            return False
        ArchiveFileChunk.objects.filter(job=locked).delete()
        handle.seek(0)
        seq = 0
        while piece := handle.read(FILE_CHUNK_BYTES):
            ArchiveFileChunk.objects.create(job=locked, seq=seq, data=piece)
            seq += 1
        _move(locked, JobStatus.DONE)
        locked.size, locked.sha256, locked.manifest = size, digest, manifest
        locked.progress, locked.step, locked.finished_at = 100, "", timezone.now()
        locked.save()
    return True


def _fail(job: ArchiveJob, token: str, error: str) -> None:
    with transaction.atomic():
        locked = ArchiveJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != JobStatus.RUNNING or locked.claim != token:
            return
        _move(locked, JobStatus.FAILED)
        locked.error, locked.finished_at = error[:2000], timezone.now()
        locked.save(update_fields=["status", "error", "finished_at"])


def archive_job_build(*, job_id: int) -> ArchiveJob:
    """Build an archive job's zip. Idempotent: a done job, or one another worker is building,
    is left as it is; a build whose worker died (stale claim) is taken over."""
    token = secrets.token_hex(16)
    job = _claim(job_id, token)
    if job is None:
        return ArchiveJob.objects.get(pk=job_id)
    try:
        with tempfile.TemporaryFile() as handle:
            manifest = write_archive(handle, job=job, progress=lambda p, s: _report(job, p, s))
            size = handle.tell()
            handle.seek(0)
            digest = hashlib.sha256()
            while piece := handle.read(FILE_CHUNK_BYTES):
                digest.update(piece)
            _store(job, token, handle, size=size, digest=digest.hexdigest(), manifest=manifest)
    except Exception as exc:
        logger.exception("Casebook archive %s failed", job_id)
        _fail(job, token, c.BUILD_FAILED)
        raise exc
    return ArchiveJob.objects.get(pk=job_id)


def archive_job_content(job: ArchiveJob):
    """The stored zip, piece by piece (constant memory)."""
    for chunk in ArchiveFileChunk.objects.filter(job=job).order_by("seq").iterator(chunk_size=1):
        yield bytes(chunk.data)
