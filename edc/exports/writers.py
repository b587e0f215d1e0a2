"""Dataset rows to bytes: CSV (formula injection neutralised), JSON Lines, streamed JSON array.

Every writer is a generator of ``bytes`` pieces of about ``STREAM_BUFFER_BYTES``, for a
``StreamingHttpResponse`` or a zip member: memory stays constant whatever the row count.

Cells are formatted by the variable's type:

* text — as is; a *string* cell that starts with ``= + - @``, a tab or a carriage return gets a
  leading ``'`` so a spreadsheet opening the CSV shows text instead of running a formula
  (OWASP "CSV Injection"). A text cell that already starts with ``'`` followed by one of those
  characters gets one more ``'``, so ``unescape_cell`` restores every value exactly.
* integer / float — numbers are written as numbers (``-12.5``) and never prefixed: they cannot
  carry a formula, and prefixing would turn every negative value into text for R and pandas;
* date / datetime — ISO 8601 (``2025-04-01``, ``2025-04-01T10:30``) in the trial's time zone.

Empty is an empty cell in CSV and ``null`` in JSON.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import operator
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal

from django.utils import timezone

from .constants import FORMULA_ESCAPE, FORMULA_TRIGGERS, STREAM_BUFFER_BYTES
from .spec import DATE, DATETIME, FLOAT, INTEGER, KEEP, Rec, Variable

_ESCAPED = tuple(FORMULA_ESCAPE + t for t in FORMULA_TRIGGERS)
# First characters that may need a prefix: a trigger, or the escape itself.
_FIRST = frozenset((*FORMULA_TRIGGERS, FORMULA_ESCAPE))


def neutralise(text: str) -> str:
    """Prefix a text cell that a spreadsheet would evaluate (see the module docstring)."""
    if text.startswith(FORMULA_TRIGGERS) or text.startswith(_ESCAPED):
        return FORMULA_ESCAPE + text
    return text


def unescape_cell(text: str) -> str:
    """The original text of a neutralised CSV cell (for readers that want it back)."""
    if text.startswith(FORMULA_ESCAPE) and (
        text[1:].startswith(FORMULA_TRIGGERS) or text[1:].startswith(_ESCAPED)
    ):
        return text[1:]
    return text


def decimal_text(value: Decimal) -> str:
    """A Decimal without trailing zeros or exponent: 1.500000 → "1.5", 100.0 → "100"."""
    text = str(value)
    if "E" in text:
        text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


class Formats:
    """Cell formatters of one export, bound to the trial's time zone once (not per cell)."""

    def __init__(self):
        self.tz = timezone.get_default_timezone()

    def iso_datetime(self, value) -> str:
        if isinstance(value, dt.datetime):
            if value.tzinfo is not None:
                value = value.astimezone(self.tz)
            return f"{value.date().isoformat()}T{value.hour:02d}:{value.minute:02d}"
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(value)

    def iso_date(self, value) -> str:
        if isinstance(value, dt.datetime):
            if value.tzinfo is not None:
                value = value.astimezone(self.tz)
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(value)

    def plain_text(self, value) -> str:
        if isinstance(value, Decimal):
            return decimal_text(value)
        if isinstance(value, dt.datetime):
            return self.iso_datetime(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(value)

    @staticmethod
    def number_text(value) -> str:
        if isinstance(value, Decimal):
            return decimal_text(value)
        if isinstance(value, float):
            return repr(value)
        return str(int(value))

    # --- CSV cells ---------------------------------------------------------------------------
    def csv_text(self, value) -> str:
        if value is None:
            return ""
        if value.__class__ is str:
            # Only strings are neutralised: a Decimal or int in a text column (TRORRES -40)
            # is a number written as a number, never a formula.
            return neutralise(value) if value and value[0] in _FIRST else value
        return self.plain_text(value)

    def csv_number(self, value) -> str:
        return "" if value is None else self.number_text(value)

    def csv_date(self, value) -> str:
        return "" if value is None else self.iso_date(value)

    def csv_datetime(self, value) -> str:
        return "" if value is None else self.iso_datetime(value)

    def csv(self) -> tuple[dict[str, Callable], Callable]:
        table = {
            INTEGER: self.csv_number,
            FLOAT: self.csv_number,
            DATE: self.csv_date,
            DATETIME: self.csv_datetime,
        }
        return table, self.csv_text

    # --- JSON values -------------------------------------------------------------------------
    def json_text(self, value):
        if value is None or isinstance(value, str):
            return value
        return self.plain_text(value)

    @staticmethod
    def json_integer(value):
        return None if value is None else int(value)

    @staticmethod
    def json_float(value):
        if value is None:
            return None
        if isinstance(value, Decimal):
            return int(value) if value == value.to_integral_value() else float(value)
        return value

    def json_date(self, value):
        return None if value is None else self.iso_date(value)

    def json_datetime(self, value):
        return None if value is None else self.iso_datetime(value)

    def json(self) -> tuple[dict[str, Callable], Callable]:
        table = {
            INTEGER: self.json_integer,
            FLOAT: self.json_float,
            DATE: self.json_date,
            DATETIME: self.json_datetime,
        }
        return table, self.json_text


_MISSING = object()
MEMO_LIMIT = 4096


def memoised(fmt: Callable) -> Callable:
    """``fmt`` with a bounded cache, for one column of one export.

    Numbers and times repeat down a column (a laboratory's normal range on every result, one
    collection time for a whole panel, doses, units), and formatting a Decimal or a datetime
    costs microseconds. The cache is keyed by type and value (2 and 2.0 differ) and emptied
    when full, so memory stays bounded.
    """
    cache: dict = {}

    def cell(value):
        key = (value.__class__, value)
        try:
            return cache[key]
        except KeyError:
            if len(cache) >= MEMO_LIMIT:
                cache.clear()
            text = cache[key] = fmt(value)
            return text
        except TypeError:  # unhashable (a list from a JSON field)
            return fmt(value)

    return cell


_MEMOISED = frozenset({INTEGER, FLOAT, DATE, DATETIME})


# How a column's raw value is read from a ``Rec`` (``_reader``).
_CONST, _COL, _MAPPED, _CALL = "const", "col", "mapped", "call"


def _reader(variable: Variable) -> tuple[str, object, object, object]:
    """(how, argument, mapping, unknown) of the column's raw value: a ``col()`` source is read
    straight from the record's data, a ``mapped()`` one looked up inline, any other called."""
    source = variable.source
    if (column := getattr(source, "column", None)) is not None:
        return _COL, column, None, None
    if (mapping := getattr(source, "mapped", None)) is not None:
        column, table, unknown = mapping
        return _MAPPED, column, table, unknown
    return _CALL, source, None, None


def row_function(variables: Iterable[Variable], table: dict, default: Callable, *, keys=False):
    """One function turning a ``Rec`` into its formatted cells (a list, or a dict by name).

    Built once per export so each cell costs one formatter call: ``col()`` sources are read
    straight from the record's data and ``const()`` values are formatted once, up front.
    """
    plan = []
    for variable in variables:
        fmt = table.get(variable.type, default)
        constant = getattr(variable.source, "constant", _MISSING)
        if constant is not _MISSING:
            plan.append((_CONST, fmt(constant), None))
            continue
        fmt = memoised(fmt) if variable.type in _MEMOISED else fmt
        how, argument, _mapping, _unknown = _reader(variable)
        if how == _MAPPED:
            how, argument = _CALL, variable.source
        plan.append((how, argument, fmt))
    plan = tuple(plan)
    names = tuple(variable.name for variable in variables)

    def row_list(rec: Rec) -> list:
        d = rec.data
        return [a if how is _CONST else f(d[a]) if how is _COL else f(a(rec)) for how, a, f in plan]

    if not keys:
        return row_list

    def row_dict(rec: Rec) -> dict:
        return dict(zip(names, row_list(rec), strict=True))

    return row_dict


def _cached(fmt: Callable, cache: dict) -> Callable:
    """``fmt`` filling ``cache`` (value → text), emptied when full so memory stays bounded."""

    def miss(value):
        if len(cache) >= MEMO_LIMIT:
            cache.clear()
        text = cache[value] = fmt(value)
        return text

    return miss


_CSV_KIND = {INTEGER: "number", FLOAT: "number", DATE: "time", DATETIME: "time"}


def _csv_cell(how: str, argument, mapping, unknown, text: bool, fmt: Callable) -> Callable:
    """One column's cell of a ``Rec`` (its data ``d``) as a closure specialised, once per
    export, for where the value comes from and the column's kind (``csv_row_function``)."""
    first, escape = _FIRST, neutralise
    if text:
        # Rare non-string values (a Decimal in LBSTRESC): memoised by type and value.
        other = memoised(fmt)
        if how == _COL:

            def cell(d, rec, k=argument):
                v = d[k]
                if v.__class__ is str:
                    return escape(v) if v and v[0] in first else v
                return "" if v is None else other(v)

        elif how == _MAPPED:

            def cell(d, rec, k=argument, t=mapping, z=unknown):
                x = d[k]
                if x is None or x == "":
                    return ""
                v = t.get(x, x) if z is KEEP else t.get(x, z)
                if v.__class__ is str:
                    return escape(v) if v and v[0] in first else v
                return "" if v is None else other(v)

        else:

            def cell(d, rec, s=argument):
                v = s(rec)
                if v.__class__ is str:
                    return escape(v) if v and v[0] in first else v
                return "" if v is None else other(v)

        return cell
    cache: dict = {}
    miss = _cached(fmt, cache)
    get = cache.get
    if how == _MAPPED:
        # A number or time through controlled terms: read as the source reads it.
        argument = mapped_source(argument, mapping, unknown)
        how = _CALL
    if how == _COL:

        def cell(d, rec, k=argument):
            v = d[k]
            if v is None:
                return ""
            c = v.__class__
            if c is int:
                return str(v)
            if c is float:
                return repr(v)
            return get(v) or miss(v)

    else:

        def cell(d, rec, s=argument):
            v = s(rec)
            if v is None:
                return ""
            c = v.__class__
            if c is int:
                return str(v)
            if c is float:
                return repr(v)
            return get(v) or miss(v)

    return cell


def mapped_source(name: str, mapping: dict, unknown) -> Callable:
    def source(rec: Rec):
        x = rec.data[name]
        if x is None or x == "":
            return None
        return mapping.get(x, x if unknown is KEEP else unknown)

    return source


def csv_row_function(variables: Iterable[Variable], formats: Formats) -> Callable:
    """One function turning a ``Rec`` into its list of CSV cells, built once per export.

    The hot loop of every CSV export on the Python path (bench/RESULTS.md, "Exports"): each
    column is a closure specialised for where its value comes from — ``col()`` read straight
    from the record's data, ``mapped()`` looked up inline, any other source called — and for
    its kind, finishing the common cells without a formatter call: empty is "", an int or a
    float is its ``str``/``repr`` (exactly what every formatter writes for them), a string of a
    text column is only touched when its first character could start a formula, and Decimals,
    dates and times are looked up in the column's cache (they repeat down a column) and
    formatted on a miss. ``const()`` cells are formatted once, up front. The cells read the
    same as ``row_function(variables, *Formats().csv())`` gives (a test holds the two to each
    other).
    """
    table, default = formats.csv()
    cells: list[Callable] = []
    constants: list[str] = []
    where: list[int] = []  # each variable's cell: its index in cells + constants
    for variable in variables:
        fmt = table.get(variable.type, default)
        constant = getattr(variable.source, "constant", _MISSING)
        if constant is not _MISSING:
            where.append(-1 - len(constants))
            constants.append(fmt(constant))
            continue
        how, argument, mapping, unknown = _reader(variable)
        text = _CSV_KIND.get(variable.type) is None
        where.append(len(cells))
        cells.append(_csv_cell(how, argument, mapping, unknown, text, fmt))
    order = [i if i >= 0 else len(cells) - 1 - i for i in where]
    cells_ = tuple(cells)
    if order == list(range(len(order))) or len(order) == 1:
        pick = None
    else:
        pick = operator.itemgetter(*order)
    if not constants:

        def row(rec: Rec) -> list[str]:
            d = rec.data
            line = [cell(d, rec) for cell in cells_]
            return line if pick is None else [*pick(line)]

        return row

    def row_with_constants(rec: Rec) -> list[str]:
        d = rec.data
        line = [cell(d, rec) for cell in cells_]
        line += constants
        return line if pick is None else [*pick(line)]

    return row_with_constants


class RowCount:
    """Filled in by a writer as it goes; read after the stream is exhausted."""

    def __init__(self):
        self.rows = 0


class _Buffer:
    def __init__(self):
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)

    def drain(self) -> bytes:
        data = "".join(self.parts).encode("utf-8")
        self.parts.clear()
        self.size = 0
        return data


