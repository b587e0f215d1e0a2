"""CSV datasets rendered by PostgreSQL: byte for byte what ``writers.csv_bytes`` writes.

The Python path (``domain.rows`` → ``csv_bytes``) spends ~9 µs a row building dicts and cells
(bench/RESULTS.md, "Exports"): six times what PostgreSQL needs to ``COPY`` the same rows. A
domain whose records are rows of the database (``Domain.stream``: one model, or a UNION ALL of
parts) has each variable compiled to a SQL expression of its cell's text instead (NULL for an
empty cell), and the database writes the CSV itself: ``COPY (SELECT <cells> …) TO STDOUT
(FORMAT csv)`` quotes a cell holding a comma, a quote or a line break exactly as the csv
module does (QUOTE_MINIMAL). Python only turns its LF line ends into the CRLF of
``csv_bytes``.

* ``col``, ``const``, ``mapped`` and ``yes_no`` sources compile from their declaration, by the
  column's SQL type: text is neutralised (``writers.neutralise``); decimals lose trailing
  zeros (``trim_scale``, as ``writers.decimal_text``); dates and times are ISO 8601 in the
  trial's time zone (a time computed once per distinct value, ``Columns.memo``). Constants and
  controlled terms are formatted here by the Python formatters and sent as literals.
* values of the subject alone (``of_subject``: USUBJID) are computed by Python, once per
  subject, and joined in as arrays: the subject list (scope, window, ``updated_since``) is
  ``ExportContext.subjects()`` itself, read in batches so memory stays flat;
* --SEQ is ``row_number()`` over the subject's rows in the stream's order;
* an unpivoted stream (``spec.Unpivot``, VS) joins its rows to the items' ``VALUES``; the
  record's value is a ``CASE`` of the item's own column cells;
* any other source needs ``Variable.sql``, built with ``Columns``; without it, or on another
  database, or for an as-of snapshot, the export takes the Python path. A cell that depends on
  the reader (who entered a record: ``Columns.person``) reads the export context's own map,
  sent as a literal.

Tests hold the two paths to each other byte for byte (tests/exports/test_pgcsv.py).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.db.models import F

from edc.operations.routers import read_alias

from .constants import FORMULA_ESCAPE, FORMULA_TRIGGERS, STREAM_BUFFER_BYTES
from .context import PATIENT_KEY, SYSTEM_USER, ExportContext, Subject, logged_query
from .spec import DATE, DATETIME, KEEP, TEXT, Domain, Rec, Stream, Unpivot, Variable
from .writers import CsvLines, Formats, RowCount, csv_row_function

SEQ = "_seq"
ITEM = "_item"  # an unpivoted row's item number
MEMO = "_m"  # the alias of a memoised cell's LATERAL subquery (``Columns.memo``)
SUBJECT_ID = "_pid"
# Subjects per query: their computed cells travel as array parameters.
SUBJECTS_PER_QUERY = 2000
# A mapping of this many terms or more is looked up in jsonb rather than a CASE.
JSONB_TERMS = 12
_ARRAYS = "\x00arrays\x00"  # where the array placeholders go (a literal never holds NUL)

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
    """The SQL of one stream's columns as CSV cells, for ``Variable.sql``: each expression is
    the cell's text, or NULL for an empty cell (never ``''``, which COPY would quote)."""

    def __init__(
        self,
        fields: dict[str, models.Field],
        formats: Formats,
        unpivot: Unpivot | None = None,
        ctx: ExportContext | None = None,
    ):
        self.fields = fields
        self.formats = formats
        self.unpivot = unpivot
        self.ctx = ctx  # the export's reader, for cells that depend on who reads (``person``)
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
                f"WHEN {index} THEN ({self.cell(column, type_)})::text"
                for index, (_constants, column) in enumerate(self.unpivot.items)
            )
            return f"CASE r.{ident(ITEM)} {whens} END"
        ref, kind = self.ref(name), self._kind(name)
        if kind == "text":
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

    def _terms(self, mapping: dict, type_: str) -> dict[str, str | None]:
        table, default = self.formats.csv()
        return {key: table.get(type_, default)(value) or None for key, value in mapping.items()}

    def _mapping(self, ref: str, terms: dict[str, str | None], fallback: str) -> str:
        """``terms[ref]`` as SQL, ``fallback`` for a value not in ``terms``. A long mapping is
        one jsonb lookup (a binary search), a short one a CASE (a comparison per term)."""
        if not terms:
            return fallback
        if len(terms) < JSONB_TERMS:
            whens = " ".join(
                f"WHEN {literal(key)} THEN {text_literal(cell or '')}"
                for key, cell in terms.items()
            )
            return f"CASE {ref} {whens} ELSE {fallback} END"
        table = f"{literal(json.dumps(terms))}::jsonb"
        if fallback == "NULL":
            return f"({table} ->> {ref})"
        if None not in terms.values():
            return f"COALESCE({table} ->> {ref}, {fallback})"
        return f"CASE WHEN {table} ? {ref} THEN {table} ->> {ref} ELSE {fallback} END"

    def case(self, name: str, mapping: dict, default=KEEP, type_: str = TEXT) -> str:
        """``spec.mapped(name, mapping, default)`` as a cell: empty stays empty."""
        ref, kind = self.ref(name), self._kind(name)
        if kind != "text" or not all(isinstance(key, str) for key in mapping):
            raise Unsupported(f"{name}: a mapping of {kind} values")
        if default is KEEP:
            if type_ != TEXT:
                raise Unsupported(f"{name}: unmapped values kept in a {type_} variable")
            fallback = self.cell(name, TEXT)
        else:
            fallback = f"CASE WHEN {ref} <> '' THEN {self.constant(default, type_)} END"
        terms = self._terms({k: v for k, v in mapping.items() if k != ""}, type_)
        return self._mapping(ref, terms, fallback)

    def lookup(self, name: str, mapping: dict, default=None, type_: str = TEXT) -> str:
        """``mapping.get(value, default)`` as a cell (the empty string is a key like any)."""
        ref, kind = self.ref(name), self._kind(name)
        if kind != "text" or not all(isinstance(key, str) for key in mapping):
            raise Unsupported(f"{name}: a mapping of {kind} values")
        return self._mapping(ref, self._terms(mapping, type_), self.constant(default, type_))

    def yes_no(self, name: str) -> str:
        ref = self.ref(name)
        return f"CASE WHEN {ref} THEN 'Y' WHEN NOT {ref} THEN 'N' END"

    def person(self, name: str) -> str:
        """The user-id column ``name`` as ``ExportContext.person`` names that user for this
        export's reader (the user name, or the role when de-identified)."""
        if self._kind(name) != "integer" or self.ctx is None:
            raise Unsupported(f"{name}: not a user id of an export")
        terms = self._terms({str(pk): person for pk, person in self.ctx.people().items()}, TEXT)
        return self._mapping(f"{self.ref(name)}::text", terms, self.constant(SYSTEM_USER, TEXT))

    def isin(self, name: str, values) -> str:
        """A condition: the text column ``name`` is one of ``values`` (false when NULL)."""
        if self._kind(name) != "text":
            raise Unsupported(f"{name}: not a text column")
        if not values:
            return "false"
        ref = self.ref(name)
        return f"COALESCE({ref} IN ({', '.join(literal(v) for v in sorted(values))}), false)"

    def contains(self, name: str, value: str) -> str:
        """A condition: Python's ``value in (column or ())`` for the JSON column ``name`` (an
        element of a list, a key of an object, a substring of a string)."""
        field = self.fields.get(name)
        if field is None or field.get_internal_type() != "JSONField":
            raise Unsupported(f"{name}: not a JSON column")
        ref, text = self.ref(name), literal(value)
        return (
            f"CASE jsonb_typeof({ref}) WHEN 'string' THEN strpos({ref} #>> '{{}}', {text}) > 0 "
            f"ELSE COALESCE({ref} ? {text}, false) END"
        )


