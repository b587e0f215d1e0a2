"""Demo data: tumour measurements that reproduce the paper's endpoints, and the two SAEs.

The publication (J Transl Med 2010;8:71) reports, for the 30 patients: objective response
rate 50 % (15/30), clinical benefit 90 % (27/30 without progression at 6 months) and 3
progressors at 6 months. Only *lesion measurements* are entered here (never response labels):
each patient follows a scenario of per-timepoint size changes, the services compute the RECIST
responses, and ``build`` checks at the end that the computed endpoints are the paper's. (Two
patients also carry an investigator reading that differs from the computation, to show the
disagreement flag; endpoints never read it.)

Assessments fall on the patient's planned TUM-W8/W16/W24 dates (read from the calendar), never
after the withdrawal of consent or today; the 3 progressions are seen at week 24, after the
last paclitaxel dose, so no dosing follows a progression.

Every follow-up carries the investigator's own timepoint reading (the form is complete
without it only in name); it agrees with the computation except in the two patients above.
Vital signs and the common toxicity of the regimen are entered with the doses (dosing.demo,
which sees them); here the two serious adverse events, one reported late. Each write is
recorded on its day of the trial (``edc.audit.clock.back_entry_on``).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from edc import protocol
from edc.access.constants import Role
from edc.access.roles import can_enter_data
from edc.access.selectors import user_role
from edc.audit.clock import back_entry, back_entry_on
from patients.models import CalendarEvent, Patient
from patients.services import consent_date_of
from patients.validators import today

from . import selectors, services
from .constants import (
    ActionTaken,
    AEOutcome,
    DoseUnit,
    Frequency,
    ImagingMethod,
    NewLesion,
    NonTargetStatus,
    Organ,
    Relation,
    ResponseChoice,
    Route,
    SAECriterion,
)
from .rules import is_nodal, non_target_label, target_label

PAPER_RESPONDERS = 15
PAPER_WITHOUT_PROGRESSION = 27
PAPER_PROGRESSORS = 3

TENTH = Decimal("0.1")
CR = "cr"  # every non-nodal target 0 mm, nodes back to a normal short axis


@dataclass(frozen=True)
class Step:
    """One follow-up: target sizes as a fraction of baseline (or CR), non-targets, new lesion."""

    scale: float | str
    non_target: str = NonTargetStatus.PRESENT
    new_lesion: str = NewLesion.NONE
    too_small: bool = False  # smallest non-nodal target recorded "too small to measure"
    not_evaluable: bool = False  # one target not imaged at this timepoint
    investigator: str = ""  # the investigator's own reading, when recorded


@dataclass(frozen=True)
class Scenario:
    """Steps at TUM-W8, TUM-W16, TUM-W24; ``needs`` = follow-ups that must be observable
    (not after today or a withdrawal) for the scenario to reach its outcome."""

    steps: tuple[Step, ...]
    needs: int


# Fractions keep clear of every RECIST threshold (PR ≤ 0.70 × baseline; PD ≥ 1.2 × nadir).
SCENARIOS: dict[str, Scenario] = {
    # Confirmed responders (CR/PR confirmed ≥ 4 weeks later).
    "complete_response": Scenario((Step(0.5), Step(CR), Step(CR)), needs=2),
    "partial_response": Scenario((Step(0.6), Step(0.52), Step(0.5)), needs=2),
    "partial_response_too_small": Scenario(
        (Step(0.6), Step(0.45, too_small=True), Step(0.42, too_small=True)), needs=2
    ),
    "late_partial_response": Scenario((Step(0.88), Step(0.6), Step(0.55)), needs=3),
    # Stable disease (an unconfirmed PR falls back to SD).
    "unconfirmed_partial_response": Scenario((Step(0.66), Step(0.74), Step(0.75)), needs=1),
    "stable": Scenario((Step(0.92), Step(0.9), Step(0.91)), needs=1),
    "stable_one_not_evaluable": Scenario(
        (Step(0.9), Step(0.88, not_evaluable=True), Step(0.87)), needs=1
    ),
    # The investigator reads 27 % shrinkage as PR: recorded, computed SD, flagged.
    "stable_investigator_disagrees": Scenario(
        (Step(0.73, investigator=ResponseChoice.PR), Step(0.8), Step(0.78)), needs=1
    ),
    # Progression at week 24 (day 169 ± 7, before the 6-month landmark).
    "progression_by_sum": Scenario((Step(0.9), Step(0.88), Step(1.2)), needs=3),
    "progression_new_lesion_after_response": Scenario(
        (Step(0.6), Step(0.55), Step(0.56, new_lesion=NewLesion.UNEQUIVOCAL)), needs=3
    ),
    "progression_non_target": Scenario(
        (
            Step(0.92),
            Step(0.9),
            Step(0.93, non_target=NonTargetStatus.UNEQUIVOCAL_PROGRESSION),
        ),
        needs=3,
    ),
}

# Ten per cohort: 5 confirmed responders and 1 progressor each (15/30, 27/30, 3). Scenarios
# needing more observable follow-ups go to the patients who have them (earliest enrolled;
# the withdrawn patient has no week-24 assessment).
COHORT_SCENARIOS: dict[str, tuple[str, ...]] = {
    "A": (
        "partial_response",
        "complete_response",
        "partial_response",
        "partial_response_too_small",
        "late_partial_response",
        "stable",
        "stable_investigator_disagrees",
        "unconfirmed_partial_response",
        "stable_one_not_evaluable",
        "progression_by_sum",
    ),
    "B": (
        "complete_response",
        "partial_response",
        "partial_response",
        "late_partial_response",
        "progression_new_lesion_after_response",
        "stable",
        "stable",
        "stable_one_not_evaluable",
        "unconfirmed_partial_response",
        "stable",
    ),
    "C": (
        "partial_response",
        "partial_response_too_small",
        "partial_response",
        "complete_response",
        "late_partial_response",
        "stable",
        "stable",
        "stable_investigator_disagrees",
        "unconfirmed_partial_response",
        "progression_non_target",
    ),
}

# Two per organ at most (RECIST); nodes are measured by short axis.
ORGAN_POOL = (
    Organ.LIVER,
    Organ.LIVER,
    Organ.LUNG,
    Organ.LUNG,
    Organ.LYMPH_NODE,
    Organ.LYMPH_NODE,
    Organ.BREAST,
    Organ.CHEST_WALL,
)
LOCATIONS = {
    Organ.LIVER: ("segment IV", "segment VI", "segment VII", "segment VIII"),
    Organ.LUNG: ("right upper lobe", "right lower lobe", "left upper lobe", "left lower lobe"),
    Organ.LYMPH_NODE: ("left axillary", "right axillary", "mediastinal", "supraclavicular"),
    Organ.BREAST: ("left breast, upper outer quadrant", "right breast, retro-areolar"),
    Organ.CHEST_WALL: ("left chest wall", "right chest wall"),
}
NON_TARGET_SITES = (
    (Organ.BONE, "lumbar spine (lytic)"),
    (Organ.PLEURA, "right pleural effusion"),
    (Organ.BONE, "pelvis (sclerotic)"),
    (Organ.LIVER, "multiple small lesions < 10 mm"),
)
FOLLOW_UP_CODES = tuple(
    e.code
    for e in protocol.PLANNED_EVENTS
    if e.kind == protocol.TUMOUR and e.sequence and e.sequence > 0
)


def _mm(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(TENTH)


def _site_staff(users: dict) -> dict[str, object]:
    staff: dict[str, object] = {}
    for user in users.values():
        if can_enter_data(user):
            for site in user.staff_profile.sites.all():
                staff.setdefault(site.code, user)
    return staff


def _last_allowed(patient: Patient) -> dt.date:
    return min(today(), patient.consent_withdrawn_on or today())


def _observable_events(patient: Patient) -> list[CalendarEvent]:
    """The patient's planned follow-up tumour events that can have data by now."""
    return list(
        CalendarEvent.objects.filter(
            patient=patient,
            code__in=FOLLOW_UP_CODES,
            cancelled_reason="",
            planned_date__lte=_last_allowed(patient),
        ).order_by("planned_date")
    )


