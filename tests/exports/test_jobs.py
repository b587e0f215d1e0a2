"""The full package: built by the Celery task (eagerly here), with progress, a manifest whose
checksums match its files, idempotent per job, downloadable only by its requester."""

import hashlib
import io
import json
import zipfile

import pytest

from edc.exports import odm, services
from edc.exports.constants import JobStatus
from edc.exports.domains import DOMAINS
from edc.exports.models import ExportFileChunk, ExportJob
from edc.exports.tasks import build_package
from edc.exports.validators import ExportParams

from .conftest import content, csv_rows


def request_job(user, django_capture_on_commit_callbacks, **params) -> ExportJob:
    with django_capture_on_commit_callbacks(execute=True):
        job = services.export_job_request(user=user, params=ExportParams(**params), channel="web")
    job.refresh_from_db()
    return job


@pytest.mark.django_db
def test_the_package_is_built_inline_in_eager_mode_and_its_manifest_matches_its_files(
    trial, statistician, django_capture_on_commit_callbacks
):
    job = request_job(statistician, django_capture_on_commit_callbacks)
    assert job.status == JobStatus.DONE and job.progress == 100
    data = b"".join(bytes(c.data) for c in ExportFileChunk.objects.filter(job=job).order_by("seq"))
    assert len(data) == job.size and hashlib.sha256(data).hexdigest() == job.sha256
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest == job.manifest
    assert manifest["user"] == "stat" and manifest["role"] == "statistician"
    assert manifest["deidentified"] is True and manifest["odm_schema_valid"] is True
    assert manifest["as_of"] is None and manifest["generated_at"]
    names = [f["name"] for f in manifest["files"]]
    assert names[: len(DOMAINS) + 3] == [f"{d.code.lower()}.csv" for d in DOMAINS] + [
        "define.csv",
        "codelists.csv",
        "odm.xml",
    ]
    # The submission files (tests/exports/test_define_xml.py and beside it check them).
    stems = [d.code.lower() for d in DOMAINS]
    assert set(names[len(DOMAINS) + 3 :]) == {
        "define.xml",
        "define.html",
        "define2-1.xsl",
        "acrf.pdf",
        *(f"{s}.xpt" for s in stems),
        *(f"dataset-json/{s}.json" for s in stems),
        *(f"dataset-ndjson/{s}.ndjson" for s in stems),
    }
    assert manifest["define_schema_valid"] is True
    # The blank annotated CRF rides with the package, and define.xml points at it.
    assert archive.read("acrf.pdf").startswith(b"%PDF")
    assert b'xlink:href="acrf.pdf"' in archive.read("define.xml")
    for entry in manifest["files"]:
        member = archive.read(entry["name"])
        assert hashlib.sha256(member).hexdigest() == entry["sha256"], entry["name"]
        assert len(member) == entry["bytes"]
        if entry["domain"]:
            assert len(csv_rows(member)) == entry["rows"], entry["name"]
    assert odm.validate(io.BytesIO(archive.read("odm.xml"))) == []


@pytest.mark.django_db
def test_progress_is_saved_step_by_step_while_the_package_is_built(
    trial, data_manager, monkeypatch, django_capture_on_commit_callbacks
):
    seen = []
    original = ExportJob.save

    def spy(self, *args, **kwargs):
        if kwargs.get("update_fields") == ["progress", "step"]:
            seen.append((self.progress, self.step))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ExportJob, "save", spy)
    job = request_job(data_manager, django_capture_on_commit_callbacks)
    assert job.status == JobStatus.DONE
    steps = [step for _progress, step in seen]
    assert steps[:3] == ["DM", "DS", "SV"] and "ODM 1.3.2" in steps
    assert [p for p, _s in seen] == sorted(p for p, _s in seen) and max(p for p, _s in seen) < 100


@pytest.mark.django_db
def test_the_task_is_idempotent_per_job(trial, data_manager, django_capture_on_commit_callbacks):
    job = request_job(data_manager, django_capture_on_commit_callbacks)
    chunks = list(ExportFileChunk.objects.filter(job=job).values_list("id", flat=True))
    assert build_package.name == "edc.exports.build_package"
    assert build_package.apply(args=[job.pk]).get() == JobStatus.DONE
    job.refresh_from_db()
    assert list(ExportFileChunk.objects.filter(job=job).values_list("id", flat=True)) == chunks


@pytest.mark.django_db
def test_a_job_another_worker_is_building_is_left_alone(trial, data_manager):
    from django.utils import timezone

    job = ExportJob.objects.create(
        requested_by=data_manager,
        role="data_manager",
        status=JobStatus.RUNNING,
        claim="other-worker",
        claimed_at=timezone.now(),
    )
    assert services.export_package_build(job_id=job.pk).status == JobStatus.RUNNING
    assert not ExportFileChunk.objects.filter(job=job).exists()


@pytest.mark.django_db
def test_the_page_shows_progress_then_the_download_and_only_to_the_requester(
    trial, statistician, data_manager, web, django_capture_on_commit_callbacks
):
    client = web(statistician)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/exports/jobs/", {"as_of": ""})
    assert response.status_code == 302
    job = ExportJob.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert f"/exports/jobs/{job.pk}/download/" in page and job.sha256 in page
    status = client.get(f"/exports/jobs/{job.pk}/status/").json()
    assert status["status"] == "done" and status["progress"] == 100 and not status["running"]
    download = client.get(status["download_url"])
    assert download["Content-Type"] == "application/zip"
    assert hashlib.sha256(content(download)).hexdigest() == job.sha256
    other = web(data_manager)
    assert other.get(f"/exports/jobs/{job.pk}/").status_code == 404
    assert other.get(f"/exports/jobs/{job.pk}/download/").status_code == 404


@pytest.mark.django_db
def test_a_running_job_page_polls_without_javascript_too(trial, statistician, web):
    job = ExportJob.objects.create(requested_by=statistician, role="statistician", progress=40)
    page = web(statistician).get(f"/exports/jobs/{job.pk}/").content.decode()
    assert '<meta http-equiv="refresh"' in page and "exports/progress.js" in page
    assert 'value="40"' in page
    assert web(statistician).get(f"/exports/jobs/{job.pk}/download/").status_code == 302


@pytest.mark.django_db(transaction=True)
def test_the_package_and_its_odm_carry_the_audit_chain_head_of_the_moment_they_were_written(
    require_postgres, trial, statistician, django_capture_on_commit_callbacks
):
    from edc.audit.chain import chain_head

    job = request_job(statistician, django_capture_on_commit_callbacks)
    head = chain_head()
    assert head.tables, "the trial's writes were chained"
    assert job.manifest["audit_chain_head"] == head.as_dict()
    data = b"".join(bytes(c.data) for c in ExportFileChunk.objects.filter(job=job).order_by("seq"))
    document = zipfile.ZipFile(io.BytesIO(data)).read("odm.xml")
    assert f"<!-- audit-chain-head sha256:{head.digest} -->".encode() in document
