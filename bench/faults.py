"""Benchmark: clinical saves with Redis up and down, and delivery after Redis returns (issue 17 §3).

Starts a throwaway ``redis-server`` on a free loopback port, a real Celery worker (queues
interactive + celery) and beat on the target database, then times ``patient_enrol`` (a save
that asks for a deviation check) with the publish stubbed out (baseline), with Redis up and with
Redis SIGKILLed, restarts Redis on the same port and times until every check of the saves made
while it was down is delivered (no sweep). Prints a table.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/edc_bench_faults \\
        .venv/bin/python bench/faults.py --saves 9 --relay-seconds 20

It migrates the target database itself and adds patients to it; never point it at a database
with real data (use a fresh one per run). Only the processes it started are killed.
"""

import argparse
import datetime as dt
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from tests.edc.redis_throwaway import ThrowawayRedis  # noqa: E402

SCRATCH = Path(tempfile.mkdtemp(prefix="edc-bench-faults-"))
REDIS = ThrowawayRedis(SCRATCH / "redis.log")
os.environ["REDIS_URL"] = REDIS.url  # not eager: the web path of production
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edc.settings.local")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from edc import protocol  # noqa: E402
from edc.access.constants import Role  # noqa: E402
from edc.access.services import roles_sync, staff_assign, training_setup  # noqa: E402
from edc.deviations.models import Deviation  # noqa: E402
from edc.outbox import services as outbox  # noqa: E402
from patients import services as patient_services  # noqa: E402
from patients.models import Cohort, Patient  # noqa: E402
from tests.factories import PatientFactory, SiteFactory, UserFactory  # noqa: E402


def celery(args: list[str], log: Path, relay_seconds: float) -> subprocess.Popen:
    env = {**os.environ, "OUTBOX_RELAY_SECONDS": str(relay_seconds), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "edc", *args, "-l", "info"],
        cwd=ROOT,
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def screened_with_waiver(site, user):
    patient = PatientFactory(site=site, screening_date=dt.date.today() - dt.timedelta(days=20))
    patient_services.consent_record(
        user=user, patient=patient, consent_date=patient.screening_date, form_version="1.0"
    )
    answers = {c.code: c.required_answer for c in protocol.ELIGIBILITY_CRITERIA}
    patient_services.eligibility_record(
        user=user,
        patient=patient,
        answers={**answers, "IN04": False},
        source_date=patient.screening_date,
    )
    return patient


COMMIT_MS: list[float] = []  # the on-commit part of each save: the publish (or its failure)


def _timed(deliver_after_commit):
    def timed(*args):
        started = time.perf_counter()
        try:
            return deliver_after_commit(*args)
        finally:
            COMMIT_MS.append((time.perf_counter() - started) * 1000)

    return timed


def make_room(manager) -> None:
    """Open the next dose cohort when the open one is full (untimed; 3 cohorts of 10)."""
    cohort = Cohort.objects.filter(is_open=True).order_by("code").first()
    if Patient.objects.filter(cohort=cohort).count() >= cohort.declaration.capacity:
        following = Cohort.objects.filter(code__gt=cohort.code).order_by("code").first()
        patient_services.cohort_open(user=manager, code=following.code, reason="Benchmark")


def enrol(patient, user, manager) -> float:
    make_room(manager)
    started = time.perf_counter()
    patient_services.patient_enrol(
        user=user,
        patient=patient,
        enrolled_on=dt.date.today(),
        c1d1_date=dt.date.today(),
        waiver_reason="Sponsor approval",
    )
    return (time.perf_counter() - started) * 1000


def row(label: str, ms: list[float]) -> str:
    p95 = sorted(ms)[max(0, round(0.95 * len(ms)) - 1)]
    return (
        f"| {label:<34} | {len(ms):>5} | {statistics.median(ms):>8.1f} | {p95:>8.1f}"
        f" | {max(ms):>8.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # The protocol's three cohorts hold 30 patients: 3 × saves + 1 warm-up must fit.
    parser.add_argument("--saves", type=int, default=9, choices=range(1, 10))
    parser.add_argument("--relay-seconds", type=float, default=settings.OUTBOX_RELAY_SECONDS)
    options = parser.parse_args()
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("Set DATABASE_URL to a scratch PostgreSQL database.")
    if not shutil.which("redis-server"):
        raise SystemExit("redis-server is not installed.")

    call_command("migrate", verbosity=0)
    roles_sync()
    patient_services.cohorts_ensure()
    site = SiteFactory()
    user = UserFactory()
    training_setup(user=user, role=Role.INVESTIGATOR)
    staff_assign(user=user, role=Role.INVESTIGATOR, sites=[site])
    manager = UserFactory()
    staff_assign(user=manager, role=Role.DATA_MANAGER)
    n = options.saves
    patients = [screened_with_waiver(site, user) for _ in range(3 * n + 1)]

    scratch, redis = SCRATCH, REDIS
    redis.start()
    procs = [
        celery(
            [
                "worker",
                "--pool=solo",
                "-Q",
                "interactive,celery",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            scratch / "worker.log",
            options.relay_seconds,
        ),
        celery(
            ["beat", "-s", str(scratch / "beat-schedule")],
            scratch / "beat.log",
            options.relay_seconds,
        ),
    ]
    try:
        enrol(patients.pop(), user, manager)  # warm-up: first imports, first connection
        outbox._deliver_after_commit = _timed(outbox._deliver_after_commit)
        real_publish = outbox._publish
        outbox._publish = lambda message_id, task: True
        baseline = [enrol(patients.pop(), user, manager) for _ in range(n)]
        outbox._publish = real_publish
        COMMIT_MS.clear()
        up = [enrol(patients.pop(), user, manager) for _ in range(n)]
        publish_up = COMMIT_MS[:]

        redis.kill()
        COMMIT_MS.clear()
        down_patients = [patients.pop() for _ in range(n)]
        down = [enrol(p, user, manager) for p in down_patients]
        publish_down = COMMIT_MS[:]
        time.sleep(1)
        redis.start()
        restarted = time.monotonic()
        deadline = restarted + 300
        while time.monotonic() < deadline:
            done = Deviation.objects.filter(
                patient__in=down_patients, rule="eligibility_waiver"
            ).count()
            if done == n:
                break
            time.sleep(0.1)
        delivered = time.monotonic() - restarted
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        redis.kill()

    print(f"\nClinical save (patient_enrol + commit + publish), {n} saves each, ms")
    print("| case                               | saves |   median |      p95 |      max |")
    print("|------------------------------------|-------|----------|----------|----------|")
    print(row("no publish (baseline)", baseline))
    print(row("Redis up (published at commit)", up))
    print(row("Redis down (SIGKILL; row kept)", down))
    print(row("  of which publish, Redis up", publish_up))
    print(row("  of which publish, Redis down", publish_down))
    state = f"all {n}" if done == n else f"ONLY {done}/{n}"
    print(
        f"\nRedis restarted -> {state} checks delivered in {delivered:.1f} s "
        f"(relay every {options.relay_seconds:g} s, no sweep). Logs: {scratch}"
    )


if __name__ == "__main__":
    main()
