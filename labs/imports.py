"""Services of the central-lab import: upload + dry run, commit, and the idempotent processor.

Flow (``ImportStatus``): upload checks the file's structure (encoding, CSV, header) — a
structurally bad file is refused with a clear message and nothing is stored — then keeps it
in the import storage (``labs.storage``). The batch starts ``checking``: every row is judged
(will import / rejected with a reason) and the report is stored as ``ImportChunk`` rows of
``CHUNK_ROWS`` lines → ``checked``. The user reviews the dry run and commits →
``committing``: every valid row is created through the audited ``lab_result_create``, all in
one transaction → ``committed``.

Files above ``settings.LAB_IMPORT_ASYNC_ROWS`` rows (default 2000) are processed by the Celery
task ``labs.import_batch``; smaller files in the request. Both paths call
:func:`import_batch_process`, which is idempotent: it looks at the batch's state, does what
is left, and a second or concurrent run changes nothing.

Progress: the dry run stores its report in chunks, each in its own transaction, so
``processed_rows`` moves while a worker checks a large file. The commit is all-or-nothing,
so other sessions see its progress only when it completes.

Idempotence of data: a result's natural key (patient, lab, analyte, collected_at) is unique;
a row whose key is already recorded is rejected as "already recorded", so importing the same
file again imports nothing. The file checksum is stored to tell the user they have uploaded
the same file before.

Batches and report chunks are audited records (``CLINICAL_DATA = False``): each progress step
and status change is a version with its reason, written through ``edc.audit.services``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from edc.access.selectors import scope_to_user_sites
from edc.audit.services import audited_create, audited_update
from edc.operations.storage import delete_on_error, save_upload
from edc.outbox.services import outbox_enqueue
from patients.models import Patient
from patients.selectors import patients_visible_to
from patients.services import consent_date_of

from . import constants as msg
from . import validators
from .catalogue import LabValueError, analyte
from .constants import (
    IMPORT_TRANSITIONS,
    RANGE_REQUIRED_PANELS,
    ImportStatus,
    RowStatus,
    Source,
)
from .importing import (
    FileProblem,
    RawRow,
    missing_field,
    parse_collected_at,
    parse_value,
    read_rows,
    scan,
)
from .models import ImportBatch, ImportChunk, Laboratory, LabResult, ReferenceRange
from .ranges import select_range
from .services import lab_result_create
from .storage import import_storage

logger = logging.getLogger(__name__)

CHUNK_ROWS = 500
SPOOL_BYTES = 1024 * 1024  # an upload is held in memory up to this size, then on disk


def async_threshold() -> int:
    return int(getattr(settings, "LAB_IMPORT_ASYNC_ROWS", 2000))


def max_bytes() -> int:
    return int(getattr(settings, "LAB_IMPORT_MAX_BYTES", 20 * 1024 * 1024))


def _messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _check_move(batch: ImportBatch, target: str) -> None:
    if target not in IMPORT_TRANSITIONS[batch.status]:
        raise ValidationError(
            {
                "__all__": msg.IMPORT_TRANSITION.format(
                    status=batch.get_status_display().lower(), target=target
                )
            }
        )


def _locked(batch_id: int) -> ImportBatch:
    return ImportBatch.objects.select_for_update().get(pk=batch_id)


def _enqueue(batch_id: int) -> None:
    """Hand the batch to a worker once the surrounding transaction has committed (outbox)."""
    outbox_enqueue(
        task="labs.import_batch",
        args=[batch_id],
        key=str(batch_id),
        what=f"lab import batch {batch_id}",
    )


# --- Upload and commit ---------------------------------------------------------------------------
@transaction.atomic
def import_batch_upload(*, user, filename: str, chunks: Iterable[bytes]) -> ImportBatch:
    """Keep an uploaded CSV file and start its dry run.

    Refuses (``ValidationError`` on ``file``) an empty, oversized, non-UTF-8 or non-CSV file, or
    one missing a column; nothing is kept then. Small files are checked at once; large ones by
    the Celery task (the returned batch is then still ``checking``). The upload is spooled
    (memory up to ``SPOOL_BYTES``, then a temporary file) while its SHA-256 is computed.
    """
    limit = max_bytes()
    digest = hashlib.sha256()
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        size = 0
        for chunk in chunks:
            size += len(chunk)
            if size > limit:
                raise ValidationError(
                    {"file": msg.IMPORT_TOO_LARGE.format(limit=limit // (1024 * 1024))}
                )
            digest.update(chunk)
            spool.write(chunk)
        if size == 0:
            raise ValidationError({"file": msg.IMPORT_EMPTY})
        spool.seek(0)
        try:
            total = scan(spool)
        except FileProblem as exc:
            raise ValidationError({"file": str(exc)}) from None
        spool.seek(0)
        # Atomic (temporary file, then rename); a full disk is a message on the field.
        storage = import_storage()
        stored_name = save_upload(
            storage, f"{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.csv", File(spool)
        )
    # Whatever fails from here rolls this transaction back: the file goes too (a file left by a
    # crash or by a rollback of a surrounding transaction is removed by `manage.py sweep_uploads`).
    with delete_on_error(storage, stored_name):
        batch = audited_create(
            ImportBatch(
                uploaded_by=user,
                filename=(filename or "upload.csv")[:255],
                stored_name=stored_name,
                size=size,
                checksum=digest.hexdigest(),
                total_rows=total,
                asynchronous=total > async_threshold(),
            ),
            user=user,
            reason="Central-lab file uploaded",
        )
        if batch.asynchronous:
            _enqueue(batch.pk)
            return batch
        return import_batch_process(batch_id=batch.pk)


@transaction.atomic
def import_batch_commit(*, user, batch: ImportBatch) -> ImportBatch:
    """Import the valid rows of a checked dry run (large files: by the Celery task)."""
    batch = _locked(batch.pk)
    if batch.status != ImportStatus.CHECKED:
        raise ValidationError({"__all__": msg.IMPORT_NOT_CHECKED})
    _check_move(batch, ImportStatus.COMMITTING)
    batch = audited_update(
        batch,
        user=user,
        reason="Import of the checked rows requested",
        expected_version=None,
        changes={"status": ImportStatus.COMMITTING, "committed_by": user, "processed_rows": 0},
    )
    if batch.asynchronous:
        _enqueue(batch.pk)
        return batch
    return import_batch_process(batch_id=batch.pk)


def same_file_imports(batch: ImportBatch) -> list[ImportBatch]:
    """Earlier committed batches of the very same file (by checksum)."""
    return list(
        ImportBatch.objects.filter(checksum=batch.checksum, status=ImportStatus.COMMITTED)
        .exclude(pk=batch.pk)
        .order_by("id")
    )


# --- The processor ------------------------------------------------------------------------------
def import_batch_process(*, batch_id: int) -> ImportBatch:
    """Advance a batch as far as it can go. Idempotent; safe on two workers at once.

    ``checking``: judge the rows not judged yet (resumes after a crash); ``committing``: import
    the valid rows. Any other state: nothing to do.
    """
    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.status == ImportStatus.CHECKING:
        _check(batch)
    elif batch.status == ImportStatus.COMMITTING:
        _commit(batch_id)
    return ImportBatch.objects.get(pk=batch_id)


class _Superseded(Exception):
    """Another worker moved the batch on; this one stops without writing."""


@dataclass
class _RowChecker:
    """Judges rows against the database with per-batch caches (subjects, labs, ranges)."""

    user: object
    patients: dict[str, Patient | None] = field(default_factory=dict)
    consent: dict[int, dt.date | None] = field(default_factory=dict)
    labs: dict[str, Laboratory | None] = field(default_factory=dict)
    ranges: dict[int, list[ReferenceRange]] = field(default_factory=dict)
    # natural key -> line of its first valid occurrence in this file
    seen: dict[tuple, int] = field(default_factory=dict)

    def patient(self, subject_id: str) -> Patient | None:
        if subject_id not in self.patients:
            # Scoped: a subject of a site the user cannot see is "unknown" (no existence leak).
            self.patients[subject_id] = (
                patients_visible_to(self.user).filter(subject_id=subject_id).first()
            )
        return self.patients[subject_id]

    def lab(self, code: str) -> Laboratory | None:
        key = code.strip().upper()
        if key not in self.labs:
            qs = scope_to_user_sites(Laboratory.objects.all(), self.user, site_lookup="site")
            self.labs[key] = qs.filter(code=key).first()
        return self.labs[key]

    def consent_date(self, patient: Patient) -> dt.date | None:
        if patient.pk not in self.consent:
            self.consent[patient.pk] = consent_date_of(patient)
        return self.consent[patient.pk]

    def lab_ranges(self, lab: Laboratory) -> list[ReferenceRange]:
        if lab.pk not in self.ranges:
            self.ranges[lab.pk] = list(ReferenceRange.objects.filter(lab=lab))
        return self.ranges[lab.pk]

    def judge(self, raw: RawRow) -> dict:
        """The report entry of one row (see ``ImportChunk.rows``)."""
        row = {
            "line": raw.line,
            "subject_id": raw.subject_id[:100],
            "collected_at": raw.collected_at[:100],
            "analyte": raw.analyte[:100],
            "value": raw.value[:100],
            "unit": raw.unit[:100],
            "lab": raw.lab[:100],
            "status": RowStatus.REJECTED.value,
            "reason": "",
        }
        row["reason"] = str(self._reason(raw, row))
        if not row["reason"]:
            row["status"] = RowStatus.VALID.value
        return row

    def _reason(self, raw: RawRow, row: dict) -> str:
        """The first reason to reject the row, or "" (and the row's resolved fields)."""
        if raw.extra_fields:
            return msg.ROW_EXTRA_FIELDS
        if column := missing_field(raw):
            return msg.ROW_MISSING.format(column=column)
        patient = self.patient(raw.subject_id)
        if patient is None:
            return msg.ROW_UNKNOWN_SUBJECT.format(subject=raw.subject_id)
        lab = self.lab(raw.lab)
        if lab is None:
            return msg.ROW_UNKNOWN_LAB.format(lab=raw.lab)
        if lab.site_id != patient.site_id:
            return msg.LAB_NOT_AT_SITE.format(lab=lab.code)
        try:
            a = analyte(raw.analyte.strip().upper())
        except LabValueError as exc:
            return str(exc)
        try:
            validators.standard_value(a.code, raw.value, raw.unit)
        except ValidationError as exc:
            if "unit" not in exc.message_dict and parse_value(raw.value) is None:
                return msg.ROW_NOT_A_NUMBER.format(value=raw.value)
            return _messages(exc)
        collected_at = parse_collected_at(raw.collected_at, tz=timezone.get_current_timezone())
        if collected_at is None:
            return msg.ROW_BAD_DATETIME.format(value=raw.collected_at)
        try:
            validators.validate_collected_at(
                collected_at,
                consent_date=self.consent_date(patient),
                consent_withdrawn_on=patient.consent_withdrawn_on,
            )
        except ValidationError as exc:
            return _messages(exc)
        on = timezone.localdate(collected_at)
        if a.panel in RANGE_REQUIRED_PANELS and not select_range(
            self.lab_ranges(lab), lab_id=lab.pk, analyte_code=a.code, sex=patient.sex, on=on
        ):
            return msg.NO_REFERENCE_RANGE.format(lab=lab.code, analyte=a.label, date=on)
        key = _key(patient.pk, lab.pk, a.code, collected_at)
        if key in self.seen:
            return msg.ROW_DUPLICATE_IN_FILE.format(line=self.seen[key])
        self.seen[key] = raw.line
        row.update(
            patient_id=patient.pk, lab_id=lab.pk, analyte=a.code, at=collected_at.isoformat()
        )
        return ""


def _key(patient_id: int, lab_id: int, analyte_code: str, at: dt.datetime) -> tuple:
    return (patient_id, lab_id, analyte_code, at.astimezone(dt.UTC))


def _row_key(row: dict) -> tuple:
    return _key(
        row["patient_id"], row["lab_id"], row["analyte"], dt.datetime.fromisoformat(row["at"])
    )


def _reject_recorded(rows: list[dict]) -> None:
    """Reject the chunk's valid rows whose natural key is already recorded (one query)."""
    valid = [r for r in rows if r["status"] == RowStatus.VALID]
    if not valid:
        return
    keys = {_row_key(r) for r in valid}
    recorded = {
        _key(*values)
        for values in LabResult.objects.filter(
            patient_id__in={k[0] for k in keys},
            analyte__in={k[2] for k in keys},
            collected_at__in={k[3] for k in keys},
        ).values_list("patient_id", "lab_id", "analyte", "collected_at")
    }
    for r in valid:
        if _row_key(r) in recorded:
            r["status"], r["reason"] = RowStatus.REJECTED.value, str(msg.ROW_ALREADY_IMPORTED)


def _counts(rows: list[dict]) -> dict[str, int]:
    return {
        f"{status}_rows": sum(1 for r in rows if r["status"] == status)
        for status in RowStatus.values
    }


def _check(batch: ImportBatch) -> None:
    # The report is stored: its reasons are written in English whatever the uploader's
    # language (in a request or a worker alike), translated when shown (selectors.row_reason).
    with translation.override("en"):
        _check_rows(batch)


def _check_rows(batch: ImportBatch) -> None:
    """The dry run: judge every row, store the report chunk by chunk (resumable)."""
    done = batch.processed_rows
    checker = _RowChecker(user=batch.uploaded_by)
    for chunk in ImportChunk.objects.filter(batch=batch).order_by("first_line"):
        for r in chunk.rows:
            if r["status"] == RowStatus.VALID:
                checker.seen[_row_key(r)] = r["line"]
    pending: list[dict] = []
    try:
        with import_storage().open(batch.stored_name, "rb") as stream:
            for index, raw in enumerate(read_rows(stream)):
                if index < done:
                    continue
                pending.append(checker.judge(raw))
                if len(pending) >= CHUNK_ROWS:
                    done = _store_chunk(batch.pk, pending, done)
                    pending = []
        if pending:
            done = _store_chunk(batch.pk, pending, done)
        _finish_check(batch.pk, done)
    except _Superseded:
        return


@transaction.atomic
def _store_chunk(batch_id: int, rows: list[dict], done: int) -> int:
    batch = _locked(batch_id)
    if batch.status != ImportStatus.CHECKING or batch.processed_rows != done:
        raise _Superseded
    _reject_recorded(rows)
    counts = _counts(rows)
    first, last = rows[0]["line"], rows[-1]["line"]
    audited_create(
        ImportChunk(
            batch=batch,
            first_line=first,
            last_line=last,
            rows=rows,
            valid_rows=counts["valid_rows"],
            rejected_rows=counts["rejected_rows"],
        ),
        user=batch.uploaded_by,
        reason="Dry run",
    )
    batch = audited_update(
        batch,
        user=batch.uploaded_by,
        reason=f"Dry run: lines {first}-{last} checked",
        expected_version=None,
        changes={
            "processed_rows": done + len(rows),
            "valid_rows": batch.valid_rows + counts["valid_rows"],
            "rejected_rows": batch.rejected_rows + counts["rejected_rows"],
        },
    )
    return batch.processed_rows


@transaction.atomic
def _finish_check(batch_id: int, done: int) -> None:
    batch = _locked(batch_id)
    if batch.status != ImportStatus.CHECKING or batch.processed_rows != done:
        raise _Superseded
    _check_move(batch, ImportStatus.CHECKED)
    audited_update(
        batch,
        user=batch.uploaded_by,
        reason="Dry run finished",
        expected_version=None,
        changes={"status": ImportStatus.CHECKED, "total_rows": done},
    )


def _commit(batch_id: int) -> None:
    with translation.override("en"):  # the stored reasons, as in ``_check``
        _commit_rows(batch_id)


@transaction.atomic
def _commit_rows(batch_id: int) -> None:
    """Create every valid row's result through the audited service, in one transaction.

    The batch row stays locked (SELECT … FOR UPDATE) for the whole import, so a second worker
    waits, then finds the batch committed and does nothing. Each row is re-validated by
    ``lab_result_create``: a row that became invalid since the dry run (the same result entered
    by hand meanwhile, a consent withdrawal, a lock) is rejected with its reason, not imported.
    """
    batch = _locked(batch_id)
    if batch.status != ImportStatus.COMMITTING:
        return
    user = batch.committed_by or batch.uploaded_by
    visible = set(patients_visible_to(user).values_list("pk", flat=True))
    patients: dict[int, Patient] = {}
    labs: dict[int, Laboratory] = {}
    ranges: dict[int, list[ReferenceRange]] = {}
    imported = rejected = processed = 0
    for chunk in ImportChunk.objects.filter(batch=batch, valid_rows__gt=0).order_by("first_line"):
        rows = [dict(r) for r in chunk.rows]
        for row in rows:
            if row["status"] != RowStatus.VALID:
                continue
            processed += 1
            outcome = _import_row(
                row,
                batch=batch,
                user=user,
                visible=visible,
                patients=patients,
                labs=labs,
                ranges=ranges,
            )
            row.update(outcome)
            if outcome["status"] == RowStatus.IMPORTED:
                imported += 1
            else:
                rejected += 1
        counts = _counts(rows)
        audited_update(
            chunk,
            user=user,
            reason="Import committed",
            expected_version=None,
            changes={"rows": rows, **counts},
        )
    _check_move(batch, ImportStatus.COMMITTED)
    audited_update(
        batch,
        user=user,
        reason=f"Import committed: {imported} results imported",
        expected_version=None,
        changes={
            "status": ImportStatus.COMMITTED,
            "imported_rows": imported,
            "valid_rows": batch.valid_rows - imported - rejected,
            "rejected_rows": batch.rejected_rows + rejected,
            "processed_rows": processed,
            "committed_at": timezone.now(),
        },
    )


def _import_row(row: dict, *, batch, user, visible, patients, labs, ranges) -> dict:
    """Create one valid row's result; returns the row's new status, reason and result."""
    if row["patient_id"] not in visible:
        return {
            "status": RowStatus.REJECTED.value,
            "reason": str(msg.ROW_UNKNOWN_SUBJECT).format(subject=row["subject_id"]),
        }
    if row["patient_id"] not in patients:
        patients[row["patient_id"]] = Patient.objects.select_related("site").get(
            pk=row["patient_id"]
        )
    if row["lab_id"] not in labs:
        labs[row["lab_id"]] = Laboratory.objects.get(pk=row["lab_id"])
        ranges[row["lab_id"]] = list(ReferenceRange.objects.filter(lab_id=row["lab_id"]))
    try:
        with transaction.atomic():
            result = lab_result_create(
                user=user,
                patient=patients[row["patient_id"]],
                lab=labs[row["lab_id"]],
                analyte=row["analyte"],
                collected_at=dt.datetime.fromisoformat(row["at"]),
                value=row["value"],
                unit=row["unit"],
                source=Source.IMPORT,
                import_batch=batch,
                ranges=ranges[row["lab_id"]],
            )
    except ValidationError as exc:
        return {"status": RowStatus.REJECTED.value, "reason": _messages(exc)}
    except IntegrityError:
        return {"status": RowStatus.REJECTED.value, "reason": str(msg.ROW_ALREADY_IMPORTED)}
    return {"status": RowStatus.IMPORTED.value, "reason": "", "result_id": result.pk}
