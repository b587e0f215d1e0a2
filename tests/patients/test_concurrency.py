"""Cohort capacity under real concurrency: two connections race for the last slot on PostgreSQL."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from edc import protocol
from patients import services
from patients.models import Patient

TODAY = dt.date.today()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_enrolments_into_the_last_slot_exactly_one_wins(
    require_postgres, screened, investigator
):
    capacity = protocol.COHORTS[0].capacity
    for n in range(capacity - 1):
        services.patient_enrol(
            user=investigator, patient=screened(number=f"S{n}"), enrolled_on=TODAY, c1d1_date=TODAY
        )
    racers = [screened(number="RACE-A"), screened(number="RACE-B")]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def enrol(patient):
        try:
            barrier.wait(timeout=10)
            services.patient_enrol(
                user=investigator, patient=patient, enrolled_on=TODAY, c1d1_date=TODAY
            )
            outcomes.append("enrolled")
        except ValidationError as exc:
            outcomes.append(exc.messages[0])
        finally:
            connections.close_all()  # each thread had its own real connection

    threads = [threading.Thread(target=enrol, args=(p,)) for p in racers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes)[-1] == "enrolled" and outcomes.count("enrolled") == 1
    assert any("is full" in o for o in outcomes)
    cohort_a = Patient.objects.filter(cohort__code=protocol.COHORTS[0].code)
    assert cohort_a.count() == capacity
    subject_ids = list(
        Patient.objects.exclude(subject_id=None).values_list("subject_id", flat=True)
    )
    assert len(subject_ids) == len(set(subject_ids)) == capacity
    assert connection.vendor == "postgresql"
