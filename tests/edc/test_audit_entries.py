"""The audit-trail review index: one AuditEntry per audited write, in the same transaction."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from edc.audit.append_only import append_only_tables
from edc.audit.exceptions import AuditBypassError
from edc.audit.models import AuditAction, AuditEntry
from edc.audit.services import audited_delete, audited_update
from patients import services
from patients.models import Cohort, Consent


def entries_of(instance):
    return AuditEntry.objects.filter(
        model_label=instance._meta.label_lower, object_id=instance.pk
    ).order_by("at", "id")


def test_a_create_records_every_value_with_patient_site_user_and_role(screened, investigator):
    patient = screened()
    consent = patient.consents.get()
    entry = entries_of(consent).get()
    assert entry.action == AuditAction.CREATE and entry.reason == "Initial entry"
    assert (entry.patient_id, entry.site_id) == (patient.pk, patient.site_id)
    assert (entry.user, entry.user_role, entry.version) == (investigator, "investigator", 1)
    values = {c["field"]: (c["old"], c["new"]) for c in entry.changes}
    assert values["form_version"] == (None, "1.0") and values["patient"] == (None, patient.pk)
    assert "version" not in values  # bookkeeping, recorded as the entry's version
    assert "created_at" not in values and "updated_at" not in values


def test_a_change_records_only_what_changed_old_and_new_and_why(screened, investigator):
    patient = screened()
    services.patient_update(
        user=investigator,
        patient=patient,
        data={"year_of_birth": 1968, "sex": "F"},
        reason="ID card",
        expected_version=1,
    )
    entry = entries_of(patient).last()
    assert entry.action == AuditAction.CHANGE and entry.reason == "ID card"
    assert entry.changes == [{"field": "year_of_birth", "old": 1970, "new": 1968}]
    assert entry.changed_fields == ",year_of_birth," and entry.version == 2
    assert entry.patient_id == patient.pk and entry.site_id == patient.site_id


def test_a_delete_records_the_last_values(screened, investigator, monkeypatch):
    # Consents are never deleted by the services; only models declaring AUDITED_DELETE may be.
    monkeypatch.setattr(Consent, "AUDITED_DELETE", True, raising=False)
    patient = screened()
    consent = patient.consents.get()
    consent_id = consent.pk
    audited_delete(consent, user=investigator, reason="Entered on the wrong patient")
    entry = AuditEntry.objects.get(
        model_label="patients.consent", object_id=consent_id, action=AuditAction.DELETE
    )
    assert entry.reason == "Entered on the wrong patient" and entry.patient_id == patient.pk
    assert {"field": "form_version", "old": "1.0", "new": None} in entry.changes
    assert not Consent.objects.filter(pk=consent_id).exists()


def test_a_refused_write_leaves_no_entry(screened, investigator):
    patient = screened()
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError):
        audited_update(
            patient,
            user=investigator,
            reason="x",
            expected_version=None,
            changes={"sex": "unknown"},
        )
    assert AuditEntry.objects.count() == before


def test_trial_wide_records_have_no_patient_or_site(cohorts):
    entry = entries_of(Cohort.objects.first()).get()
    assert entry.patient_id is None and entry.site_id is None and entry.user is None


def test_audit_entries_cannot_be_changed_or_deleted_through_the_orm(screened):
    screened()
    entry = AuditEntry.objects.first()
    entry.reason = "rewritten"
    with pytest.raises(AuditBypassError):
        entry.save()
    with pytest.raises(AuditBypassError):
        entry.delete()
    with pytest.raises(AuditBypassError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(AuditBypassError):
        AuditEntry.objects.filter(pk=entry.pk).delete()


def test_the_append_only_trigger_covers_the_review_index_and_the_monitoring_logs():
    tables = set(append_only_tables())
    assert {
        "audit_auditentry",
        "monitoring_querymessage",
        "monitoring_signingattempt",
        "monitoring_historicaldataquery",
        "monitoring_historicalsignature",
    } <= tables


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_refuses_update_and_delete_of_audit_entries(require_postgres, screened):
    screened()
    count = AuditEntry.objects.count()
    assert count > 0
    for sql in ("UPDATE audit_auditentry SET reason = 'x'", "DELETE FROM audit_auditentry"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert AuditEntry.objects.count() == count
    assert not AuditEntry.objects.filter(reason="x").exists()
