"""REST API: nested tumour assessments, AEs, vitals, RECIST results and endpoints."""

import datetime as dt

import pytest

from assessments import constants as msg
from assessments.models import AdverseEvent, TumourAssessment

from .conftest import ae_values, vitals_values

ROLES_WITHOUT_WRITE = ["monitor", "statistician", "data_manager"]


@pytest.fixture
def users(investigator, coordinator, monitor, statistician, data_manager):
    return {
        "investigator": investigator,
        "coordinator": coordinator,
        "monitor": monitor,
        "statistician": statistician,
        "data_manager": data_manager,
    }


def baseline_payload(patient, **overrides) -> dict:
    payload = {
        "patient": patient.pk,
        "kind": "baseline",
        "assessment_date": str(patient.c1d1_date - dt.timedelta(days=3)),
        "method": "ct",
        "target_lesions": [
            {"label": "T1", "organ": "liver", "location": "segment VII", "diameter_mm": "30.0"},
            {"label": "T2", "organ": "lymph_node", "diameter_mm": "20.0"},
        ],
        "non_target_lesions": [{"label": "NT1", "organ": "bone", "location": "L3"}],
    }
    return payload | overrides


def followup_payload(patient, baseline_json, *, day=57, factor=0.6, **overrides) -> dict:
    payload = {
        "patient": patient.pk,
        "kind": "follow_up",
        "assessment_date": str(patient.c1d1_date + dt.timedelta(days=day - 1)),
        "method": "ct",
        "measurements": [
            {"lesion": t["id"], "diameter_mm": f"{float(t['diameter_mm']) * factor:.1f}"}
            for t in baseline_json["target_lesions"]
        ],
        "non_target_status": "present",
        "new_lesion": "none",
    }
    return payload | overrides


def ae_payload(patient, **overrides) -> dict:
    values = ae_values(patient, **{"serious": False} | overrides)
    return {
        "patient": patient.pk,
        **{k: (str(v) if isinstance(v, dt.date) else v) for k, v in values.items()},
    }


# --- Tumour assessments --------------------------------------------------------------------------
def test_baseline_and_follow_up_through_the_api_store_the_computed_response(
    api, investigator, patient
):
    client = api(investigator)
    response = client.post("/api/v1/tumour-assessments/", baseline_payload(patient), format="json")
    assert response.status_code == 201, response.json()
    baseline = response.json()
    assert baseline["computed_sum_mm"] == "50.0"
    assert [t["is_node"] for t in baseline["target_lesions"]] == [False, True]
    assert baseline["calendar_code"] == "TUM-BL"

    payload = followup_payload(patient, baseline, investigator_response="SD")
    response = client.post("/api/v1/tumour-assessments/", payload, format="json")
    assert response.status_code == 201, response.json()
    followup = response.json()
    assert followup["computed_overall_response"] == "PR"
    assert followup["investigator_response"] == "SD"
    assert followup["response_disagrees"] is True
    assert len(followup["measurements"]) == 2

    flagged = client.get("/api/v1/tumour-assessments/?response_disagrees=true").json()
    assert [r["id"] for r in flagged["results"]] == [followup["id"]]

    result = client.get(f"/api/v1/recist-results/{patient.pk}/").json()
    assert result["baseline_sum_mm"] == "50.0"
    assert [t["overall_response"] for t in result["timepoints"]] == ["PR"]
    assert result["timepoints"][0]["pct_change_from_baseline"] == "-40.0"


def test_a_sixth_target_through_the_api_is_a_400_with_the_recist_rule(api, investigator, patient):
    lesions = [
        {"label": f"T{n}", "organ": organ, "diameter_mm": "20"}
        for n, organ in enumerate(["liver", "liver", "lung", "lung", "breast", "skin"], 1)
    ]
    response = api(investigator).post(
        "/api/v1/tumour-assessments/",
        baseline_payload(patient, target_lesions=lesions),
        format="json",
    )
    assert response.status_code == 400
    assert msg.TOO_MANY_TARGETS in response.json()["target_lesions"]
    assert not TumourAssessment.objects.exists()


def test_correction_needs_the_opened_version_stale_is_409(api, investigator, coordinator, patient):
    baseline = (
        api(investigator)
        .post("/api/v1/tumour-assessments/", baseline_payload(patient), format="json")
        .json()
    )
    url = f"/api/v1/tumour-assessments/{baseline['id']}/"
    no_reason = api(coordinator).patch(
        url, {"version": 1, "reason": "", "method": "mri"}, format="json"
    )
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    ok = api(coordinator).patch(
        url, {"version": 1, "reason": "Was an MRI", "method": "mri"}, format="json"
    )
    assert ok.status_code == 200, ok.json()
    assert ok.json()["version"] == 2 and ok.json()["method"] == "mri"
    assert len(ok.json()["target_lesions"]) == 2  # lists not sent are kept
    stale = api(investigator).patch(
        url, {"version": 1, "reason": "Mine", "method": "ct"}, format="json"
    )
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2


def test_a_form_encoded_tumour_assessment_is_refused_so_lesion_lists_cannot_be_lost(
    api, investigator, patient
):
    """Form fields cannot carry the nested lesion lists: a form body would read as "none"."""
    response = api(investigator).post(
        "/api/v1/tumour-assessments/", {"patient": patient.pk, "kind": "baseline"}
    )
    assert response.status_code == 415
    assert not TumourAssessment.objects.exists()


