"""Entry of assessments: clinical judgements never pre-answered, limits from one declaration,
every error at once with a summary, and version conflicts that list lesion changes."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessments import constants as msg
from assessments import forms, services
from assessments.constants import Organ
from assessments.models import AdverseEvent
from edc.audit.exceptions import StaleVersion
from edc.validators import LESION_DIAMETER_MM, SYSTOLIC_BP, WEIGHT_KG

from .conftest import non_target, scaled


def selected(html: str, name: str) -> list[str]:
    """The values pre-selected / pre-checked for the field ``name`` in a rendered page."""
    found = []
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    if select:
        found += re.findall(r'<option value="([^"]*)"[^>]*selected', select.group(1))
    found += re.findall(rf'<input type="radio" name="{name}" value="([^"]*)"[^>]*checked', html)
    return found


SAFETY_FIELDS = ("grade", "serious", "relation_paclitaxel", "relation_imp321", "outcome")


def test_ae_form_starts_with_every_clinical_judgement_blank_and_required(
    web, investigator, patient
):
    url = reverse("assessments:ae_new", args=[patient.pk])
    html = web(investigator).get(url, {"meddra_code": "10029366"}).content.decode()
    for name in (*SAFETY_FIELDS, "action_taken"):
        assert selected(html, name) in ([], [""]), name
    form = forms.AdverseEventForm()
    assert all(form.fields[name].required for name in (*SAFETY_FIELDS, "action_taken"))
    # Required fields are marked the one way: a marker on the label and `required` on inputs.
    assert html.count('class="required-marker"') >= len(SAFETY_FIELDS)
    assert re.search(r'<select name="relation_paclitaxel"[^>]*required', html)
    assert re.search(r'<input type="radio" name="serious" value="True"[^>]*required', html)


def test_ae_saved_without_the_judgements_is_refused_listing_each_at_once(
    web, investigator, patient
):
    data = {
        "meddra_code": "10029366",
        "start_date": str(patient.c1d1_date + dt.timedelta(days=5)),
    }
    response = web(investigator).post(reverse("assessments:ae_new", args=[patient.pk]), data)
    html = response.content.decode()
    assert response.status_code == 200 and not AdverseEvent.objects.exists()
    assert 'data-testid="error-summary"' in html
    for name in (*SAFETY_FIELDS, "action_taken"):
        assert f'href="#id_{name}"' in html, name
    assert "Say whether the event is serious (an SAE)." in html


def test_ae_edit_shows_the_saved_answers(web, investigator, patient, make_ae):
    ae = make_ae(patient)
    html = web(investigator).get(reverse("assessments:ae_edit", args=[ae.pk])).content.decode()
    assert selected(html, "serious") == ["False"]
    assert selected(html, "relation_paclitaxel") == [ae.relation_paclitaxel]
    assert selected(html, "grade") == [str(ae.grade)]


def test_api_needs_seriousness_stated(api, investigator, patient):
    from .conftest import ae_values

    body = {
        "patient": patient.pk,
        **{k: (str(v) if isinstance(v, dt.date) else v) for k, v in ae_values(patient).items()},
    }
    response = api(investigator).post("/api/v1/adverse-events/", body, format="json")
    assert response.status_code == 400 and "serious" in response.json()
    ok = api(investigator).post("/api/v1/adverse-events/", body | {"serious": False}, format="json")
    assert ok.status_code == 201, ok.json()


def test_ecog_and_new_lesion_are_never_pre_selected(web, investigator, patient, make_baseline):
    html = web(investigator).get(reverse("assessments:vitals_new", args=[patient.pk]))
    assert selected(html.content.decode(), "ecog") in ([], [""])
    make_baseline(patient)
    html = web(investigator).get(reverse("assessments:followup_new", args=[patient.pk]))
    assert selected(html.content.decode(), "new_lesion") in ([], [""])


def test_vital_sign_inputs_take_their_limits_from_the_declaration(web, investigator, patient):
    html = web(investigator).get(reverse("assessments:vitals_new", args=[patient.pk]))
    page = html.content.decode()
    weight = re.search(r'<input type="number" name="weight_kg"[^>]*>', page).group(0)
    assert f'min="{WEIGHT_KG.low}"' in weight and f'max="{WEIGHT_KG.high}"' in weight
    systolic = re.search(r'<input type="number" name="systolic_bp"[^>]*>', page).group(0)
    assert f'max="{SYSTOLIC_BP.high}"' in systolic and 'step="1"' in systolic


def test_vitals_errors_come_all_at_once(web, investigator, patient):
    data = {
        "visit": "PAC-C1D1",
        "measured_on": str(patient.c1d1_date),
        "weight_kg": "300",
        "systolic_bp": "400",
        "diastolic_bp": "80",
        "heart_rate": "abc",
        "temperature_c": "36.8",
    }
    response = web(investigator).post(reverse("assessments:vitals_new", args=[patient.pk]), data)
    errors = response.context["form"].errors
    assert {"weight_kg", "systolic_bp", "heart_rate", "ecog"} <= set(errors)
    assert errors["weight_kg"] == [WEIGHT_KG.message]


# --- Tumour follow-up ----------------------------------------------------------------------------
def test_non_target_select_follows_the_baseline(web, investigator, patient, make_baseline):
    make_baseline(patient, non_targets=[non_target("NT1", Organ.BONE, location="L3")])
    url = reverse("assessments:followup_new", args=[patient.pk])
    html = web(investigator).get(url).content.decode()
    options = re.search(r'<select name="non_target_status"[^>]*>(.*?)</select>', html, re.S)
    assert "no non-target lesions" not in options.group(1).lower()
    assert "Present at baseline: NT1 (bone (soft-tissue component))." in html
    response = web(investigator).post(url, {"assessment_date": "", "non_target_status": ""})
    assert response.context["form"].errors["non_target_status"] == [msg.NON_TARGET_STATUS_REQUIRED]


def test_without_baseline_non_targets_the_select_says_so_and_cannot_change(
    web, investigator, patient, make_baseline
):
    make_baseline(patient)
    html = web(investigator).get(reverse("assessments:followup_new", args=[patient.pk]))
    select = re.search(r'<select name="non_target_status"[^>]*>', html.content.decode()).group(0)
    assert "disabled" in select
    assert "No non-target lesions at baseline" in html.content.decode()


def test_lesion_diameter_inputs_take_the_declared_limit(web, investigator, patient, make_baseline):
    too_long = services.TargetLesionInput(label="T1", organ=Organ.LIVER, diameter_mm=Decimal(600))
    with pytest.raises(ValidationError) as exc:
        make_baseline(patient, targets=[too_long])
    assert exc.value.message_dict["target_lesions"] == [msg.DIAMETER_OUT_OF_RANGE]
    make_baseline(patient)
    html = web(investigator).get(reverse("assessments:followup_new", args=[patient.pk]))
    inputs = re.findall(r'<input type="number" name="m\d+_diameter"[^>]*>', html.content.decode())
    assert inputs and all(f'max="{LESION_DIAMETER_MM.high}"' in i for i in inputs)


def test_a_version_conflict_lists_changed_lesion_measurements(
    patient, make_baseline, make_followup, investigator, coordinator, api
):
    baseline = make_baseline(patient)
    followup = make_followup(patient, baseline, factor="0.6")
    lesions = list(baseline.target_lesions.order_by("label"))
    measured = {m.lesion_id: m.diameter_mm for m in followup.measurements.all()}
    # The coordinator moves two diameters so that the sum (and the response) stays the same.
    changed = [
        services.MeasurementInput(lesion_id=t.pk, diameter_mm=measured[t.pk] + delta)
        for t, delta in zip(lesions, (Decimal(1), Decimal(-1), Decimal(0)), strict=True)
    ]
    services.tumour_followup_update(
        user=coordinator,
        assessment=followup,
        assessment_date=followup.assessment_date,
        method=followup.method,
        measurements=changed,
        reason="Re-read the scan",
        expected_version=1,
        new_lesion="none",
    )
    with pytest.raises(StaleVersion) as exc:
        services.tumour_followup_update(
            user=investigator,
            assessment=followup,
            assessment_date=followup.assessment_date,
            method=followup.method,
            measurements=scaled(baseline, "0.5"),
            reason="Mine",
            expected_version=1,
            new_lesion="none",
        )
    labels = {c["label"]: (c["old_display"], c["new_display"]) for c in exc.value.changes}
    t1, t2 = lesions[0], lesions[1]
    assert labels[f"{t1.label} measurement"] == (
        f"{measured[t1.pk]} mm",
        f"{measured[t1.pk] + 1} mm",
    )
    assert f"{t2.label} measurement" in labels
    response = api(investigator).patch(
        f"/api/v1/tumour-assessments/{followup.pk}/",
        {"version": 1, "reason": "Mine", "comments": "x"},
        format="json",
    )
    assert response.status_code == 409
    assert {c["label"] for c in response.json()["changed_meanwhile"]} >= {
        f"{t1.label} measurement",
        f"{t2.label} measurement",
    }


def test_a_version_conflict_on_the_baseline_lists_lesion_changes(
    patient, make_baseline, investigator, coordinator
):
    baseline = make_baseline(patient)
    targets = [
        services.TargetLesionInput(
            id=t.pk,
            label=t.label,
            organ=t.organ,
            location=t.location,
            diameter_mm=t.diameter_mm + (5 if t.label == "T2" else 0),
        )
        for t in baseline.target_lesions.order_by("label")
    ]
    services.tumour_baseline_update(
        user=coordinator,
        assessment=baseline,
        assessment_date=baseline.assessment_date,
        method=baseline.method,
        target_lesions=targets,
        reason="T2 re-measured",
        expected_version=1,
    )
    with pytest.raises(StaleVersion) as exc:
        services.tumour_baseline_update(
            user=investigator,
            assessment=baseline,
            assessment_date=baseline.assessment_date,
            method=baseline.method,
            target_lesions=targets,
            reason="Mine",
            expected_version=1,
        )
    change = next(c for c in exc.value.changes if c["label"] == "Target lesion T2")
    assert change["old_display"].endswith("20.0 mm") and change["new_display"].endswith("25.0 mm")
    assert change["reason"] == "T2 re-measured"
