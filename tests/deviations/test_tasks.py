"""The per-patient check after a save, and resilience when the broker is down."""

import datetime as dt
import logging

import pytest
from django.test import override_settings

from edc.celery import app
from edc.deviations.models import Deviation
from edc.deviations.tasks import check_patient, sweep_all
from patients import services as patient_services

from ..conftest import waived

TODAY = dt.date.today()


def test_a_save_queues_one_check_that_flags_the_patient_after_commit(
    screened, investigator, django_capture_on_commit_callbacks
):
    patient = waived(screened, investigator)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        patient_services.patient_enrol(
            user=investigator,
            patient=patient,
            enrolled_on=TODAY,
            c1d1_date=TODAY,
            waiver_reason="Sponsor approval",
        )
    checks = [c for c in callbacks if "edc.deviations.check_patient" in getattr(c, "args", ())]
    assert len(checks) == 1  # many writes of one patient, one check (then the mails it owes)
    assert Deviation.objects.filter(patient=patient, rule="eligibility_waiver").exists()


def test_tasks_are_idempotent(enrolled):
    patient = enrolled(c1d1_days_ago=20)
    first = check_patient.apply(args=[patient.pk]).get()
    assert first["created"] > 0
    assert check_patient.apply(args=[patient.pk]).get()["created"] == 0
    assert sweep_all.apply().get() == {"created": 0, "withdrawn": 0, "reopened": 0}


def test_tasks_are_declared_for_reliable_delivery():
    for name in (
        "edc.deviations.sweep_all",
        "edc.deviations.check_patient",
        "edc.deviations.send_site_digests",
    ):
        task = app.tasks[name]
        assert task.acks_late and task.time_limit and task.max_retries
    assert app.conf.beat_schedule["nightly-deviation-sweep"]["task"] == "edc.deviations.sweep_all"


@pytest.fixture
def broker_down():
    """Point the real Celery app at a port where no broker listens."""

    def reset_connections():
        # Celery caches the connection pool and the producer pool built from broker_url.
        app._pool = None
        app.amqp._producer_pool = None

    saved = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:9/0"
    reset_connections()
    try:
        with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
            yield
    finally:
        app.conf.broker_url = saved
        reset_connections()


def test_saving_works_when_the_broker_is_down(
    screened, investigator, broker_down, django_capture_on_commit_callbacks, caplog
):
    patient = waived(screened, investigator)
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        enrolled = patient_services.patient_enrol(
            user=investigator,
            patient=patient,
            enrolled_on=TODAY,
            c1d1_date=TODAY,
            waiver_reason="Sponsor approval",
        )
    assert enrolled.subject_id == "FR01-001"
    assert "Could not enqueue the deviation check" in caplog.text
    assert not Deviation.objects.exists()  # the nightly sweep will catch up