def stream_columns(stream: Stream, ctx: ExportContext) -> tuple[list[str], dict]:
    """The stream's column names, in SQL order, and the model field each one reads.

    The rows are ``values(*fields, pid=…, **expressions)`` of the first part
    (``ExportContext.stream_queryset``): Django 5.2 selects them in that order. Each column's
    field is what Django resolves its name to in that queryset (``F(name)``'s expression and
    its ``output_field``: a model field, a relation's field, or an expression's type).
    """
    part = stream.parts[0]
    names = [*part.fields, PATIENT_KEY, *part.expressions]
    query = part.queryset(ctx).all().query  # a copy: resolving a path may add its joins
    fields = {name: F(name).resolve_expression(query).output_field for name in names}
    return names, fields


class Plan:
    """One domain's rendering: the cell SQL of its variables and the subject-level cells."""

    def __init__(self, domain: Domain, variables: tuple[Variable, ...], ctx: ExportContext):
        stream = domain.stream
        if stream is None:
            raise Unsupported(f"{domain.code} is not one stream")
        self.stream = stream
        self.variables = variables
        self.ctx = ctx
        self.names, fields = stream_columns(stream, ctx)
        for name in stream.order_by:
            if name not in fields:
                raise Unsupported(f"order by {name!r}, which is not a column")
        if stream.unpivot is not None:
            for name in (ITEM, stream.unpivot.value, *stream.unpivot.constants):
                if name in fields:
                    raise Unsupported(f"unpivot column {name!r} is a column of the rows")
            for name in stream.unpivot.constants:
                fields[name] = models.TextField()
        self.formats = Formats()
        columns = Columns(fields, self.formats, stream.unpivot, ctx)
        self.subject_variables: list[Variable] = []
        self.cells: list[str] = []
        for variable in variables:
            self.cells.append(self._cell(variable, columns))
        self.memo_joins = columns.memo_joins()
        self.subject_row = csv_row_function(self.subject_variables, self.formats)

    def _cell(self, variable: Variable, columns: Columns) -> str:
        source = variable.source
        if hasattr(source, "constant"):
            return columns.constant(source.constant, variable.type)
        if variable.sql is not None:
            return variable.sql(columns)
        if getattr(source, "of_subject", None) is not None:
            self.subject_variables.append(variable)
            return f"r.{ident(f'_s{len(self.subject_variables) - 1}')}"
        if getattr(source, "sequence", False):
            if not self.stream.numbered:
                raise Unsupported("--SEQ of an unnumbered stream")
            return f"r.{SEQ}"
        if (name := getattr(source, "column", None)) is not None:
            return columns.cell(name, variable.type)
        if (mapping := getattr(source, "mapped", None)) is not None:
            name, table, default = mapping
            return columns.case(name, table, default, variable.type)
        if (name := getattr(source, "yes_no", None)) is not None:
            if variable.type != TEXT:
                raise Unsupported(f"{variable.name}: Y/N in a {variable.type} variable")
            return columns.yes_no(name)
        raise Unsupported(f"{variable.name}: no SQL for its source")

    def subject_cells(self, subject: Subject) -> list[str | None]:
        return [cell or None for cell in self.subject_row(Rec(subject, None, {}))]

    def sql(self, first: int, last: int) -> str | None:
        """The COPY of the subjects with ``first <= id <= last``, with ``%s`` placeholders
        for their ids and subject-level cells (one array each); None when nothing matches."""
        qs = self.stream.queryset(self.ctx, first=first, last=last).order_by()
        try:
            inner, params = qs.query.get_compiler(using=qs.db).as_sql()
        except EmptyResultSet:
            return None
        inner = connections[read_alias()].ops.compose_sql(inner, params)
        columns = ", ".join(ident(name) for name in self.names)
        subject_columns = ", ".join(
            [ident(SUBJECT_ID), *(ident(f"_s{i}") for i in range(len(self.subject_variables)))]
        )
        arrays = ", ".join(["%s::int8[]", *["%s::text[]"] * len(self.subject_variables)])
        order = [f"s.{ident(n)}" for n in self.stream.order_by]
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
        sql = (
            f"COPY (SELECT {cells} FROM ("
            f"SELECT s.*, subject.*{items}{seq} FROM ({inner}) AS s({columns}) "
            f"JOIN unnest({_ARRAYS}) AS subject({subject_columns}) "
            f"ON subject.{ident(SUBJECT_ID)} = s.{ident(PATIENT_KEY)}{unpivot}"
            f") r{self.memo_joins} ORDER BY {outer_order}) TO STDOUT (FORMAT csv)"
        )
        # Every % of the text is literal; the placeholders go in last.
        return sql.replace("%", "%%").replace(_ARRAYS, arrays)

    @staticmethod
    def _unpivot_join(unpivot: Unpivot) -> str:
        """Each row once per item whose column is not NULL: a join to the items' VALUES."""
        rows, present = [], []
        for index, (constants, column) in enumerate(unpivot.items):
            values = []
            for value in constants.values():
                if value is not None and not isinstance(value, str):
                    raise Unsupported(f"unpivot constant {value!r}")
                values.append("NULL" if value is None else literal(value))
            rows.append(f"({', '.join([str(index), *values])})")
            present.append(f"WHEN {index} THEN s.{ident(column)} IS NOT NULL")
        names = ", ".join(ident(name) for name in (ITEM, *unpivot.constants))
        return (
            f" JOIN (VALUES {', '.join(rows)}) AS u({names}) "
            f"ON CASE u.{ident(ITEM)} {' '.join(present)} END"
        )


