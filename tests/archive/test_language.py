"""A casebook in the language of the user who asks for it (for an archive job: the user who
requested it); the blank annotated CRF always in English (a submission document) (issue 23).

These check which language is active while each document is rendered, so they hold before
the French and Dutch catalogues exist.
"""

import pytest
from django.urls import reverse
from django.utils import translation

from edc.archive import acrf, render, services
from edc.archive.casebook import casebook_for
from edc.archive.models import ArchiveJob
from edc.exports.constants import JobStatus


def speaks(user, language: str) -> None:
    user.staff_profile.language = language
    user.staff_profile.save(update_fields=["language"])


@pytest.fixture
def rendered(monkeypatch):
    """The active language each time a casebook or aCRF template is rendered."""
    seen = []

    def spy(module):
        real = module.render_to_string

        def render_to_string(name, context=None, *args, **kwargs):
            seen.append((name, translation.get_language()))
            return real(name, context, *args, **kwargs)

        monkeypatch.setattr(module, "render_to_string", render_to_string)

    spy(render)
    spy(acrf)
    return seen


@pytest.mark.django_db
def test_a_french_users_casebook_is_built_and_drawn_in_french(enrolled, investigator, rendered):
    speaks(investigator, "fr")
    patient = enrolled()
    with translation.override("nl"):  # whatever the page's language, the asker's wins
        cb = casebook_for(user=investigator, patient=patient)
        html = render.casebook_html(cb, pdf=False)
    assert cb.language == "fr"
    assert rendered == [("archive/casebook.html", "fr")]
    assert '<html lang="fr">' in html


@pytest.mark.django_db
def test_the_casebook_pdf_page_follows_the_user_who_downloads_it(
    enrolled, investigator, web, rendered
):
    speaks(investigator, "nl")
    patient = enrolled()
    response = web(investigator).get(reverse("archive:casebook-pdf", args=[patient.pk]))
    assert response.status_code == 200
    assert rendered == [("archive/casebook.html", "nl")]


@pytest.mark.django_db
def test_an_archive_job_is_written_in_the_language_of_the_user_who_requested_it(
    enrolled, monitor, site, rendered, django_capture_on_commit_callbacks
):
    speaks(monitor, "fr")
    enrolled()
    with django_capture_on_commit_callbacks(execute=True):
        job = services.archive_job_request(user=monitor, site=site)
    job = ArchiveJob.objects.get(pk=job.pk)
    assert job.status == JobStatus.DONE
    assert rendered and {lang for _name, lang in rendered} == {"fr"}
    assert job.manifest["scope"] == f"Site {site.code}"  # the manifest stays English


@pytest.mark.django_db
def test_the_annotated_crf_is_english_whatever_the_users_language(rendered):
    with translation.override("fr"):
        html = acrf.acrf_html(pdf=False)
    assert rendered == [("archive/acrf.html", "en")]
    assert "Blank annotated case report form" in html
