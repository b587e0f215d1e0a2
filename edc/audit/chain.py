"""Tamper-evident audit trail (21 CFR Part 11 §11.10(e)): a SHA-256 hash chain per table.

The append-only trigger (``edc.audit.append_only``) stops the application role from rewriting
the trail; this chain makes a rewrite by anyone else — a superuser who disables the trigger,
deletes or truncates — *visible*.

* **Links** (``AuditChainLink``, written only by PostgreSQL): a deferred constraint trigger
  ``edc_audit_chain`` on every append-only table appends, at the commit of the inserting
  transaction, one link per new row::

      content   = the row as JSON (to_jsonb), top-level nulls removed   (canonical content)
      row_hash  = sha256(content::text)                                  (jsonb text: sorted keys)
      prev_hash = link_hash of the table's previous link, or sha256('edc-audit-chain:' || table)
      link_hash = sha256(prev_hash || row_hash)

  One chain per table, numbered ``seq`` 1, 2, 3…. Links are appended under one transaction-level
  advisory lock taken in the commit phase only (deferred trigger), so commits of audited
  writes serialise for the few milliseconds of their link inserts and a chain never forks;
  one lock for every table means two transactions can never wait for each other's chain lock.
  The trigger pins TimeZone, extra_float_digits, bytea_output and IntervalStyle so the JSON
  text of a row does not depend on the session; the verifier pins the same.
* **Schema rule**: the hash is over the row's non-null columns. A migration may add a *nullable*
  column without default to an append-only table (old rows hash the same); adding a column with
  a non-null default, renaming, retyping or dropping a column changes the content of old rows and
  must be a documented re-sealing step (verify, then re-chain in the same migration).
* **Verifier** (:func:`verify_chain`; ``manage.py verify_audit``; nightly task
  ``edc.audit.verify_chain``): one set-based query per table (window functions + FULL JOIN of
  links and rows) reports links whose hashes do not recompute (a link rewritten), broken
  continuity (prev_hash or seq gap: a link deleted or re-chained), rows changed since they were
  chained (with the fields that differ, from the link's stored content), rows deleted (a link
  without row; every row gone = truncated) and rows inserted without a link (chain trigger
  disabled or dropped).
* **Head**: :func:`chain_head` gives each table's last link and one digest over them; the
  export manifest and the ODM carry it, so even a rewrite of a whole chain by a superuser is
  visible against a copy held outside the database.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, connections, transaction

CHAIN_TRIGGER = "edc_audit_chain"
GENESIS_PREFIX = "edc-audit-chain:"
# pg_advisory_xact_lock key of the chain ("edcchain" as a big-endian int8).
LOCK_KEY = int.from_bytes(b"edcchain", "big")
# Session settings the JSON text of a row depends on; pinned by the trigger and the verifier.
CANONICAL_SETTINGS = {
    "TimeZone": "UTC",
    "extra_float_digits": "1",
    "bytea_output": "hex",
    "IntervalStyle": "postgres",
}
EXAMPLES = 20  # problems listed per table and kind (the counts are always complete)

ROW_HASH = "sha256(convert_to({}::text, 'UTF8'))"
GENESIS = f"sha256(convert_to('{GENESIS_PREFIX}' || {{}}, 'UTF8'))"


def chain_functions_sql(schema: str) -> list[str]:
    """The chain's SQL functions (CREATE OR REPLACE), for ``install_chain_triggers``."""
    pinned = " ".join(f"SET {k} = '{v}'" for k, v in CANONICAL_SETTINGS.items())
    path = f'SET search_path = "{schema}", pg_catalog'
    return [
        # The canonical content: the row's JSON without its top-level nulls.
        """
CREATE OR REPLACE FUNCTION edc_audit_canonical(j jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT j - ARRAY(SELECT e.key FROM jsonb_each(j) e WHERE jsonb_typeof(e.value) = 'null')
$$
""",
        f"""
CREATE OR REPLACE FUNCTION edc_audit_chain_append(tbl text, pk bigint, j jsonb) RETURNS void
LANGUAGE plpgsql {path} SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    content jsonb := edc_audit_canonical(j);
    row_hash bytea := {ROW_HASH.format("content")};
    last_seq bigint;
    last_hash bytea;
BEGIN
    PERFORM pg_advisory_xact_lock({LOCK_KEY});
    -- Planned at each call (force_custom_plan above): a plan kept from a session's first
    -- calls, made while the chain was small, scans the whole chain, and a COMMIT chaining
    -- many rows then grows quadratically (60,000 rows: 463 s instead of 6 s).
    SELECT l.seq, l.link_hash INTO last_seq, last_hash
    -- TG_TABLE_NAME is a name (collation "C"): compare in the index's collation, or the
    -- index (table_name, seq) is not used and every link costs a scan of the chain.
    FROM audit_auditchainlink l WHERE l.table_name = (tbl COLLATE "default")
    ORDER BY l.seq DESC LIMIT 1;
    IF last_seq IS NULL THEN
        last_seq := 0;
        last_hash := {GENESIS.format("tbl")};
    END IF;
    INSERT INTO audit_auditchainlink
        (table_name, seq, row_pk, row_hash, prev_hash, link_hash, content, created_at)
    VALUES (tbl, last_seq + 1, pk, row_hash, last_hash, sha256(last_hash || row_hash), content,
            clock_timestamp());
END;
$$
""",
        f"""
CREATE OR REPLACE FUNCTION edc_audit_chain_row() RETURNS trigger
LANGUAGE plpgsql {pinned} {path} AS $$
DECLARE
    j jsonb := to_jsonb(NEW);
BEGIN
    PERFORM edc_audit_chain_append(TG_TABLE_NAME, (j ->> TG_ARGV[0])::bigint, j);
    RETURN NULL;
END;
$$
""",
        f"""
CREATE OR REPLACE FUNCTION edc_audit_chain_backfill(tbl text, pk text) RETURNS bigint
LANGUAGE plpgsql {pinned} {path} AS $$
DECLARE
    r record;
    n bigint := 0;
    content jsonb;
    row_hash bytea;
    prev bytea := {GENESIS.format("tbl")};
BEGIN
    -- Precondition: the table has no link yet. The previous hash is carried along (linear).
    PERFORM pg_advisory_xact_lock({LOCK_KEY});
    FOR r IN EXECUTE format('SELECT (t.%I)::bigint AS pk, to_jsonb(t) AS j FROM %I t ORDER BY 1',
                            pk, tbl) LOOP
        n := n + 1;
        content := edc_audit_canonical(r.j);
        row_hash := {ROW_HASH.format("content")};
        INSERT INTO audit_auditchainlink
            (table_name, seq, row_pk, row_hash, prev_hash, link_hash, content, created_at)
        VALUES (tbl, n, r.pk, row_hash, prev, sha256(prev || row_hash), content, clock_timestamp());
        prev := sha256(prev || row_hash);
    END LOOP;
    RETURN n;
END;
$$
""",
    ]


