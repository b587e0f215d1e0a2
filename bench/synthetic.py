"""A synthetic trial of N patients for the speed benchmarks (issue 24), loaded in minutes.

Seeds straight into the database in chunks of 500 patients (``COPY`` on PostgreSQL, plain
``QuerySet.bulk_create`` elsewhere), bypassing the audited services (and so the history tables
and the audit trail) **on purpose**: this is load-test data, not clinical data. Never point it
at a database with real data: ``wipe()`` truncates every table it seeds.

Unlike a perfect trial, it carries a realistic share of protocol deviations so that every
one of the 11 deviation rules reads real rows and finds some (rates per patient below):

* 3 sites (BN01–BN03), cohorts A/B/C in turn, C1D1 spread over the last 30–400 days, so
  some calendars are complete, others still have future events (no data, no finding);
* paclitaxel doses (ANC and platelets at check; 1 in 200 given despite the hold criteria,
  1 in 100 more than 10 % off plan, 1 in 40 out of window), IMP321 injections following
  the paclitaxel dose the day before (1 in 100 off the cohort dose, 1 in 60 two days late),
  immune draws (1 in 30 out of window) with the immune panel, haematology before each
  paclitaxel dose, vital signs at each D1, 3 AEs a patient (1 in 10 serious, a fifth of those
  reported late), tumour assessments (baseline + 8-weekly) with three response patterns;
* 1 in 50 visits missed, 1 in 30 tumour assessments overdue, 1 in 50 patients enrolled
  under an eligibility waiver, 1 in 100 off treatment (progression) before their last dose.

Five users (one per trial role) with the password ``bench-password``: investigator and
coordinator of BN01, monitor of BN01 + BN02, statistician and data manager of every site.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import operator
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, models
from django.db.models.base import ModelState
from django.utils import timezone
from psycopg.types.json import Jsonb

from assessments.models import (
    AdverseEvent,
    LesionMeasurement,
    NonTargetLesion,
    TargetLesion,
    TumourAssessment,
    VitalSigns,
)
from dosing.models import Imp321Injection, PaclitaxelAdministration
from edc import protocol
from edc.access.constants import Role
from edc.access.models import Site
from edc.deviations.models import Deviation
from labs.catalogue import ANALYTES, HAEMATOLOGY, IMMUNE
from labs.models import ImmuneDraw, Laboratory, LabResult
from patients import schedule
from patients.models import CalendarEvent, Cohort, Consent, Patient

D = Decimal
BATCH = 5000
CHUNK = 500
COPY_ON_POSTGRESQL = True  # False: bulk_create everywhere (tests/bench compare the two)
PASSWORD = "bench-password"
SITES = ("BN01", "BN02", "BN03")
SEEDED = (
    LesionMeasurement,
    TargetLesion,
    NonTargetLesion,
    TumourAssessment,
    LabResult,
    ImmuneDraw,
    Imp321Injection,
    PaclitaxelAdministration,
    AdverseEvent,
    VitalSigns,
    Deviation,
    CalendarEvent,
    Consent,
    Patient,
)
# Five users, one per role: (username, role, sites; None = every site).
USERS = (
    ("bench-investigator", Role.INVESTIGATOR, ("BN01",)),
    ("bench-coordinator", Role.COORDINATOR, ("BN01",)),
    ("bench-monitor", Role.MONITOR, ("BN01", "BN02")),
    ("bench-statistician", Role.STATISTICIAN, None),
    ("bench-data-manager", Role.DATA_MANAGER, None),
)


def raw(model):
    """A plain queryset: AuditedQuerySet refuses bulk_create, on purpose, for real data."""
    return models.QuerySet(model=model)


def save(objects: list) -> list:
    """Insert ``objects`` (one model) and give them their primary keys.

    On PostgreSQL with ``COPY … FROM STDIN``: the ids are drawn from the table's sequence first,
    and each row is the objects' attribute values as they are, adapted by psycopg. The ORM's
    ``bulk_create`` prepared every value through its field and built its INSERT's arrays in
    Python, most of the load's time (10,000 patients: 203 s with it, 83 s with this and
    ``_lab``; the same rows, checked table by table).
    """
    if not objects:
        return objects
    model = type(objects[0])
    if connection.vendor != "postgresql" or not COPY_ON_POSTGRESQL:
        raw(model).bulk_create(objects, batch_size=BATCH)
        return objects
    meta = model._meta
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objects)],
        )
        for obj, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            obj.pk = pk
        now = timezone.now()
        fields = meta.concrete_fields
        readers = []
        for f in fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                readers.append(lambda obj, now=now: now)
            elif isinstance(f, models.JSONField):
                readers.append(lambda obj, name=f.attname: Jsonb(getattr(obj, name)))
            else:
                readers.append(operator.attrgetter(f.attname))
        columns = ", ".join(q(f.column) for f in fields)
        with cursor.cursor.copy(f"COPY {q(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in objects:
                copy.write_row([read(obj) for read in readers])
    for obj in objects:
        obj._state.adding, obj._state.db = False, connection.alias
    return objects


def wipe() -> None:
    tables = [m._meta.db_table for m in SEEDED]
    tables += [m.history.model._meta.db_table for m in SEEDED if hasattr(m, "history")]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Ids restart too, so a trial of N patients is the same rows at every load.
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")


def every(i: int, n: int, salt: int = 0) -> bool:
    """True for about one in ``n`` of the i's (spread, not periodic with the other rates)."""
    return (i * 2654435761 + salt * 40503) % 1_000_003 % n == 0


