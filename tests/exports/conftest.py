"""A small trial written through the real services: two sites, every kind of record."""

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from assessments import services as assessment_services
from assessments.constants import ImagingMethod, Organ
from dosing import services as dosing_services
from labs import services as lab_services
from patients import services as patient_services
from patients.models import Patient
from tests.assessments.conftest import ae_values, non_target, scaled, target, vitals_values
from tests.factories import paclitaxel_data
from tests.labs.conftest import immune_values, make_lab

D = Decimal
IDENTIFYING_COMMENT = "Spoke with Mrs Jeanne Dupont (daughter), tel 06 12 34 56 78"
FORMULA = '=HYPERLINK("http://evil.example","click")'


def local(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@dataclass
class Trial:
    treated: Patient  # FR01, every kind of record
    enrolled: Patient  # FR01, enrolled, nothing else
    screen_failure: Patient  # FR01
    other_site: Patient  # FR02, one AE


def treat(patient, *, user, lab):
    """Doses, an injection, labs, vitals, an AE, tumour assessments and an immune draw."""
    c1d1 = patient.c1d1_date
    dosing_services.paclitaxel_record(
        user=user,
        patient=patient,
        event_code="PAC-C1D1",
        data=paclitaxel_data(c1d1, infusion_start=dt.time(10, 0), infusion_stop=dt.time(11, 5)),
    )
    dosing_services.imp321_record(
        user=user,
        patient=patient,
        event_code="IMP-C1D2",
        data={
            "local_reaction": "none",
            "injected_at": local(c1d1 + dt.timedelta(days=1)),
            "status": "given",
            "dose_mg": patient.cohort.declaration.imp321_dose_mg,
            "injection_site": "abdomen",
            "lot_number": "L-042",
        },
    )
    dosing_services.paclitaxel_record(
        user=user,
        patient=patient,
        event_code="PAC-C1D8",
        data=paclitaxel_data(
            c1d1 + dt.timedelta(days=7),
            status="held",
            status_reason=IDENTIFYING_COMMENT,
            actual_dose_mg=None,
        ),
    )
    for analyte, value, unit in (("ANC", "1.2", "10^9/L"), ("PLT", "-", None)):
        if unit is None:
            continue
        lab_services.lab_result_create(
            user=user,
            patient=patient,
            lab=lab,
            analyte=analyte,
            collected_at=local(c1d1 - dt.timedelta(days=1), 8, 30),
            value=value,
            unit=unit,
            comment=FORMULA,
        )
    lab_services.lab_result_create(
        user=user,
        patient=patient,
        lab=lab,
        analyte="PLT",
        collected_at=local(c1d1 - dt.timedelta(days=1), 8, 30),
        value="210",
        unit="10^9/L",
    )
    lab_services.immune_draw_record(
        user=user,
        patient=patient,
        event_code="IMM-BL",
        drawn_at=local(c1d1 - dt.timedelta(days=2)),
        sample_id=f"SMP-{patient.pk}-BL",
        processing_minutes=60,
        lab=lab,
        values={code: immune_values()[code] for code in ("MONO", "MONO_PCT")},
    )
    assessment_services.vital_signs_create(user=user, patient=patient, **vitals_values(patient))
    assessment_services.adverse_event_create(
        user=user, patient=patient, **ae_values(patient, comments=IDENTIFYING_COMMENT)
    )
    baseline = assessment_services.tumour_baseline_create(
        user=user,
        patient=patient,
        assessment_date=c1d1 - dt.timedelta(days=3),
        method=ImagingMethod.CT,
        target_lesions=[
            target("T1", Organ.LIVER, "30", location="segment VII"),
            target("T2", Organ.LYMPH_NODE, "20", location="left axillary"),
        ],
        non_target_lesions=[non_target("NT1", Organ.BONE)],
    )
    assessment_services.tumour_followup_create(
        user=user,
        patient=patient,
        assessment_date=c1d1 + dt.timedelta(days=56),
        method=ImagingMethod.CT,
        measurements=scaled(baseline, "0.6"),
        non_target_status="present",
        new_lesion="none",
    )


@pytest.fixture
def trial(enrolled, screened, investigator, other_investigator, other_site, data_manager):
    lab = make_lab(user=data_manager, site=investigator.staff_profile.sites.get(), code="FR01-LAB")
    treated = enrolled(c1d1_days_ago=70)
    treat(treated, user=investigator, lab=lab)
    plain = enrolled(c1d1_days_ago=20)
    failed = screened(days_ago=15)
    patient_services.patient_screen_fail(
        user=investigator, patient=failed, reason="Brain metastases on MRI"
    )
    other = enrolled(c1d1_days_ago=30, site=other_site, user=other_investigator)
    assessment_services.adverse_event_create(
        user=other_investigator, patient=other, **ae_values(other)
    )
    return Trial(
        treated=Patient.objects.get(pk=treated.pk),
        enrolled=Patient.objects.get(pk=plain.pk),
        screen_failure=Patient.objects.get(pk=failed.pk),
        other_site=Patient.objects.get(pk=other.pk),
    )


def content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
