"""Where uploaded central-lab files are kept: a file storage shared by web and workers.

The location is ``settings.LAB_IMPORT_ROOT`` if set, else ``<MEDIA_ROOT>/lab-imports`` (with
``MEDIA_ROOT`` defaulting to ``<BASE_DIR>/media``). In production it must be a volume that the
web servers and the Celery workers both mount: the worker that checks or imports a large file
reads it from there. Files are written once and never changed; the database keeps their name,
size and SHA-256. A file is written to a temporary name and moved into place atomically, and
deleted at once if the upload fails after storing it (``edc.operations.storage``); files that
no handler could delete (a process killed before commit) are removed by the daily sweep.
"""

import datetime as dt
from pathlib import Path

from django.conf import settings

from edc.operations.storage import AtomicFileSystemStorage, sweep_orphans


def import_root() -> Path:
    configured = getattr(settings, "LAB_IMPORT_ROOT", None)
    if configured:
        return Path(configured)
    media = getattr(settings, "MEDIA_ROOT", "") or Path(settings.BASE_DIR) / "media"
    return Path(media) / "lab-imports"


def import_storage() -> AtomicFileSystemStorage:
    """Read per call, so a changed setting (tests, operators) takes effect at once."""
    return AtomicFileSystemStorage(location=import_root())


def import_files_sweep(
    *, older_than: dt.timedelta = dt.timedelta(hours=24), dry_run: bool = False
) -> list[str]:
    """Remove stored files that no import batch names (older than ``older_than``).

    Catches what no exception handler sees: a process killed between storing a file and
    committing its batch, or an outer transaction rolled back after the upload returned. Files
    younger than ``older_than`` are never touched, so an upload in progress is safe. Returns
    the names removed (or that would be, with ``dry_run``).
    """
    from .models import ImportBatch

    root = import_root()
    if not root.is_dir():
        return []
    referenced = set(ImportBatch.objects.values_list("stored_name", flat=True))
    return sweep_orphans(root, referenced=referenced, older_than=older_than, dry_run=dry_run)
