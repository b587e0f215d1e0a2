"""Uploaded files are stored atomically, and removed again when their upload fails.

:class:`AtomicFileSystemStorage` writes a file to a temporary name in its final directory
(``.upload-*.part``), fsyncs it, then ``os.replace``s it into place (and fsyncs the directory):
a reader sees the whole file or nothing. On any error (a full disk: ``ENOSPC``) the temporary
file is removed and the error raised, so nothing is left behind and the next upload works.

:func:`delete_on_error` removes the stored file when the rest of the upload fails (the
transaction then rolls back, so no row names the file). What no exception handler sees (the
process killed before its commit, a rollback of a surrounding transaction after the upload
service returned) is swept later: :func:`sweep_orphans` (``manage.py sweep_uploads``) removes
files no row names, once they are older than any transaction.

:func:`save_upload` turns a full disk into a message for the user.
"""

from __future__ import annotations

import datetime as dt
import errno
import logging
import os
import tempfile
import time
from contextlib import contextmanager, suppress
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage, Storage
from django.utils._os import safe_makedirs

logger = logging.getLogger(__name__)

TEMPORARY_PREFIX = ".upload-"
DISK_FULL = (
    "The server's disk is full: the file could not be stored and nothing was saved. "
    "Please try again later and tell the trial's IT support."
)
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS


def _fsync_directory(directory: str) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class AtomicFileSystemStorage(FileSystemStorage):
    """A ``FileSystemStorage`` whose files appear whole or not at all."""

    def _save(self, name, content):
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        if self.directory_permissions_mode is not None:
            safe_makedirs(directory, self.directory_permissions_mode, exist_ok=True)
        else:
            os.makedirs(directory, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=TEMPORARY_PREFIX, suffix=".part", dir=directory)
        try:
            with os.fdopen(fd, "wb") as f:
                for chunk in content.chunks():
                    f.write(chunk)
                f.flush()
                os.fsync(f.fileno())
            if self.file_permissions_mode is not None:
                os.chmod(temporary, self.file_permissions_mode)
            while not self._allow_overwrite and os.path.lexists(full_path):
                name = self.get_available_name(name)
                full_path = self.path(name)
            os.replace(temporary, full_path)
        except BaseException:
            with suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        _fsync_directory(directory)
        return str(os.path.relpath(full_path, self.location)).replace("\\", "/")


@contextmanager
def delete_on_error(storage: Storage, name: str):
    """Delete the stored file ``name`` if the block raises (its transaction then rolls back)."""
    try:
        yield
    except BaseException:
        try:
            storage.delete(name)
        except OSError:
            logger.exception("Could not delete %s after its upload failed", name)
        raise


def sweep_orphans(
    root: Path, *, referenced: set[str], older_than: dt.timedelta, dry_run: bool = False
) -> list[str]:
    """Remove files under ``root`` that no database row names (and leftover temporary parts).

    Only files older than ``older_than`` are touched, so an upload whose transaction is still
    open is never removed. Returns the removed names (relative to ``root``).
    """
    cutoff = time.time() - older_than.total_seconds()
    removed = []
    for path in sorted(p for p in Path(root).rglob("*") if p.is_file()):
        name = path.relative_to(root).as_posix()
        if name in referenced and not path.name.startswith(TEMPORARY_PREFIX):
            continue
        try:
            if path.stat().st_mtime >= cutoff:
                continue
            if not dry_run:
                path.unlink()
        except FileNotFoundError:
            continue
        removed.append(name)
    return removed


def save_upload(storage: Storage, name: str, content, *, field: str = "file") -> str:
    """Store an uploaded file atomically (see :class:`AtomicFileSystemStorage`).

    A full disk raises ``ValidationError({field: DISK_FULL})``: nothing is stored.
    """
    try:
        stored = storage.save(name, content)
    except OSError as exc:
        if not is_disk_full(exc):
            raise
        logger.error("Upload refused, the disk is full: %s", exc)
        raise ValidationError({field: DISK_FULL}) from None
    return stored
