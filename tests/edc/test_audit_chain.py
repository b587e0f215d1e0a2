"""Tamper-evident audit trail (issue 18 §4, 21 CFR Part 11 §11.10(e); edc/audit/chain.py).

On real PostgreSQL, with committed rows (transactional tests): the database chains every audit
row it stores; a superuser who rewrites, deletes, truncates or forges rows behind the triggers'
back is named by the verifier, its command and its nightly task.
"""

import datetime as dt
import io
import threading
import uuid

import psycopg
import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction

from edc.audit.append_only import install_append_only_triggers
from edc.audit.chain import CHAIN_TRIGGER, chain_head, verify_chain
from edc.audit.exceptions import AuditBypassError
from edc.audit.models import AuditChainLink
from edc.audit.services import audited_delete
from edc.audit.tasks import verify_chain_task
from edc.operations import dbroles
from patients import services as patient_services
from patients.models import Consent, Patient

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PATIENT_HISTORY = "patients_historicalpatient"
CONSENT_HISTORY = "patients_historicalconsent"
APPEND_ONLY = "edc_audit_append_only"


def sql(statement: str, params=None):
    """Run one statement as the test's connection: ``postgres``, a superuser."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def as_superuser(*statements: str) -> None:
    """What a superuser's raw SQL session can do behind the application's back."""
    for statement in statements:
        sql(statement)


def links(table: str) -> int:
    return AuditChainLink.objects.filter(table_name=table).count()


@pytest.fixture
def trial(require_postgres, enrolled, give_paclitaxel, investigator):
    """An enrolled patient with a dose and a corrected year of birth, all committed."""
    patient = enrolled(c1d1_days_ago=10)
    give_paclitaxel(patient, "PAC-C1D1")
    patient.refresh_from_db()
    return patient_services.patient_update(
        user=investigator,
        patient=patient,
        data={"year_of_birth": 1969},
        reason="Typo in year of birth",
        expected_version=patient.version,
    )


def history_ids(table: str, **where) -> list[int]:
    clause = " AND ".join(f"{k} = %s" for k in where) or "TRUE"
    rows = sql(
        f"SELECT history_id FROM {table} WHERE {clause} ORDER BY history_id", list(where.values())
    )
    return [r[0] for r in rows]


# --- A trail written through the services verifies -----------------------------------------------
def test_every_audit_row_written_through_the_services_is_chained_and_verifies(trial):
    report = verify_chain()
    assert report.ok, report.text()
    for table in (PATIENT_HISTORY, CONSENT_HISTORY, "audit_auditentry"):
        rows = sql(f"SELECT count(*) FROM {table}")[0][0]
        assert rows > 0 and links(table) == rows
        seqs = list(
            AuditChainLink.objects.filter(table_name=table)
            .order_by("seq")
            .values_list("seq", flat=True)
        )
        assert seqs == list(range(1, rows + 1))
    head = chain_head()
    assert len(head.digest) == 64 and head.tables[PATIENT_HISTORY][0] == links(PATIENT_HISTORY)
    assert report.head == head

    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "AUDIT CHAIN OK" in out.getvalue() and head.digest in out.getvalue()


def test_concurrent_writers_of_the_same_table_keep_one_unbroken_chain(
    require_postgres, site, investigator, cohorts
):
    errors = []
    barrier = threading.Barrier(2)

    def writer(prefix: str) -> None:
        try:
            barrier.wait(timeout=10)
            for i in range(8):
                patient = patient_services.patient_screen(
                    user=investigator,
                    site=site,
                    screening_number=f"{prefix}{i:03d}",
                    screening_date=dt.date.today() - dt.timedelta(days=5),
                    year_of_birth=1970,
                    sex="F",
                )
                patient_services.consent_record(
                    user=investigator,
                    patient=patient,
                    consent_date=patient.screening_date,
                    form_version="1.0",
                )
        except Exception as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(p,)) for p in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert Patient.objects.count() == 16
    report = verify_chain()
    assert report.ok, report.text()
    assert links(PATIENT_HISTORY) == sql(f"SELECT count(*) FROM {PATIENT_HISTORY}")[0][0] >= 16


# --- Tampering by a superuser is named ----------------------------------------------------------
def test_a_history_row_updated_behind_the_trigger_is_named_with_the_changed_field(trial):
    target = history_ids(PATIENT_HISTORY, id=trial.pk)[0]
    as_superuser(
        f"ALTER TABLE {PATIENT_HISTORY} DISABLE TRIGGER {APPEND_ONLY}",
        f"UPDATE {PATIENT_HISTORY} SET year_of_birth = 1950 WHERE history_id = {target}",
        f"ALTER TABLE {PATIENT_HISTORY} ENABLE TRIGGER {APPEND_ONLY}",
    )
    report = verify_chain()
    assert not report.ok
    [broken] = report.broken
    assert broken.table == PATIENT_HISTORY and broken.counts == {"changed": 1}
    problem = broken.first_broken
    assert problem.row_pk == target and problem.kind == "changed"
    assert set(problem.fields) == {"year_of_birth"} and problem.fields["year_of_birth"][1] == 1950
    text = report.text()
    assert f"first broken link: {PATIENT_HISTORY} row {target} (link #" in text
    assert "row changed since it was chained; year_of_birth: " in text and "-> 1950" in text

    with pytest.raises(CommandError, match=f"BROKEN in {PATIENT_HISTORY}"):
        call_command("verify_audit", stdout=io.StringIO())


def test_a_deleted_history_row_is_named(trial):
    _, target, *_ = history_ids(PATIENT_HISTORY, id=trial.pk)
    seq = AuditChainLink.objects.get(table_name=PATIENT_HISTORY, row_pk=target).seq
    as_superuser(
        f"ALTER TABLE {PATIENT_HISTORY} DISABLE TRIGGER {APPEND_ONLY}",
        f"DELETE FROM {PATIENT_HISTORY} WHERE history_id = {target}",
        f"ALTER TABLE {PATIENT_HISTORY} ENABLE TRIGGER {APPEND_ONLY}",
    )
    report = verify_chain()
    [broken] = report.broken
    assert broken.table == PATIENT_HISTORY and broken.counts == {"deleted": 1}
    assert broken.first_broken.row_pk == target and not broken.truncated
    assert f"{PATIENT_HISTORY} row {target} (link #{seq}): row deleted" in report.text()
    assert "truncated" not in report.text()


def test_a_truncated_history_table_is_named(trial):
    sql(f"TRUNCATE {CONSENT_HISTORY}")
    report = verify_chain()
    [broken] = report.broken
    assert broken.table == CONSENT_HISTORY and broken.truncated
    assert f"{CONSENT_HISTORY}: table truncated" in report.text()


def test_a_row_forged_with_the_chain_trigger_disabled_is_named(trial):
    source = history_ids(PATIENT_HISTORY)[-1]
    forged = source + 1000
    as_superuser(
        f"ALTER TABLE {PATIENT_HISTORY} DISABLE TRIGGER {CHAIN_TRIGGER}",
        f"INSERT INTO {PATIENT_HISTORY} SELECT * FROM jsonb_populate_record("
        f"NULL::{PATIENT_HISTORY}, (SELECT to_jsonb(h) || jsonb_build_object('history_id', "
        f"{forged}) FROM {PATIENT_HISTORY} h WHERE history_id = {source}))",
        f"ALTER TABLE {PATIENT_HISTORY} ENABLE TRIGGER {CHAIN_TRIGGER}",
    )
    report = verify_chain()
    [broken] = report.broken
    assert broken.counts == {"unlinked": 1}
    assert f"{PATIENT_HISTORY} row {forged}: row inserted without a chain link" in report.text()


def test_a_rewritten_chain_link_is_named(trial):
    chain = AuditChainLink._meta.db_table
    first = AuditChainLink.objects.get(table_name=PATIENT_HISTORY, seq=1)
    as_superuser(
        f"ALTER TABLE {chain} DISABLE TRIGGER {APPEND_ONLY}",
        # The stored content only: its hashes no longer recompute.
        f"UPDATE {chain} SET content = content || '{{\"year_of_birth\": 1900}}' "
        f"WHERE id = {first.pk}",
        f"ALTER TABLE {chain} ENABLE TRIGGER {APPEND_ONLY}",
    )
    report = verify_chain()
    [broken] = report.broken
    assert broken.first_broken.kind == "link_rewritten" and broken.first_broken.seq == 1
    assert f"{PATIENT_HISTORY} row {first.row_pk} (link #1): link rewritten" in report.text()


def test_a_link_rewritten_with_consistent_hashes_breaks_the_next_link(trial):
    """A forger who recomputes a link's hashes still cannot make the next link follow it."""
    chain = AuditChainLink._meta.db_table
    assert links(PATIENT_HISTORY) >= 2
    first = AuditChainLink.objects.get(table_name=PATIENT_HISTORY, seq=1)
    content_hash = "sha256(convert_to(edc_audit_canonical(c)::text, 'UTF8'))"
    as_superuser(
        f"ALTER TABLE {chain} DISABLE TRIGGER {APPEND_ONLY}",
        f"ALTER TABLE {PATIENT_HISTORY} DISABLE TRIGGER {APPEND_ONLY}",
        f"UPDATE {PATIENT_HISTORY} SET year_of_birth = 1900 WHERE history_id = {first.row_pk}",
        f"UPDATE {chain} l SET content = x.c, row_hash = {content_hash}, "
        f"link_hash = sha256(l.prev_hash || {content_hash}) "
        f"FROM (SELECT content || '{{\"year_of_birth\": 1900}}' AS c FROM {chain} "
        f"WHERE id = {first.pk}) x WHERE l.id = {first.pk}",
        f"ALTER TABLE {PATIENT_HISTORY} ENABLE TRIGGER {APPEND_ONLY}",
        f"ALTER TABLE {chain} ENABLE TRIGGER {APPEND_ONLY}",
    )
    report = verify_chain()
    [broken] = report.broken
    assert broken.counts == {"chain_broken": 1}
    assert broken.first_broken.seq == 2
    assert "(link #2): chain broken" in report.text()


