"""Paclitaxel given although the hold criteria (ANC / platelets) were met."""

from dosing.constants import AdministrationStatus
from dosing.models import PaclitaxelAdministration

from .base import Finding, evidence, limit

CODE = "dosed_despite_hold"


def find(*, patient_ids, today):
    doses = limit(PaclitaxelAdministration.objects, patient_ids).filter(
        status=AdministrationStatus.GIVEN, hold_criteria_met=True
    )
    for d in doses.values(
        "id",
        "patient_id",
        "cycle",
        "day",
        "anc_at_check",
        "platelets_at_check",
        "administration_date",
    ):
        yield Finding(
            d["patient_id"],
            f"PAC-C{d['cycle']}D{d['day']}",
            f"C{d['cycle']}D{d['day']} given with ANC {d['anc_at_check']}, platelets "
            f"{d['platelets_at_check']}",
            evidence(
                record_id=d["id"],
                anc=d["anc_at_check"],
                platelets=d["platelets_at_check"],
                dosed_on=d["administration_date"],
            ),
        )
