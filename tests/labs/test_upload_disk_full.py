"""Uploads are stored atomically: a full disk leaves nothing behind and the next upload works;
a file whose upload failed is removed at once, or by the sweep when no handler saw the failure.

The full disk is real: a 256 KiB tmpfs mounted as the import folder (needs root, as in CI).
"""

import io
import os
import shutil
import subprocess
import time

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from edc.operations.storage import DISK_FULL, TEMPORARY_PREFIX
from labs import imports
from labs.constants import ImportStatus
from labs.models import ImportBatch

from ..conftest import require_real_service
from .test_imports import csv_bytes, stamp

TMPFS_BYTES = 256 * 1024


def files_in(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def small_disk(tmp_path, settings):
    """A real 256 KiB file system as the import folder, unmounted afterwards."""
    folder = tmp_path / "small-disk"
    folder.mkdir()
    mount = shutil.which("mount")
    done = (
        subprocess.run(  # noqa: S603
            [mount, "-t", "tmpfs", "-o", f"size={TMPFS_BYTES}", "tmpfs", str(folder)],
            capture_output=True,
            check=False,
        )
        if mount
        else None
    )
    require_real_service(done is not None and done.returncode == 0, "tmpfs mount (root)")
    settings.LAB_IMPORT_ROOT = folder
    try:
        yield folder
    finally:
        subprocess.run([shutil.which("umount"), str(folder)], check=True)  # noqa: S603


def big_file(patient) -> bytes:
    """A well-formed CSV larger than the whole small disk."""
    row = f"{patient.subject_id},{stamp(2)},ANC,2,10^9/L,FR01-LAB"
    content = csv_bytes(*[row] * (2 * TMPFS_BYTES // len(row)))
    assert len(content) > TMPFS_BYTES
    return content


@pytest.mark.django_db
def test_an_upload_on_a_full_disk_says_so_keeps_nothing_and_the_next_upload_works(
    small_disk, enrolled, lab, web, investigator
):
    patient = enrolled()
    client = web(investigator)
    response = client.post(
        reverse("labs:imports"),
        {"file": SimpleUploadedFile("big.csv", big_file(patient), "text/csv")},
    )
    assert response.status_code == 200
    assert DISK_FULL in response.content.decode().replace("&#x27;", "'")
    assert response.context["form"].errors["file"] == [DISK_FULL]
    assert not ImportBatch.objects.exists()
    assert files_in(small_disk) == []  # neither the file nor its temporary part
    assert shutil.disk_usage(small_disk).used < TMPFS_BYTES // 4

    content = csv_bytes(f"{patient.subject_id},{stamp(2)},ANC,2,10^9/L,FR01-LAB")
    response = client.post(
        reverse("labs:imports"), {"file": SimpleUploadedFile("c.csv", content, "text/csv")}
    )
    batch = ImportBatch.objects.get()
    assert response.url == reverse("labs:import_detail", args=[batch.pk])
    assert batch.status == ImportStatus.CHECKED and batch.valid_rows == 1
    assert files_in(small_disk) == [batch.stored_name]
    assert (small_disk / batch.stored_name).read_bytes() == content


@pytest.mark.django_db
def test_the_upload_service_refuses_on_a_disk_already_full_and_works_once_space_is_freed(
    small_disk, enrolled, lab, investigator
):
    patient = enrolled()
    filler = small_disk / "filler.bin"
    with open(filler, "wb", buffering=0) as f, pytest.raises(OSError):
        while True:  # fill the disk to the last byte
            f.write(b"\0" * 4096)
    content = csv_bytes(f"{patient.subject_id},{stamp(2)},ANC,2,10^9/L,FR01-LAB")
    with pytest.raises(ValidationError) as refused:
        imports.import_batch_upload(user=investigator, filename="c.csv", chunks=[content])
    assert refused.value.message_dict == {"file": [DISK_FULL]}
    assert not ImportBatch.objects.exists()
    assert files_in(small_disk) == ["filler.bin"]

    filler.unlink()
    batch = imports.import_batch_upload(user=investigator, filename="c.csv", chunks=[content])
    assert batch.valid_rows == 1
    assert files_in(small_disk) == [batch.stored_name]
    assert not any(p.name.startswith(TEMPORARY_PREFIX) for p in small_disk.rglob("*"))


@pytest.mark.django_db
def test_a_stored_file_is_deleted_when_the_upload_fails_after_storing_it(
    import_root, enrolled, lab, investigator, monkeypatch
):
    patient = enrolled()

    def broken(*args, **kwargs):
        raise RuntimeError("database write failed")

    monkeypatch.setattr(imports, "audited_create", broken)
    content = csv_bytes(f"{patient.subject_id},{stamp(2)},ANC,2,10^9/L,FR01-LAB")
    with pytest.raises(RuntimeError):
        imports.import_batch_upload(user=investigator, filename="c.csv", chunks=[content])
    assert files_in(import_root) == []


@pytest.mark.django_db
def test_a_file_left_by_a_rolled_back_request_is_swept_and_batch_files_are_kept(
    import_root, enrolled, lab, investigator
):
    """The request's transaction (ATOMIC_REQUESTS) fails after the upload service returned."""
    patient = enrolled()
    content = csv_bytes(f"{patient.subject_id},{stamp(2)},ANC,2,10^9/L,FR01-LAB")
    kept = imports.import_batch_upload(user=investigator, filename="a.csv", chunks=[content])
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        lost = imports.import_batch_upload(user=investigator, filename="b.csv", chunks=[content])
        1 / 0  # noqa: B018
    assert not ImportBatch.objects.filter(pk=lost.pk).exists()
    orphan = lost.stored_name
    assert sorted(files_in(import_root)) == sorted([kept.stored_name, orphan])
    stale = (import_root / orphan).parent / f"{TEMPORARY_PREFIX}crash.part"
    stale.write_bytes(b"half")

    out = io.StringIO()
    call_command("sweep_uploads", stdout=out)  # a fresh orphan may be an upload in progress
    assert "Removed 0 orphaned file(s)" in out.getvalue()
    day_ago = time.time() - 25 * 3600
    for path in import_root.rglob("*"):
        os.utime(path, (day_ago, day_ago))
    call_command("sweep_uploads", "--dry-run", stdout=out)
    assert len(files_in(import_root)) == 3
    out = io.StringIO()
    call_command("sweep_uploads", stdout=out)
    assert "Removed 2 orphaned file(s)" in out.getvalue()
    assert files_in(import_root) == [kept.stored_name]
