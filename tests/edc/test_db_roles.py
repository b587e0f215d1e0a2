"""Least privilege in the database (issue 17 §2, edc/operations/dbroles.py).

The tests on PostgreSQL connect with psycopg as a real application role: one created for this
module (roles are cluster-wide and CI runs in parallel, so its name is unique), granted through
``dbroles`` on the test database, which ``postgres`` owns and so plays the owner. The last test
runs the real ``manage.py migrate`` as a non-superuser owner on a fresh database.
"""

import contextlib
import uuid

import psycopg
import pytest
from django.db import connection
from psycopg import errors

from edc.audit.append_only import append_only_tables
from edc.audit.exceptions import AuditBypassError
from edc.audit.services import audited_delete
from edc.operations import dbroles
from patients.models import Consent

from . import pg_throwaway as pg

# The clinical tables the services delete from (assessments/services/tumours.py: lesions and
# measurements).
DELETABLE = {
    "assessments_targetlesion",
    "assessments_nontargetlesion",
    "assessments_lesionmeasurement",
}


def _server() -> dict:
    settings = connection.settings_dict
    return {
        "host": settings.get("HOST") or "127.0.0.1",
        "port": settings.get("PORT") or 5432,
        "connect_timeout": 5,
    }


def _url(role: str, dbname: str) -> str:
    server = _server()
    return f"postgres://{role}@{server['host']}:{server['port']}/{dbname}"


@contextlib.contextmanager
def _connect(user: str, dbname: str | None = None, **kwargs):
    """A psycopg connection to the test database (or ``dbname``); closed, never committed."""
    conn = psycopg.connect(
        user=user, dbname=dbname or connection.settings_dict["NAME"], **_server(), **kwargs
    )
    try:
        yield conn
    finally:
        if not conn.autocommit:
            conn.rollback()
        conn.close()


@pytest.fixture(scope="module")
def app_role(django_db_setup, django_db_blocker):
    """A LOGIN role granted the application's privileges on the test database, then dropped."""
    if connection.vendor != "postgresql":
        yield None
        return
    role = f"edc_app_{uuid.uuid4().hex[:8]}"
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE')
        dbroles.grant_app_role(connection, role)
    yield role
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{role}"')
        cursor.execute(f'DROP ROLE "{role}"')


def _refused(conn, statement: str, message: str) -> None:
    with pytest.raises(errors.InsufficientPrivilege, match=message):
        conn.execute(statement)
    conn.rollback()


# The policy itself (any database).


def test_history_and_audit_tables_are_granted_only_select_and_insert():
    grants = {g.table: g.privileges for g in dbroles.table_grants()}
    append_only = append_only_tables()
    assert "patients_historicalpatient" in append_only and "audit_auditentry" in append_only
    assert all(grants[table] == ("SELECT", "INSERT") for table in append_only)


def test_clinical_tables_are_deletable_only_when_the_model_declares_audited_delete():
    grants = {g.table: g.privileges for g in dbroles.table_grants()}
    assert grants["patients_patient"] == ("SELECT", "INSERT", "UPDATE")
    assert grants["dosing_paclitaxeladministration"] == ("SELECT", "INSERT", "UPDATE")
    deletable = {t for t, privileges in grants.items() if "DELETE" in privileges}
    clinical = {t for t in deletable if t.split("_")[0] in {"patients", "dosing", "assessments"}}
    assert clinical == DELETABLE
    assert grants["django_session"] == ("SELECT", "INSERT", "UPDATE", "DELETE")
    assert grants["django_migrations"] == ("SELECT",)
    assert not any({"TRUNCATE", "REFERENCES", "TRIGGER"} & set(p) for p in grants.values())


def test_audited_delete_refuses_a_record_whose_model_is_never_deleted(screened, investigator):
    consent = screened().consents.get()
    with pytest.raises(AuditBypassError, match="AUDITED_DELETE"):
        audited_delete(consent, user=investigator, reason="Entered on the wrong patient")
    assert Consent.objects.filter(pk=consent.pk).exists()


