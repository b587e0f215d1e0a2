"""Demo doses: every enrolled patient treated up to today, with the toxicity of the regimen.

Patient order (by subject enrolment) picks who gets a held dose, a delayed cycle, a dose
reduction or a late injection, so the deviation engine and the pages have something to show.

Every form is complete (infusion start and stop and premedication of each dose given; kit, lot
and site of each injection). Each D1 has its vital signs, weighed before the dose: the weight
the dose was calculated from. The adverse events are those of weekly paclitaxel with IMP321
(peripheral sensory neuropathy, neutropenia, alopecia, fatigue; injection-site reactions to
IMP321, more frequent in the higher-dose cohorts), with grades and causality, each consistent
with the doses: the neutropenia that held a dose, the neuropathy that reduced one, a reaction
where an injection site showed erythema. Each write is recorded on the day it was made in the
trial (``edc.audit.clock.back_entry_on``), not at the demo's load time.
"""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from assessments import services as assessment_services
from assessments.constants import ActionTaken, AEOutcome, Relation
from edc import protocol
from edc.audit.clock import back_entry_on
from patients.models import CalendarEvent, Patient

from . import rules, services

HELD_C2D8 = 2
DELAYED_C3D1 = 4
REDUCED_FROM_C4 = 6
LATE_INJECTION = 8
OFF_PLAN_DOSE = 11

# Injection-site erythema after IMP321, by cohort (0.25 / 1.25 / 6.25 mg): the cohorts differ.
ERYTHEMA_RATE = {"A": 0.05, "B": 0.12, "C": 0.3}

NEUTROPHILS_DECREASED = "10029366"
PERIPHERAL_SENSORY_NEUROPATHY = "10034620"
INJECTION_SITE_REACTION = "10022095"
FATIGUE = "10016256"
ALOPECIA = "10001760"


