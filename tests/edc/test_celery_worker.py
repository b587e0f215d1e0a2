"""A real Celery worker consuming from the real Redis broker (CI runs this; REDIS_URL set)."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from edc.celery import app

from ..conftest import require_real_service

ROOT = Path(__file__).resolve().parents[2]


def redis_reachable() -> bool:
    if not settings.REDIS_URL:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def worker():
    require_real_service(redis_reachable(), "Redis (set REDIS_URL)")
    queue = f"ci-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "edc.settings.test"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "edc",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        yield queue
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.redis
def test_a_real_worker_consumes_a_task_from_redis_and_returns_its_result(worker):
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        result = app.send_task("edc.ping", args=[41], queue=worker)
        assert result.get(timeout=60) == 42
        assert result.successful()
    finally:
        app.conf.task_always_eager = eager


@pytest.fixture
def worker_on_test_database(require_postgres):
    """A real worker whose DATABASE_URL is this test run's PostgreSQL database."""
    from django.db import connection

    require_real_service(redis_reachable(), "Redis (set REDIS_URL)")
    db = connection.settings_dict
    url = (
        f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    queue = f"ci-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "edc.settings.test", "DATABASE_URL": url}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "edc",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    saved = (app.conf.task_always_eager, app.conf.task_default_queue, app.conf.task_routes)
    # Every task to this test's own queue (the routes would send checks to "interactive").
    app.conf.task_always_eager, app.conf.task_default_queue, app.conf.task_routes = (
        False,
        queue,
        {},
    )
    try:
        yield queue
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue, app.conf.task_routes = saved
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_form_save_enqueues_a_check_that_a_real_worker_runs(
    worker_on_test_database, screened, investigator
):
    import datetime as dt
    import time

    from django.test import override_settings

    from edc.deviations.models import Deviation
    from patients import services as patient_services

    patient = screened()
    patient_services.eligibility_record(
        user=investigator,
        patient=patient,
        answers={"IN04": False},
        source_date=patient.screening_date,
        reason="ECOG 2",
    )
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
        patient_services.patient_enrol(
            user=investigator,
            patient=patient,
            enrolled_on=dt.date.today(),
            c1d1_date=dt.date.today(),
            waiver_reason="Sponsor approval",
        )  # commits: on_commit
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if Deviation.objects.filter(patient=patient, rule="eligibility_waiver").exists():
            break
        time.sleep(0.5)
    assert Deviation.objects.filter(patient=patient, rule="eligibility_waiver").exists()
