"""A tumour follow-up dated outside its protocol window is confirmed before it is saved, like a
dose; saving it still records the visit-out-of-window deviation (issue 19)."""

import datetime as dt

from django.urls import reverse

from assessments.models import TumourAssessment
from edc.deviations.models import Deviation
from edc.deviations.services import deviations_sweep
from edc.softcheck import RULE_DATE_OUTSIDE_WINDOW, WARN_DATE_OUTSIDE_WINDOW

from .test_api import baseline_payload, followup_payload


def followup_form(patient, baseline, *, day: int) -> dict:
    """The follow-up form dated C1D1 + ``day`` days, every target at 60 % of baseline."""
    data = {
        "assessment_date": str(patient.c1d1_date + dt.timedelta(days=day)),
        "method": "ct",
        "new_lesion": "none",
    }
    for lesion in baseline.target_lesions.order_by("label"):
        data |= {
            f"m{lesion.pk}_state": "measured",
            f"m{lesion.pk}_diameter": str(lesion.diameter_mm * 6 / 10),
        }
    return data


def test_a_follow_up_outside_its_window_is_shown_then_saved_once_confirmed_with_its_deviation(
    web, investigator, patient, make_baseline
):
    baseline = make_baseline(patient)
    week8 = patient.calendar.get(code="TUM-W8")  # planned C1D1 + 56 days, ± 7 days
    late = week8.latest + dt.timedelta(days=3)
    url = reverse("assessments:followup_new", args=[patient.pk])
    data = followup_form(patient, baseline, day=(late - patient.c1d1_date).days)
    client = web(investigator)

    page = client.post(url, data)
    html = page.content.decode()
    assert page.status_code == 200 and "Check before saving" in html
    assert f"{RULE_DATE_OUTSIDE_WINDOW}." in html
    assert f"Tumour assessment week 8 on {late} is 3 days after its window" in html
    assert "Saving it records a protocol deviation (minor)." in html
    assert not TumourAssessment.objects.filter(kind="follow_up").exists()
    assert patient.calendar.get(code="TUM-W8").actual_date is None  # nothing kept

    page = client.post(url, data | {"acknowledge_warnings": [WARN_DATE_OUTSIDE_WINDOW]})
    assert page.status_code == 302, page.content.decode()[:2000]
    followup = TumourAssessment.objects.get(kind="follow_up")
    assert (followup.assessment_date, followup.calendar_code) == (late, "TUM-W8")
    deviations_sweep(patient_ids=[patient.pk])
    deviation = Deviation.objects.get(patient=patient, rule="visit_out_of_window")
    assert deviation.subject_key == "TUM-W8" and deviation.severity == "minor"


def test_a_follow_up_inside_its_window_is_saved_without_a_question(
    web, investigator, patient, make_baseline
):
    baseline = make_baseline(patient)
    week8 = patient.calendar.get(code="TUM-W8")
    url = reverse("assessments:followup_new", args=[patient.pk])
    day = (week8.latest - patient.c1d1_date).days  # the window's last day is inside
    page = web(investigator).post(url, followup_form(patient, baseline, day=day))
    assert page.status_code == 302, page.content.decode()[:2000]
    assert TumourAssessment.objects.filter(kind="follow_up").count() == 1


def test_the_api_answers_400_with_the_warning_until_the_request_confirms_it(
    api, investigator, patient
):
    client = api(investigator)
    baseline = client.post(
        "/api/v1/tumour-assessments/", baseline_payload(patient), format="json"
    ).json()
    early = patient.calendar.get(code="TUM-W8").earliest - dt.timedelta(days=1)
    payload = followup_payload(patient, baseline, day=(early - patient.c1d1_date).days + 1)
    assert payload["assessment_date"] == str(early)

    response = client.post("/api/v1/tumour-assessments/", payload, format="json")
    assert response.status_code == 400
    (warning,) = response.json()["warnings"]
    assert warning["code"] == WARN_DATE_OUTSIDE_WINDOW and warning["deviation"] == "minor"
    assert "1 day before its window" in warning["detail"]
    assert TumourAssessment.objects.filter(kind="follow_up").count() == 0

    payload["acknowledge_warnings"] = [WARN_DATE_OUTSIDE_WINDOW]
    response = client.post("/api/v1/tumour-assessments/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["assessment_date"] == str(early)
