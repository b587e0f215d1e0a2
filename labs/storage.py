"""Where uploaded central-lab files are kept: a file storage shared by web and workers.

The location is ``settings.LAB_IMPORT_ROOT`` if set, else ``<MEDIA_ROOT>/lab-imports`` (with
``MEDIA_ROOT`` defaulting to ``<BASE_DIR>/media``). In production it must be a volume that the
web servers and the Celery workers both mount: the worker that checks or imports a large file
reads it from there. Files are written once and never changed; the database keeps their name,
size and SHA-256. A file is written to a temporary name and moved into place atomically, and
deleted again if the upload's transaction rolls back (``edc.operations.storage``).
"""

from pathlib import Path

from django.conf import settings

from edc.operations.storage import AtomicFileSystemStorage


def import_root() -> Path:
    configured = getattr(settings, "LAB_IMPORT_ROOT", None)
    if configured:
        return Path(configured)
    media = getattr(settings, "MEDIA_ROOT", "") or Path(settings.BASE_DIR) / "media"
    return Path(media) / "lab-imports"


def import_storage() -> AtomicFileSystemStorage:
    """Read per call, so a changed setting (tests, operators) takes effect at once."""
    return AtomicFileSystemStorage(location=import_root())
