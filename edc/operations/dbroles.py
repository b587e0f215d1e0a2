"""Least privilege in the database: what the application role may do, table by table.

Two PostgreSQL roles share the database. The owner (``DATABASE_MIGRATION_URL``) runs the
migrations and owns every table; the application role (``DATABASE_URL``), which the web and
the workers connect as, owns nothing and gets only the privileges below. The policy is computed
from the installed models, so a new model is covered by the next ``migrate`` without anyone
remembering it:

* append-only tables (history, audit entries, query messages, signing attempts:
  ``edc.audit.append_only``) → SELECT, INSERT. The trigger already refuses UPDATE and DELETE;
  without the privilege a rewrite of the trail is refused before it reaches the trigger
  (21 CFR 11.10(e)).
* tables of audited models (``AuditedModel``) → SELECT, INSERT, UPDATE, plus DELETE only for a
  model declaring ``AUDITED_DELETE = True`` — the same declaration ``audited_delete`` requires.
* other tables whose rows keep a history (sites, staff profiles, deviations) → SELECT, INSERT,
  UPDATE: their rows change with a trace, they are never removed.
* every other table (sessions, users and groups, tokens, many-to-many, outbox, export chunks…)
  → SELECT, INSERT, UPDATE, DELETE.
* ``django_migrations`` → SELECT: the application reads the migration state, only the owner
  records it.
* sequences → USAGE, SELECT; schema ``public`` → USAGE only, and PUBLIC loses CREATE on it.

Never granted: TRUNCATE, REFERENCES, TRIGGER. ALTER TABLE (and DISABLE TRIGGER) needs the
owner, and ``SET session_replication_role`` (which would silence every trigger) a superuser.
"""

import re
from dataclasses import dataclass

from django.apps import apps
from django.db import transaction
from django.db.migrations.recorder import MigrationRecorder

from edc.audit.append_only import append_only_tables
from edc.audit.models import AuditedModel

SCHEMA = "public"
APPEND_ONLY = ("SELECT", "INSERT")
AUDITED = ("SELECT", "INSERT", "UPDATE")
AUDITED_DELETABLE = ("SELECT", "INSERT", "UPDATE", "DELETE")
READ_WRITE = ("SELECT", "INSERT", "UPDATE", "DELETE")
READ_ONLY = ("SELECT",)
SEQUENCES = ("USAGE", "SELECT")

# A role name is put into GRANT statements, which take no parameters: plain identifiers only.
ROLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


@dataclass(frozen=True)
class TableGrant:
    table: str
    privileges: tuple[str, ...]


def _tracked_models() -> set[type]:
    """Models registered with django-simple-history: their rows change with a trace."""
    return {
        model.instance_type
        for model in apps.get_models()
        if getattr(model, "instance_type", None) is not None and hasattr(model, "history_id")
    }


def _privileges_of(model, append_only: set[str], tracked: set[type]) -> tuple[str, ...]:
    if model._meta.db_table in append_only:
        return APPEND_ONLY
    if issubclass(model, AuditedModel):
        return AUDITED_DELETABLE if getattr(model, "AUDITED_DELETE", False) is True else AUDITED
    if model in tracked:
        return AUDITED
    return READ_WRITE


def table_grants() -> list[TableGrant]:
    """The application role's privileges on every table of the installed models, by table."""
    append_only, tracked = set(append_only_tables()), _tracked_models()
    grants = {MigrationRecorder.Migration._meta.db_table: READ_ONLY}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy:
            continue
        grants[model._meta.db_table] = _privileges_of(model, append_only, tracked)
    return [TableGrant(table, privileges) for table, privileges in sorted(grants.items())]


def grant_statements(role: str, *, existing_tables: set[str] | None = None) -> list[str]:
    """REVOKE ALL then GRANT for ``role``, so running them again changes nothing.

    ``existing_tables`` limits the grants to tables that exist (a model whose migration has not
    run yet has no table); None grants on every table of the policy.
    """
    if not ROLE_NAME.match(role):
        raise ValueError(f"Not a plain role name: {role!r}")
    who = f'"{role}"'
    statements = [
        f"REVOKE CREATE ON SCHEMA {SCHEMA} FROM PUBLIC",
        f"REVOKE ALL ON SCHEMA {SCHEMA} FROM {who}",
        f"GRANT USAGE ON SCHEMA {SCHEMA} TO {who}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {SCHEMA} FROM {who}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {SCHEMA} FROM {who}",
    ]
    for grant in table_grants():
        if existing_tables is None or grant.table in existing_tables:
            statements.append(
                f'GRANT {", ".join(grant.privileges)} ON TABLE {SCHEMA}."{grant.table}" TO {who}'
            )
    statements.append(f"GRANT {', '.join(SEQUENCES)} ON ALL SEQUENCES IN SCHEMA {SCHEMA} TO {who}")
    return statements


def grant_app_role(connection, role: str) -> int:
    """Give ``role`` exactly the policy's privileges on ``connection``'s database.

    Run by the owner (or a superuser), in one transaction; idempotent. Returns the number of
    tables granted; does nothing (0) on a database other than PostgreSQL.
    """
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = %s", [SCHEMA])
        existing = {row[0] for row in cursor.fetchall()}
    statements = grant_statements(role, existing_tables=existing)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    return sum(1 for s in statements if s.startswith("GRANT") and " ON TABLE " in s)


def app_role_problems(connection, role: str) -> list[str]:
    """What makes ``role`` more than an application role (empty when it is least-privileged)."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolcreatedb, rolcreaterole, rolbypassrls "
            "FROM pg_catalog.pg_roles WHERE rolname = %s",
            [role],
        )
        row = cursor.fetchone()
        if row is None:
            return [f"role {role} does not exist"]
        cursor.execute(
            "SELECT count(*) FROM pg_catalog.pg_class c "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND pg_catalog.pg_get_userbyid(c.relowner) = %s",
            [SCHEMA, role],
        )
        owned = cursor.fetchone()[0]
    flags = ("SUPERUSER", "CREATEDB", "CREATEROLE", "BYPASSRLS")
    problems = [f"role {role} has {flag}" for flag, on in zip(flags, row, strict=True) if on]
    if owned:
        problems.append(f"role {role} owns {owned} relation(s) in schema {SCHEMA}")
    return problems