def _aware(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _vitals(patient, *, user, visit: str, day, height: Decimal, weight: Decimal, rng) -> None:
    """Vital signs of a D1, taken before the infusion (the dose's own weight and height)."""
    systolic = rng.randint(105, 145)
    with back_entry_on(day, 9, rng.randint(0, 40)):
        assessment_services.vital_signs_create(
            user=user,
            patient=patient,
            visit=visit,
            measured_on=day,
            weight_kg=weight,
            height_cm=height,
            systolic_bp=systolic,
            diastolic_bp=rng.randint(60, min(90, systolic - 25)),
            heart_rate=rng.randint(60, 96),
            temperature_c=Decimal(str(round(rng.uniform(36.2, 37.3), 1))),
            ecog=rng.choice((0, 0, 0, 1)),
        )


# Sites whose standing paclitaxel premedication includes an H2 blocker (ranitidine's withdrawal
# in 2020 left famotidine; some sites dropped the H2 blocker altogether).
H2_BLOCKER_SITES = {"FR01", "BE01"}


def _premedication(site_code: str, cycle: int) -> dict:
    """The premedication stated on a dose (an antiemetic added to the first cycle's)."""
    h2 = site_code in H2_BLOCKER_SITES
    return {
        "premed_dexamethasone": True,
        "premed_antihistamine": True,
        "premed_h2_blocker": h2,
        "premed_other": "Ondansetron 8 mg IV" if cycle == 1 else "",
    }


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
        facts = {"given": [], "held": None, "reduced": None, "erythema": []}
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
                    facts["reduced"] = when
                weight += Decimal(rng.choice([-1, 0, 0, 1]))
                if event.day == 1:
                    _vitals(
                        patient,
                        user=user,
                        visit=code,
                        day=when,
                        height=height,
                        weight=weight,
                        rng=rng,
                    )
                planned = rules.planned_dose_mg(rules.bsa_mosteller(height, weight), level)
                off_plan = index == OFF_PLAN_DOSE and code == "PAC-C2D15"
                actual = planned * Decimal("1.15") if off_plan else planned
                start = dt.time(10, rng.choice((0, 15, 30, 45)))
                minutes = 60 + rng.randint(0, 10)  # a one-hour infusion
                end = (dt.datetime.combine(when, start) + dt.timedelta(minutes=minutes)).time()
                data = {
                    "administration_date": when,
                    "status": "given",
                    "height_cm": height,
                    "weight_kg": weight,
                    "dose_level_mg_m2": level,
                    "actual_dose_mg": actual.quantize(Decimal("0.1")),
                    "infusion_start": start,
                    "infusion_stop": end,
                    "reduction_reason": "Grade 2 peripheral neuropathy"
                    if level != protocol.PACLITAXEL_STARTING_DOSE_MG_M2
                    else "",
                    # The site confirmed the warning the form showed (still a deviation).
                    "acknowledge_warnings": [rules.WARN_DOSE_OFF_PLAN] if off_plan else [],
                    # Premedication before each infusion (no draw from ``rng``, so the rest of
                    # the demo is unchanged): dexamethasone and an H1 antihistamine every
                    # time, an H2 blocker at the sites whose standing order includes one.
                    **_premedication(patient.site.code, event.cycle),
                }
                if index == HELD_C2D8 and code == "PAC-C2D8":
                    data |= {
                        "status": "held",
                        "actual_dose_mg": None,
                        "infusion_start": None,
                        "infusion_stop": None,
                        "status_reason": "ANC 0.8 x 10^9/L on the day",
                    }
                    facts["held"] = when
                else:
                    facts["given"].append(when)
                with back_entry_on(when, 12, rng.randint(0, 59)):
                    services.paclitaxel_record(
                        user=user, patient=patient, event_code=code, data=data
                    )
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
                reaction = rng.random() < ERYTHEMA_RATE.get(patient.cohort.code, 0.1)
                if reaction:
                    facts["erythema"].append(day)
                with back_entry_on(day, 11, rng.randint(0, 59)):
                    services.imp321_record(
                        user=user,
                        patient=patient,
                        event_code=code,
                        data={
                            "injected_at": _aware(day, 10),
                            "status": "given",
                            "dose_mg": cohort_dose,
                            "kit_number": f"K{patient.cohort.code}-{rng.randint(100, 999)}",
                            "lot_number": f"L{patient.cohort.code}2025",
                            "injection_site": rng.choice(["abdomen", "thigh", "upper_arm"]),
                            "local_reaction": "erythema" if reaction else "none",
                            "no_preceding_dose_reason": "Patient could not attend the day after"
                            if late
                            else "",
                            "acknowledge_warnings": [rules.WARN_NOT_DAY_AFTER_PACLITAXEL]
                            if late
                            else [],
                        },
                    )
        _adverse_events(patient, facts, user=user, last=stop, rng=rng)


def _adverse_events(patient, facts: dict, *, user, last: dt.date, rng) -> None:
    """The toxicity of weekly paclitaxel + IMP321 seen in this patient, from their doses."""
    c1d1 = patient.c1d1_date
    given = facts["given"]
    if not given:
        return
    plans = []
    if facts["held"]:
        # The neutropenia that held the dose: ANC 0.8 the day before (grade 3).
        plans.append(
            {
                "code": NEUTROPHILS_DECREASED,
                "grade": 3,
                "start": facts["held"] - dt.timedelta(days=1),
                "days": 8,
                "paclitaxel": Relation.PROBABLE,
                "imp321": Relation.UNLIKELY,
                "action": ActionTaken.HELD,
            }
        )
    elif rng.random() < 0.3:
        plans.append(
            {
                "code": NEUTROPHILS_DECREASED,
                "grade": 2,
                "start": c1d1 + dt.timedelta(days=rng.randint(10, 50)),
                "days": rng.randint(5, 10),
                "paclitaxel": Relation.PROBABLE,
                "imp321": Relation.UNLIKELY,
                "action": ActionTaken.NONE,
            }
        )
    if facts["reduced"]:
        # The neuropathy the dose was reduced for, a few days before C4D1; not resolved.
        plans.append(
            {
                "code": PERIPHERAL_SENSORY_NEUROPATHY,
                "grade": 2,
                "start": facts["reduced"] - dt.timedelta(days=4),
                "days": None,
                "paclitaxel": Relation.DEFINITE,
                "imp321": Relation.NOT_RELATED,
                "action": ActionTaken.DOSE_REDUCED,
            }
        )
    elif rng.random() < 0.55:
        plans.append(
            {
                "code": PERIPHERAL_SENSORY_NEUROPATHY,
                "grade": 1,
                "start": c1d1 + dt.timedelta(days=rng.randint(55, 110)),
                "days": None,
                "paclitaxel": Relation.PROBABLE,
                "imp321": Relation.NOT_RELATED,
                "action": ActionTaken.NONE,
            }
        )
    if rng.random() < 0.8:
        plans.append(
            {
                "code": ALOPECIA,
                "grade": rng.choice((1, 1, 2)),
                "start": c1d1 + dt.timedelta(days=rng.randint(18, 35)),
                "days": None,
                "paclitaxel": Relation.DEFINITE,
                "imp321": Relation.NOT_RELATED,
                "action": ActionTaken.NONE,
            }
        )
    if rng.random() < 0.45:
        plans.append(
            {
                "code": FATIGUE,
                "grade": rng.choice((1, 1, 2)),
                "start": c1d1 + dt.timedelta(days=rng.randint(2, 9)),
                "days": rng.randint(6, 15),
                "paclitaxel": Relation.POSSIBLE,
                "imp321": Relation.POSSIBLE,
                "action": ActionTaken.NONE,
            }
        )
    if facts["erythema"]:
        plans.append(
            {
                "code": INJECTION_SITE_REACTION,
                "grade": 1,
                "start": facts["erythema"][0],
                "days": rng.randint(2, 4),
                "paclitaxel": Relation.NOT_RELATED,
                "imp321": Relation.DEFINITE,
                "action": ActionTaken.NONE,
            }
        )
    for plan in plans:
        start = max(plan["start"], c1d1)
        if start > last - dt.timedelta(days=2):
            continue
        stop = start + dt.timedelta(days=plan["days"]) if plan["days"] else None
        if stop is not None and stop > last - dt.timedelta(days=1):
            stop = None
        # Entered at the next contact after it ended (or two days after it began).
        entered = (stop or start) + dt.timedelta(days=1 if stop else 2)
        with back_entry_on(min(entered, last), 16, rng.randint(0, 59)):
            assessment_services.adverse_event_create(
                user=user,
                patient=patient,
                meddra_code=plan["code"],
                grade=plan["grade"],
                start_date=start,
                stop_date=stop,
                relation_paclitaxel=plan["paclitaxel"],
                relation_imp321=plan["imp321"],
                action_taken=plan["action"],
                outcome=AEOutcome.RECOVERED if stop else AEOutcome.NOT_RECOVERED,
            )