def _assign_scenarios(patients: list[Patient]) -> list[tuple[Patient, str, list]]:
    """(patient, scenario, observable events): demanding scenarios to the best-observed."""
    by_cohort: dict[str, list[Patient]] = {}
    for patient in sorted(patients, key=lambda p: (p.enrolled_on, p.subject_id)):
        by_cohort.setdefault(patient.cohort.code, []).append(patient)
    plan = []
    for cohort, members in sorted(by_cohort.items()):
        events = {p.pk: _observable_events(p) for p in members}
        ranked = sorted(members, key=lambda p: -len(events[p.pk]))
        names = sorted(COHORT_SCENARIOS[cohort], key=lambda n: -SCENARIOS[n].needs)
        for patient, name in zip(ranked, names, strict=False):
            if len(events[patient.pk]) < SCENARIOS[name].needs:
                raise RuntimeError(f"Demo: {patient} cannot follow the scenario {name}.")
            plan.append((patient, name, events[patient.pk]))
    return plan


def _baseline(patient, *, user, rng: random.Random, needs_non_target: bool):
    consent = consent_date_of(patient)
    c1d1 = patient.c1d1_date
    earliest = max(consent, c1d1 - dt.timedelta(days=protocol.TUMOUR_BASELINE_MAX_DAYS_BEFORE_C1D1))
    day = max(earliest, c1d1 - dt.timedelta(days=rng.randint(5, 20)))
    organs = rng.sample(ORGAN_POOL, rng.randint(2, 4))
    used_locations: set[str] = set()
    targets = []
    for number, organ in enumerate(organs, start=1):
        location = rng.choice([x for x in LOCATIONS[organ] if x not in used_locations])
        used_locations.add(location)
        diameter = rng.randint(16, 30) if is_nodal(organ) else rng.randint(14, 48)
        targets.append(
            services.TargetLesionInput(
                label=target_label(number),
                organ=organ,
                location=location,
                diameter_mm=_mm(diameter),
            )
        )
    non_targets = []
    if needs_non_target or rng.random() < 0.5:
        for number, (organ, location) in enumerate(
            rng.sample(NON_TARGET_SITES, rng.randint(1, 2)), start=1
        ):
            non_targets.append(
                services.NonTargetLesionInput(
                    label=non_target_label(number), organ=organ, location=location
                )
            )
    with back_entry_on(day, 15, rng.randint(0, 59)):
        return services.tumour_baseline_create(
            user=user,
            patient=patient,
            assessment_date=day,
            method=ImagingMethod.CT,
            target_lesions=targets,
            non_target_lesions=non_targets,
            comments="Baseline CT chest-abdomen-pelvis.",
        )