# --- The nightly task ---------------------------------------------------------------------------
def test_the_nightly_task_emails_the_data_managers_only_when_the_chain_is_broken(
    trial, data_manager, monitor
):
    data_manager.email = "dm@example.org"
    data_manager.save()
    monitor.email = "monitor@example.org"
    monitor.save()
    assert verify_chain_task.apply().get()["ok"] is True
    assert mail.outbox == []

    sql(f"TRUNCATE {CONSENT_HISTORY}")
    result = verify_chain_task.apply().get()
    assert result["ok"] is False and result["broken"] == [CONSENT_HISTORY]
    [message] = mail.outbox
    assert message.to == ["dm@example.org"]
    assert "tampering" in message.subject and f"{CONSENT_HISTORY}: table truncated" in message.body


# --- Install, privileges, deletes ---------------------------------------------------------------
def test_rows_written_before_the_chain_existed_are_chained_once_when_it_is_installed(trial):
    chain = AuditChainLink._meta.db_table
    rows = sql(f"SELECT count(*) FROM {CONSENT_HISTORY}")[0][0]
    as_superuser(
        f"DROP TRIGGER {CHAIN_TRIGGER} ON {CONSENT_HISTORY}",
        f"ALTER TABLE {chain} DISABLE TRIGGER {APPEND_ONLY}",
        f"DELETE FROM {chain} WHERE table_name = '{CONSENT_HISTORY}'",
        f"ALTER TABLE {chain} ENABLE TRIGGER {APPEND_ONLY}",
    )
    install_append_only_triggers()
    assert links(CONSENT_HISTORY) == rows
    install_append_only_triggers()  # idempotent
    assert links(CONSENT_HISTORY) == rows
    assert verify_chain().ok