# The application role on PostgreSQL.


def test_the_app_role_has_exactly_the_declared_privileges_even_when_granted_twice(
    require_postgres, app_role, db
):
    dbroles.grant_app_role(connection, app_role)
    dbroles.grant_app_role(connection, app_role)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, privilege_type FROM information_schema.role_table_grants "
            "WHERE grantee = %s AND table_schema = 'public'",
            [app_role],
        )
        granted: dict[str, set[str]] = {}
        for table, privilege in cursor.fetchall():
            granted.setdefault(table, set()).add(privilege)
    existing = set(connection.introspection.table_names())
    expected = {g.table: set(g.privileges) for g in dbroles.table_grants() if g.table in existing}
    assert granted == expected


def test_the_app_role_is_not_a_superuser_and_owns_no_table(require_postgres, app_role, db):
    with _connect(app_role) as conn:
        assert conn.execute("SHOW is_superuser").fetchone() == ("off",)
        owned = conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relowner = "
            "(SELECT oid FROM pg_roles WHERE rolname = current_user)"
        ).fetchone()
        assert owned == (0,)
    assert dbroles.app_role_problems(connection, app_role) == []


@pytest.mark.django_db(transaction=True)
def test_the_app_role_reads_inserts_and_updates_clinical_records(
    require_postgres, app_role, screened
):
    patient = screened()
    with _connect(app_role) as conn:
        row = conn.execute(
            "SELECT year_of_birth FROM patients_patient WHERE id = %s", [patient.pk]
        ).fetchone()
        assert row == (patient.year_of_birth,)
        updated = conn.execute(
            "UPDATE patients_patient SET year_of_birth = 1961 WHERE id = %s", [patient.pk]
        )
        assert updated.rowcount == 1
        columns = "version, created_at, updated_at, created_by_id, patient_id, consent_date"
        inserted = conn.execute(
            f"INSERT INTO patients_consent ({columns}, form_version) "
            f"SELECT {columns}, '2.0' FROM patients_consent WHERE patient_id = %s",
            [patient.pk],
        )
        assert inserted.rowcount == 1
        conn.rollback()
    patient.refresh_from_db()
    assert patient.year_of_birth != 1961 and patient.consents.count() == 1


@pytest.mark.parametrize("table", ["patients_historicalpatient", "audit_auditentry"])
def test_the_app_role_may_not_update_or_delete_the_audit_trail(require_postgres, app_role, table):
    # WHERE false: no row reaches the append-only trigger, so only the missing privilege refuses.
    with _connect(app_role) as conn:
        _refused(conn, f"UPDATE {table} SET id = id WHERE false", "permission denied for table")
        _refused(conn, f"DELETE FROM {table} WHERE false", "permission denied for table")


def test_the_app_role_may_delete_only_lesions_and_measurements(require_postgres, app_role):
    with _connect(app_role) as conn:
        for table in ("patients_patient", "patients_consent", "dosing_paclitaxeladministration"):
            _refused(conn, f"DELETE FROM {table} WHERE false", "permission denied for table")
        for table in sorted(DELETABLE):
            conn.execute(f"DELETE FROM {table} WHERE false")
        conn.rollback()


BYPASSES = {
    "truncate": ("TRUNCATE patients_patient", "permission denied for table"),
    "truncate-history": ("TRUNCATE patients_historicalpatient", "permission denied for table"),
    "alter-add-column": ("ALTER TABLE patients_patient ADD COLUMN x int", "must be owner"),
    "disable-trigger": (
        "ALTER TABLE patients_historicalpatient DISABLE TRIGGER edc_audit_append_only",
        "must be owner",
    ),
    "drop-trigger": (
        "DROP TRIGGER edc_audit_append_only ON audit_auditentry",
        "must be owner",
    ),
    "drop-table": ("DROP TABLE audit_auditentry", "must be owner"),
    "replication-role": (
        "SET session_replication_role = replica",
        "permission denied to set parameter",
    ),
    "create-table": ("CREATE TABLE public.edc_intruder (id int)", "permission denied for schema"),
}