def _measurements(baseline, step: Step, rng: random.Random) -> list[services.MeasurementInput]:
    lesions = list(baseline.target_lesions.order_by("label"))
    non_nodal = [t for t in lesions if not t.is_node]
    smallest = min(non_nodal, key=lambda t: t.diameter_mm) if non_nodal else None
    rows = []
    for index, lesion in enumerate(lesions):
        if step.not_evaluable and index == len(lesions) - 1:
            rows.append(services.MeasurementInput(lesion_id=lesion.pk, not_evaluable=True))
        elif step.too_small and lesion == smallest:
            rows.append(services.MeasurementInput(lesion_id=lesion.pk, too_small=True))
        elif step.scale == CR:
            # Nodes shrink back below 10 mm short axis (normal); other targets disappear.
            size = _mm(rng.randint(5, 8)) if lesion.is_node else Decimal("0.0")
            rows.append(services.MeasurementInput(lesion_id=lesion.pk, diameter_mm=size))
        else:
            size = _mm(float(lesion.diameter_mm) * float(step.scale))
            rows.append(services.MeasurementInput(lesion_id=lesion.pk, diameter_mm=size))
    return rows


def _reading(step: Step, nadir: float, has_non_targets: bool) -> str:
    """The investigator's timepoint reading of a step (RECIST 1.1, as the computation reads
    it unless the scenario records a disagreement)."""
    if step.investigator:
        return step.investigator
    progression = (
        step.new_lesion != NewLesion.NONE
        or (has_non_targets and step.non_target == NonTargetStatus.UNEQUIVOCAL_PROGRESSION)
        or (step.scale != CR and float(step.scale) >= 1.2 * nadir)
    )
    if progression:
        return ResponseChoice.PD
    if step.not_evaluable:
        return ResponseChoice.NE
    if step.scale == CR:
        return ResponseChoice.CR
    return ResponseChoice.PR if float(step.scale) <= 0.7 else ResponseChoice.SD


