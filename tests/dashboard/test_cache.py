"""The dashboard's cached page (issue 24): reused while the data stay the same, recomputed
as soon as they change, and never shared between users who see different sites."""

import datetime as dt
import hashlib
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.timezone import localtime

from edc import caching
from edc.caching import data_stamp
from edc.dashboard.figures import READS
from patients.models import Patient
from tests.deviations.test_tasks import broker_down  # noqa: F401 (a fixture)
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


# --- Large trials: reused for a minute after a change, and saying so -----------------------------
class Clock:
    def __init__(self, monkeypatch):
        cache.clear()  # no result of another test's clock
        self.now = 1_800_000_000.0
        monkeypatch.setattr(caching, "_clock", lambda: self.now)


@pytest.fixture
def large_trial(monkeypatch) -> Clock:
    """The test's clock, with this small trial counted as large (its pages reused)."""
    monkeypatch.setattr(caching, "REUSE_ABOVE_PATIENTS", 0)
    return Clock(monkeypatch)


def lock_key(name: str) -> str:
    return f"edc:{name}:{hashlib.sha1(b'scope').hexdigest()[:16]}:computing"


def counting(values: list):
    calls = []

    def compute():
        calls.append(1)
        return values[len(calls) - 1]

    return compute, calls


def test_a_result_over_few_patients_is_computed_again_after_any_change(monkeypatch):
    Clock(monkeypatch)
    compute, calls = counting(["first", "second"])
    assert caching.cached("t-few", "scope", "s1", compute).value == "first"
    assert caching.cached("t-few", "scope", "s1", compute).current
    again = caching.cached("t-few", "scope", "s2", compute)
    assert (again.value, again.current, again.as_of, len(calls)) == ("second", True, None, 2)


def test_a_slow_result_is_reused_for_its_refresh_time_then_computed_again(monkeypatch):
    clock = Clock(monkeypatch)
    compute, calls = counting(["first", "second"])
    caching.cached("t-slow", "scope", "s1", compute, reuse_for=lambda v: 60)
    clock.now += 59
    reused = caching.cached("t-slow", "scope", "s2", compute, reuse_for=lambda v: 60)
    assert (reused.value, reused.current, len(calls)) == ("first", False, 1)
    assert reused.as_of == dt.datetime.fromtimestamp(1_800_000_000, tz=dt.UTC)
    clock.now += 2
    fresh = caching.cached("t-slow", "scope", "s2", compute, reuse_for=lambda v: 60)
    assert (fresh.value, fresh.current, fresh.as_of, len(calls)) == ("second", True, None, 2)


def test_while_one_request_computes_the_next_result_the_others_keep_the_last(monkeypatch):
    clock = Clock(monkeypatch)
    compute, calls = counting(["first", "second"])
    caching.cached("t-busy", "scope", "s1", compute, reuse_for=lambda v: 60)
    clock.now += 120
    cache.add(lock_key("t-busy"), 1)  # another request is computing
    kept = caching.cached("t-busy", "scope", "s2", compute, reuse_for=lambda v: 60)
    assert (kept.value, kept.current, len(calls)) == ("first", False, 1)
    cache.delete(lock_key("t-busy"))
    assert caching.cached("t-busy", "scope", "s2", compute).value == "second"


def test_above_the_limit_the_dashboard_and_endpoints_show_the_last_result_with_its_time(
    statistician, web, tumour_patient, large_trial
):
    clock = large_trial
    client = web(statistician)
    tumour_patient()
    first, _ = get(client)
    endpoints = client.get(reverse("assessments:endpoints")).content.decode()
    assert overall_patients(first) == 1 and 'data-testid="as-of"' not in first
    tumour_patient(factors=("0.9", "1.3"))
    clock.now += 30
    reused, _ = get(client)
    assert overall_patients(reused) == 1
    note = re.search(r'data-testid="as-of">(.*?)</p>', reused, re.S).group(1)
    computed_at = localtime(dt.datetime.fromtimestamp(1_800_000_000, tz=dt.UTC))
    assert computed_at.strftime("%H:%M:%S") in note and "60 seconds" in note
    endpoints_reused = client.get(reverse("assessments:endpoints")).content.decode()
    assert 'data-testid="as-of"' in endpoints_reused
    assert endpoints_reused.count("<tr") == endpoints.count("<tr")  # one patient still
    clock.now += 31
    after, _ = get(client)
    assert overall_patients(after) == 2 and 'data-testid="as-of"' not in after


def test_past_its_time_a_worker_is_asked_once_for_the_next_result_and_no_request_waits(
    monkeypatch,
):
    clock = Clock(monkeypatch)
    compute, calls = counting(["first", "second"])
    asked = []
    caching.cached("t-worker", "scope", "s1", compute, reuse_for=lambda v: 60)
    clock.now += 120
    for _ in range(3):  # the worker has not stored its result yet
        kept = caching.cached(
            "t-worker", "scope", "s2", compute, lambda v: 60, refresh=lambda: asked.append(1)
        )
        assert (kept.value, kept.current) == ("first", False)
    assert len(asked) == 1 and len(calls) == 1  # asked once, computed by no request
    done = caching.recompute("t-worker", "scope", "s2", compute, lambda v: 60)  # the worker
    assert done.value == "second"
    assert caching.cached("t-worker", "scope", "s2", compute).current


@pytest.mark.usefixtures("broker_down")
def test_without_a_broker_the_request_computes_the_next_page_itself(
    statistician, web, tumour_patient, large_trial
):
    clock = large_trial
    client = web(statistician)
    tumour_patient()
    assert overall_patients(get(client)[0]) == 1
    tumour_patient(factors=("0.9", "1.3"))
    clock.now += 61  # past its time: a worker would be asked, but none can be reached
    page, _ = get(client)
    assert overall_patients(page) == 2 and 'data-testid="as-of"' not in page


def test_a_worker_that_never_delivers_delays_the_next_result_by_its_lock_time_only(
    monkeypatch,
):
    clock = Clock(monkeypatch)
    compute, calls = counting(["first", "second"])
    asked = []
    caching.cached("t-noworker", "scope", "s1", compute, reuse_for=lambda v: 60)
    clock.now += 61
    caching.cached("t-noworker", "scope", "s2", compute, lambda v: 60, lambda: asked.append(1))
    clock.now += caching.LOCK_SECONDS  # nothing was stored; the lock expires (by the cache's
    cache.delete(lock_key("t-noworker"))  # own clock, which the test's does not move)
    late = caching.cached(
        "t-noworker", "scope", "s2", compute, lambda v: 60, lambda: asked.append(1)
    )
    assert (late.value, late.current, len(asked), len(calls)) == ("second", True, 1, 2)