# --- Verification -------------------------------------------------------------------------------
KINDS = {
    "link_rewritten": "link rewritten (its hashes do not recompute)",
    "chain_broken": "chain broken: does not follow the previous link (one of the two was "
    "rewritten, or links in between deleted)",
    "changed": "row changed since it was chained",
    "deleted": "row deleted",
    "unlinked": "row inserted without a chain link",
}

VERIFY_SQL = """
WITH l AS (
    SELECT seq, row_pk, row_hash, prev_hash, link_hash, content,
           lag(seq) OVER w AS before_seq, lag(link_hash) OVER w AS before_hash
    FROM audit_auditchainlink WHERE table_name = %(table)s
    WINDOW w AS (ORDER BY seq)
), r AS (
    SELECT (t.{pk})::bigint AS row_pk, edc_audit_canonical(to_jsonb(t)) AS content FROM {table} t
), checked AS (
    SELECT l.seq, coalesce(l.row_pk, r.row_pk) AS row_pk, l.content AS linked,
           r.content AS current,
           CASE
             WHEN l.seq IS NULL THEN 'unlinked'
             WHEN l.row_hash <> {link_row_hash}
               OR l.link_hash <> sha256(l.prev_hash || l.row_hash) THEN 'link_rewritten'
             WHEN l.prev_hash <> coalesce(l.before_hash, {genesis})
               OR coalesce(l.before_seq, 0) <> l.seq - 1 THEN 'chain_broken'
             WHEN r.row_pk IS NULL THEN 'deleted'
             WHEN {current_hash} <> l.row_hash THEN 'changed'
           END AS problem
    FROM l FULL JOIN r ON r.row_pk = l.row_pk
), ranked AS (
    SELECT problem, seq, row_pk, linked, current,
           count(*) OVER (PARTITION BY problem) AS n,
           row_number() OVER (PARTITION BY problem ORDER BY seq NULLS LAST, row_pk) AS k
    FROM checked WHERE problem IS NOT NULL
)
SELECT problem, seq, row_pk, linked, current, n FROM ranked WHERE k <= %(examples)s
ORDER BY seq NULLS LAST, row_pk
"""