@pytest.mark.parametrize("role", ROLES_WITHOUT_WRITE)
def test_read_only_roles_cannot_write_through_the_api(role, users, api, patient, make_baseline):
    baseline = make_baseline(patient)
    client = api(users[role])
    assert client.get("/api/v1/tumour-assessments/").status_code == 200
    for url, payload in (
        ("/api/v1/tumour-assessments/", baseline_payload(patient)),
        ("/api/v1/adverse-events/", ae_payload(patient)),
        ("/api/v1/vital-signs/", {"patient": patient.pk}),
    ):
        assert client.post(url, payload, format="json").status_code == 403
    patch = client.patch(
        f"/api/v1/tumour-assessments/{baseline.pk}/", {"version": 1, "reason": "x"}
    )
    assert patch.status_code == 403


def test_another_sites_records_are_404_in_the_api(
    api, other_investigator, patient, make_baseline, make_ae
):
    baseline = make_baseline(patient)
    ae = make_ae(patient)
    client = api(other_investigator)
    assert client.get(f"/api/v1/tumour-assessments/{baseline.pk}/").status_code == 404
    assert client.get(f"/api/v1/adverse-events/{ae.pk}/").status_code == 404
    assert client.get(f"/api/v1/recist-results/{patient.pk}/").status_code == 404
    assert client.get("/api/v1/tumour-assessments/").json()["results"] == []
    assert client.get("/api/v1/adverse-events/").json()["results"] == []
    post = client.post("/api/v1/adverse-events/", ae_payload(patient), format="json")
    assert post.status_code == 404
    patch = client.patch(f"/api/v1/adverse-events/{ae.pk}/", {"version": 1, "reason": "x"})
    assert patch.status_code == 404


# --- Adverse events and vitals -------------------------------------------------------------------
def test_ae_api_applies_the_same_rules_as_the_browser(api, investigator, patient):
    client = api(investigator)
    fatal = client.post(
        "/api/v1/adverse-events/",
        ae_payload(patient, meddra_code="10035742", grade=5, outcome="fatal", serious=True),
        format="json",
    )
    assert fatal.status_code == 400
    assert msg.FATAL_NEEDS_DEATH_DATE in fatal.json()["death_date"]
    start = patient.c1d1_date + dt.timedelta(days=10)
    late = client.post(
        "/api/v1/adverse-events/",
        ae_payload(
            patient,
            meddra_code="10016288",
            serious=True,
            sae_criteria=["hospitalisation"],
            sae_aware_at=f"{start}T08:00:00+01:00",
            sae_reported_at=f"{start + dt.timedelta(days=2)}T08:00:00+01:00",
        ),
        format="json",
    )
    assert late.status_code == 201, late.json()
    assert late.json()["reported_late"] is True
    assert late.json()["term"] == "Febrile neutropenia"
    assert AdverseEvent.objects.count() == 1


def test_vitals_api_refuses_impossible_values(api, investigator, patient):
    payload = {"patient": patient.pk, **vitals_values(patient, weight_kg="300")}
    payload["measured_on"] = str(payload["measured_on"])
    response = api(investigator).post("/api/v1/vital-signs/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["weight_kg"] == [
        msg.OUT_OF_LIMITS.format(label="Weight", low=30, high=250, unit="kg")
    ]
    payload["weight_kg"] = "61.5"
    assert api(investigator).post("/api/v1/vital-signs/", payload, format="json").status_code == 201


def test_ctcae_terms_are_searchable_with_grade_definitions(api, monitor):
    rows = api(monitor).get("/api/v1/ctcae-terms/?search=neutrophil").json()
    assert [r["meddra_code"] for r in rows] == ["10029366"]
    assert rows[0]["grades"]["5"] == ""
    assert api(monitor).get("/api/v1/ctcae-terms/10029366/").json()["term"] == (
        "Neutrophil count decreased"
    )
    assert api(monitor).get("/api/v1/ctcae-terms/1/").status_code == 404


# --- Constant query counts -----------------------------------------------------------------------
# Queries per list request (monitor, API token/session already resolved): the list, then one
# per prefetched relation — never one per row.
LIST_QUERIES = {
    "/api/v1/tumour-assessments/": 6,  # savepoint, assessments, targets, non-targets, measurements
    "/api/v1/adverse-events/": 3,
    "/api/v1/vital-signs/": 3,
    "/api/v1/recist-results/": 7,  # + patients
    "/api/v1/trial-endpoints/": 7,
}


@pytest.mark.parametrize("url", list(LIST_QUERIES))
def test_api_lists_cost_a_constant_number_of_queries(
    url, trial, api, monitor, django_assert_num_queries
):
    client = api(monitor)
    trial(1)
    client.get(url)  # the user's sites are resolved once per user
    with django_assert_num_queries(LIST_QUERIES[url]):
        assert client.get(url).status_code == 200
    trial(3)
    with django_assert_num_queries(LIST_QUERIES[url]):
        response = client.get(url)
    assert response.status_code == 200
    rows = response.json()
    assert rows["groups"] if "groups" in rows else len(rows["results"]) >= 4
