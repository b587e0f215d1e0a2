"""Demo doses: every enrolled patient treated up to today, with a few realistic events.

Patient order (by subject enrolment) picks who gets a held dose, a delayed cycle, a dose
reduction or a late injection, so the deviation engine and the pages have something to show.
"""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from edc import protocol
from patients.models import CalendarEvent, Patient

from . import rules, services

HELD_C2D8 = 2
DELAYED_C3D1 = 4
REDUCED_FROM_C4 = 6
LATE_INJECTION = 8
OFF_PLAN_DOSE = 11


def _aware(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def build(*, users: dict, rng) -> None:
    today = timezone.localdate()
    staff = {
        "FR01": users["investigator"],
        "FR02": users["investigator.lyon"],
        "BE01": users["investigator.brussels"],
    }
    patients = Patient.objects.exclude(subject_id=None).select_related("site", "cohort")
    for index, patient in enumerate(patients.order_by("enrolled_on", "id")):
        user = staff[patient.site.code]
        height = Decimal(rng.randint(152, 178))
        weight = Decimal(rng.randint(52, 86))
        stop = patient.consent_withdrawn_on or today
        level = protocol.PACLITAXEL_STARTING_DOSE_MG_M2
        cohort_dose = protocol.cohort(patient.cohort.code).imp321_dose_mg
        for code in [
            e.code
            for e in protocol.PLANNED_EVENTS
            if e.kind in (protocol.PACLITAXEL, protocol.IMP321)
        ]:
            event = CalendarEvent.objects.get(patient=patient, code=code)
            when = event.planned_date
            if event.kind == protocol.PACLITAXEL:
                if index == DELAYED_C3D1 and code == "PAC-C3D1":
                    when += dt.timedelta(days=7)
                if when > stop:
                    break
                if index == REDUCED_FROM_C4 and event.cycle == 4 and event.day == 1:
                    level = protocol.PACLITAXEL_DOSE_LEVELS_MG_M2[1]
                weight += Decimal(rng.choice([-1, 0, 0, 1]))
                planned = rules.planned_dose_mg(rules.bsa_mosteller(height, weight), level)
                off_plan = index == OFF_PLAN_DOSE and code == "PAC-C2D15"
                actual = planned * Decimal("1.15") if off_plan else planned
                data = {
                    "administration_date": when,
                    "status": "given",
                    "height_cm": height,
                    "weight_kg": weight,
                    "dose_level_mg_m2": level,
                    "actual_dose_mg": actual.quantize(Decimal("0.1")),
                    "reduction_reason": "Grade 2 peripheral neuropathy"
                    if level != protocol.PACLITAXEL_STARTING_DOSE_MG_M2
                    else "",
                    # The site confirmed the warning the form showed (still a deviation).
                    "acknowledge_warnings": [rules.WARN_DOSE_OFF_PLAN] if off_plan else [],
                }
                if index == HELD_C2D8 and code == "PAC-C2D8":
                    data |= {
                        "status": "held",
                        "actual_dose_mg": None,
                        "status_reason": "ANC 0.8 x 10^9/L on the day",
                    }
                services.paclitaxel_record(user=user, patient=patient, event_code=code, data=data)
            else:
                if when > stop:
                    break
                follows = CalendarEvent.objects.get(
                    patient=patient, code=protocol.PLANNED_EVENTS_BY_CODE[code].follows
                )
                if follows.actual_date is None:
                    continue  # the paclitaxel dose was held: no injection that day
                late = index == LATE_INJECTION and code == "IMP-C2D16"
                day = follows.actual_date + dt.timedelta(days=3 if late else 1)
                if day > stop:
                    break
                services.imp321_record(
                    user=user,
                    patient=patient,
                    event_code=code,
                    data={
                        "injected_at": _aware(day, 10),
                        "dose_mg": cohort_dose,
                        "kit_number": f"K{patient.cohort.code}-{rng.randint(100, 999)}",
                        "lot_number": f"L{patient.cohort.code}2025",
                        "injection_site": rng.choice(["abdomen", "thigh", "upper_arm"]),
                        "local_reaction": rng.choice(["none"] * 4 + ["erythema"]),
                        "no_preceding_dose_reason": "Patient could not attend the day after"
                        if late
                        else "",
                        "acknowledge_warnings": [rules.WARN_NOT_DAY_AFTER_PACLITAXEL]
                        if late
                        else [],
                    },
                )