class CsvLines:
    """CSV lines (no terminator) exactly as the csv module writes them, fast.

    Most lines need no quoting at all (codes, numbers, dates): joined with commas they are
    final, which is checked on the joined line — no quote, no line break, and no comma inside
    a cell (the line has one comma per gap). Any other line goes through the csv module.
    """

    def __init__(self, width: int):
        self.commas = width - 1 if width > 1 else -1  # one column: always the csv module
        self._out = io.StringIO()
        self._writer = csv.writer(self._out, lineterminator="\r\n")

    def quoted(self, cells: list[str]) -> str:
        out = self._out
        out.seek(0)
        out.truncate()
        self._writer.writerow(cells)
        return out.getvalue()[:-2]

    def line(self, cells: list[str]) -> str:
        line = ",".join(cells)
        if '"' in line or "\n" in line or "\r" in line or line.count(",") != self.commas:
            return self.quoted(cells)
        return line


def csv_bytes(
    variables: tuple[Variable, ...], recs: Iterable[Rec], counter: RowCount | None = None
) -> Iterator[bytes]:
    """CSV with a header of variable names, CRLF line ends (RFC 4180), UTF-8."""
    counter = counter or RowCount()
    row = csv_row_function(variables, Formats())
    lines = CsvLines(len(variables))
    quoted, commas, join = lines.quoted, lines.commas, ",".join
    parts = [lines.line([v.name for v in variables]), "\r\n"]
    append = parts.append
    size = rows = 0
    start = counter.rows
    for rec in recs:
        cells = row(rec)
        line = join(cells)
        # CsvLines.line, inlined: this is the hot loop of every CSV export.
        if '"' in line or "\n" in line or "\r" in line or line.count(",") != commas:
            line = quoted(cells)
        append(line)
        append("\r\n")
        size += len(line)
        rows += 1
        if size >= STREAM_BUFFER_BYTES:
            counter.rows = start + rows
            yield "".join(parts).encode("utf-8")
            parts.clear()
            size = 0
    counter.rows = start + rows
    yield "".join(parts).encode("utf-8")


