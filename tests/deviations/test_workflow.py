"""People review deviations: acknowledge, resolve with a comment; pages, API, counts, queries."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from edc.deviations.constants import DeviationStatus
from edc.deviations.models import Deviation
from edc.deviations.services import (
    deviation_acknowledge,
    deviation_resolve,
    deviations_sweep,
)


@pytest.fixture
def deviation(enrolled):
    enrolled(c1d1_days_ago=12)
    deviations_sweep()
    return Deviation.objects.filter(rule="missed_visit").first()


def test_open_acknowledged_resolved_with_comment_and_history(deviation, investigator):
    deviation = deviation_acknowledge(deviation=deviation, user=investigator, comment="Site aware")
    assert deviation.status == DeviationStatus.ACKNOWLEDGED
    with pytest.raises(ValidationError):
        deviation_resolve(deviation=deviation, user=investigator, comment=" ")
    deviation = deviation_resolve(
        deviation=deviation, user=investigator, comment="Patient re-scheduled; reported to sponsor"
    )
    assert deviation.status == DeviationStatus.RESOLVED
    entry = deviation.history.first()
    assert entry.history_user == investigator and "re-scheduled" in entry.history_change_reason
    with pytest.raises(ValidationError):
        deviation_acknowledge(deviation=deviation, user=investigator)  # resolved is final


def test_deviation_list_is_site_scoped_and_filterable(
    deviation, investigator, other_investigator, monitor, web, api
):
    url = reverse("deviations:list")
    page = web(investigator).get(url, {"rule": "missed_visit", "status": "open"})
    assert page.status_code == 200 and deviation.summary.encode() in page.content
    assert deviation.summary.encode() not in web(other_investigator).get(url).content
    rows = api(monitor).get("/api/v1/deviations/", {"rule": "missed_visit"}).json()["results"]
    assert deviation.id in [r["id"] for r in rows]
    assert api(other_investigator).get(f"/api/v1/deviations/{deviation.id}/").status_code == 404


def test_acknowledge_and_resolve_through_the_api(deviation, investigator, statistician, api):
    client = api(investigator)
    url = f"/api/v1/deviations/{deviation.id}/"
    assert api(statistician).post(url + "acknowledge/", {}).status_code == 403
    assert client.post(url + "acknowledge/", {"comment": "seen"}).status_code == 200
    bad = client.post(url + "resolve/", {"comment": ""})
    assert bad.status_code == 400 and "comment" in bad.json()
    assert client.post(url + "resolve/", {"comment": "Documented"}).json()["status"] == "resolved"


def test_resolve_in_the_browser(deviation, investigator, web):
    client = web(investigator)
    url = reverse("deviations:detail", args=[deviation.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"action": "resolve", "comment": "Explained in the notes"})
    assert response.status_code == 302
    deviation.refresh_from_db()
    assert deviation.status == DeviationStatus.RESOLVED


def test_deviation_list_costs_a_constant_number_of_queries(
    enrolled, investigator, api, django_assert_num_queries, django_assert_max_num_queries
):
    enrolled(c1d1_days_ago=12)
    deviations_sweep()
    client = api(investigator)
    client.get("/api/v1/deviations/")
    with django_assert_max_num_queries(4) as few:
        client.get("/api/v1/deviations/")
    for days in (20, 30, 40):
        enrolled(c1d1_days_ago=days)
    deviations_sweep()
    with django_assert_num_queries(len(few.captured_queries)):
        client.get("/api/v1/deviations/")


def test_sweep_query_count_does_not_grow_with_patients(
    enrolled, django_assert_num_queries, django_assert_max_num_queries
):
    enrolled(c1d1_days_ago=30)
    deviations_sweep()
    with django_assert_max_num_queries(100) as one:
        deviations_sweep()
    for days in (31, 32, 33, 34):
        enrolled(c1d1_days_ago=days)
    deviations_sweep()  # first sweep of the new patients inserts their findings
    with django_assert_num_queries(len(one.captured_queries)):
        deviations_sweep()
