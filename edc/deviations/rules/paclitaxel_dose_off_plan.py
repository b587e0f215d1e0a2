"""Paclitaxel dose more than 10 % away from the planned dose (at the documented level)."""

from decimal import Decimal

from django.db.models import F, Q

from dosing.constants import AdministrationStatus
from dosing.models import PaclitaxelAdministration
from edc import protocol

from .base import Finding, evidence, limit

CODE = "paclitaxel_dose_off_plan"


def find(*, patient_ids, today):
    tolerance = protocol.DOSE_DEVIATION_TOLERANCE
    doses = limit(PaclitaxelAdministration.objects, patient_ids).filter(
        Q(actual_dose_mg__gt=F("planned_dose_mg") * (Decimal(1) + tolerance))
        | Q(actual_dose_mg__lt=F("planned_dose_mg") * (Decimal(1) - tolerance)),
        status=AdministrationStatus.GIVEN,
    )
    for d in doses.values(
        "id", "patient_id", "cycle", "day", "actual_dose_mg", "planned_dose_mg", "dose_level_mg_m2"
    ):
        pct = (d["actual_dose_mg"] - d["planned_dose_mg"]) / d["planned_dose_mg"] * 100
        yield Finding(
            d["patient_id"],
            f"PAC-C{d['cycle']}D{d['day']}",
            f"C{d['cycle']}D{d['day']}: {d['actual_dose_mg']} mg given vs "
            f"{d['planned_dose_mg']} mg planned ({pct:+.1f} %)",
            evidence(
                record_id=d["id"],
                actual_mg=d["actual_dose_mg"],
                planned_mg=d["planned_dose_mg"],
                level_mg_m2=d["dose_level_mg_m2"],
                difference_pct=round(pct, 1),
                tolerance_pct=tolerance * 100,
            ),
        )