COUNTS_SQL = """
SELECT (SELECT count(*) FROM {table}),
       (SELECT count(*) FROM audit_auditchainlink WHERE table_name = %(table)s)
"""


@dataclass
class Problem:
    kind: str
    seq: int | None
    row_pk: int
    fields: dict[str, tuple] = field(default_factory=dict)  # field -> (chained, now)

    def text(self, table: str) -> str:
        where = f"{table} row {self.row_pk}" + (f" (link #{self.seq})" if self.seq else "")
        line = f"{where}: {KINDS[self.kind]}"
        if self.fields:
            line += "; " + ", ".join(
                f"{name}: {old!r} -> {new!r}" for name, (old, new) in sorted(self.fields.items())
            )
        return line


@dataclass
class TableResult:
    table: str
    rows: int = 0
    links: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.counts

    @property
    def truncated(self) -> bool:
        return self.rows == 0 and self.counts.get("deleted", 0) > 0

    @property
    def first_broken(self) -> Problem | None:
        linked = [p for p in self.problems if p.seq is not None]
        if linked:
            return min(linked, key=lambda p: p.seq)
        return self.problems[0] if self.problems else None

    def lines(self) -> list[str]:
        if self.ok:
            return [f"OK   {self.table}: {self.links} links, {self.rows} rows"]
        out = [
            f"FAIL {self.table}: {self.links} links, {self.rows} rows; "
            + ", ".join(f"{n} {KINDS[k]}" for k, n in sorted(self.counts.items()))
        ]
        if self.truncated:
            out.append(f"     {self.table}: table truncated (every chained row is gone)")
        first = self.first_broken
        if first is not None:
            out.append(f"     first broken link: {first.text(self.table)}")
        out += [f"     {p.text(self.table)}" for p in self.problems if p is not first]
        return out


@dataclass
class VerifyReport:
    tables: list[TableResult]
    head: ChainHead
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tables)

    @property
    def broken(self) -> list[TableResult]:
        return [t for t in self.tables if not t.ok]

    def text(self, *, verbose: bool = False) -> str:
        out = []
        for t in self.tables:
            if verbose or not t.ok:
                out += t.lines()
        rows = sum(t.rows for t in self.tables)
        out.append(
            f"{len(self.tables)} audit tables, {rows} rows verified in {self.seconds:.2f}s; "
            f"chain head {self.head.digest}"
        )
        if self.ok:
            out.append("AUDIT CHAIN OK")
        else:
            out.append("AUDIT CHAIN BROKEN: " + ", ".join(t.table for t in self.broken))
        return "\n".join(out)


def _differences(linked: dict | None, current: dict | None) -> dict[str, tuple]:
    linked, current = linked or {}, current or {}
    return {
        k: (linked.get(k), current.get(k))
        for k in sorted(set(linked) | set(current))
        if linked.get(k) != current.get(k)
    }


def _loads(value):
    return json.loads(value) if isinstance(value, str) else value


