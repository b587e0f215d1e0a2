"""The audit trail a regulator would accept: who, when, old → new, why; append-only; no bypass."""

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction

from edc.audit.append_only import history_tables
from edc.audit.exceptions import REASON_REQUIRED, AuditBypassError, ReasonRequired, StaleVersion
from edc.audit.models import AuditedModel
from patients import services
from patients.models import Patient


def test_every_clinical_model_is_audited_with_simple_history():
    from django.apps import apps

    clinical = [
        m
        for m in apps.get_models()
        if m._meta.app_label in {"patients", "dosing", "assessments", "labs"}
        and not m.__name__.startswith("Historical")
    ]
    assert clinical, "no clinical models found"
    for model in clinical:
        if getattr(model, "AUDIT_EXEMPT_REASON", ""):
            continue  # infrastructure (e.g. an import batch), documented on the model
        assert issubclass(model, AuditedModel), f"{model.__name__} is not an AuditedModel"
        assert hasattr(model, "history"), f"{model.__name__} has no history"
        assert model.history.model._meta.db_table in history_tables()


def test_an_edit_records_user_time_old_new_and_reason(screened, investigator):
    patient = screened()
    services.patient_update(
        user=investigator,
        patient=patient,
        data={"year_of_birth": 1968},
        reason="Transcription error, see ID card",
        expected_version=1,
    )
    latest, previous = patient.history.all()[:2]
    delta = latest.diff_against(previous)
    change = next(c for c in delta.changes if c.field == "year_of_birth")
    assert (change.old, change.new) == (1970, 1968)
    assert latest.history_user == investigator
    assert latest.history_change_reason == "Transcription error, see ID card"
    assert latest.history_type == "~" and latest.history_date is not None


def test_an_edit_without_a_reason_is_refused_and_nothing_changes(screened, investigator):
    patient = screened()
    before = patient.history.count()
    with pytest.raises(ReasonRequired) as exc:
        services.patient_update(
            user=investigator,
            patient=patient,
            data={"year_of_birth": 1968},
            reason=" ",
            expected_version=1,
        )
    assert exc.value.message_dict == {"reason": [REASON_REQUIRED]}
    patient.refresh_from_db()
    assert patient.year_of_birth == 1970 and patient.history.count() == before


def test_saving_a_saved_record_without_a_reason_is_refused_at_model_level(screened):
    patient = screened()
    patient.year_of_birth = 1960
    with pytest.raises(ReasonRequired):
        patient.save()


def test_queryset_writes_that_would_skip_history_are_refused(screened):
    screened()
    with pytest.raises(AuditBypassError):
        Patient.objects.update(year_of_birth=1900)
    with pytest.raises(AuditBypassError):
        Patient.objects.bulk_update(list(Patient.objects.all()), ["year_of_birth"])
    with pytest.raises(AuditBypassError):
        Patient.objects.bulk_create([])


def test_the_second_of_two_concurrent_editors_is_refused_with_what_changed(
    screened, investigator, coordinator
):
    patient = screened()
    opened_version = patient.version  # both users open the form at version 1
    services.patient_update(
        user=investigator,
        patient=Patient.objects.get(pk=patient.pk),
        data={"year_of_birth": 1968},
        reason="ID card",
        expected_version=opened_version,
    )
    with pytest.raises(StaleVersion) as exc:
        services.patient_update(
            user=coordinator,
            patient=Patient.objects.get(pk=patient.pk),
            data={"year_of_birth": 1972},
            reason="Typo",
            expected_version=opened_version,
        )
    assert exc.value.current_version == opened_version + 1
    assert [(c["field"], c["old"], c["new"], c["user"]) for c in exc.value.changes] == [
        ("year_of_birth", 1970, 1968, "inv_fr01")
    ]
    patient.refresh_from_db()
    assert patient.year_of_birth == 1968


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_refuses_update_and_delete_of_history_rows(require_postgres, screened):
    patient = screened()
    table = patient.history.model._meta.db_table
    for sql in (f"UPDATE {table} SET year_of_birth = 1900", f"DELETE FROM {table}"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert patient.history.count() >= 1
    assert set(patient.history.values_list("year_of_birth", flat=True)) == {1970}


def test_no_source_file_writes_audited_models_with_queryset_update():
    """A static guard beside the runtime one: no .update()/bulk_* on querysets of audited
    models in app code (computed tables such as site-risk rows or the mail log may)."""
    import pathlib
    import re

    from django.apps import apps

    from edc.audit.models import AuditedModel

    audited = sorted(m.__name__ for m in apps.get_models() if issubclass(m, AuditedModel))
    assert {"Patient", "AdverseEvent", "ConcomitantMedication", "SiteNote"} <= set(audited)
    root = pathlib.Path(__file__).resolve().parents[2]
    pattern = re.compile(
        rf"\b(?:{'|'.join(audited)})\.objects(\.\w+\([^)]*\))*\.(update|bulk_update|bulk_create)\("
    )
    offenders = [
        f"{path.relative_to(root)}:{n}"
        for folder in ("patients", "dosing", "assessments", "labs", "edc")
        for path in (root / folder).rglob("*.py")
        if "migrations" not in path.parts
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []


def test_enrolment_history_names_the_investigator_and_the_reason(enrolled, investigator):
    patient = enrolled()
    entry = patient.history.first()
    assert entry.history_user == investigator
    assert entry.history_change_reason == "Enrolment"
    assert entry.subject_id == patient.subject_id
    assert patient.history.last().history_type == "+"
    assert patient.c1d1_date == dt.date.today() - dt.timedelta(days=10)


def test_the_write_path_checks_locks_and_clears_sdv_through_registered_hooks():
    """edc.audit imports nothing above it; monitoring registers its duties at start-up."""
    from edc.audit import hooks
    from edc.monitoring.locks import lock_check
    from edc.monitoring.reactions import data_changed

    before, after = hooks.registered()
    assert lock_check in before and data_changed in after


def test_an_audited_write_without_a_lock_check_fails_closed(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from edc.audit import hooks

    monkeypatch.setattr(hooks, "_BEFORE_WRITE", [])
    with pytest.raises(ImproperlyConfigured):
        hooks.before_write(object())
