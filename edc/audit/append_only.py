"""21 CFR Part 11 §11.10(e): the audit trail is append-only, enforced by the database.

On PostgreSQL every django-simple-history table, and every table of a model that declares
``APPEND_ONLY = True`` (the ``AuditEntry`` review index, query threads, signing attempts), gets
a trigger that refuses UPDATE and DELETE, so not even a bug or a raw SQL session through the
application role can rewrite history.
(TRUNCATE needs the table owner and is reserved for test teardown and disaster recovery.)
Installed after every migrate, idempotently.
"""

from django.apps import apps
from django.db import connections

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
    return len(tables)