def _followups(patient, baseline, steps, events, *, user, rng: random.Random) -> None:
    has_non_targets = baseline.non_target_lesions.exists()
    last_allowed = _last_allowed(patient)
    by_code = {e.code: e for e in events}
    nadir = 1.0
    for code, step in zip(FOLLOW_UP_CODES, steps, strict=True):
        event = by_code.get(code)
        if event is None:
            continue
        jitter = dt.timedelta(days=rng.randint(-3, 3))
        day = min(event.planned_date + jitter, last_allowed)
        non_target = ""
        if has_non_targets:
            non_target = NonTargetStatus.ABSENT if step.scale == CR else step.non_target
        reading = _reading(step, nadir, has_non_targets)
        if step.scale != CR and not step.not_evaluable:
            nadir = min(nadir, float(step.scale))
        with back_entry_on(day, 15, rng.randint(0, 59)):
            services.tumour_followup_create(
                user=user,
                patient=patient,
                assessment_date=day,
                method=ImagingMethod.CT,
                measurements=_measurements(baseline, step, rng),
                non_target_status=non_target,
                new_lesion=step.new_lesion,
                new_lesion_description=(
                    "New liver lesion, 14 mm, segment II"
                    if step.new_lesion != NewLesion.NONE
                    else ""
                ),
                investigator_response=reading,
            )


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _adverse_events(patients: list[Patient], staff: dict) -> None:
    """The two serious adverse events: one reported within 24 hours, one 58 hours after."""
    active = [p for p in patients if p.consent_withdrawn_on is None]
    plans = [
        (
            active[3],
            {
                "meddra_code": "10016288",  # Febrile neutropenia — SAE reported within 24 h
                "grade": 3,
                "start": 10,
                "stop": 16,
                "aware": (0, 9, 30),
                "reported": (0, 15, 0),
                "relation_paclitaxel": Relation.PROBABLE,
                "relation_imp321": Relation.UNLIKELY,
                "action_taken": ActionTaken.HELD,
                "outcome": AEOutcome.RECOVERED,
            },
        ),
        (
            active[4],
            {
                "meddra_code": "10061229",  # Lung infection — SAE reported 58 hours after
                "grade": 3,
                "start": 40,
                "stop": 52,
                "aware": (1, 8, 0),
                "reported": (3, 18, 0),
                "relation_paclitaxel": Relation.POSSIBLE,
                "relation_imp321": Relation.UNLIKELY,
                "action_taken": ActionTaken.HELD,
                "outcome": AEOutcome.RECOVERED,
            },
        ),
    ]
    for patient, plan in plans:
        start = patient.c1d1_date + dt.timedelta(days=plan["start"])
        stop = patient.c1d1_date + dt.timedelta(days=plan["stop"])
        if stop >= today():
            continue
        aware = _at(start + dt.timedelta(days=plan["aware"][0]), *plan["aware"][1:])
        reported = _at(start + dt.timedelta(days=plan["reported"][0]), *plan["reported"][1:])
        # Entered on the SAE form when reported; the stop date known by then (discharge).
        with back_entry(max(reported, _at(stop, 17))):
            services.adverse_event_create(
                user=staff[patient.site.code],
                patient=patient,
                meddra_code=plan["meddra_code"],
                grade=plan["grade"],
                start_date=start,
                stop_date=stop,
                serious=True,
                sae_criteria=[SAECriterion.HOSPITALISATION],
                sae_aware_at=aware,
                sae_reported_at=reported,
                relation_paclitaxel=plan["relation_paclitaxel"],
                relation_imp321=plan["relation_imp321"],
                action_taken=plan["action_taken"],
                outcome=plan["outcome"],
            )


def build(*, users: dict, rng) -> None:
    """Add this app's data to the demo trial (called by edc.demo.builder after enrolment)."""
    patients = list(
        Patient.objects.exclude(subject_id=None)
        .exclude(c1d1_date=None)
        .select_related("site", "cohort")
    )
    staff = _site_staff(users)
    for patient, name, events in _assign_scenarios(patients):
        steps = SCENARIOS[name].steps
        user = staff[patient.site.code]
        needs_non_target = any(s.non_target != NonTargetStatus.PRESENT for s in steps)
        baseline = _baseline(patient, user=user, rng=rng, needs_non_target=needs_non_target)
        _followups(patient, baseline, steps, events, user=user, rng=rng)
    _adverse_events(sorted(patients, key=lambda p: p.subject_id), staff)
    _concomitant_medications(sorted(patients, key=lambda p: p.subject_id), staff)
    _check_paper_endpoints(users)


