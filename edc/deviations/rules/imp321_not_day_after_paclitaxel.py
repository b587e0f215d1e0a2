"""IMP321 not given the day after the actual paclitaxel dose (+1 day tolerated)."""

from django.utils import timezone

from dosing.constants import InjectionStatus
from dosing.models import Imp321Injection
from edc import protocol

from .base import Finding, evidence, limit

CODE = "imp321_not_day_after_paclitaxel"


def find(*, patient_ids, today):
    rows = limit(Imp321Injection.objects, patient_ids).filter(status=InjectionStatus.GIVEN)
    low = protocol.IMP321_DAYS_AFTER_PACLITAXEL - protocol.IMP321_WINDOW.before
    high = protocol.IMP321_DAYS_AFTER_PACLITAXEL + protocol.IMP321_WINDOW.after
    for r in rows.values(
        "id",
        "patient_id",
        "injection_number",
        "injected_at",
        "follows__administration_date",
        "no_preceding_dose_reason",
    ):
        injected = timezone.localtime(r["injected_at"]).date()
        paclitaxel = r["follows__administration_date"]
        gap = (injected - paclitaxel).days if paclitaxel else None
        if gap is not None and low <= gap <= high:
            continue
        yield Finding(
            r["patient_id"],
            f"IMP-{r['injection_number']}",
            f"Injection {r['injection_number']} on {injected}: "
            + (f"{gap} days after paclitaxel" if gap is not None else "no paclitaxel dose before"),
            evidence(
                record_id=r["id"],
                injected_on=injected,
                paclitaxel_on=paclitaxel,
                days_after=gap,
                reason=r["no_preceding_dose_reason"],
            ),
        )
