"""One real round trip: an SAE save → outbox → Redis → a real Celery worker → SMTP (CI)."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings

from assessments import services as ae_services
from edc.celery import app
from edc.safety.models import SaeReport
from tests.conftest import require_real_service
from tests.edc.test_celery_worker import redis_reachable
from tests.smtp import pdf_text

from .conftest import DESK, sae_values

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def smtp_worker(require_postgres, smtp):
    """A real worker on this run's database, sending to the loopback SMTP server."""
    require_real_service(redis_reachable(), "Redis (set REDIS_URL)")
    from django.conf import settings

    db = connection.settings_dict
    url = (
        f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    queue = f"ci-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.safety.worker_settings",
        "DATABASE_URL": url,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(settings.EMAIL_PORT),
        "SAFETY_DESK_EMAILS": ",".join(DESK),
    }
    command = [sys.executable, "-m", "celery", "-A", "edc", "worker", "--pool=solo", "-Q", queue]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning"]
    proc = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    saved = (app.conf.task_always_eager, app.conf.task_default_queue, app.conf.task_routes)
    app.conf.task_always_eager, app.conf.task_default_queue, app.conf.task_routes = (
        False,
        queue,
        {},
    )
    try:
        yield smtp
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
def test_a_real_worker_makes_and_mails_the_sae_report_of_a_save(
    smtp_worker, enrolled, give_paclitaxel, investigator
):
    patient = enrolled(c1d1_days_ago=10)
    give_paclitaxel(patient, "PAC-C1D1")
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
        ae = ae_services.adverse_event_create(
            user=investigator, patient=patient, **sae_values(patient)
        )  # commits: the outbox row is published to Redis
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not any(
        "[SAE]" in m["Subject"] for m in smtp_worker.messages
    ):
        time.sleep(0.5)
    (mail,) = [m for m in smtp_worker.messages if "[SAE]" in m["Subject"]]
    pdf, _pages = pdf_text(mail)
    assert patient.subject_id in pdf and "Febrile neutropenia" in pdf
    report = SaeReport.objects.get(adverse_event=ae)
    assert report.sent_at is not None and sorted(report.recipients) == sorted(DESK)
