"""21 CFR Part 11 §11.10(e): the audit trail is append-only, enforced by the database.

On PostgreSQL every django-simple-history table, and every table of a model that declares
``APPEND_ONLY = True`` (the ``AuditEntry`` review index, query threads, signing attempts), gets
a trigger that refuses UPDATE and DELETE, so not even a bug or a raw SQL session through the
application role can rewrite history.
(TRUNCATE needs the table owner and is reserved for test teardown and disaster recovery.)
Installed after every migrate, idempotently.

Each of these tables (but the chain's own) also gets the tamper-evident hash chain
(``edc.audit.chain``): a deferred constraint trigger ``edc_audit_chain`` that, when the
inserting transaction commits, appends one ``AuditChainLink`` per new row. When the trigger is
first installed on a table that has no link yet, its existing rows are chained once, in pk
order (never again: rows a disabled trigger let through must stay visible to the verifier).
"""

from django.apps import apps
from django.db import connections, transaction

FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION edc_audit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

TRIGGER_SQL = """
CREATE OR REPLACE TRIGGER edc_audit_append_only
BEFORE UPDATE OR DELETE ON {table}
FOR EACH ROW EXECUTE FUNCTION edc_audit_refuse_change();
"""


def history_tables() -> list[str]:
    return sorted(
        model._meta.db_table
        for model in apps.get_models()
        if getattr(model, "instance_type", None) is not None and hasattr(model, "history_id")
    )


def append_only_tables() -> list[str]:
    """History tables plus the tables of models declaring ``APPEND_ONLY = True``."""
    declared = [
        model._meta.db_table
        for model in apps.get_models()
        if getattr(model, "APPEND_ONLY", False) is True
    ]
    return sorted(set(history_tables()) | set(declared))


def chained_tables() -> dict[str, str]:
    """``{table: pk column}`` of every append-only table but the chain's own."""
    from .models import AuditChainLink

    by_table = {m._meta.db_table: m for m in apps.get_models()}
    return {
        table: by_table[table]._meta.pk.column
        for table in append_only_tables()
        if table != AuditChainLink._meta.db_table and table in by_table
    }


def install_append_only_triggers(using: str = "default", **kwargs) -> int:
    connection = connections[using]
    if connection.vendor != "postgresql":
        return 0
    existing = set(connection.introspection.table_names())
    tables = [t for t in append_only_tables() if t in existing]
    with connection.cursor() as cursor:
        cursor.execute(FUNCTION_SQL)
        for table in tables:
            cursor.execute(TRIGGER_SQL.format(table=connection.ops.quote_name(table)))
    install_chain_triggers(connection, existing)
    return len(tables)


def install_chain_triggers(connection, existing: set[str]) -> list[str]:
    """Create the chain functions and the missing chain triggers; returns the tables backfilled.

    The functions are always (re)created; a table's trigger only when missing (a constraint
    trigger has no CREATE OR REPLACE). A table getting its trigger with no link yet has its
    existing rows chained in pk order, under a lock that holds concurrent inserts back.
    """
    from .chain import CHAIN_TRIGGER, chain_functions_sql
    from .models import AuditChainLink

    chain_table = AuditChainLink._meta.db_table
    if chain_table not in existing:
        return []
    quote = connection.ops.quote_name
    backfilled = []
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0]
        for statement in chain_functions_sql(schema):
            cursor.execute(statement)
        for table, pk in chained_tables().items():
            if table not in existing:
                continue
            cursor.execute(
                "SELECT 1 FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname = %s",
                [quote(table), CHAIN_TRIGGER],
            )
            if cursor.fetchone():
                continue
            cursor.execute(f"LOCK TABLE {quote(table)} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute(
                f"CREATE CONSTRAINT TRIGGER {CHAIN_TRIGGER} AFTER INSERT ON {quote(table)} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                f"EXECUTE FUNCTION edc_audit_chain_row('{pk}')"
            )
            cursor.execute(
                f"SELECT EXISTS (SELECT 1 FROM {quote(chain_table)} WHERE table_name = %s)",
                [table],
            )
            if not cursor.fetchone()[0]:
                cursor.execute("SELECT edc_audit_chain_backfill(%s, %s)", [table, pk])
                if cursor.fetchone()[0]:
                    backfilled.append(table)
        if backfilled:
            cursor.execute(f"ANALYZE {quote(chain_table)}")
    return backfilled
