"""IMP321 dose different from the patient's cohort dose."""

from functools import reduce
from operator import or_

from django.db.models import Q

from dosing.constants import InjectionStatus
from dosing.models import Imp321Injection
from edc import protocol

from .base import Finding, evidence, limit

CODE = "imp321_dose_not_cohort"


def find(*, patient_ids, today):
    off_cohort = reduce(
        or_,
        (Q(patient__cohort__code=c.code) & ~Q(dose_mg=c.imp321_dose_mg) for c in protocol.COHORTS),
    )
    rows = limit(Imp321Injection.objects, patient_ids).filter(
        off_cohort, status=InjectionStatus.GIVEN
    )
    for r in rows.values(
        "id", "patient_id", "injection_number", "dose_mg", "dose_reason", "patient__cohort__code"
    ):
        cohort_dose = protocol.cohort(r["patient__cohort__code"]).imp321_dose_mg
        yield Finding(
            r["patient_id"],
            f"IMP-{r['injection_number']}",
            f"Injection {r['injection_number']}: {r['dose_mg']} mg, cohort dose {cohort_dose} mg",
            evidence(
                record_id=r["id"],
                dose_mg=r["dose_mg"],
                cohort_dose_mg=cohort_dose,
                reason=r["dose_reason"],
            ),
        )
