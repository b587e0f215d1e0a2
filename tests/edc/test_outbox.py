"""The outbox on the real database: work is kept with the save, runs once, errors are retried."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from edc.celery import app
from edc.checks import PATIENT_CHECK_TASK, enqueue_patient_check
from edc.deviations.models import Deviation
from edc.deviations.services import MAJOR_DEVIATIONS_TASK
from edc.outbox.models import OutboxMessage
from edc.outbox.services import outbox_deliver, outbox_relay
from patients import services as patient_services

from ..conftest import waived

TODAY = dt.date.today()
RUNS: list[tuple[str, int]] = []  # (thread name, value) of each run of the probe task
FAIL_ONCE: set[int] = set()


@app.task(name="tests.outbox.probe", time_limit=60)
def probe(value: int) -> None:
    """Stands for any task: slow enough for two deliveries to overlap; can fail once."""
    RUNS.append((threading.current_thread().name, value))
    if value in FAIL_ONCE:
        FAIL_ONCE.discard(value)
        raise RuntimeError(f"lab server unreachable for {value}")
    time.sleep(0.05)


@pytest.fixture(autouse=True)
def _real_database(require_postgres):
    RUNS.clear()
    FAIL_ONCE.clear()


def enrol(patient, investigator):
    return patient_services.patient_enrol(
        user=investigator,
        patient=patient,
        enrolled_on=TODAY,
        c1d1_date=TODAY,
        waiver_reason="Sponsor approval",
    )


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_save_writes_one_pending_check_per_patient_in_its_transaction(
    screened, investigator, django_capture_on_commit_callbacks
):
    patient = waived(screened, investigator)
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        enrol(patient, investigator)  # several writes of one patient
        enqueue_patient_check(patient.pk)
        enqueue_patient_check(patient.pk)
    row = OutboxMessage.objects.get()
    assert (row.task, row.args, row.key) == (PATIENT_CHECK_TASK, [patient.pk], str(patient.pk))
    assert row.delivered_at is None and row.attempts == 0
    assert len(callbacks) == 1
    assert not Deviation.objects.exists()  # nothing ran yet


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_rolled_back_save_leaves_no_work_behind(
    screened, investigator, django_capture_on_commit_callbacks
):
    patient = waived(screened, investigator)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enrol(patient, investigator)
        raise RuntimeError("the request failed after the save")
    assert not OutboxMessage.objects.exists()
    assert callbacks == []


@pytest.mark.postgres
@pytest.mark.django_db
def test_in_eager_mode_the_check_runs_at_commit_and_is_marked_delivered(
    screened, investigator, django_capture_on_commit_callbacks
):
    patient = waived(screened, investigator)
    with django_capture_on_commit_callbacks(execute=True):
        enrol(patient, investigator)
    row = OutboxMessage.objects.get(task=PATIENT_CHECK_TASK)
    assert row.delivered_at is not None and row.attempts == 1 and row.last_error == ""
    assert Deviation.objects.filter(patient=patient, rule="eligibility_waiver").count() == 1
    # The waiver is a major deviation: the check owed its e-mail, delivered in turn.
    mail = OutboxMessage.objects.get(task=MAJOR_DEVIATIONS_TASK)
    assert mail.delivered_at is not None and mail.last_error == ""


@pytest.mark.postgres
@pytest.mark.django_db
def test_delivery_marks_delivered_and_a_second_delivery_changes_nothing(
    screened, investigator, django_capture_on_commit_callbacks
):
    patient = waived(screened, investigator)
    with django_capture_on_commit_callbacks(execute=False):
        enrol(patient, investigator)
    row = OutboxMessage.objects.get()

    assert outbox_deliver() == 1
    row.refresh_from_db()
    assert row.delivered_at is not None
    assert Deviation.objects.filter(patient=patient, rule="eligibility_waiver").count() == 1
    found = Deviation.objects.filter(patient=patient).count()
    # The check found a major deviation and owes its e-mail: one more message, delivered once.
    assert OutboxMessage.objects.filter(task=MAJOR_DEVIATIONS_TASK, delivered_at=None).count() == 1
    assert outbox_deliver() == 1
    # A duplicate message (relay re-send, redelivery) finds nothing to do.
    assert outbox_deliver(ids=[row.pk]) == 0
    assert outbox_deliver() == 0
    assert outbox_relay(publish=False) == 0
    assert Deviation.objects.filter(patient=patient).count() == found


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_save_made_after_a_worker_took_the_check_gets_a_check_of_its_own(
    screened, investigator, django_capture_on_commit_callbacks
):
    patient = waived(screened, investigator)
    with django_capture_on_commit_callbacks(execute=False):
        enrol(patient, investigator)
    first = OutboxMessage.objects.get()
    OutboxMessage.objects.filter(pk=first.pk).update(attempts=1, claimed_by="running")
    with django_capture_on_commit_callbacks(execute=False):
        enqueue_patient_check(patient.pk)
    assert OutboxMessage.objects.filter(delivered_at__isnull=True).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_at_once_run_each_row_exactly_once():
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
        rows = [
            OutboxMessage.objects.create(task="tests.outbox.probe", args=[n], key=str(n))
            for n in range(12)
        ]
    start = threading.Barrier(2)
    done: dict[str, int] = {}

    def worker(name: str) -> None:
        try:
            start.wait()
            done[name] = outbox_deliver(limit=100)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(f"w{i}",), name=f"w{i}") for i in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    ran = sorted(value for _name, value in RUNS)
    assert ran == list(range(12))  # every row once, none twice
    assert sum(done.values()) == 12
    assert OutboxMessage.objects.filter(delivered_at__isnull=True).count() == 0
    assert {row.attempts for row in OutboxMessage.objects.filter(pk__in=[r.pk for r in rows])} == {
        1
    }


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_failed_run_is_recorded_and_retried_after_its_back_off():
    FAIL_ONCE.add(7)
    row = OutboxMessage.objects.create(task="tests.outbox.probe", args=[7], key="7")

    assert outbox_deliver() == 1
    row.refresh_from_db()
    assert row.delivered_at is None and row.attempts == 1
    assert row.last_error == "RuntimeError: lab server unreachable for 7"
    assert row.lease_until > timezone.now()
    assert outbox_deliver() == 0  # backing off

    OutboxMessage.objects.filter(pk=row.pk).update(lease_until=timezone.now())
    assert outbox_relay(publish=False) == 1
    row.refresh_from_db()
    assert row.delivered_at is not None and row.attempts == 2
    assert RUNS == [("MainThread", 7), ("MainThread", 7)]


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_run_in_progress_is_left_alone_but_its_redelivered_message_takes_it_back():
    row = OutboxMessage.objects.create(
        task="tests.outbox.probe",
        args=[3],
        key="3",
        attempts=1,
        claimed_by="celery-task-id-1",
        lease_until=timezone.now() + dt.timedelta(minutes=10),
    )
    assert outbox_deliver() == 0  # another worker is running it
    assert outbox_relay(publish=False) == 0
    # Its worker was killed; Celery redelivers the same message (same task id) to another worker.
    assert outbox_deliver(ids=[row.pk], token="celery-task-id-1") == 1
    row.refresh_from_db()
    assert row.delivered_at is not None and row.attempts == 2


@pytest.mark.postgres
@pytest.mark.django_db
def test_with_the_broker_down_the_save_returns_at_once_and_the_work_stays_pending(
    screened, investigator, django_capture_on_commit_callbacks
):
    patient = waived(screened, investigator)
    saved = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:9/0"  # nothing listens there
    try:
        with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
            started = time.perf_counter()
            with django_capture_on_commit_callbacks(execute=True):
                enrol(patient, investigator)
            elapsed = time.perf_counter() - started
    finally:
        app.conf.broker_url = saved
    row = OutboxMessage.objects.get()
    assert row.delivered_at is None and row.published_at is None
    assert elapsed < 3  # measured: tens of ms (was ~19 s)
    assert outbox_relay(publish=False) == 1  # what a worker's relay does once Redis is back
    assert Deviation.objects.filter(patient=patient, rule="eligibility_waiver").exists()


@pytest.mark.postgres
@pytest.mark.django_db
@override_settings(OUTBOX_KEEP_DAYS=14)
def test_the_relay_forgets_rows_delivered_long_ago_and_keeps_pending_and_failed_ones():
    now = timezone.now()
    old = OutboxMessage.objects.create(
        task="tests.outbox.probe", args=[1], key="1", delivered_at=now - dt.timedelta(days=15)
    )
    recent = OutboxMessage.objects.create(
        task="tests.outbox.probe", args=[2], key="2", delivered_at=now - dt.timedelta(days=13)
    )
    given_up = OutboxMessage.objects.create(
        task="tests.outbox.probe",
        args=[3],
        key="3",
        attempts=10,
        last_error="RuntimeError: gone",
        created_at=now - dt.timedelta(days=40),
    )
    outbox_relay(publish=False)
    remaining = set(OutboxMessage.objects.values_list("pk", flat=True))
    assert old.pk not in remaining
    assert {recent.pk, given_up.pk} <= remaining