def _check_paper_endpoints(users: dict) -> None:
    """The demo exists to show the paper's figures computed from measurements: verify them."""
    reader = next(u for u in users.values() if user_role(u) == Role.DATA_MANAGER)
    overall = selectors.trial_endpoints(reader).groups[-1]
    found = (
        overall.objective_response.numerator,
        overall.clinical_benefit.numerator,
        overall.progressed_by_landmark.numerator,
    )
    expected = (PAPER_RESPONDERS, PAPER_WITHOUT_PROGRESSION, PAPER_PROGRESSORS)
    if found != expected:
        raise RuntimeError(f"Demo RECIST endpoints {found} differ from the paper's {expected}.")


# --- Concomitant medications ---------------------------------------------------------------------
CM_SEED = 20251204  # a private stream: the shared one is not drawn from after the endpoints
# The treatment each condition of the medical history is on (patients.demo), by MedDRA code:
# (name as written, ATC code, dose, unit, frequency).
CHRONIC = {
    "10020772": ("Amlodipine", "C08CA01", "5", DoseUnit.MG, Frequency.DAILY),
    "10021114": ("Levothyroxine", "H03AA01", "75", DoseUnit.MICROGRAM, Frequency.DAILY),
    "10066874": ("Omeprazole", "A02BC01", "20", DoseUnit.MG, Frequency.DAILY),
    "10031282": ("Alendronic acid", "M05BA04", "70", DoseUnit.MG, Frequency.WEEKLY),
    "10022437": ("Zopiclone", "N05CF01", "7.5", DoseUnit.MG, Frequency.AS_NEEDED),
}
# What treats an adverse event of the regimen, by MedDRA code of its CTCAE term.
FOR_EVENT = {
    "10029366": (
        "Filgrastim",
        "L03AA02",
        "300",
        DoseUnit.MICROGRAM,
        Route.SUBCUTANEOUS,
        Frequency.DAILY,
        5,
    ),
    "10034620": (
        "Pregabalin",
        "N03AX16",
        "75",
        DoseUnit.MG,
        Route.ORAL,
        Frequency.TWICE_DAILY,
        None,
    ),
    "10022095": (
        "Hydrocortisone cream 1 %",
        "D07AA02",
        "1",
        DoseUnit.APPLICATION,
        Route.TOPICAL,
        Frequency.TWICE_DAILY,
        4,
    ),
}


def _concomitant_medications(patients: list[Patient], staff: dict) -> None:
    """The chronic treatments of each patient's medical history, continued on study, and the
    medications given for the regimen's adverse events (linked to the event they treat)."""
    rng = random.Random(CM_SEED)
    for patient in patients:
        user = staff[patient.site.code]
        last = _last_allowed(patient)
        for history in patient.medical_history.all():
            chronic = CHRONIC.get(history.meddra_code)
            if chronic is None or not history.ongoing:
                continue
            name, atc, dose, unit, frequency = chronic
            with back_entry_on(patient.screening_date, 12, rng.randint(0, 59)):
                services.conmed_create(
                    user=user,
                    patient=patient,
                    name=name,
                    atc_code=atc,
                    indication=history.condition,
                    dose=Decimal(dose),
                    unit=unit,
                    route=Route.ORAL,
                    frequency=frequency,
                    start_date=history.start_date + dt.timedelta(days=rng.randint(0, 60)),
                    ongoing=True,
                )
        for ae in patient.adverse_events.all():
            treatment = FOR_EVENT.get(ae.meddra_code)
            if treatment is None or ae.start_date > last:
                continue
            name, atc, dose, unit, route, frequency, days = treatment
            start = ae.start_date + dt.timedelta(days=rng.randint(0, 1))
            stop = start + dt.timedelta(days=days) if days else ae.stop_date
            if stop is not None and stop > last:
                stop = None
            if stop is not None and stop < start:
                stop = start
            with back_entry_on(min(start, last), 17, rng.randint(0, 59)):
                services.conmed_create(
                    user=user,
                    patient=patient,
                    name=name,
                    atc_code=atc,
                    indication=ae.term,
                    dose=Decimal(dose),
                    unit=unit,
                    route=route,
                    frequency=frequency,
                    start_date=min(start, last),
                    ongoing=stop is None,
                    stop_date=stop,
                    adverse_event=ae,
                )