_value = itertools.count()


@functools.cache
def _lab_defaults() -> dict:
    """A new LabResult's field values (its defaults), without its state."""
    values = dict(LabResult().__dict__)
    del values["_state"]
    return values


def _lab(patient, lab, analyte, at, immune_draw=None) -> LabResult:
    """One result, made from a copy of a new LabResult's field values: 115 a patient, and
    ``Model.__init__`` for each took a third of the whole load."""
    value = D(next(_value) % 2000) / 100 + D("0.5")
    result = LabResult.__new__(LabResult)
    result.__dict__.update(
        _lab_defaults(),
        _state=ModelState(),
        patient_id=patient.pk,
        lab_id=lab.pk,
        analyte=analyte.code,
        collected_at=at,
        original_value=str(value),
        original_unit=analyte.unit,
        standard_value=value,
        standard_unit=analyte.unit,
        immune_draw_id=None if immune_draw is None else immune_draw.pk,
    )
    return result


def _actual_date(e, serial: int, today: dt.date):
    """What happened to a calendar event: done on time, late, or missed (None)."""
    if e.planned_date > today:
        return None
    if e.kind == protocol.TUMOUR and e.sequence and every(serial, 30, 1):
        return None  # overdue tumour assessment
    if e.kind in (protocol.PACLITAXEL, protocol.IMP321, protocol.IMMUNE) and every(serial, 50, 2):
        return None  # missed visit
    if e.kind == protocol.PACLITAXEL and e.earliest != e.latest and every(serial, 40, 3):
        return e.latest + dt.timedelta(days=2)  # out of window
    if e.kind == protocol.IMMUNE and e.sequence and every(serial, 30, 4):
        return e.latest + dt.timedelta(days=3)
    return e.planned_date


