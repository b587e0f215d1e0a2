"""The casebook archive of a site: built by the Celery task (eagerly here) into a zip of one
PDF per patient with a SHA-256 manifest, progress on the job page, the download logged; a
monitor builds only their own sites' casebooks, a data manager the whole trial's."""

import hashlib
import io
import json
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from edc.archive import constants as c
from edc.archive import services
from edc.archive.models import ArchiveDownload, ArchiveJob
from edc.archive.tasks import build_casebooks
from edc.exports.constants import JobStatus

from .conftest import pdf_text


def request_job(user, capture, **kwargs) -> ArchiveJob:
    with capture(execute=True):
        job = services.archive_job_request(user=user, **kwargs)
    job.refresh_from_db()
    return job


@pytest.mark.django_db
def test_a_site_archive_holds_one_pdf_per_patient_and_its_manifest_hashes_match(
    trial, monitor, site, django_capture_on_commit_callbacks
):
    job = request_job(monitor, django_capture_on_commit_callbacks, site=site)
    assert job.status == JobStatus.DONE and job.progress == 100
    data = b"".join(services.archive_job_content(job))
    assert len(data) == job.size and hashlib.sha256(data).hexdigest() == job.sha256
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(archive.read(c.MANIFEST))
    assert manifest == job.manifest and manifest["scope"] == f"Site {site.code}"
    patients = {trial.treated, trial.enrolled, trial.screen_failure}
    assert {f["patient"] for f in manifest["files"]} == {str(p) for p in patients}
    for entry in manifest["files"]:
        pdf = archive.read(entry["name"])
        assert hashlib.sha256(pdf).hexdigest() == entry["sha256"] and len(pdf) == entry["size"]
        _reader, text = pdf_text(pdf)
        assert entry["patient"] in text and site.code in text
    sums = archive.read("SHA256SUMS").decode()
    assert all(f"{f['sha256']}  {f['name']}" in sums for f in manifest["files"])
    # Another site's patient is not in a site archive.
    assert str(trial.other_site) not in json.dumps(manifest)
    # A second delivery of the task changes nothing.
    assert build_casebooks(job.pk) == JobStatus.DONE
    assert ArchiveJob.objects.get(pk=job.pk).sha256 == job.sha256


@pytest.mark.django_db
def test_a_monitor_cannot_build_another_sites_or_the_whole_trials_casebooks(
    trial, monitor, other_site, investigator
):
    with pytest.raises(ValidationError) as refused:
        services.archive_job_request(user=monitor, site=other_site)
    assert refused.value.message_dict["site"] == [c.SITE_NOT_YOURS]
    with pytest.raises(ValidationError) as refused:
        services.archive_job_request(user=monitor, site=None)
    assert refused.value.message_dict["site"] == [c.WHOLE_TRIAL_NOT_ALLOWED]
    with pytest.raises(PermissionDenied):
        services.archive_job_request(user=investigator, site=investigator.staff_profile.sites.get())
    assert not ArchiveJob.objects.exists()


@pytest.mark.django_db
def test_the_page_offers_only_the_monitors_sites(trial, web, monitor, site, other_site):
    client = web(monitor)
    page = client.get(reverse("archive:index"))
    assert page.status_code == 200
    assert site.code in page.content.decode() and other_site.code not in page.content.decode()
    refused = client.post(reverse("archive:index"), {"site": other_site.pk, "as_of": ""})
    assert refused.status_code == 200 and not ArchiveJob.objects.exists()


@pytest.mark.django_db
def test_a_data_manager_builds_the_whole_trial_and_the_download_is_logged(
    trial, web, data_manager, django_capture_on_commit_callbacks
):
    client = web(data_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("archive:index"), {"site": "", "as_of": ""})
    job = ArchiveJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "archive:job", args=[job.pk]
    )
    job.refresh_from_db()
    assert job.site is None and job.is_done and len(job.manifest["files"]) == 4
    status = client.get(reverse("archive:job-status", args=[job.pk])).json()
    assert status["progress"] == 100 and not status["running"] and status["download_url"]
    page = client.get(reverse("archive:job", args=[job.pk])).content.decode()
    assert job.sha256 in page and "The whole trial" in page
    download = client.get(reverse("archive:job-download", args=[job.pk]))
    data = b"".join(download.streaming_content)
    assert hashlib.sha256(data).hexdigest() == job.sha256
    log = ArchiveDownload.objects.get()
    assert (log.user, log.job, log.sha256) == (data_manager, job, job.sha256)