class _Pinned:
    """Pin the canonical session settings for the current transaction, then put them back."""

    def __init__(self, cursor):
        self.cursor = cursor
        self.saved: dict[str, str] = {}

    def __enter__(self):
        for name, value in CANONICAL_SETTINGS.items():
            self.cursor.execute(
                "SELECT current_setting(%s), set_config(%s, %s, true)", [name, name, value]
            )
            self.saved[name] = self.cursor.fetchone()[0]
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            for name, value in self.saved.items():
                self.cursor.execute("SELECT set_config(%s, %s, true)", [name, value])


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def verify_table(cursor, table: str, pk: str) -> TableResult:
    """One table's chain against its rows (``cursor``: Django's or psycopg's)."""
    result = TableResult(table)
    cursor.execute(COUNTS_SQL.format(table=_quote(table)), {"table": table})
    result.rows, result.links = cursor.fetchone()
    query = VERIFY_SQL.format(
        table=_quote(table),
        pk=_quote(pk),
        link_row_hash=ROW_HASH.format("l.content"),
        current_hash=ROW_HASH.format("r.content"),
        genesis=GENESIS.format("%(table)s"),
    )
    cursor.execute(query, {"table": table, "examples": EXAMPLES})
    for kind, seq, row_pk, linked, current, n in cursor.fetchall():
        result.counts[kind] = n
        fields = _differences(_loads(linked), _loads(current)) if kind == "changed" else {}
        result.problems.append(Problem(kind, seq, row_pk, fields))
    return result


def verify_cursor(cursor, existing: set[str], tables: list[str] | None = None) -> VerifyReport:
    """Verify the chains of the ``existing`` tables through ``cursor``, inside its transaction.

    Used as is by the restore drill on a psycopg connection to the restored database.
    """
    from .append_only import chained_tables

    started = time.monotonic()
    wanted = {t: pk for t, pk in chained_tables().items() if t in existing}
    if tables:
        wanted = {t: pk for t, pk in wanted.items() if t in tables}
    with _Pinned(cursor):
        results = [verify_table(cursor, t, pk) for t, pk in sorted(wanted.items())]
    head = head_of(cursor)
    return VerifyReport(results, head, time.monotonic() - started)


def verify_chain(*, using: str = DEFAULT_DB_ALIAS, tables: list[str] | None = None) -> VerifyReport:
    """Recompute every chain and compare it with the rows (see the module doc)."""
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    with transaction.atomic(using=using), connection.cursor() as cursor:
        return verify_cursor(cursor, existing, tables)


# --- The head -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChainHead:
    tables: dict[str, tuple[int, str]]  # table -> (seq, link_hash hex) of its last link
    digest: str  # sha256 hex over "table seq hash" lines, sorted by table

    def as_dict(self) -> dict:
        return {
            "algorithm": "sha256",
            "digest": self.digest,
            "tables": {t: {"seq": s, "hash": h} for t, (s, h) in sorted(self.tables.items())},
        }


HEAD_SQL = """
SELECT t.name, h.seq, encode(h.link_hash, 'hex')
FROM unnest(%s::text[]) AS t(name)
CROSS JOIN LATERAL (
    SELECT seq, link_hash FROM audit_auditchainlink
    WHERE table_name = t.name ORDER BY seq DESC LIMIT 1
) h
"""


def head_of(cursor) -> ChainHead:
    from .append_only import chained_tables

    cursor.execute(HEAD_SQL, [sorted(chained_tables())])
    heads = {name: (seq, digest) for name, seq, digest in cursor.fetchall()}
    text = "".join(f"{t} {s} {h}\n" for t, (s, h) in sorted(heads.items()))
    return ChainHead(heads, hashlib.sha256(text.encode()).hexdigest())


def chain_head(*, using: str = DEFAULT_DB_ALIAS) -> ChainHead:
    """The last link of each table's chain and one SHA-256 digest over them all.

    Cheap (one index probe per table). On a database other than PostgreSQL: no tables and the
    digest of nothing.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return ChainHead({}, hashlib.sha256(b"").hexdigest())
    with connection.cursor() as cursor:
        return head_of(cursor)