def seed_chunk(patients: list, lab: Laboratory, today: dt.date) -> None:
    haem = [a for a in ANALYTES if a.panel == HAEMATOLOGY]
    immune = [a for a in ANALYTES if a.panel == IMMUNE]
    save([Consent(patient=p, consent_date=p.screening_date, form_version="1.0") for p in patients])
    serials = itertools.count(patients[0].pk * 64)
    events = save(
        [
            CalendarEvent(
                patient=p,
                code=e.code,
                kind=e.kind,
                label=e.label,
                cycle=e.cycle,
                day=e.day,
                sequence=e.sequence,
                planned_date=e.planned_date,
                earliest=e.earliest,
                latest=e.latest,
                actual_date=_actual_date(e, next(serials), today),
            )
            for p in patients
            for e in schedule.build_calendar(c1d1=p.c1d1_date)
        ]
    )
    done = [e for e in events if e.actual_date is not None]
    doses, labs, vitals, draws = {}, [], [], []
    for e in done:
        p = e.patient
        at = timezone.make_aware(dt.datetime.combine(e.actual_date, dt.time(9)))
        if e.kind == protocol.PACLITAXEL:
            held = every(e.pk, 200, 5)
            planned = D("136.8")
            doses[(p.pk, e.cycle, e.day)] = PaclitaxelAdministration(
                patient=p,
                event=e,
                cycle=e.cycle,
                day=e.day,
                administration_date=e.actual_date,
                status="given",
                height_cm=D("165.0"),
                weight_kg=D("64.0"),
                bsa_m2=D("1.71"),
                dose_level_mg_m2=D("80.0"),
                planned_dose_mg=planned,
                actual_dose_mg=D("110.0") if every(e.pk, 100, 6) else planned,
                anc_at_check=D("0.8") if held else D("2.5"),
                platelets_at_check=D("80") if held else D("220"),
                hold_criteria_met=held,
                hold_override_confirmed=held,
                infusion_start=dt.time(10),
                infusion_stop=dt.time(11),
            )
            labs += [_lab(p, lab, a, at - dt.timedelta(days=1)) for a in haem[:6]]
            if e.day == 1:
                vitals.append(
                    VitalSigns(
                        patient=p,
                        visit=e.code,
                        measured_on=e.actual_date,
                        weight_kg=D("64.0"),
                        height_cm=D("165.0"),
                        systolic_bp=120,
                        diastolic_bp=80,
                        heart_rate=70,
                        temperature_c=D("36.8"),
                        ecog=1,
                    )
                )
        elif e.kind == protocol.IMMUNE:
            draws.append(
                ImmuneDraw(
                    patient=p,
                    event_code=e.code,
                    drawn_at=at,
                    sample_id=f"S{p.pk}-{e.code}",
                    processing_minutes=60,
                    lab=lab,
                )
            )
    save(list(doses.values()))
    cohort_dose = {c.code: c.imp321_dose_mg for c in protocol.COHORTS}
    injections = []
    for e in done:
        if e.kind != protocol.IMP321:
            continue
        p = e.patient
        follows = doses.get((p.pk, e.cycle, e.day - 1))
        late = 2 if every(e.pk, 60, 7) else 0
        day = (follows.administration_date if follows else e.actual_date) + dt.timedelta(
            days=1 + late
        )
        dose = cohort_dose[p.cohort.code]
        injections.append(
            Imp321Injection(
                patient=p,
                event=e,
                injection_number=e.sequence,
                status="given",
                injected_at=timezone.make_aware(dt.datetime.combine(day, dt.time(10))),
                dose_mg=dose * 2 if every(e.pk, 100, 8) else dose,
                injection_site="abdomen",
                local_reaction="none",
                follows=follows,
                no_preceding_dose_reason="" if follows else "Paclitaxel dose missed",
            )
        )
    save(injections)
    save(vitals)
    save(draws)
    labs += [_lab(d.patient, lab, a, d.drawn_at, immune_draw=d) for d in draws for a in immune]
    save(labs)
    events = done = doses = injections = labs = vitals = draws = None
    aes = []
    for p in patients:
        for k in range(3):
            start = p.c1d1_date + dt.timedelta(days=10 + 30 * k)
            if start > today:
                break
            serious = every(p.pk * 3 + k, 10, 9)
            aware = timezone.make_aware(dt.datetime.combine(start, dt.time(8)))
            late = every(p.pk * 3 + k, 5, 10)
            aes.append(
                AdverseEvent(
                    patient=p,
                    meddra_code="10029366",
                    term="Neutrophil count decreased",
                    grade=3 if serious else 1 + k % 2,
                    start_date=start,
                    stop_date=start + dt.timedelta(days=7),
                    serious=serious,
                    sae_criteria=["hospitalisation"] if serious else [],
                    sae_aware_at=aware if serious else None,
                    sae_reported_at=aware + dt.timedelta(hours=40 if late else 6)
                    if serious
                    else None,
                    reported_late=serious and late,
                    relation_paclitaxel="probable",
                    relation_imp321="unlikely",
                    action_taken="held",
                    outcome="recovered",
                )
            )
    save(aes)
    _tumours(patients, today)


# Target-lesion sums relative to baseline at weeks 8, 16, 24: responder, stable, progressor.
PATTERNS = (
    {"TUM-W8": D("0.8"), "TUM-W16": D("0.6"), "TUM-W24": D("0.6")},
    {"TUM-W8": D("0.95"), "TUM-W16": D("0.9"), "TUM-W24": D("0.9")},
    {"TUM-W8": D("1.0"), "TUM-W16": D("1.3"), "TUM-W24": D("1.3")},
)


