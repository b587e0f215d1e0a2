"""The cheaper write path (issue 19 §6): what the database enforces is not asked twice, yet a
refused save still reads as a field message and leaves nothing behind; the demo's back-entry
clock dates the trail without weakening it.

Run on SQLite and on PostgreSQL (``DATABASE_URL``): the refusal comes from each database's own
constraint.
"""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from edc.audit.clock import audit_now, back_entry
from edc.audit.models import AuditEntry
from edc.audit.services import audited_create, audited_update
from labs.constants import DrawEvent
from labs.models import ImmuneDraw
from patients.models import Patient

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, int, int]:
    return Patient.objects.count(), Patient.history.count(), AuditEntry.objects.count()


def test_a_duplicate_screening_number_that_passed_the_service_check_is_refused_readably(
    screened, investigator
):
    """Two saves racing past the service's own check: the database refuses the second, and
    the person reads which values clash — nothing of the refused save is stored."""
    taken = screened(number="S900")
    before = _counts()
    twin = Patient(
        site=taken.site,
        screening_number="S900",
        screening_date=taken.screening_date,
        year_of_birth=1971,
        sex="F",
    )
    with pytest.raises(ValidationError) as refused:
        audited_create(twin, user=investigator)
    assert refused.value.message_dict == {
        "__all__": ["Patient with this Site and Screening number already exists."]
    }
    assert twin.pk is None
    assert _counts() == before
    # The surrounding transaction is still usable (PostgreSQL: the savepoint was rolled back).
    assert Patient.objects.filter(screening_number="S900").count() == 1


def test_a_check_constraint_refusal_names_the_fields_never_the_constraint(screened, investigator):
    """A save the database refuses by a check constraint reads as the fields it ties
    together; the constraint's internal name is never shown, and nothing is stored."""
    patient = screened(number="S901")
    before = _counts()
    with pytest.raises(ValidationError) as refused:
        audited_update(
            patient,
            user=investigator,
            reason="Subject number typed before enrolment",
            expected_version=patient.version,
            changes={"subject_id": "FR01-999"},
        )
    message = " ".join(refused.value.messages)
    assert "patient_enrolled_has_cohort_and_date" not in message and "Constraint" not in message
    labels = [str(Patient._meta.get_field(f).verbose_name) for f in ("subject_id", "cohort")]
    assert all(label in message for label in labels), message
    assert "Nothing was saved" in message
    assert _counts() == before
    patient.refresh_from_db()
    assert patient.subject_id is None


def test_a_duplicate_unique_field_on_an_edit_names_the_field_and_changes_nothing(
    enrolled, investigator
):
    first, second = enrolled(), enrolled()
    version = second.version
    before = _counts()
    with pytest.raises(ValidationError) as refused:
        audited_update(
            second,
            user=investigator,
            reason="Wrong subject number typed",
            expected_version=version,
            changes={"subject_id": first.subject_id},
        )
    assert list(refused.value.message_dict) == ["subject_id"]
    assert "already exists" in refused.value.message_dict["subject_id"][0]
    assert _counts() == before
    second.refresh_from_db()
    assert second.version == version and second.subject_id != first.subject_id


def test_a_relation_given_by_id_to_a_record_that_does_not_exist_is_still_refused(
    enrolled, investigator
):
    """Only relations to records the process holds are taken as existing."""
    patient = enrolled()
    draw = ImmuneDraw(
        patient=patient,
        event_code=DrawEvent.BASELINE,
        drawn_at=timezone.now() - dt.timedelta(days=1),
        sample_id="X-1",
        processing_minutes=60,
        lab_id=987654,
    )
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as refused:
        audited_create(draw, user=investigator)
    assert "lab" in refused.value.message_dict
    assert AuditEntry.objects.count() == before


def test_a_save_no_longer_asks_the_database_what_its_constraints_already_enforce(
    screened, investigator
):
    """No unique lookups before the insert: the write costs the same few statements whatever
    the number of unique fields and constraints of the model."""
    patient = screened()
    shown = []

    def statements(execute, sql, params, many, context):
        shown.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(statements):
        audited_update(
            patient,
            user=investigator,
            reason="Transcription error",
            expected_version=patient.version,
            changes={"year_of_birth": 1966},
        )
    # .exists() lookups: `SELECT 1 AS "a" FROM … LIMIT 1` (the value may be a parameter).
    lookups = [s for s in shown if re.match(r'\s*SELECT (1|%s) AS "a" FROM', s)]
    # The only one left is the lock check (a lock is not a constraint of the record's row).
    assert [s for s in lookups if "monitoring_lock" not in s] == [], lookups


def test_back_entry_dates_the_history_and_the_review_row_of_the_writes_inside_it(
    screened, investigator
):
    patient = screened()
    at = timezone.make_aware(dt.datetime(2025, 6, 2, 14, 30))
    with back_entry(at):
        assert audit_now() == at
        audited_update(
            patient,
            user=investigator,
            reason="Transcription error",
            expected_version=patient.version,
            changes={"year_of_birth": 1967},
        )
    latest = patient.history.order_by("-history_id").first()
    entry = AuditEntry.objects.filter(object_id=patient.pk, reason="Transcription error").get()
    assert latest.history_date == at and entry.at == at
    # Outside the block, the wall clock again.
    audited_update(
        patient,
        user=investigator,
        reason="Second correction",
        expected_version=patient.version,
        changes={"year_of_birth": 1968},
    )
    assert patient.history.order_by("-history_id").first().history_date > at
    assert AuditEntry.objects.get(reason="Second correction").at > at


def test_back_entry_refuses_a_time_in_the_future_or_without_a_time_zone():
    with pytest.raises(ValueError), back_entry(timezone.now() + dt.timedelta(hours=1)):
        pass
    with pytest.raises(ValueError), back_entry(dt.datetime(2025, 6, 2, 14, 30)):
        pass


@pytest.mark.django_db(transaction=True)
def test_a_back_entered_trail_verifies_on_the_hash_chain(require_postgres, screened, investigator):
    from edc.audit.chain import verify_chain

    patient = screened()
    with back_entry(timezone.make_aware(dt.datetime(2025, 6, 2, 14, 30))):
        audited_update(
            patient,
            user=investigator,
            reason="Transcription error",
            expected_version=patient.version,
            changes={"year_of_birth": 1967},
        )
    report = verify_chain()
    assert report.ok, report.text()
