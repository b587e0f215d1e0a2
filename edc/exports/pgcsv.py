"""CSV datasets rendered by PostgreSQL: byte for byte what ``writers.csv_bytes`` writes.

A stream domain's dataset is one query (``spec.Stream.queryset``): each variable's Django
expression under its name, compiled by Django (``query.get_compiler(using).as_sql()``).
On PostgreSQL that compiled SELECT is wrapped and streamed by the database itself::

    COPY (SELECT <each column as its CSV cell> FROM (<the compiled SELECT>) …) TO STDOUT

The wrapper only formats, by the column's type and the variable's type, exactly as
``writers.Formats.csv`` does — text neutralised against formula injection
(``writers.neutralise``), decimals without trailing zeros (``trim_scale``), dates as COPY
writes them in DateStyle ISO (else ``to_char``), times ISO 8601 in the trial's time zone
(computed once per distinct value, ``Columns.memo``), constants formatted by Python and sent
as literals — and adds --SEQ (``row_number()`` over the subject's rows in the stream's order)
and an unpivot's items (``spec.Unpivot``: the rows joined to the items' ``VALUES``). COPY
quotes a cell holding a comma, a quote or a line break exactly as the csv module does
(QUOTE_MINIMAL); Python only turns its LF line ends into the CRLF of ``csv_bytes``. Every
other output (SQLite, JSON) reads the same query's rows (``spec.Stream.records``).

Tests hold the two to each other byte for byte (tests/exports/test_golden.py, test_pgcsv.py).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections, models

from edc.operations.routers import read_alias

from .constants import FORMULA_ESCAPE, FORMULA_TRIGGERS, STREAM_BUFFER_BYTES
from .context import PATIENT_KEY, ExportContext, logged_query
from .spec import DATE, DATETIME, TEXT, Domain, Unpivot, Variable, item_column, order_column
from .writers import CsvLines, Formats, RowCount

SEQ = "_seq"
ITEM = "_item"  # an unpivoted row's item number
MEMO = "_m"  # the alias of a memoised cell's LATERAL subquery (``Columns.memo``)
# Subjects per COPY: each sorts and numbers a bounded number of rows.
SUBJECTS_PER_QUERY = 2000

_TEXT_TYPES = {"CharField", "TextField", "SlugField", "EmailField"}
_INTEGER_TYPES = {
    "IntegerField",
    "SmallIntegerField",
    "BigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "PositiveBigIntegerField",
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "ForeignKey",
}
# First characters (code points) of a cell that ``writers.neutralise`` prefixes.
_TRIGGERS = "(" + ", ".join(str(ord(t)) for t in FORMULA_TRIGGERS) + ")"
_ESCAPE = ord(FORMULA_ESCAPE)
# First characters that are certainly left alone: above every trigger (letters, non-ASCII),
# or in the gap between two triggers that holds the digits. One or two comparisons settle
# almost every cell (bench/RESULTS.md, "Exports").
_SPECIAL = sorted({0, _ESCAPE, *(ord(t) for t in FORMULA_TRIGGERS)})  # 0: the empty string
_DIGITS_FROM = max(code for code in _SPECIAL if code < ord("0")) + 1
_DIGITS_TO = min((code for code in _SPECIAL if code > ord("9")), default=128) - 1


class Unsupported(Exception):
    """A variable this module cannot render; the export takes the Python path."""


def literal(text: str) -> str:
    """A SQL string literal (standard_conforming_strings, PostgreSQL's default)."""
    if "\x00" in text:
        raise Unsupported("NUL character")
    return "'" + text.replace("'", "''") + "'"


def text_literal(text: str) -> str:
    """A cell's text as SQL: the empty cell is NULL (COPY quotes an empty string)."""
    return literal(text) if text else "NULL"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Columns:
    """The SQL of the query's columns as CSV cells: each is the cell's text, or NULL for an
    empty cell (never ``''``, which COPY would quote)."""

    def __init__(
        self, fields: dict[str, models.Field], formats: Formats, unpivot: Unpivot | None = None
    ):
        self.fields = fields
        self.formats = formats
        self.unpivot = unpivot
        self.tz = literal(settings.TIME_ZONE)
        db = connections[read_alias()]
        db.ensure_connection()
        self.iso_dates = db.connection.info.parameter_status("DateStyle").startswith("ISO")
        # Expressions computed in a memoised LATERAL subquery (``memo``) → its alias.
        self.memos: dict[str, str] = {}
        # Text columns whose every value is its own cell (the items' constants, when none is
        # empty or touched by ``writers.neutralise``): read as they are.
        self.verbatim: set[str] = set()
        if unpivot is not None:
            table, default = formats.csv()
            text = table.get(TEXT, default)
            for name in unpivot.constants:
                values = [constants[name] for constants, _column in unpivot.items]
                if all(v is None or (isinstance(v, str) and v and text(v) == v) for v in values):
                    self.verbatim.add(name)

    def ref(self, name: str) -> str:
        """The raw value of column ``name``."""
        if name not in self.fields:
            raise Unsupported(f"no column {name!r}")
        return f"r.{ident(name)}"

    def _kind(self, name: str) -> str:
        field = self.fields[name]
        internal = field.get_internal_type()
        if internal in _TEXT_TYPES:
            return "text"
        if internal in _INTEGER_TYPES:
            return "integer"
        if internal == "DecimalField":
            return "decimal"
        if internal == "DateField":
            return "date"
        if internal == "DateTimeField":
            return "datetime"
        if internal == "BooleanField":
            return "boolean"
        raise Unsupported(f"{name}: {internal}")

    @staticmethod
    def text_cell(value: str) -> str:
        """A SQL text value as its cell: neutralised (``writers.neutralise``); NULL or empty
        is the empty cell."""
        v = value
        return (
            f"CASE WHEN ascii({v}) > {_SPECIAL[-1]} "
            f"OR ascii({v}) BETWEEN {_DIGITS_FROM} AND {_DIGITS_TO} THEN {v} "
            f"WHEN ascii({v}) IN {_TRIGGERS} OR (ascii({v}) = {_ESCAPE} "
            f"AND ascii(substr({v}, 2)) IN {_TRIGGERS}) "
            f"THEN {literal(FORMULA_ESCAPE)} || {v} WHEN {v} = '' THEN NULL ELSE {v} END"
        )

    def cell(self, name: str, type_: str) -> str:
        """Column ``name`` as a cell of a variable of ``type_`` (``Formats.csv`` rules)."""
        if self.unpivot is not None and name == self.unpivot.value:
            # The item's own column, as that column's cell.
            whens = " ".join(
                f"WHEN {index} THEN ({self.cell(item_column(index), type_)})::text"
                for index in range(len(self.unpivot.items))
            )
            return f"CASE r.{ident(ITEM)} {whens} END"
        ref, kind = self.ref(name), self._kind(name)
        if kind == "text":
            if type_ in (DATE, DATETIME):
                # A date or time already written as text (EX's start of an infusion): as it
                # is, as ``Formats.csv_datetime`` writes a string.
                return f"NULLIF({ref}, '')"
            if type_ != TEXT:
                raise Unsupported(f"{name}: text in a {type_} variable")
            return ref if name in self.verbatim else self.text_cell(ref)
        if kind == "integer":
            return ref  # COPY writes an integer as str() does
        if kind == "decimal":
            if type_ in (DATE, DATETIME):
                raise Unsupported(f"{name}: number in a {type_} variable")
            return f"trim_scale({ref})"
        if kind == "date":
            if type_ not in (TEXT, DATE, DATETIME):
                raise Unsupported(f"{name}: date in a {type_} variable")
            return self._day(ref)
        if kind == "datetime":
            if type_ not in (TEXT, DATE, DATETIME):
                raise Unsupported(f"{name}: date and time in a {type_} variable")
            local = f"({ref} AT TIME ZONE {self.tz})"
            if type_ == DATE:
                return self.memo(self._day(f"{local}::date"))
            return self.memo(f"""to_char({local}, 'YYYY-MM-DD"T"HH24:MI')""")
        raise Unsupported(f"{name}: {kind} in a {type_} variable")

    def memo(self, expression: str) -> str:
        """``expression`` (of the row's columns) computed once per distinct value of those
        columns: a LATERAL subquery, which PostgreSQL's Memoize node caches by the columns it
        reads. For a time in the trial's zone (a time zone lookup and a format, ~0.3 µs) that
        many rows share, as a panel's collection time, a cache hit costs a third of that."""
        if expression not in self.memos:
            self.memos[expression] = f"{MEMO}{len(self.memos)}"
        return f"{self.memos[expression]}.v"

    def memo_joins(self) -> str:
        """The LATERAL subqueries of the memoised cells, to follow the rows ``r`` in FROM."""
        return "".join(
            f" LEFT JOIN LATERAL (SELECT {expression} AS v OFFSET 0) AS {alias} ON true"
            for expression, alias in self.memos.items()
        )

    def _day(self, day: str) -> str:
        """A SQL date as its ISO 8601 cell. In DateStyle ISO (PostgreSQL's default) COPY
        writes it so itself, three times faster than ``to_char``."""
        return day if self.iso_dates else f"to_char({day}, 'YYYY-MM-DD')"

    def constant(self, value, type_: str) -> str:
        """A value's cell, formatted by Python, as a SQL literal."""
        table, default = self.formats.csv()
        return text_literal(table.get(type_, default)(value))


class Plan:
    """One domain's rendering: the stream's query and the cell SQL of each variable."""

    def __init__(self, domain: Domain, variables: tuple[Variable, ...], ctx: ExportContext):
        stream = domain.stream
        if stream is None:
            raise Unsupported(f"{domain.code} is not one stream")
        self.stream = stream
        self.variables = variables
        self.ctx = ctx
        # The column names of the query, in its SELECT order, and the field of each.
        first = stream.queryset(ctx, variables).query
        first = first.combined_queries[0] if first.combinator else first
        self.names = list(first.annotation_select)
        fields = {name: first.annotation_select[name].output_field for name in self.names}
        unpivot = stream.unpivot
        if unpivot is not None:
            for name in (ITEM, *unpivot.names):
                if name in fields:
                    raise Unsupported(f"unpivot column {name!r} is a column of the rows")
            for name in unpivot.constants:
                fields[name] = models.TextField()
        self.formats = Formats()
        columns = Columns(fields, self.formats, unpivot)
        self.cells = [self._cell(variable, columns) for variable in variables]
        self.memo_joins = columns.memo_joins()

    def _cell(self, variable: Variable, columns: Columns) -> str:
        source = variable.source
        if hasattr(source, "constant"):
            return columns.constant(source.constant, variable.type)
        if getattr(source, "sequence", False):
            if not self.stream.numbered:
                raise Unsupported("--SEQ of an unnumbered stream")
            return f"r.{SEQ}"
        if (name := getattr(source, "column", None)) is not None:
            return columns.cell(name, variable.type)
        raise Unsupported(f"{variable.name}: no column")

    def sql(self, first: int, last: int) -> str | None:
        """The COPY of the subjects with ``first <= id <= last``; None when nothing matches."""
        qs = self.stream.queryset(self.ctx, self.variables, first=first, last=last).order_by()
        try:
            inner, params = qs.query.get_compiler(using=qs.db).as_sql()
        except EmptyResultSet:
            return None
        inner = connections[qs.db].ops.compose_sql(inner, params)
        columns = ", ".join(ident(name) for name in self.names)
        order = [f"s.{ident(order_column(i))}" for i in range(len(self.stream.order_by))]
        items = unpivot = ""
        if self.stream.unpivot is not None:
            items, unpivot = ", u.*", self._unpivot_join(self.stream.unpivot)
            order.append(f"u.{ident(ITEM)}")
        seq = ""
        if self.stream.numbered:
            seq = (
                f", row_number() OVER (PARTITION BY s.{ident(PATIENT_KEY)} "
                f"ORDER BY {', '.join(order)}) AS {SEQ}"
            )
        cells = ", ".join(self.cells)
        outer_order = ", ".join(
            [f"r.{ident(PATIENT_KEY)}", *(f"r.{name.split('.', 1)[1]}" for name in order)]
        )
        return (
            f"COPY (SELECT {cells} FROM ("
            f"SELECT s.*{items}{seq} FROM ({inner}) AS s({columns}){unpivot}"
            f") r{self.memo_joins} ORDER BY {outer_order}) TO STDOUT (FORMAT csv)"
        )

    @staticmethod
    def _unpivot_join(unpivot: Unpivot) -> str:
        """Each row once per item whose field is not NULL: a join to the items' VALUES."""
        rows, present = [], []
        for index, (constants, _field) in enumerate(unpivot.items):
            values = []
            for value in constants.values():
                if value is not None and not isinstance(value, str):
                    raise Unsupported(f"unpivot constant {value!r}")
                values.append("NULL" if value is None else literal(value))
            rows.append(f"({', '.join([str(index), *values])})")
            present.append(f"WHEN {index} THEN s.{ident(item_column(index))} IS NOT NULL")
        names = ", ".join(ident(name) for name in (ITEM, *unpivot.constants))
        return (
            f" JOIN (VALUES {', '.join(rows)}) AS u({names}) "
            f"ON CASE u.{ident(ITEM)} {' '.join(present)} END"
        )


def plan(domain: Domain, variables: tuple[Variable, ...], ctx: ExportContext) -> Plan | None:
    """How PostgreSQL renders this export, or None when the rows are read instead."""
    if connections[read_alias()].vendor != "postgresql" or domain.stream is None:
        return None
    try:
        return Plan(domain, variables, ctx.for_models(domain.models))
    except Unsupported:
        return None


def _batches(ids: Iterator[int], size: int) -> Iterator[list[int]]:
    while batch := list(itertools.islice(ids, size)):
        yield batch


def crlf(lines: list) -> bytes:
    """COPY's lines (LF-terminated, one per item) with the CRLF ends of ``csv_bytes``; a line
    break inside a quoted cell stays as it is, as the csv module leaves it."""
    block = b"".join(lines)
    if b'"' not in block:  # no quoted cell, so every LF ends a line
        return block.replace(b"\n", b"\r\n")
    return b"".join(bytes(line[:-1]) + b"\r\n" for line in lines)


def _lines(plan_: Plan, first: int, last: int) -> Iterator[memoryview]:
    sql = plan_.sql(first, last)
    if sql is None:
        return
    db = connections[read_alias()]  # the replica inside ``in_read_transaction``, if configured
    with logged_query(db, sql), db.connection.cursor() as cursor, cursor.copy(sql) as copy:
        yield from copy


def csv_bytes(plan_: Plan, counter: RowCount | None = None) -> Iterator[bytes]:
    """The dataset's CSV (header, CRLF lines, UTF-8) in pieces of ~``STREAM_BUFFER_BYTES``.

    Run inside a transaction (``context.in_read_transaction``): every batch of subjects reads
    the same snapshot.
    """
    counter = counter or RowCount()
    header = CsvLines(len(plan_.variables)).line([v.name for v in plan_.variables]) + "\r\n"
    yield header.encode("utf-8")
    lines, size = [], 0
    ids = plan_.ctx.subject_ids().iterator(chunk_size=SUBJECTS_PER_QUERY)
    for batch in _batches(ids, SUBJECTS_PER_QUERY):
        for line in _lines(plan_, batch[0], batch[-1]):
            lines.append(line)
            size += len(line)
            if size >= STREAM_BUFFER_BYTES:
                counter.rows += len(lines)
                yield crlf(lines)
                lines, size = [], 0
    if lines:
        counter.rows += len(lines)
        yield crlf(lines)
