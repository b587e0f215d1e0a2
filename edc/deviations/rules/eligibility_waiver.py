"""Enrolment with an unmet eligibility criterion (an explicit, audited waiver)."""

from patients.models import Patient

from .base import Finding, evidence, limit

CODE = "eligibility_waiver"


def find(*, patient_ids, today):
    patients = limit(Patient.objects, patient_ids, lookup="id").exclude(eligibility_waiver="")
    for p in patients.filter(subject_id__isnull=False).values(
        "id", "eligibility_waiver", "enrolled_on"
    ):
        yield Finding(
            p["id"],
            "enrolment",
            f"Enrolled under waiver: {p['eligibility_waiver']}"[:300],
            evidence(waiver=p["eligibility_waiver"], enrolled_on=p["enrolled_on"]),
        )
