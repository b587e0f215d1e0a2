"""Checks at the moment of entry through the one write path (services) and the API.

Hard limits are refused with a readable message (never a database constraint name); soft
checks refuse the save until confirmed, the confirmation is stored (audited) and the
protocol deviation is still raised; every error comes at once.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dosing import constants as msg
from dosing import rules, services
from dosing.models import Imp321Injection, PaclitaxelAdministration
from edc.audit.models import AuditEntry
from edc.deviations.models import Deviation
from edc.deviations.services import deviations_sweep
from edc.validators import ACKNOWLEDGE_FIELD, EntryRefused
from patients import services as patient_services


def at(day: dt.date, hour: int = 10):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


@pytest.fixture
def cohort_c_patient(enrolled, data_manager):
    """An enrolled patient of the 6.25 mg cohort, C1D1 20 days ago."""
    patient_services.cohort_open(user=data_manager, code="C", reason="Cohort B complete")
    patient = enrolled(c1d1_days_ago=20)
    assert patient.cohort.code == "C"
    return patient


def imp321(patient, user, *, code="IMP-C1D2", **data):
    data.setdefault("local_reaction", "none")
    return services.imp321_record(user=user, patient=patient, event_code=code, data=data)


# --- Hard limits ---------------------------------------------------------------------------------
def test_625_mg_of_imp321_is_refused_with_a_readable_message_even_with_a_reason(
    cohort_c_patient, give_paclitaxel, investigator
):
    patient = cohort_c_patient
    pac = give_paclitaxel(patient, "PAC-C1D1")
    with pytest.raises(ValidationError) as exc:
        imp321(
            patient,
            investigator,
            injected_at=at(pac.administration_date + dt.timedelta(days=1)),
            dose_mg=Decimal("625"),
            dose_reason="Typed by the pharmacist",
            acknowledge_warnings=[rules.WARN_DOSE_OFF_PLAN],
        )
    assert exc.value.message_dict["dose_mg"] == [
        "625 mg is more than 1.5 × the cohort dose of 6.25 mg (9.375 mg at most): refused. "
        "Check the value and its unit."
    ]
    assert not Imp321Injection.objects.exists()


@pytest.mark.parametrize("dose", ["0", "-1"])
def test_a_dose_of_zero_or_below_is_a_readable_message_not_a_constraint(
    on_treatment, give_paclitaxel, investigator, dose
):
    patient = on_treatment()
    with pytest.raises(ValidationError) as exc:
        give_paclitaxel(patient, "PAC-C1D1", actual_dose_mg=Decimal(dose))
    assert exc.value.message_dict == {"actual_dose_mg": [msg.ACTUAL_DOSE_POSITIVE]}
    give_paclitaxel(patient, "PAC-C1D1")
    with pytest.raises(ValidationError) as exc:
        imp321(
            patient,
            investigator,
            injected_at=at(patient.c1d1_date + dt.timedelta(days=1)),
            dose_mg=Decimal(dose),
        )
    assert exc.value.message_dict == {"dose_mg": [msg.IMP321_DOSE_POSITIVE]}
    for messages in exc.value.message_dict.values():
        assert not any("onstraint" in m for m in messages)


def test_every_error_of_a_dose_comes_at_once(on_treatment, give_paclitaxel):
    patient = on_treatment()
    with pytest.raises(ValidationError) as exc:
        give_paclitaxel(
            patient,
            "PAC-C1D1",
            weight_kg=Decimal("300"),
            height_cm=Decimal("90"),
            dose_level_mg_m2=Decimal("70"),  # a reduction without its reason
            infusion_start=dt.time(11),
            infusion_stop=dt.time(10),
        )
    assert set(exc.value.message_dict) == {
        "weight_kg",
        "height_cm",
        "reduction_reason",
        "infusion_stop",
    }


# --- Soft checks ---------------------------------------------------------------------------------
def test_weight_84_to_64_5_kg_is_shown_then_saved_once_confirmed_and_the_confirmation_audited(
    on_treatment, give_paclitaxel
):
    patient = on_treatment()
    give_paclitaxel(patient, "PAC-C1D1", weight_kg=Decimal("84.0"), actual_dose_mg=Decimal("160.3"))
    with pytest.raises(EntryRefused) as exc:
        give_paclitaxel(patient, "PAC-C1D8", weight_kg=Decimal("64.5"))
    assert list(exc.value.message_dict) == [ACKNOWLEDGE_FIELD]
    (warning,) = exc.value.warnings
    assert warning.code == rules.WARN_WEIGHT_CHANGED
    assert "84.0 kg at C1D1, 64.5 kg now (-23.2 %)" in warning.detail
    assert not PaclitaxelAdministration.objects.filter(day=8).exists()

    dose = give_paclitaxel(
        patient,
        "PAC-C1D8",
        weight_kg=Decimal("64.5"),
        acknowledge_warnings=[rules.WARN_WEIGHT_CHANGED],
    )
    assert dose.warnings_acknowledged == warning.text
    entry = AuditEntry.objects.get(model_label="dosing.paclitaxeladministration", object_id=dose.pk)
    stored = {c["field"]: c["new"] for c in entry.changes}
    assert stored["warnings_acknowledged"] == warning.text


def test_a_date_outside_the_window_is_confirmed_and_still_raises_the_deviation(
    enrolled, give_paclitaxel
):
    patient = enrolled(c1d1_days_ago=50)
    give_paclitaxel(patient, "PAC-C1D1")
    event = patient.calendar.get(code="PAC-C2D1")
    late = event.planned_date + dt.timedelta(days=8)
    with pytest.raises(EntryRefused) as exc:
        give_paclitaxel(patient, "PAC-C2D1", on=late)
    assert [w.code for w in exc.value.warnings] == [rules.WARN_DATE_OUTSIDE_WINDOW]
    assert "(minor)" in exc.value.warnings[0].text
    give_paclitaxel(
        patient, "PAC-C2D1", on=late, acknowledge_warnings=[rules.WARN_DATE_OUTSIDE_WINDOW]
    )
    deviations_sweep()
    assert Deviation.objects.filter(
        patient=patient, rule="visit_out_of_window", subject_key="PAC-C2D1"
    ).exists()


def test_a_correction_asks_again_only_when_the_warned_value_changes(
    on_treatment, give_paclitaxel, investigator
):
    patient = on_treatment()
    dose = give_paclitaxel(
        patient,
        "PAC-C1D1",
        actual_dose_mg=Decimal("170.0"),
        acknowledge_warnings=[rules.WARN_DOSE_OFF_PLAN],
    )
    # Another field corrected: the stored confirmation still covers the same values.
    dose = services.paclitaxel_update(
        user=investigator,
        record=dose,
        data={"infusion_start": dt.time(9, 30)},
        reason="Time from the nursing chart",
        expected_version=1,
    )
    assert dose.version == 2 and "170.0 mg given" in dose.warnings_acknowledged
    with pytest.raises(EntryRefused):
        services.paclitaxel_update(
            user=investigator,
            record=dose,
            data={"actual_dose_mg": Decimal("175.0")},
            reason="Pharmacy record",
            expected_version=2,
        )
    dose = services.paclitaxel_update(
        user=investigator,
        record=dose,
        data={"actual_dose_mg": Decimal("145.6")},
        reason="Pharmacy record",
        expected_version=2,
    )
    assert dose.warnings_acknowledged == ""  # nothing unusual left


def test_imp321_off_cohort_needs_a_reason_and_a_confirmation_together(
    on_treatment, give_paclitaxel, investigator
):
    patient = on_treatment()
    give_paclitaxel(patient, "PAC-C1D1")
    with pytest.raises(EntryRefused) as exc:
        imp321(
            patient,
            investigator,
            injected_at=at(patient.c1d1_date + dt.timedelta(days=1)),
            dose_mg=Decimal("0.3"),
        )
    assert set(exc.value.message_dict) == {"dose_reason", ACKNOWLEDGE_FIELD}


# --- API -----------------------------------------------------------------------------------------
def payload(patient, code, when, **overrides):
    data = {
        "patient": patient.pk,
        "event_code": code,
        "administration_date": str(when),
        "status": "given",
        "height_cm": "170",
        "weight_kg": "70",
        "dose_level_mg_m2": "80",
        "actual_dose_mg": "145.6",
    }
    return data | overrides


def test_api_answers_400_with_the_warning_codes_until_the_request_confirms_them(
    on_treatment, give_paclitaxel, investigator, api
):
    patient = on_treatment()
    give_paclitaxel(patient, "PAC-C1D1", weight_kg=Decimal("84.0"), actual_dose_mg=Decimal("160.3"))
    d8 = patient.calendar.get(code="PAC-C1D8").planned_date
    client = api(investigator)
    body = payload(patient, "PAC-C1D8", d8, weight_kg="64.5")
    refused = client.post("/api/v1/paclitaxel/", body, format="json")
    assert refused.status_code == 400
    answer = refused.json()
    assert [w["code"] for w in answer["warnings"]] == ["weight_changed"]
    assert answer["warnings"][0]["rule"].startswith("Weight changed by more than 10 %")
    assert ACKNOWLEDGE_FIELD in answer
    saved = client.post(
        "/api/v1/paclitaxel/",
        body | {"acknowledge_warnings": ["weight_changed"]},
        format="json",
    )
    assert saved.status_code == 201, saved.json()
    assert "84.0 kg at C1D1" in saved.json()["warnings_acknowledged"]


def test_api_refuses_625_mg_of_imp321(cohort_c_patient, give_paclitaxel, investigator, api):
    patient = cohort_c_patient
    give_paclitaxel(patient, "PAC-C1D1")
    response = api(investigator).post(
        "/api/v1/imp321/",
        {
            "patient": patient.pk,
            "event_code": "IMP-C1D2",
            "injected_at": at(patient.c1d1_date + dt.timedelta(days=1)).isoformat(),
            "status": "given",
            "dose_mg": "625",
            "dose_reason": "x",
            "local_reaction": "none",
            "acknowledge_warnings": ["dose_off_plan"],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["dose_mg"][0].startswith("625 mg is more than 1.5 × the cohort dose")


def test_api_needs_the_local_reaction_stated(on_treatment, give_paclitaxel, investigator, api):
    patient = on_treatment()
    give_paclitaxel(patient, "PAC-C1D1")
    response = api(investigator).post(
        "/api/v1/imp321/",
        {
            "patient": patient.pk,
            "event_code": "IMP-C1D2",
            "injected_at": at(patient.c1d1_date + dt.timedelta(days=1)).isoformat(),
            "dose_mg": "0.25",
        },
        format="json",
    )
    assert response.status_code == 400 and "local_reaction" in response.json()


def test_the_acknowledgement_field_is_documented_in_the_schema(api, investigator):
    schema = api(investigator).get("/api/schema/", {"format": "json"}).json()
    field = schema["components"]["schemas"]["PaclitaxelCreate"]["properties"][
        "acknowledge_warnings"
    ]
    assert "date_outside_window" in field["description"]
    codes = schema["components"]["schemas"][field["items"]["$ref"].rsplit("/", 1)[-1]]
    assert set(codes["enum"]) == set(rules.WARNING_CODES)


def test_a_stale_version_names_the_changed_fields_by_their_labels(
    on_treatment, give_paclitaxel, investigator, api
):
    patient = on_treatment()
    dose = give_paclitaxel(patient, "PAC-C1D1")
    client = api(investigator)
    url = f"/api/v1/paclitaxel/{dose.pk}/"
    client.patch(url, {"version": 1, "reason": "Re-weighed", "weight_kg": "71"}, format="json")
    stale = client.patch(url, {"version": 1, "reason": "Late", "weight_kg": "69"}, format="json")
    assert stale.status_code == 409
    change = next(c for c in stale.json()["changed_meanwhile"] if c["field"] == "weight_kg")
    assert (change["old_display"], change["new_display"]) == ("70.0", "71.0")
    assert "weight_kg" not in stale.json()["version"][0]