def _tumours(patients: list, today: dt.date) -> None:
    rows = []
    for p in patients:
        for kind, code, days in (
            ("baseline", "TUM-BL", -3),
            ("follow_up", "TUM-W8", 56),
            ("follow_up", "TUM-W16", 112),
            ("follow_up", "TUM-W24", 168),
        ):
            day = p.c1d1_date + dt.timedelta(days=days)
            if day > today:
                break
            rows.append(
                TumourAssessment(
                    patient=p,
                    kind=kind,
                    method="ct",
                    calendar_code=code,
                    assessment_date=day,
                    non_target_status="" if kind == "baseline" else "present",
                    new_lesion="none",
                )
            )
    assessments = save(rows)
    baselines = [a for a in assessments if a.kind == "baseline"]
    targets = save(
        [
            TargetLesion(assessment=b, label=f"T{k}", organ=organ, diameter_mm=D(mm))
            for b in baselines
            for k, (organ, mm) in enumerate(
                (("liver", "30"), ("lung", "20"), ("lymph_node", "20")), 1
            )
        ]
    )
    save([NonTargetLesion(assessment=b, label="NT1", organ="bone") for b in baselines])
    targets_of: dict[int, list] = {}
    for t in targets:
        targets_of.setdefault(t.assessment.patient_id, []).append(t)
    save(
        [
            LesionMeasurement(
                assessment=a,
                lesion=t,
                diameter_mm=(t.diameter_mm * PATTERNS[a.patient_id % 3][a.calendar_code]).quantize(
                    D("0.1")
                ),
            )
            for a in assessments
            if a.kind != "baseline"
            for t in targets_of[a.patient_id]
        ]
    )


def users() -> dict[str, object]:
    """The five bench users (created once, with their roles and sites), by role."""
    from edc.access.services import roles_sync, staff_assign, training_setup

    roles_sync()
    sites = {s.code: s for s in Site.objects.filter(code__in=SITES)}
    made = {}
    for username, role, codes in USERS:
        user, created = get_user_model().objects.get_or_create(username=username)
        if created:
            user.set_password(PASSWORD)
            user.save()
        training_setup(user=user, role=role)
        staff_assign(
            user=user, role=role, sites=[sites[c] for c in (codes or SITES)], reason="Bench"
        )
        made[role] = user
    return made


def seed(n: int, *, verbose: bool = True) -> float:
    """Wipe and load a trial of ``n`` patients; returns the seconds it took."""
    from patients.services import cohorts_ensure

    global _value
    start = time.perf_counter()
    wipe()
    _value = itertools.count()
    cohorts_ensure()
    for code in SITES:
        Site.objects.get_or_create(code=code, defaults={"name": f"Bench {code}", "country": "FR"})
    sites = list(Site.objects.filter(code__in=SITES).order_by("code"))
    lab = Laboratory.objects.filter(code="BENCH-LAB").first()
    if lab is None:
        raw(Laboratory).bulk_create(
            [Laboratory(code="BENCH-LAB", name="Bench laboratory", site=sites[0])]
        )
        lab = Laboratory.objects.get(code="BENCH-LAB")
    cohorts = list(Cohort.objects.order_by("code"))
    today = timezone.localdate()
    for first in range(0, n, CHUNK):
        patients = []
        for i in range(first, min(first + CHUNK, n)):
            site = sites[i % len(sites)]
            c1d1 = today - dt.timedelta(days=30 + (i * 37) % 370)
            off = every(i, 100, 11)
            patients.append(
                Patient(
                    site=site,
                    screening_number=f"B{i:06d}",
                    year_of_birth=1950 + i % 40,
                    sex="F",
                    screening_date=c1d1 - dt.timedelta(days=10),
                    status="enrolled",
                    subject_id=f"{site.code}-{i:06d}",
                    cohort=cohorts[i % len(cohorts)],
                    enrolled_on=c1d1 - dt.timedelta(days=1),
                    c1d1_date=c1d1,
                    eligibility_waiver="ANC 1.4 accepted by the sponsor"
                    if every(i, 50, 12)
                    else "",
                    end_of_treatment_date=c1d1 + dt.timedelta(days=20) if off else None,
                    end_of_treatment_reason="progression" if off else "",
                )
            )
        save(patients)
        seed_chunk(patients, lab, today)
        if verbose and (first // CHUNK) % 4 == 3:
            print(f"  … {first + len(patients):,} patients, {time.perf_counter() - start:.0f} s")
    if connection.vendor == "postgresql":
        # Fresh bulk loads have no planner statistics (autovacuum adds them in minutes).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return time.perf_counter() - start
