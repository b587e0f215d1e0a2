"""The trial endpoints read plain rows; their RECIST courses are the patient page's courses."""

import datetime as dt
from decimal import Decimal

from assessments import selectors, services
from assessments.constants import ImagingMethod, NewLesion, Organ

D = Decimal


def _node_and_non_target_patient(enrolled, investigator):
    """A lymph-node target, a non-target, a target too small to measure, then a new lesion."""
    patient = enrolled(c1d1_days_ago=130)
    baseline = services.tumour_baseline_create(
        user=investigator,
        patient=patient,
        assessment_date=patient.c1d1_date - dt.timedelta(days=2),
        method=ImagingMethod.CT,
        target_lesions=[
            services.TargetLesionInput(label="T1", organ=Organ.LIVER, diameter_mm=D("25")),
            services.TargetLesionInput(label="T2", organ=Organ.LYMPH_NODE, diameter_mm=D("18")),
        ],
        non_target_lesions=[services.NonTargetLesionInput(label="NT1", organ=Organ.BONE)],
    )
    liver, node = baseline.target_lesions.order_by("label")
    for day, measurements, new_lesion in (
        (
            57,
            [
                services.MeasurementInput(lesion_id=liver.pk, too_small=True),
                services.MeasurementInput(lesion_id=node.pk, diameter_mm=D("9")),
            ],
            NewLesion.NONE,
        ),
        (
            113,
            [
                services.MeasurementInput(lesion_id=liver.pk, diameter_mm=D("12")),
                services.MeasurementInput(lesion_id=node.pk, diameter_mm=D("9")),
            ],
            NewLesion.UNEQUIVOCAL,
        ),
    ):
        services.tumour_followup_create(
            user=investigator,
            patient=patient,
            assessment_date=patient.c1d1_date + dt.timedelta(days=day - 1),
            method=ImagingMethod.CT,
            measurements=measurements,
            non_target_status="present",
            new_lesion=new_lesion,
            new_lesion_description="Lung nodule" if new_lesion != NewLesion.NONE else "",
        )
    return patient


def test_endpoint_courses_are_the_courses_of_the_patient_pages(
    tumour_patient, enrolled, investigator, statistician
):
    tumour_patient()  # confirmed PR
    tumour_patient(factors=("0.9", "1.3"))  # progression
    tumour_patient(factors=("0.7",))  # one follow-up
    _node_and_non_target_patient(enrolled, investigator)
    enrolled(c1d1_days_ago=20)  # no assessment yet
    endpoints = selectors.trial_endpoints(statistician)
    assert len(endpoints.courses) == 5
    for course in endpoints.courses:
        page = selectors.recist_course_for_patient(user=statistician, patient_id=course.patient.pk)
        assert course.result == page.result
        assert course.error == page.error
        assert [f.assessment_date for f, _ in course.rows] == [
            a.assessment_date for a, _ in page.rows
        ]
        assert [r for _, r in course.rows] == [r for _, r in page.rows]
    assert not endpoints.not_computable
