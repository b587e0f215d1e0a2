"""Study drug given after the end of treatment (progression, toxicity) or consent withdrawal."""

from django.db.models import F, Q

from dosing.constants import AdministrationStatus, InjectionStatus
from dosing.models import Imp321Injection, PaclitaxelAdministration

from .base import Finding, evidence, limit

CODE = "dosed_after_end_of_treatment"


def find(*, patient_ids, today):
    doses = limit(PaclitaxelAdministration.objects, patient_ids).filter(
        Q(administration_date__gt=F("patient__end_of_treatment_date"))
        | Q(administration_date__gt=F("patient__consent_withdrawn_on")),
        status=AdministrationStatus.GIVEN,
    )
    for d in doses.values(
        "id",
        "patient_id",
        "cycle",
        "day",
        "administration_date",
        "patient__end_of_treatment_date",
        "patient__end_of_treatment_reason",
    ):
        yield Finding(
            d["patient_id"],
            f"PAC-C{d['cycle']}D{d['day']}",
            f"Paclitaxel C{d['cycle']}D{d['day']} on {d['administration_date']} after end of "
            f"treatment ({d['patient__end_of_treatment_reason']}, "
            f"{d['patient__end_of_treatment_date']})",
            evidence(
                record_id=d["id"],
                dosed_on=d["administration_date"],
                end_of_treatment=d["patient__end_of_treatment_date"],
                reason=d["patient__end_of_treatment_reason"],
            ),
        )
    injections = limit(Imp321Injection.objects, patient_ids).filter(
        Q(injected_at__date__gt=F("patient__end_of_treatment_date"))
        | Q(injected_at__date__gt=F("patient__consent_withdrawn_on")),
        status=InjectionStatus.GIVEN,
    )
    for i in injections.values(
        "id", "patient_id", "injection_number", "injected_at", "patient__end_of_treatment_date"
    ):
        yield Finding(
            i["patient_id"],
            f"IMP-{i['injection_number']}",
            f"IMP321 injection {i['injection_number']} after end of treatment "
            f"({i['patient__end_of_treatment_date']})",
            evidence(
                record_id=i["id"],
                injected_at=i["injected_at"],
                end_of_treatment=i["patient__end_of_treatment_date"],
            ),
        )
