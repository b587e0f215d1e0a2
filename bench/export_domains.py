"""Benchmark: export every domain of a large synthetic trial (issue 8, "Performance").

Seeds a synthetic trial straight into the database with plain ``QuerySet.bulk_create``,
bypassing the audited services (and so the history tables and the audit index) **on
purpose**: this is load-test data, not clinical data, and 3 million audited saves would take
hours. Live exports read only the current tables, which is what is measured. Then, at each
trial size, for every domain:

* the time to stream the CSV through the same generator and writer as a download, and its
  rows per second (the median of ``--repeat`` runs, 3 by default, as is the COPY below);
* the time PostgreSQL takes for ``COPY (SELECT …) TO STDOUT`` of the very queries that export
  ran (captured while it ran), and the ratio of the two (target ≤ 3×);
* the peak Python memory of the export (``tracemalloc``, in a second pass), to show it does not
  grow with the trial.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/edc_bench_exports \\
        .venv/bin/python bench/export_domains.py --patients 10000 --small 1000

It migrates the target database itself and wipes the benchmark's tables first; never point
it at a database with real data.
"""

import argparse
import datetime as dt
import itertools
import os
import resource
import statistics
import sys
import time
import tracemalloc
from decimal import Decimal
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edc.settings.local")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, models  # noqa: E402
from django.db.models import F, Q  # noqa: E402
from django.db.models.constants import LOOKUP_SEP  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from assessments.models import (  # noqa: E402
    AdverseEvent,
    LesionMeasurement,
    NonTargetLesion,
    TargetLesion,
    TumourAssessment,
    VitalSigns,
)
from dosing.models import Imp321Injection, PaclitaxelAdministration  # noqa: E402
from edc import protocol  # noqa: E402
from edc.access.constants import Role  # noqa: E402
from edc.access.models import Site, StaffProfile  # noqa: E402
from edc.deviations.models import Deviation  # noqa: E402
from edc.exports.context import PATIENT_FIELDS, ExportContext, in_read_transaction  # noqa: E402

try:
    from edc.exports.context import one_snapshot
except ImportError:  # the code before issue 20 (a before/after run)
    one_snapshot = None
from edc.exports.datasets import dataset_bytes  # noqa: E402
from edc.exports.domains import DOMAINS  # noqa: E402
from edc.exports.snapshots import patient_lookup  # noqa: E402
from edc.exports.spec import ReaderExpression, patient_path  # noqa: E402
from edc.exports.writers import RowCount, csv_bytes  # noqa: E402
from labs.catalogue import ANALYTES, CHEMISTRY, HAEMATOLOGY, IMMUNE  # noqa: E402
from labs.models import ImmuneDraw, Laboratory, LabResult  # noqa: E402
from patients import schedule  # noqa: E402
from patients.models import CalendarEvent, Cohort, Consent, Patient  # noqa: E402
from patients.services import cohorts_ensure  # noqa: E402

settings.DEBUG = False  # no query log kept in memory
D = Decimal
BATCH = 5000
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


def raw(model):
    """A plain queryset: AuditedQuerySet refuses bulk_create, on purpose, for real data."""
    return models.QuerySet(model=model)


def save(objects: list) -> list:
    """Insert ``objects`` (one model) in batches; PostgreSQL returns their ids."""
    if objects:
        raw(type(objects[0])).bulk_create(objects, batch_size=BATCH)
    return objects


def wipe() -> None:
    tables = [m._meta.db_table for m in SEEDED]
    tables += [m.history.model._meta.db_table for m in SEEDED]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


_values = itertools.count()


def lab_result(patient, lab, analyte, at, value=None, **extra) -> LabResult:
    # 2,000 distinct values (0.01 steps), so formatting is not flattered by repetition.
    value = value or str(D(next(_values) % 2000) / 100 + D("0.5"))
    return LabResult(
        patient=patient,
        lab=lab,
        analyte=analyte.code,
        collected_at=at,
        original_value=value,
        original_unit=analyte.unit,
        standard_value=D(value),
        standard_unit=analyte.unit,
        **extra,
    )