def _json_rows(variables, recs, counter: RowCount) -> Iterator[str]:
    row = row_function(variables, *Formats().json(), keys=True)
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    for rec in recs:
        counter.rows += 1
        yield dumps(row(rec))


def jsonl_bytes(
    variables: tuple[Variable, ...], recs: Iterable[Rec], counter: RowCount | None = None
) -> Iterator[bytes]:
    """JSON Lines: one JSON object per row, keys = variable names."""
    counter = counter or RowCount()
    buffer = _Buffer()
    for line in _json_rows(variables, recs, counter):
        buffer.write(line)
        buffer.write("\n")
        if buffer.size >= STREAM_BUFFER_BYTES:
            yield buffer.drain()
    yield buffer.drain()


def json_array_bytes(
    variables: tuple[Variable, ...], recs: Iterable[Rec], counter: RowCount | None = None
) -> Iterator[bytes]:
    """One JSON array of row objects, streamed (never built in memory)."""
    counter = counter or RowCount()
    buffer = _Buffer()
    buffer.write("[")
    for index, item in enumerate(_json_rows(variables, recs, counter)):
        buffer.write(",\n" if index else "\n")
        buffer.write(item)
        if buffer.size >= STREAM_BUFFER_BYTES:
            yield buffer.drain()
    buffer.write("\n]\n")
    yield buffer.drain()


def json_objects(variables: tuple[Variable, ...], recs: Iterable[Rec]) -> list[dict]:
    """Rows as JSON-ready dicts (for an API page of whole subjects)."""
    row = row_function(variables, *Formats().json(), keys=True)
    return [row(rec) for rec in recs]


def table_csv(header: Iterable[str], rows: Iterable[Iterable]) -> bytes:
    """A small CSV (data dictionary, codelists), built in memory, neutralised like datasets."""
    out = io.StringIO()
    text = Formats().csv_text
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(list(header))
    for row in rows:
        writer.writerow([text(cell) for cell in row])
    return out.getvalue().encode("utf-8")


WRITERS: dict[str, Callable] = {"csv": csv_bytes, "jsonl": jsonl_bytes, "json": json_array_bytes}
CONTENT_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson; charset=utf-8",
    "json": "application/json; charset=utf-8",
}