def test_the_application_role_can_still_write_history_rows_that_get_chained(trial):
    role = f"edc_app_{uuid.uuid4().hex[:8]}"
    sql(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE')
    try:
        dbroles.grant_app_role(connection, role)
        source = history_ids(PATIENT_HISTORY)[-1]
        settings = connection.settings_dict
        with psycopg.connect(
            user=role,
            dbname=settings["NAME"],
            host=settings.get("HOST") or "127.0.0.1",
            port=settings.get("PORT") or 5432,
        ) as conn:
            conn.execute("SET CONSTRAINTS ALL IMMEDIATE")  # fire the deferred chain trigger now
            conn.execute(
                f"INSERT INTO {PATIENT_HISTORY} SELECT * FROM jsonb_populate_record("
                f"NULL::{PATIENT_HISTORY}, (SELECT to_jsonb(h) || jsonb_build_object("
                f"'history_id', {source + 1000}) FROM {PATIENT_HISTORY} h "
                f"WHERE history_id = {source}))"
            )
            linked = conn.execute(
                "SELECT count(*) FROM audit_auditchainlink WHERE table_name = %s AND row_pk = %s",
                [PATIENT_HISTORY, source + 1000],
            ).fetchone()[0]
            assert linked == 1
            conn.rollback()
    finally:
        sql(f'DROP OWNED BY "{role}"')
        sql(f'DROP ROLE "{role}"')


def test_queryset_delete_of_audited_records_is_refused_but_audited_delete_works(
    trial, investigator, monkeypatch
):
    with pytest.raises(AuditBypassError, match="QuerySet.delete"):
        Consent.objects.filter(patient=trial).delete()
    with pytest.raises(AuditBypassError, match="append-only"):
        AuditChainLink.objects.all().delete()
    assert Consent.objects.filter(patient=trial).exists()

    monkeypatch.setattr(Consent, "AUDITED_DELETE", True, raising=False)
    consent = Consent.objects.get(patient=trial)
    audited_delete(consent, user=investigator, reason="Entered on the wrong patient")
    assert not Consent.objects.filter(patient=trial).exists()
    assert verify_chain().ok


# --- A large transaction stays linear -----------------------------------------------------------
def _lookup_plans(statement: str, params) -> list[str]:
    """The plans of the chain's last-link lookup while ``statement`` runs (auto_explain, sent
    to this client as notices)."""
    notices: list[str] = []
    raw = connection.connection

    def keep(diagnostic) -> None:
        notices.append(diagnostic.message_primary or "")

    raw.add_notice_handler(keep)
    try:
        as_superuser(
            "LOAD 'auto_explain'",
            "SET auto_explain.log_min_duration = 0",
            "SET auto_explain.log_nested_statements = on",
            "SET client_min_messages = log",
        )
        sql(statement, params)
    finally:
        as_superuser("SET auto_explain.log_min_duration = -1", "RESET client_min_messages")
        raw.remove_notice_handler(keep)
    return [n for n in notices if "ORDER BY l.seq DESC LIMIT 1" in n]


def test_the_last_link_lookup_follows_the_chain_as_it_grows_within_one_session(
    require_postgres,
):
    """A backfill or a first sweep chains hundreds of thousands of rows at one COMMIT. The
    lookup of a table's last link was planned once per session, while the chain was small, as
    a scan of the whole chain, and kept: that COMMIT grew quadratically (20,000 rows: 49 s;
    60,000: 463 s). Planned for each call, it reads the index however the chain grew."""
    append = "SELECT edc_audit_chain_append(%s, %s, %s::jsonb)"
    table = "edc_plan_probe"
    with transaction.atomic():
        sql(f"ANALYZE {AuditChainLink._meta.db_table}")  # the chain as it is: near empty
        for pk in range(1, 11):  # past the five calls after which a plan may be kept
            sql(append, [table, pk, '{"n": 1}'])
        sql(
            f"INSERT INTO {AuditChainLink._meta.db_table} (table_name, seq, row_pk, row_hash, "
            "prev_hash, link_hash, content, created_at) SELECT %s, g, g, '\\x00', '\\x00', "
            "'\\x00', '{}'::jsonb, now() FROM generate_series(11, 20010) g",
            [table],
        )
        plans = _lookup_plans(append, [table, 20011, '{"n": 1}'])
        assert sql(
            f"SELECT max(seq) FROM {AuditChainLink._meta.db_table} WHERE table_name = %s",
            [table],
        ) == [(20011,)]
        transaction.set_rollback(True)
    assert plans, "auto_explain reported no plan of the lookup"
    assert "Index Scan Backward" in plans[-1] and "Seq Scan" not in plans[-1], plans[-1]
