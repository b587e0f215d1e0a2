"""The one door through which the submission formats read the domain datasets.

Define-XML (``define``), Dataset-JSON (``datasetjson``) and SAS transport (``xpt``) read the
domain specs and their rows only through this module: for a domain and an export context it
gives the variables the reader receives (name, label, type, unit, codelist, origin, keys) and
the rows as Python values in variable order. If the specs' internals move, this is the one
place that follows them.

Values are made *exchange-ready* here, the same way the CSV writes them: text as ``str``,
integers as ``int``, floats as ``int``/``float``, dates and date-times as ISO 8601 text in
the trial's time zone (``2026-03-01``, ``2026-03-01T10:30``), empty as ``None``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from .codelists import SHARED
from .context import ExportContext
from .domains import DOMAINS
from .spec import DATE, DATETIME, FLOAT, INTEGER, TEXT, Domain, Variable

__all__ = [
    "DATE",
    "DATETIME",
    "FLOAT",
    "INTEGER",
    "TEXT",
    "Profile",
    "codelists",
    "domains",
    "profile",
    "rows",
    "variables",
]


def domains() -> tuple[Domain, ...]:
    """Every domain, in the package's order."""
    return DOMAINS


def variables(domain: Domain, ctx: ExportContext) -> tuple[Variable, ...]:
    """The variables ``ctx``'s reader receives, in dataset order (a de-identified reader's
    files leave the identifying ones out)."""
    return domain.variables_for(deidentified=ctx.deidentified)


def keys(domain: Domain) -> tuple[str, ...]:
    """The domain's sort keys, in order (Define-XML KeySequence)."""
    return domain.keys


def codelists(of: Iterable[Domain] | None = None) -> dict[str, tuple[tuple[str, str], ...]]:
    """Every controlled-term list (shared and domain-specific): name → ((code, decode), …)."""
    lists = dict(SHARED)
    for domain in of if of is not None else DOMAINS:
        lists.update(domain.codelists)
    return lists


def _decimal_text(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


class Values:
    """Python values of one export made exchange-ready (bound to the trial time zone once)."""

    def __init__(self):
        self.tz = timezone.get_default_timezone()

    def datetime(self, value):
        if isinstance(value, dt.datetime):
            if value.tzinfo is not None:
                value = value.astimezone(self.tz)
            return f"{value.date().isoformat()}T{value.hour:02d}:{value.minute:02d}"
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(value)

    def date(self, value):
        if isinstance(value, dt.datetime):
            if value.tzinfo is not None:
                value = value.astimezone(self.tz)
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(value)

    def text(self, value):
        if isinstance(value, str):
            return value
        if isinstance(value, Decimal):
            return _decimal_text(value)
        if isinstance(value, dt.datetime):
            return self.datetime(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(value)

    @staticmethod
    def integer(value):
        return int(value)

    @staticmethod
    def float(value):
        if isinstance(value, Decimal):
            return int(value) if value == value.to_integral_value() else float(value)
        return value

    def converter(self, kind: str):
        return {
            TEXT: self.text,
            INTEGER: self.integer,
            FLOAT: self.float,
            DATE: self.date,
            DATETIME: self.datetime,
        }[kind]


def rows(domain: Domain, ctx: ExportContext) -> Iterator[list]:
    """The domain's rows for ``ctx``'s reader, one list of exchange-ready values per row, in
    ``variables(domain, ctx)`` order; streamed (a fixed number of queries, flat memory).
    Run it inside ``edc.exports.context.in_read_transaction``."""
    values = Values()
    variables_ = variables(domain, ctx)
    converters = [values.converter(v.type) for v in variables_]
    by_name = getattr(domain, "values", None)
    if by_name is not None:  # the specs' row iterator: dicts, variable name → value
        names = [v.name for v in variables_]
        cells = list(zip(names, converters, strict=True))
        for record in by_name(ctx):
            yield [
                None if (value := record[name]) is None or value == "" else convert(value)
                for name, convert in cells
            ]
        return
    # Record by record: each variable's source reads its value from the record.
    sources = list(zip((v.source for v in variables_), converters, strict=True))
    for rec in domain.rows(ctx):
        yield [
            None if (value := source(rec)) is None or value == "" else convert(value)
            for source, convert in sources
        ]


@dataclass
class Profile:
    """What one pass over a domain's rows tells its metadata: the row count and, per variable,
    the longest value (UTF-8 bytes of its text) and the most decimals of a float."""

    code: str
    records: int = 0
    lengths: dict[str, int] = field(default_factory=dict)
    decimals: dict[str, int] = field(default_factory=dict)

    def length(self, name: str) -> int:
        """The variable's length (at least 1, as SAS and Define-XML require)."""
        return max(self.lengths.get(name, 0), 1)


def profile(domain: Domain, ctx: ExportContext) -> Profile:
    """Count the rows and measure every column (one streamed pass; run it inside
    ``in_read_transaction``)."""
    variables_ = variables(domain, ctx)
    names = [v.name for v in variables_]
    floats = {i for i, v in enumerate(variables_) if v.type == FLOAT}
    longest = [0] * len(names)
    decimals = [0] * len(names)
    count = 0
    for row in rows(domain, ctx):
        count += 1
        for i, value in enumerate(row):
            if value is None:
                continue
            text = value if isinstance(value, str) else str(value)
            size = len(text.encode("utf-8"))
            if size > longest[i]:
                longest[i] = size
            if i in floats and "." in text and "e" not in text:
                decimals[i] = max(decimals[i], len(text) - text.index(".") - 1)
    return Profile(
        code=domain.code,
        records=count,
        lengths=dict(zip(names, longest, strict=True)),
        decimals={names[i]: decimals[i] for i in floats},
    )
