"""Lab results through the service: units, dated normal ranges, flags, grades, refusals."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from edc.audit.exceptions import StaleVersion
from labs import constants as msg
from labs import services
from labs.catalogue import HAEMATOLOGY
from labs.models import LabResult
from labs.selectors import haematology_for_dose, latest_haematology, reference_range_for
from patients import constants as patient_msg
from patients import services as patient_services
from patients.constants import EndReason
from tests.factories import PatientFactory

from .conftest import at

D = Decimal


def record(user, patient, lab, analyte, value, unit, when):
    return services.lab_result_create(
        user=user,
        patient=patient,
        lab=lab,
        analyte=analyte,
        collected_at=when,
        value=value,
        unit=unit,
    )


@pytest.mark.django_db
def test_a_value_in_another_unit_is_stored_as_reported_and_in_the_standard_unit(
    enrolled, lab, investigator
):
    patient = enrolled()
    result = record(investigator, patient, lab, "ANC", "1500", "cells/µL", at(2))
    result.refresh_from_db()
    assert (result.original_value, result.original_unit) == ("1500", "cells/µL")
    assert (result.standard_value, result.standard_unit) == (D("1.5"), "10^9/L")
    hgb = record(investigator, patient, lab, "HGB", "75", "g/L", at(2))
    hgb.refresh_from_db()
    assert hgb.standard_value == D("7.5") and hgb.standard_unit == "g/dL"
    assert hgb.flag == "L" and hgb.ctcae_grade == 3  # Hgb < 8.0 g/dL


@pytest.mark.django_db
def test_flag_and_ctcae_grade_are_stored_with_the_range_used(enrolled, lab, investigator):
    patient = enrolled()
    anc = record(investigator, patient, lab, "ANC", "0.8", "10^9/L", at(1))
    alt = record(investigator, patient, lab, "ALT", "120", "U/L", at(1))
    plt = record(investigator, patient, lab, "PLT", "250", "10^9/L", at(1))
    assert (anc.flag, anc.ctcae_grade) == ("L", 3)
    assert (alt.flag, alt.ctcae_grade) == ("H", 2)  # > 3 x ULN (35)
    assert (plt.flag, plt.ctcae_grade) == ("", 0)
    assert (anc.normal_low, anc.normal_high) == (D("1.8"), D("7.5"))
    assert anc.reference_range.analyte == "ANC"


@pytest.mark.django_db
def test_a_result_is_judged_against_the_range_valid_on_its_collection_date(
    enrolled, lab, investigator, data_manager
):
    patient = enrolled(c1d1_days_ago=60)
    services.reference_range_create(
        user=data_manager,
        lab=lab,
        analyte="ANC",
        sex="",
        low=D("2.0"),
        high=D("8.0"),
        effective_from=timezone.localdate() - dt.timedelta(days=20),
    )
    before = record(investigator, patient, lab, "ANC", "1.9", "10^9/L", at(21))
    on_the_day = record(investigator, patient, lab, "ANC", "1.9", "10^9/L", at(20))
    assert (before.normal_low, before.flag) == (D("1.8"), "")
    assert (on_the_day.normal_low, on_the_day.flag) == (D("2.0"), "L")


@pytest.mark.django_db
def test_a_sex_specific_range_wins_over_the_any_sex_range_of_the_same_date(
    lab, site, data_manager, investigator, cohorts
):
    services.reference_range_create(
        user=data_manager,
        lab=lab,
        analyte="HGB",
        sex="M",
        low=D("13.0"),
        high=D("17.0"),
        effective_from=dt.date(2000, 1, 1),
    )
    man = PatientFactory(site=site, sex="M", screening_date=timezone.localdate())
    patient_services.consent_record(
        user=investigator, patient=man, consent_date=man.screening_date, form_version="1"
    )
    today = timezone.localdate()
    assert reference_range_for(lab_id=lab.pk, analyte_code="HGB", sex="M", on=today).low == 13
    assert reference_range_for(lab_id=lab.pk, analyte_code="HGB", sex="F", on=today).low == 12
    result = record(investigator, man, lab, "HGB", "12.5", "g/dL", at(0, hour=0, minute=1))
    assert (result.flag, result.normal_low) == ("L", D("13.0"))


@pytest.mark.django_db
def test_a_value_outside_physiological_limits_is_refused_not_flagged(enrolled, lab, investigator):
    patient = enrolled()
    with pytest.raises(ValidationError) as exc:
        record(investigator, patient, lab, "HGB", "120", "g/dL", at(1))
    assert "outside physiological limits" in exc.value.message_dict["value"][0]
    with pytest.raises(ValidationError) as exc:
        record(investigator, patient, lab, "PLT", "-3", "10^9/L", at(1))
    assert "value" in exc.value.message_dict
    assert not LabResult.objects.exists()


@pytest.mark.django_db
def test_an_unknown_unit_or_a_non_number_is_refused(enrolled, lab, investigator):
    patient = enrolled()
    with pytest.raises(ValidationError) as exc:
        record(investigator, patient, lab, "ANC", "1.5", "mg/dL", at(1))
    assert "not accepted" in exc.value.message_dict["unit"][0]
    with pytest.raises(ValidationError) as exc:
        record(investigator, patient, lab, "ANC", "abc", "10^9/L", at(1))
    assert "“abc” is not a number" in exc.value.message_dict["value"][0]


@pytest.mark.django_db
def test_haematology_without_a_normal_range_is_refused(enrolled, investigator, data_manager, site):
    patient = enrolled()
    bare = services.laboratory_create(user=data_manager, site=site, code="BARE", name="No ranges")
    with pytest.raises(ValidationError) as exc:
        record(investigator, patient, bare, "ANC", "1.5", "10^9/L", at(1))
    assert "no normal range" in exc.value.message_dict["value"][0]


@pytest.mark.django_db
def test_samples_before_consent_after_withdrawal_or_in_the_future_are_refused(
    enrolled, lab, investigator
):
    patient = enrolled(c1d1_days_ago=10)  # consent 15 days ago
    with pytest.raises(ValidationError) as exc:
        record(investigator, patient, lab, "ANC", "2", "10^9/L", at(16))
    assert exc.value.message_dict["collected_at"] == [patient_msg.CONSENT_BEFORE_PROCEDURE]
    with pytest.raises(ValidationError) as exc:
        record(
            investigator, patient, lab, "ANC", "2", "10^9/L", timezone.now() + dt.timedelta(hours=2)
        )
    assert exc.value.message_dict["collected_at"] == [msg.COLLECTED_IN_FUTURE]
    patient_services.patient_end_study(
        user=investigator,
        patient=patient,
        end_date=timezone.localdate() - dt.timedelta(days=3),
        reason_code=EndReason.WITHDRAWAL,
    )
    patient.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        record(investigator, patient, lab, "ANC", "2", "10^9/L", at(2))
    assert "withdrawal of consent" in exc.value.message_dict["collected_at"][0]


@pytest.mark.django_db
def test_the_same_result_cannot_be_recorded_twice(enrolled, lab, investigator):
    patient = enrolled()
    record(investigator, patient, lab, "ANC", "2", "10^9/L", at(1))
    with pytest.raises(ValidationError) as exc:
        record(investigator, patient, lab, "ANC", "2.1", "10^9/L", at(1))
    assert exc.value.message_dict["collected_at"] == [msg.RESULT_DUPLICATE]


@pytest.mark.django_db
def test_a_lab_of_another_site_cannot_report_for_the_patient(enrolled, other_lab, investigator):
    patient = enrolled()
    with pytest.raises(ValidationError) as exc:
        record(investigator, patient, other_lab, "ANC", "2", "10^9/L", at(1))
    assert exc.value.message_dict["lab"] == [msg.LAB_NOT_AT_SITE.format(lab="FR02-LAB")]


@pytest.mark.django_db
def test_a_panel_is_saved_whole_or_not_at_all_with_errors_per_analyte(enrolled, lab, investigator):
    patient = enrolled()
    with pytest.raises(ValidationError) as exc:
        services.lab_panel_record(
            user=investigator,
            patient=patient,
            lab=lab,
            panel=HAEMATOLOGY,
            collected_at=at(1),
            values={"ANC": ("2.0", "10^9/L"), "PLT": ("9000", "10^9/L"), "HGB": ("12", "mmHg")},
        )
    assert set(exc.value.message_dict) == {"PLT_value", "HGB_unit"}
    assert not LabResult.objects.exists()
    saved = services.lab_panel_record(
        user=investigator,
        patient=patient,
        lab=lab,
        panel=HAEMATOLOGY,
        collected_at=at(1),
        values={"ANC": ("2.0", "10^9/L"), "PLT": ("90", "10^3/µL")},
    )
    assert [r.analyte for r in saved] == ["ANC", "PLT"]
    assert saved[1].flag == "L" and saved[1].ctcae_grade == 1


@pytest.mark.django_db
def test_a_correction_needs_a_reason_and_the_version_opened_and_regrades(
    enrolled, lab, investigator, coordinator
):
    patient = enrolled()
    result = record(investigator, patient, lab, "ANC", "0.8", "10^9/L", at(1))
    with pytest.raises(ValidationError) as exc:
        services.lab_result_update(
            user=coordinator,
            result=result,
            collected_at=result.collected_at,
            value="2.0",
            unit="10^9/L",
            comment="",
            reason="",
            expected_version=1,
        )
    assert "reason" in exc.value.message_dict
    updated = services.lab_result_update(
        user=coordinator,
        result=result,
        collected_at=result.collected_at,
        value="2.0",
        unit="10^9/L",
        comment="Transcription error",
        reason="Typo: 0.8 instead of 2.0",
        expected_version=1,
    )
    assert (updated.version, updated.flag, updated.ctcae_grade) == (2, "", 0)
    assert updated.history.first().history_change_reason == "Typo: 0.8 instead of 2.0"
    with pytest.raises(StaleVersion):
        services.lab_result_update(
            user=investigator,
            result=result,
            collected_at=result.collected_at,
            value="0.9",
            unit="10^9/L",
            comment="",
            reason="Second opinion",
            expected_version=1,
        )


@pytest.mark.django_db
def test_dose_hold_check_reads_the_latest_anc_and_platelets_of_the_three_days_before(
    enrolled, lab, investigator
):
    patient = enrolled(c1d1_days_ago=20)
    dose_date = timezone.localdate() - dt.timedelta(days=1)
    record(investigator, patient, lab, "ANC", "0.9", "10^9/L", at(5))  # 4 days before: too old
    record(investigator, patient, lab, "PLT", "80", "10^9/L", at(4))  # 3 days before: counts
    record(investigator, patient, lab, "ANC", "1.2", "10^9/L", at(3, hour=7))
    record(investigator, patient, lab, "ANC", "1.6", "10^9/L", at(1, hour=7))  # dose morning
    record(investigator, patient, lab, "ANC", "3.0", "10^9/L", at(0, hour=0, minute=1))
    assert haematology_for_dose(patient=patient, dose_date=dose_date) == {
        "ANC": D("1.6"),
        "PLT": D("80"),
    }
    assert latest_haematology(patient, before=dose_date, within_days=2) == {
        "ANC": D("1.6"),
        "PLT": None,
    }
    assert haematology_for_dose(
        patient=patient.pk, dose_date=dose_date - dt.timedelta(days=10)
    ) == {
        "ANC": None,
        "PLT": None,
    }


@pytest.mark.django_db
def test_hold_check_lookup_costs_one_query(enrolled, lab, investigator, django_assert_num_queries):
    patient = enrolled()
    record(investigator, patient, lab, "ANC", "2", "10^9/L", at(1))
    with django_assert_num_queries(1):
        haematology_for_dose(patient=patient, dose_date=timezone.localdate())