def plan(domain: Domain, variables: tuple[Variable, ...], ctx: ExportContext) -> Plan | None:
    """How PostgreSQL renders this export, or None when it takes the Python path."""
    vendor = connections[read_alias()].vendor
    if vendor != "postgresql" or ctx.as_of is not None or domain.stream is None:
        return None
    try:
        return Plan(domain, variables, ctx)
    except Unsupported:
        return None


def _batches(subjects: Iterator[Subject], size: int) -> Iterator[list[Subject]]:
    while batch := list(itertools.islice(subjects, size)):
        yield batch


def crlf(lines: list) -> bytes:
    """COPY's lines (LF-terminated, one per item) with the CRLF ends of ``csv_bytes``; a line
    break inside a quoted cell stays as it is, as the csv module leaves it."""
    block = b"".join(lines)
    if b'"' not in block:  # no quoted cell, so every LF ends a line
        return block.replace(b"\n", b"\r\n")
    return b"".join(bytes(line[:-1]) + b"\r\n" for line in lines)


def _lines(plan_: Plan, batch: list[Subject]) -> Iterator[memoryview]:
    sql = plan_.sql(batch[0].id, batch[-1].id)
    if sql is None:
        return
    cells = [plan_.subject_cells(subject) for subject in batch]
    params = [[subject.id for subject in batch], *map(list, zip(*cells, strict=True))]
    if not plan_.subject_variables:
        params = params[:1]
    db = connections[read_alias()]  # the replica inside ``in_read_transaction``, if configured
    logged = sql % tuple("…" for _ in params)  # the arrays of ids and cells, elided
    with (
        logged_query(db, logged),
        db.connection.cursor() as cursor,
        cursor.copy(sql, params) as copy,
    ):
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
    for batch in _batches(iter(plan_.ctx.subjects()), SUBJECTS_PER_QUERY):
        for line in _lines(plan_, batch):
            lines.append(line)
            size += len(line)
            if size >= STREAM_BUFFER_BYTES:
                counter.rows += len(lines)
                yield crlf(lines)
                lines, size = [], 0
    if lines:
        counter.rows += len(lines)
        yield crlf(lines)
