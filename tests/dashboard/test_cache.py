"""The dashboard's cached page (issue 24): reused while the data stay the same, recomputed
as soon as they change, and never shared between users who see different sites."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from edc.caching import data_stamp
from edc.dashboard.figures import READS
from patients.models import Patient
from tests.factories import PatientFactory

URL = reverse("dashboard:index")


def overall_patients(html: str) -> int:
    row = re.search(r'data-group="overall">.*?</tr>', html, re.S).group(0)
    return int(re.search(r"<td>(\d+)</td>", row).group(1))


def get(client):
    with CaptureQueriesContext(connection) as queries:
        page = client.get(URL)
    assert page.status_code == 200
    return page.content.decode(), len(queries)


def test_a_new_patient_shows_at_once_and_an_unchanged_trial_is_served_from_the_cache(
    statistician, web, tumour_patient
):
    client = web(statistician)
    tumour_patient()
    first, computed = get(client)
    again, reused = get(client)
    assert overall_patients(first) == overall_patients(again) == 1
    assert reused < computed  # the courses and figures were not read again
    tumour_patient(factors=("0.9", "1.3"))
    after, _ = get(client)
    assert overall_patients(after) == 2
    assert after != again


def test_users_of_other_sites_never_get_each_others_page(
    data_manager, investigator, other_investigator, other_site, web, tumour_patient
):
    tumour_patient()
    tumour_patient(site=other_site, user=other_investigator)
    everyone, _ = get(web(data_manager))
    paris, _ = get(web(investigator))
    assert overall_patients(everyone) == 2
    assert overall_patients(paris) == 1


def test_the_stamp_changes_with_every_save_audited_or_not(site, enrolled, db):
    before = data_stamp(*READS)
    assert data_stamp(*READS) == before
    enrolled()  # audited writes
    audited = data_stamp(*READS)
    assert audited != before
    patient = PatientFactory(site=site)  # a plain save: only its history row
    assert data_stamp(*READS) != audited
    assert Patient.history.filter(id=patient.pk).exists()
