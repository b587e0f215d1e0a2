"""Browser pages: entry forms for site staff, read pages for every role, other sites 404."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import constants as msg
from assessments import services
from assessments.models import AdverseEvent, TumourAssessment
from edc.audit.exceptions import REASON_REQUIRED

from .conftest import vitals_values

ROLES = ["investigator", "coordinator", "monitor", "statistician", "data_manager"]
SITE_STAFF = {"investigator", "coordinator"}


@pytest.fixture
def users(investigator, coordinator, monitor, statistician, data_manager):
    return {
        "investigator": investigator,
        "coordinator": coordinator,
        "monitor": monitor,
        "statistician": statistician,
        "data_manager": data_manager,
    }


@pytest.fixture
def recorded(patient, make_baseline, make_followup, make_ae, investigator):
    """A patient with a baseline, a follow-up the investigator read differently, an AE, vitals."""
    baseline = make_baseline(patient)
    followup = make_followup(patient, baseline, factor="0.6", investigator_response="SD")
    ae = make_ae(patient)
    vitals = services.vital_signs_create(
        user=investigator, patient=patient, **vitals_values(patient)
    )
    return {"baseline": baseline, "followup": followup, "ae": ae, "vitals": vitals}


def entry_urls(patient, recorded) -> list[str]:
    return [
        reverse("assessments:followup_new", args=[patient.pk]),
        reverse("assessments:ae_new", args=[patient.pk]),
        reverse("assessments:vitals_new", args=[patient.pk]),
        reverse("assessments:tumour_edit", args=[recorded["baseline"].pk]),
        reverse("assessments:tumour_edit", args=[recorded["followup"].pk]),
        reverse("assessments:ae_edit", args=[recorded["ae"].pk]),
        reverse("assessments:vitals_edit", args=[recorded["vitals"].pk]),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_assessment_pages_only_site_staff_open_entry_forms(
    role, users, web, patient, recorded
):
    client = web(users[role])
    for name in ("assessments:tumour_list", "assessments:ae_list", "assessments:endpoints"):
        assert client.get(reverse(name)).status_code == 200
    page = client.get(reverse("assessments:patient", args=[patient.pk]))
    assert page.status_code == 200
    expected = 200 if role in SITE_STAFF else 403
    for url in entry_urls(patient, recorded):
        assert client.get(url).status_code == expected, url


def test_read_only_roles_cannot_post_entry_forms(web, monitor, patient, recorded):
    response = web(monitor).post(
        reverse("assessments:ae_edit", args=[recorded["ae"].pk]),
        {"version": 1, "reason": "x", "grade": 4},
    )
    assert response.status_code == 403
    assert AdverseEvent.objects.get().grade == 3


def test_another_sites_patient_and_records_are_404_in_pages(
    web, other_investigator, patient, recorded
):
    client = web(other_investigator)
    assert client.get(reverse("assessments:patient", args=[patient.pk])).status_code == 404
    for url in entry_urls(patient, recorded):
        assert client.get(url).status_code == 404, url
    assert str(patient) not in client.get(reverse("assessments:ae_list")).content.decode()


def test_patient_page_shows_the_recist_table_and_the_disagreement(web, monitor, patient, recorded):
    html = web(monitor).get(reverse("assessments:patient", args=[patient.pk])).content.decode()
    assert 'data-testid="recist-table"' in html
    assert "−40.0 %" in html  # 70 → 42 mm
    assert 'data-disagrees="1"' in html and "disagrees" in html
    assert "Neutrophil count decreased" in html
    assert "&lt;1000 - 500/mm3" in html  # the grade 3 definition is shown


def test_baseline_entry_with_lesion_rows_creates_the_assessment(web, investigator, patient):
    data = {
        "assessment_date": str(patient.c1d1_date - dt.timedelta(days=2)),
        "method": "ct",
        "comments": "",
        "targets-TOTAL_FORMS": "5",
        "targets-INITIAL_FORMS": "0",
        "non_targets-TOTAL_FORMS": "2",
        "non_targets-INITIAL_FORMS": "0",
        "targets-0-label": "T1",
        "targets-0-organ": "liver",
        "targets-0-diameter_mm": "25",
        "targets-1-label": "T2",
        "targets-1-organ": "lymph_node",
        "targets-1-diameter_mm": "18",
        "non_targets-0-label": "NT1",
        "non_targets-0-organ": "bone",
    }
    for n in range(2, 5):
        data[f"targets-{n}-label"] = f"T{n + 1}"
    data["non_targets-1-label"] = "NT2"
    response = web(investigator).post(reverse("assessments:baseline_new", args=[patient.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    baseline = TumourAssessment.objects.get(patient=patient)
    assert baseline.computed_sum_mm == 43
    assert baseline.target_lesions.count() == 2 and baseline.non_target_lesions.count() == 1


def test_a_sixth_target_row_in_the_browser_shows_the_recist_rule(web, investigator, patient):
    organs = ["liver", "liver", "lung", "lung", "breast", "skin"]
    data = {
        "assessment_date": str(patient.c1d1_date - dt.timedelta(days=2)),
        "method": "ct",
        "targets-TOTAL_FORMS": "6",
        "targets-INITIAL_FORMS": "0",
        "non_targets-TOTAL_FORMS": "0",
        "non_targets-INITIAL_FORMS": "0",
    }
    for n, organ in enumerate(organs):
        data |= {
            f"targets-{n}-label": f"T{n + 1}",
            f"targets-{n}-organ": organ,
            f"targets-{n}-diameter_mm": "20",
        }
    response = web(investigator).post(reverse("assessments:baseline_new", args=[patient.pk]), data)
    assert response.status_code == 200
    assert str(msg.TOO_MANY_TARGETS) in response.content.decode()
    assert not TumourAssessment.objects.exists()


def test_follow_up_form_lists_each_baseline_lesion_and_computes_the_response(
    web, investigator, patient, make_baseline
):
    baseline = make_baseline(patient)
    url = reverse("assessments:followup_new", args=[patient.pk])
    page = web(investigator).get(url).content.decode()
    lesions = list(baseline.target_lesions.order_by("label"))
    for lesion in lesions:
        assert f'name="m{lesion.pk}_diameter"' in page
    data = {
        "assessment_date": str(patient.c1d1_date + dt.timedelta(days=56)),
        "method": "ct",
        "new_lesion": "none",
        "investigator_response": "PR",
    }
    for lesion, mm in zip(lesions, ("20", "14", "0"), strict=True):
        data |= {f"m{lesion.pk}_state": "measured", f"m{lesion.pk}_diameter": mm}
    data[f"m{lesions[1].pk}_state"] = "too_small"
    data[f"m{lesions[1].pk}_diameter"] = ""
    response = web(investigator).post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    followup = TumourAssessment.objects.get(patient=patient, kind="follow_up")
    assert followup.computed_sum_mm == 25  # 20 + 5 (too small) + 0
    assert followup.computed_overall_response == "PR"
    assert not followup.response_disagrees


def test_ae_edit_needs_a_reason_and_shows_a_stale_version_conflict(
    web, investigator, coordinator, patient, recorded
):
    ae = recorded["ae"]
    url = reverse("assessments:ae_edit", args=[ae.pk])
    data = {
        "meddra_code": ae.meddra_code,
        "grade": "4",
        "start_date": str(ae.start_date),
        "stop_date": str(ae.stop_date),
        "relation_paclitaxel": ae.relation_paclitaxel,
        "relation_imp321": ae.relation_imp321,
        "action_taken": ae.action_taken,
        "outcome": ae.outcome,
        "serious": "False",  # seriousness is answered, never assumed from an empty box
        "version": "1",
        "reason": "",
    }
    response = web(investigator).post(url, data)
    assert response.status_code == 200 and REASON_REQUIRED in response.content.decode()
    services.adverse_event_update(
        user=coordinator,
        adverse_event=ae,
        changes={"grade": 2},
        reason="Re-graded from source",
        expected_version=1,
    )
    response = web(investigator).post(url, data | {"reason": "ANC 0.4"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Changed by someone else meanwhile" in html and "Re-graded from source" in html
    assert AdverseEvent.objects.get().grade == 2
    ok = web(investigator).post(url, data | {"reason": "ANC 0.4", "version": "2"})
    assert ok.status_code == 302
    assert AdverseEvent.objects.get().grade == 4


def test_ae_form_shows_the_grade_definitions_of_the_chosen_term(web, investigator, patient):
    url = reverse("assessments:ae_new", args=[patient.pk])
    html = web(investigator).get(url, {"meddra_code": "10029366"}).content.decode()
    assert 'data-testid="ctcae-grades"' in html
    assert "&lt;500/mm3" in html  # grade 4 definition
    assert "not defined for this term" in html  # grade 5 of neutrophil count decreased
    preview = web(investigator).post(url, {"meddra_code": "10016288", "_preview": "1"})
    assert preview.status_code == 200 and "Febrile neutropenia" in preview.content.decode()
    assert not AdverseEvent.objects.exists()


def test_ae_entry_refuses_a_grade_the_term_does_not_define(web, investigator, patient):
    data = {
        "meddra_code": "10029366",
        "grade": "5",
        "start_date": str(patient.c1d1_date + dt.timedelta(days=5)),
        "relation_paclitaxel": "probable",
        "relation_imp321": "unlikely",
        "action_taken": "none",
        "outcome": "fatal",
        "death_date": str(patient.c1d1_date + dt.timedelta(days=6)),
        "serious": "True",
    }
    response = web(investigator).post(reverse("assessments:ae_new", args=[patient.pk]), data)
    assert response.status_code == 200
    assert "Grade 5 is not defined for “Neutrophil count decreased”" in response.content.decode()


def test_vitals_entry_refuses_impossible_values_with_the_limit(web, investigator, patient):
    data = {k: str(v) for k, v in vitals_values(patient, heart_rate=250).items()}
    response = web(investigator).post(reverse("assessments:vitals_new", args=[patient.pk]), data)
    assert response.status_code == 200
    assert (
        msg.OUT_OF_LIMITS.format(label="Heart rate", low=30, high=220, unit="/min")
        in response.content.decode()
    )


# Session, user, role, sites, then the page's own queries — never one per row.
PAGE_QUERIES = {
    "assessments:tumour_list": 8,  # + count, assessments (savepoints of ATOMIC_REQUESTS)
    "assessments:ae_list": 8,  # + count, adverse events
    # + the data stamp, patients, assessments, targets, non-targets, measurements (a cached
    # page: the stamp only, edc.caching)
    "assessments:endpoints": 12,
}


@pytest.mark.parametrize("page", list(PAGE_QUERIES))
def test_list_pages_cost_a_constant_number_of_queries(
    page, trial, web, monitor, django_assert_num_queries
):
    client = web(monitor)
    url = reverse(page)
    trial(1)
    with django_assert_num_queries(PAGE_QUERIES[page]):
        assert client.get(url).status_code == 200
    trial(3)
    with django_assert_num_queries(PAGE_QUERIES[page]):
        assert client.get(url).status_code == 200


def test_patient_page_costs_a_constant_number_of_queries(
    web, monitor, patient, make_baseline, make_followup, make_ae, django_assert_num_queries
):
    client = web(monitor)
    baseline = make_baseline(patient)
    make_followup(patient, baseline, factor="0.6")
    make_ae(patient)
    url = reverse("assessments:patient", args=[patient.pk])
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    make_followup(patient, baseline, day=113, factor="0.5")
    make_ae(patient, meddra_code="10016256", grade=1)
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(url)


def test_baseline_correction_in_the_browser_removes_a_lesion_with_a_reason(
    web, investigator, patient, make_baseline
):
    baseline = make_baseline(patient)
    lesions = list(baseline.target_lesions.order_by("label"))
    url = reverse("assessments:tumour_edit", args=[baseline.pk])
    page = web(investigator).get(url)
    assert page.status_code == 200 and "Remove" in page.content.decode()
    data = {
        "assessment_date": str(baseline.assessment_date),
        "method": "ct",
        "version": "1",
        "reason": "T3 is not a target",
        "targets-TOTAL_FORMS": "3",
        "targets-INITIAL_FORMS": "3",
        "non_targets-TOTAL_FORMS": "0",
        "non_targets-INITIAL_FORMS": "0",
    }
    for n, lesion in enumerate(lesions):
        data |= {
            f"targets-{n}-id": str(lesion.pk),
            f"targets-{n}-label": lesion.label,
            f"targets-{n}-organ": lesion.organ,
            f"targets-{n}-diameter_mm": str(lesion.diameter_mm),
        }
    data["targets-2-DELETE"] = "on"
    response = web(investigator).post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    baseline.refresh_from_db()
    assert baseline.version == 2 and baseline.computed_sum_mm == 50
    assert baseline.target_lesions.count() == 2


def test_the_endpoints_page_is_served_from_the_cache_until_a_measurement_changes(
    web, monitor, enrolled, make_baseline, make_followup, django_assert_num_queries
):
    """The page is rendered once per change of the data (edc.caching): a second request reads
    only the data stamp, and the next follow-up shows at once."""
    patient = enrolled(c1d1_days_ago=130)
    baseline = make_baseline(patient)
    client = web(monitor)
    url = reverse("assessments:endpoints")

    def main() -> str:  # the page's content (the header's form carries a fresh CSRF token)
        html = client.get(url).content.decode()
        return html[html.index("<h1>") : html.index("</main>")]

    first = main()
    assert "<td>NE</td>" in first  # a baseline only: not evaluable yet
    with django_assert_num_queries(PAGE_QUERIES["assessments:endpoints"] - 5):
        assert main() == first
    make_followup(patient, baseline, day=57, factor="0.5")  # a PR not yet confirmed: SD
    page = main()
    assert "<td>NE</td>" not in page and "<td>SD</td>" in page