def seed_chunk(patients: list, lab: Laboratory) -> None:
    """Everything of a few hundred patients, one bulk insert per model and dependency level."""
    haem = [a for a in ANALYTES if a.panel == HAEMATOLOGY]
    chem = [a for a in ANALYTES if a.panel == CHEMISTRY]
    immune = [a for a in ANALYTES if a.panel == IMMUNE]
    save([Consent(patient=p, consent_date=p.screening_date, form_version="1.0") for p in patients])
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
                actual_date=e.planned_date,
            )
            for p in patients
            for e in schedule.build_calendar(c1d1=p.c1d1_date)
        ]
    )
    doses, injections, labs, vitals, draws = [], [], [], [], []
    for e in events:
        p = e.patient
        at = timezone.make_aware(dt.datetime.combine(e.actual_date, dt.time(9)))
        if e.kind == protocol.PACLITAXEL:
            doses.append(
                PaclitaxelAdministration(
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
                    planned_dose_mg=D("136.8"),
                    actual_dose_mg=D("136.8"),
                    infusion_start=dt.time(10),
                    infusion_stop=dt.time(11),
                )
            )
            for a in haem + (chem if e.day == 1 else []):
                labs.append(
                    lab_result(
                        p,
                        lab,
                        a,
                        at - dt.timedelta(days=1),
                        normal_low=D("1.0"),
                        normal_high=D("4.0"),
                        flag="",
                        ctcae_grade=0 if a.ctcae_term else None,
                    )
                )
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
        elif e.kind == protocol.IMP321:
            injections.append(
                Imp321Injection(
                    patient=p,
                    event=e,
                    injection_number=e.sequence,
                    status="given",
                    injected_at=at,
                    dose_mg=D("0.25"),
                    injection_site="abdomen",
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
    save(doses)
    save(injections)
    save(vitals)
    save(draws)
    labs += [
        lab_result(d.patient, lab, a, d.drawn_at, immune_draw=d) for d in draws for a in immune
    ]
    save(labs)
    events = doses = injections = labs = vitals = draws = None
    save(
        [
            AdverseEvent(
                patient=p,
                meddra_code="10029366",
                term="Neutrophil count decreased",
                grade=1 + k % 4,
                start_date=p.c1d1_date + dt.timedelta(days=10 + 30 * k),
                stop_date=p.c1d1_date + dt.timedelta(days=17 + 30 * k),
                relation_paclitaxel="probable",
                relation_imp321="unlikely",
                action_taken="held",
                outcome="recovered",
            )
            for p in patients
            for k in range(5)
        ]
    )
    save(
        [
            Deviation(
                patient=p,
                rule="visit_out_of_window",
                severity="minor",
                subject_key=f"E{k}",
                summary="Visit out of window",
                detected_at=timezone.now(),
                status="open",
            )
            for p in patients
            for k in range(2)
        ]
    )
    assessments = save(
        [
            TumourAssessment(
                patient=p,
                kind=kind,
                method="ct",
                calendar_code=code,
                assessment_date=p.c1d1_date + dt.timedelta(days=days),
                non_target_status="" if kind == "baseline" else "present",
            )
            for p in patients
            for kind, code, days in (
                ("baseline", "TUM-BL", -3),
                ("follow_up", "TUM-W8", 56),
                ("follow_up", "TUM-W16", 112),
                ("follow_up", "TUM-W24", 168),
            )
        ]
    )
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
    targets_of = {}
    for t in targets:
        targets_of.setdefault(t.assessment.patient_id, []).append(t)
    factors = {"TUM-W8": D("0.8"), "TUM-W16": D("0.6"), "TUM-W24": D("0.6")}
    save(
        [
            LesionMeasurement(
                assessment=a,
                lesion=t,
                diameter_mm=(t.diameter_mm * factors[a.calendar_code]).quantize(D("0.1")),
            )
            for a in assessments
            if a.kind != "baseline"
            for t in targets_of[a.patient_id]
        ]
    )


def seed(n: int) -> None:
    wipe()
    cohorts_ensure()
    site, _ = Site.objects.get_or_create(code="BN01", defaults={"name": "Bench", "country": "FR"})
    lab = Laboratory.objects.filter(code="BENCH-LAB").first()
    if lab is None:
        raw(Laboratory).bulk_create(
            [Laboratory(code="BENCH-LAB", name="Bench laboratory", site=site)]
        )
        lab = Laboratory.objects.get(code="BENCH-LAB")
    cohort = Cohort.objects.get(code="A")
    today = timezone.localdate()
    for first in range(0, n, 500):
        patients = save(
            [
                Patient(
                    site=site,
                    screening_number=f"B{i:06d}",
                    year_of_birth=1950 + i % 40,
                    sex="F",
                    screening_date=today - dt.timedelta(days=240),
                    status="enrolled",
                    subject_id=f"BN01-{i:06d}",
                    cohort=cohort,
                    enrolled_on=today - dt.timedelta(days=230),
                    c1d1_date=today - dt.timedelta(days=230),
                )
                for i in range(first, min(first + 500, n))
            ]
        )
        seed_chunk(patients, lab)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def reader():
    user, _ = get_user_model().objects.get_or_create(username="bench-statistician")
    profile, _ = StaffProfile.objects.get_or_create(user=user, defaults={"role": Role.STATISTICIAN})
    return user


def export(domain, user, *, python: bool = False) -> tuple[int, int]:
    """Stream the domain's CSV as a download does (``python``: by the Python writers even
    where PostgreSQL renders it); return rows and bytes."""
    ctx = ExportContext(user=user)
    counter = RowCount()
    size = 0
    if python:
        variables = domain.variables_for(deidentified=ctx.deidentified)
        stream = csv_bytes(variables, domain.rows(ctx), counter)
    else:
        stream = dataset_bytes(domain, ctx, "csv", counter)
    for piece in in_read_transaction(stream):
        size += len(piece)
    return counter.rows, size


def export_package(user) -> int:
    """Every dataset as a package build writes them (``context.one_snapshot``): CSV drained."""
    size = 0
    with one_snapshot(ExportContext(user=user)) as ctx:
        for domain in DOMAINS:
            for piece in in_read_transaction(dataset_bytes(domain, ctx, "csv", RowCount())):
                size += len(piece)
    return size


def copy_seconds(statements: list[str]) -> float:
    """PostgreSQL's own COPY (SELECT …) TO STDOUT of the export's queries, output drained."""
    start = time.perf_counter()
    with connection.cursor() as cursor:
        raw_cursor = cursor.cursor
        for sql in statements:
            with raw_cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
                for _block in copy:
                    pass
    return time.perf_counter() - start


def _read_fields(node, out: set[str]) -> None:
    """The fields (lookup paths) an expression reads, walking ``F``, ``Q`` and sources."""
    if isinstance(node, F):
        out.add(node.name)
    elif isinstance(node, Q):
        for child in node.children:
            if isinstance(child, tuple):
                key, value = child
                parts = key.split(LOOKUP_SEP)
                if len(parts) > 1 and parts[-1] in ("in", "isnull", "lt", "lte", "gt", "gte"):
                    parts = parts[:-1]
                out.add(LOOKUP_SEP.join(parts))
                _read_fields(value, out)
            else:
                _read_fields(child, out)
    elif hasattr(node, "get_source_expressions"):
        for source in node.get_source_expressions():
            _read_fields(source, out)


def raw_statements(domain, user) -> list[str]:
    """For a stream domain: the SELECT of the rows its dataset reads, as stored — per part,
    the patient, the sort columns and every field the variables' expressions read, no cell
    computed — the same baseline as the Python path's raw streams before issue 20."""
    ctx = ExportContext(user=user).for_models(domain.models)
    stream = domain.stream
    variables = stream.selected(domain.variables_for(deidentified=ctx.deidentified))
    # The subjects as stored (the Python path read them before issue 20; USUBJID is now an
    # expression of the same patient row, so its fields are not counted twice below).
    subjects = ctx.scoped(Patient).filter(ctx.patient_condition("id")).values(*PATIENT_FIELDS)
    sql, params = subjects.order_by("id").query.get_compiler(using=subjects.db).as_sql()
    statements = [connection.ops.compose_sql(sql, params)]
    for part in stream.parts:
        path_fields: set[str] = set()
        for variable in variables:
            if variable.name == "USUBJID":
                continue
            expression = variable.expression
            if isinstance(expression, ReaderExpression):
                expression = expression.build(ctx, patient_path(part.model))
            _read_fields(expression, path_fields)
        if stream.unpivot is not None:
            path_fields.update(column for _c, column in stream.unpivot.items)
        lookup = patient_lookup(part.model)
        qs = ctx.scoped(part.model).filter(ctx.patient_condition(lookup))
        if part.where is not None:
            qs = qs.filter(part.where)
        if part.expressions:
            qs = qs.annotate(**part.expressions)
        columns = {"pid": F(lookup)}
        columns.update({f"_o{i}": F(name) for i, name in enumerate(stream.order_by)})
        columns.update({f"_r{i}": F(name) for i, name in enumerate(sorted(path_fields))})
        qs = qs.values(**columns).order_by("pid", *(f"_o{i}" for i in range(len(stream.order_by))))
        sql, params = qs.query.get_compiler(using=qs.db).as_sql()
        statements.append(connection.ops.compose_sql(sql, params))
    return statements


def select_statements(queries) -> list[str]:
    out = []
    for query in queries:
        sql = query["sql"].strip()
        if sql.upper().startswith("DECLARE"):
            sql = sql[sql.upper().index(" FOR ") + 5 :]
        if sql.lstrip("(").upper().startswith("SELECT"):  # a UNION starts with "(SELECT"
            out.append(sql)
    return out


CPU_TIMES: list[float] = []  # this process's CPU time of each ``median_time`` call's runs


def median_time(run, repeat: int):
    """The median wall time of ``repeat`` calls of ``run`` (this machine's run-to-run noise
    is about ±10 %), and the last call's result. The median of this process's CPU time of
    the same calls goes to ``CPU_TIMES`` (Python's own work, less sensitive than wall time to
    other processes sharing the CPUs; a COPY's work is the server's and is not in it)."""
    times, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = run()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    CPU_TIMES.append(statistics.median(cpu))
    return statistics.median(times), result


def measure(n: int, user, repeat: int, *, quick: bool = False) -> list[dict]:
    """Each domain's export against PostgreSQL's COPY of the rows it reads. ``quick``: without
    the Python path of the domains PostgreSQL renders (ᵖ) and without the memory pass."""
    results = []
    for domain in DOMAINS:
        # The Python path: its time, and the queries it runs (the rows as stored), which
        # are the COPY baseline for both paths.
        python_seconds = python_cpu = float("nan")
        statements = []
        if not (quick and domain.stream is not None):
            with CaptureQueriesContext(connection) as queries:
                start, start_cpu = time.perf_counter(), time.process_time()
                export(domain, user, python=True)
                python_seconds = time.perf_counter() - start
                python_cpu = time.process_time() - start_cpu
            statements = select_statements(queries.captured_queries)
        if domain.stream is not None:
            # Not the Python path's query, which computes every cell: the rows it reads.
            statements = raw_statements(domain, user)
        copy, _ = median_time(partial(copy_seconds, statements), repeat)
        # What a download runs: PostgreSQL's rendering where the domain has one.
        with CaptureQueriesContext(connection) as served:
            export(domain, user)
        seconds, (rows, size) = median_time(partial(export, domain, user), repeat)
        cpu = CPU_TIMES[-1]
        peak = float("nan")
        if not quick:
            tracemalloc.start()
            export(domain, user)
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        results.append(
            {
                "domain": domain.code,
                "rows": rows,
                "bytes": size,
                "seconds": seconds,
                "python_seconds": python_seconds,
                "cpu": cpu,
                "python_cpu": python_cpu,
                "queries": len(served.captured_queries),
                "copy": copy,
                "peak": peak,
            }
        )
        print(
            f"{n:>6} {domain.code}: {rows:>9} rows {seconds:7.2f} s {rows / seconds:>9.0f} rows/s  "
            f"COPY {copy:6.2f} s  ratio {seconds / copy:5.2f}x  "
            f"(Python path {python_seconds:6.2f} s, {python_seconds / copy:5.2f}x)  "
            f"CPU {cpu:6.2f} s (Python path {python_cpu:6.2f} s)  "
            f"peak {peak / 2**20:6.2f} MiB  {len(served.captured_queries)} queries",
            flush=True,
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument(
        "--measure-only",
        action="store_true",
        help="measure the trial already seeded in the database (no wipe, no seeding)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="skip the Python path of the domains PostgreSQL renders and the memory pass "
        "(for large trials; the served export and its COPY are measured as always)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="time each export and each COPY this many times and report the medians",
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run against PostgreSQL: set DATABASE_URL=postgres://…")
    call_command("migrate", verbosity=0)
    user = reader()
    summary = {}
    sizes = (Patient.objects.count(),) if args.measure_only else (args.small, args.patients)
    for n in sizes:
        if not args.measure_only:
            start = time.perf_counter()
            seed(n)
            print(f"--- {n} patients seeded in {time.perf_counter() - start:.0f} s", flush=True)
        results = measure(n, user, args.repeat, quick=args.quick)
        rows = sum(r["rows"] for r in results)
        seconds = sum(r["seconds"] for r in results)
        copy = sum(r["copy"] for r in results)
        summary[n] = (rows, seconds, copy, max(r["peak"] for r in results))
        cpu = sum(r["cpu"] for r in results)
        python_cpu = sum(r["python_cpu"] for r in results)
        if one_snapshot is not None:
            together, _ = median_time(partial(export_package, user), args.repeat)
            print(
                f"{n:>6} PACKAGE (every dataset in one snapshot, RECIST once per subject): "
                f"{together:.2f} s  ratio {together / copy:.2f}x  CPU {CPU_TIMES[-1]:.2f} s",
                flush=True,
            )
        print(
            f"{n:>6} ALL: {rows} rows {seconds:.1f} s {rows / seconds:.0f} rows/s  "
            f"COPY {copy:.1f} s CPU {cpu:.2f} s (Python path {python_cpu:.2f} s) "
            f"ratio {seconds / copy:.2f}x  peak {summary[n][3] / 2**20:.2f} MiB  "
            f"maxrss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB",
            flush=True,
        )


if __name__ == "__main__":
    main()
