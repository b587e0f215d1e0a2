"""Benchmark: the nightly deviation sweep and the on-save check over N patients (issues 6, 24).

Loads the synthetic trial of ``bench/synthetic.py`` (calendars, paclitaxel doses, IMP321
injections, immune draws, labs, AEs, tumour assessments, with a realistic share of
deviations, so that every one of the 11 rules reads real rows and finds some), then measures:

* **raw scan**: the very SQL statements the rules run (captured while they ran), executed
  again with every row fetched as plain tuples and nothing else — what PostgreSQL (or
  SQLite) and the driver cost for the rows the rules read (median of ``--repeat``);
* **first sweep** (every finding inserted with its history row) and **steady sweep** (the
  same data again: every finding already has its row; median of ``--repeat``), queries, and
  the ratio steady sweep / raw scan (target ≤ 2×);
* **on-save check**: ``deviations_sweep(patient_ids=[one patient])`` (what the outbox runs
  after a save of that patient's data), and an audited save of one of that patient's doses
  (``audited_update`` with a reason), each the median of ``--repeat`` × 5 runs, and the
  ratio (save + check) / save (target ≤ 1.2×); and the save as the services make it, with
  the check written to the outbox in its transaction (what the user waits for: a worker runs
  the check after the commit), over the save alone.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/edc_h7_bench \\
        .venv/bin/python bench/deviation_sweep.py --patients 10000
    DATABASE_URL=… .venv/bin/python bench/deviation_sweep.py --reuse     # measure again

It migrates the target database itself and wipes the seeded tables first; never point it
at a database with real data.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edc.settings.local")

import django  # noqa: E402

django.setup()

import synthetic  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from dosing.models import PaclitaxelAdministration  # noqa: E402
from edc.audit.services import audited_update  # noqa: E402
from edc.checks import enqueue_patient_check  # noqa: E402
from edc.deviations.models import Deviation  # noqa: E402
from edc.deviations.rules import RULES  # noqa: E402
from edc.deviations.services import deviations_sweep  # noqa: E402
from patients.models import Patient  # noqa: E402

settings.DEBUG = False


class Rollback(Exception):
    pass


def timed(run, repeat: int) -> tuple[float, object]:
    times, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def rule_statements() -> tuple[list[tuple[str, list[str]]], dict[str, int]]:
    """Each rule's SQL as it runs (all patients), and its findings."""
    today = timezone.localdate()
    statements, findings = [], {}
    for rule in RULES:
        with CaptureQueriesContext(connection) as queries:
            findings[rule.CODE] = len(list(rule.find(patient_ids=None, today=today)))
        statements.append((rule.CODE, [q["sql"] for q in queries.captured_queries]))
    return statements, findings


def raw_scan(statements) -> dict[str, int]:
    rows = {}
    with connection.cursor() as cursor:
        for code, sqls in statements:
            rows[code] = 0
            for sql in sqls:
                cursor.execute(sql)
                rows[code] += len(cursor.fetchall())
    return rows


def on_save(repeat: int) -> dict:
    """One patient's check and one audited save of that patient's dose, rolled back."""
    dose = PaclitaxelAdministration.objects.filter(patient__site__code="BN01").order_by("pk")[5]
    patient_id = dose.patient_id
    user = synthetic.users()[synthetic.Role.COORDINATOR]

    def save(enqueue: bool = False):
        """The audited save; with ``enqueue``, as the dose service makes it: the check is
        written to the outbox in the saving transaction (edc.checks), a worker runs it after
        the commit."""
        try:
            with transaction.atomic():
                current = PaclitaxelAdministration.objects.get(pk=dose.pk)
                audited_update(
                    current,
                    user=user,
                    reason="Bench: transcription error",
                    expected_version=current.version,
                    changes={"status_reason": "checked against the source"},
                )
                if enqueue:
                    enqueue_patient_check(patient_id)
                raise Rollback
        except Rollback:
            pass

    def check():
        try:
            with transaction.atomic():
                deviations_sweep(patient_ids=[patient_id])
                raise Rollback
        except Rollback:
            pass

    save()
    check()  # warm
    with CaptureQueriesContext(connection) as q_save:
        save()
    with CaptureQueriesContext(connection) as q_check:
        check()
    save(enqueue=True)
    save_s, _ = timed(save, repeat * 5)
    enqueued_s, _ = timed(lambda: save(enqueue=True), repeat * 5)
    check_s, _ = timed(check, repeat * 5)
    return {
        "save_ms": save_s * 1000,
        "enqueued_ms": enqueued_s * 1000,
        "check_ms": check_s * 1000,
        "save_queries": len(q_save),
        "check_queries": len(q_check),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--reuse", action="store_true", help="measure the trial already loaded")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.reuse:
        call_command("migrate", verbosity=0)
        print(f"loading {args.patients:,} patients …")
        print(f"loaded in {synthetic.seed(args.patients):.0f} s")
    tables = [Deviation.history.model._meta.db_table, Deviation._meta.db_table]
    with connection.cursor() as cursor:  # the history is append-only: TRUNCATE, not DELETE
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")
    print(
        f"--- {connection.vendor}, {Patient.objects.count():,} patients, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    statements, findings = rule_statements()
    raw_scan(statements)  # warm the cache
    raw_s, rows = timed(lambda: raw_scan(statements), args.repeat)
    with CaptureQueriesContext(connection) as q_first:
        start = time.perf_counter()
        first = deviations_sweep()
        first_s = time.perf_counter() - start
    with CaptureQueriesContext(connection) as q_steady:
        deviations_sweep()
    steady_s, steady = timed(deviations_sweep, args.repeat)
    print("| rule | rows read | findings |")
    print("| --- | ---: | ---: |")
    for code, _sqls in statements:
        print(f"| {code} | {rows[code]:,} | {findings[code]:,} |")
    print(f"| **all** | **{sum(rows.values()):,}** | **{sum(findings.values()):,}** |")
    print()
    print("| step | seconds | queries | ratio to raw scan |")
    print("| --- | ---: | ---: | ---: |")
    print(
        f"| raw scan of the rules' rows | {raw_s:.2f} | {sum(len(s) for _, s in statements)} | 1 |"
    )
    print(
        f"| first sweep ({first.created:,} created) | {first_s:.2f} | {len(q_first)} | "
        f"{first_s / raw_s:.2f}× |"
    )
    print(
        f"| steady sweep ({steady.created} created, {steady.withdrawn} withdrawn) | "
        f"{steady_s:.2f} | {len(q_steady)} | **{steady_s / raw_s:.2f}×** |"
    )
    saved = on_save(args.repeat)
    print()
    print(
        f"on-save: audited dose save {saved['save_ms']:.1f} ms ({saved['save_queries']} queries),"
        f" check of the patient {saved['check_ms']:.1f} ms ({saved['check_queries']} queries):"
        f" (save + check) / save = "
        f"**{(saved['save_ms'] + saved['check_ms']) / saved['save_ms']:.2f}×**"
    )
    print(
        f"on-save, what the user waits for: the save with its check written to the outbox "
        f"{saved['enqueued_ms']:.1f} ms / the save alone {saved['save_ms']:.1f} ms = "
        f"**{saved['enqueued_ms'] / saved['save_ms']:.2f}×** (the check runs in a worker)"
    )
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