@pytest.mark.parametrize(("statement", "message"), BYPASSES.values(), ids=BYPASSES.keys())
def test_the_app_role_cannot_truncate_alter_or_switch_off_triggers(
    require_postgres, app_role, statement, message
):
    with _connect(app_role) as conn:
        _refused(conn, statement, message)


# `manage.py migrate` with two roles, end to end.

CORRECT_PATIENT = """
import json
from django.contrib.auth import get_user_model
from patients import services
from patients.models import Patient
inv = get_user_model().objects.get(username="inv_fr01")
patient = Patient.objects.get(pk={pk})
services.patient_update(user=inv, patient=patient, data={{"year_of_birth": 1968}},
                        reason="ID card", expected_version=1)
print(json.dumps({{"history": patient.history.count()}}))
"""


def test_migrate_runs_as_the_owner_and_grants_the_app_role_what_the_app_needs(require_postgres):
    suffix = uuid.uuid4().hex[:8]
    owner, app, dbname = f"edc_own_{suffix}", f"edc_app_{suffix}", f"edc_e2e_{suffix}"
    admin_user = connection.settings_dict["USER"] or "postgres"
    with _connect(admin_user, "postgres", autocommit=True) as admin:
        admin.execute(f'CREATE ROLE "{owner}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE')
        admin.execute(f'CREATE ROLE "{app}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE')
        admin.execute(f'CREATE DATABASE "{dbname}" OWNER "{owner}"')
        try:
            owner_env = pg.app_env(_url(app, dbname), DATABASE_MIGRATION_URL=_url(owner, dbname))
            assert f"Granted {app} its application privileges" in pg.manage(
                "migrate", "--noinput", env=owner_env
            )
            # The web and the workers: DATABASE_URL only.
            app_env = pg.app_env(_url(app, dbname))
            assert "investigator:" in pg.manage("sync_roles", env=app_env)
            pg.shell_json(pg.SETUP_USERS, env=app_env)
            patient = pg.shell_json(pg.screen_patient_code("S-001"), env=app_env)["patient"]
            corrected = pg.shell_json(CORRECT_PATIENT.format(pk=patient), env=app_env)
            assert corrected == {"history": 2}
            assert "Granted" in pg.manage("grant_app_role", env=owner_env)

            with _connect(admin_user, dbname) as db:
                owners = db.execute(
                    "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"
                ).fetchall()
                assert owners == [(owner,)]
                triggers = db.execute(
                    "SELECT count(*) FROM pg_trigger WHERE tgname = 'edc_audit_append_only'"
                ).fetchone()
                assert triggers == (len(append_only_tables()),)
            with _connect(app, dbname) as conn:
                _refused(conn, "DELETE FROM patients_historicalpatient", "permission denied")
                _refused(conn, "TRUNCATE patients_patient", "permission denied")
                _refused(conn, "ALTER TABLE patients_patient ADD COLUMN x int", "must be owner")
                count = conn.execute("SELECT count(*) FROM patients_historicalpatient")
                assert count.fetchone() == (2,)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            admin.execute(f'DROP ROLE IF EXISTS "{app}"')
            admin.execute(f'DROP ROLE IF EXISTS "{owner}"')


def test_the_grant_statements_name_only_plain_roles():
    with pytest.raises(ValueError, match="plain role name"):
        dbroles.grant_statements('app"; DROP TABLE x; --')
    assert dbroles.grant_statements("edc_app")[:3] == [
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        'REVOKE ALL ON SCHEMA public FROM "edc_app"',
        'GRANT USAGE ON SCHEMA public TO "edc_app"',
    ]
