"""Benchmark: the nightly deviation sweep over N synthetic patients (issue 6, "Scale").

Seeds a synthetic trial straight into the database (plain QuerySet.bulk_create, bypassing
the audited services on purpose: this is load-test data, not clinical data), then times a
full sweep and counts its queries, for 10 and for N patients.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/edc_bench_deviations \\
        .venv/bin/python bench/deviation_sweep.py --patients 10000

It migrates the target database itself and wipes the benchmark's tables first; never point
it at a database with real data.
"""

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edc.settings.local")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, models  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from edc.access.models import Site  # noqa: E402
from edc.deviations.models import Deviation  # noqa: E402
from edc.deviations.services import deviations_sweep  # noqa: E402
from patients import schedule  # noqa: E402
from patients.models import CalendarEvent, Cohort, Patient  # noqa: E402
from patients.services import cohorts_ensure  # noqa: E402


def raw(model):
    return models.QuerySet(model=model)


def seed(n: int) -> None:
    tables = [
        m._meta.db_table
        for m in (
            Deviation.history.model,
            Deviation,
            CalendarEvent,
            CalendarEvent.history.model,
            Patient,
            Patient.history.model,
        )
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")
    cohorts_ensure()
    site, _ = Site.objects.get_or_create(code="BN01", defaults={"name": "Bench", "country": "FR"})
    cohort = Cohort.objects.get(code="A")
    today = timezone.localdate()
    patients = [
        Patient(
            site=site,
            screening_number=f"B{i:06d}",
            screening_date=today,
            year_of_birth=1970,
            sex="F",
            status="enrolled",
            subject_id=f"BN01-{i:06d}",
            cohort=cohort,
            enrolled_on=today - dt.timedelta(days=i % 200 + 1),
            c1d1_date=today - dt.timedelta(days=i % 200 + 1),
        )
        for i in range(n)
    ]
    raw(Patient).bulk_create(patients, batch_size=2000)
    events = []
    for p in Patient.objects.filter(site=site).only("id", "c1d1_date"):
        for e in schedule.build_calendar(c1d1=p.c1d1_date):
            events.append(
                CalendarEvent(
                    patient_id=p.id,
                    code=e.code,
                    kind=e.kind,
                    label=e.label,
                    cycle=e.cycle,
                    day=e.day,
                    sequence=e.sequence,
                    planned_date=e.planned_date,
                    earliest=e.earliest,
                    latest=e.latest,
                    # Most events were done on time; every 7th is missing: a missed-visit finding.
                    actual_date=e.planned_date
                    if (p.id + len(events)) % 7 and e.planned_date <= today
                    else None,
                )
            )
        if len(events) > 50_000:
            raw(CalendarEvent).bulk_create(events, batch_size=5000)
            events = []
    raw(CalendarEvent).bulk_create(events, batch_size=5000)
    if connection.vendor == "postgresql":
        # Fresh bulk loads have no planner statistics yet (autovacuum would add them within
        # minutes in production); without them PostgreSQL picks a nested loop here.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def measure(label: str) -> tuple[float, int]:
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        result = deviations_sweep()
        elapsed = time.perf_counter() - start
    print(
        f"{label}: {elapsed:.2f} s, {len(queries)} queries, created {result.created}, "
        f"withdrawn {result.withdrawn}"
    )
    return elapsed, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=10_000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    for n in (10, args.patients):
        seed(n)
        print(f"--- {n} patients, {CalendarEvent.objects.count()} calendar events")
        measure("first sweep (inserts findings)")
        measure("second sweep (steady state)")


if __name__ == "__main__":
    main()
