"""The declarative shape of a domain dataset: variables (name, label, type, unit, codelist,
origin, source callable) and the generator of its records.

A domain module (``edc/exports/domains/<code>.py``) declares one ``Domain``: everything about
that dataset is in that one place. ``records(ctx)`` yields ``Rec`` objects from a fixed number
of streamed queries (see ``edc.exports.context``); each variable's ``source`` turns a ``Rec``
into the cell's value (a str, int, Decimal, date or datetime; None for empty). Formatting
(CSV text, JSON types, ISO 8601 dates, formula neutralisation) is the writers' job.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Q, QuerySet

from edc import protocol

from .context import PATIENT_KEY, ExportContext, Subject, merge_by_subject, rows_of

# Variable types (ODM DataType names; SDTM "Char" for text/date/datetime, "Num" for numbers).
TEXT = "text"
INTEGER = "integer"
FLOAT = "float"
DATE = "date"
DATETIME = "datetime"
TYPES = (TEXT, INTEGER, FLOAT, DATE, DATETIME)
NUMERIC_TYPES = frozenset({INTEGER, FLOAT})


class Rec:
    """One output row before formatting: the subject, its sequence number and source data."""

    __slots__ = ("subject", "seq", "data")

    def __init__(self, subject: Subject, seq: int | None, data: dict):
        self.subject = subject
        self.seq = seq
        self.data = data


@dataclass(frozen=True)
class Variable:
    name: str
    label: str
    type: str
    source: Callable[[Rec], Any]
    unit: str = ""
    codelist: str = ""
    # Where the value comes from: "app.model.field", or "derived: …" with the rule.
    origin: str = ""
    # Withheld from de-identified readers (see edc.exports.deidentify).
    identifying: bool = False
    # Not a standard SDTM variable of the domain (would go to SUPP-- in a submission).
    supplementary: bool = False
    # For a ``source`` that is not col/const/mapped/yes_no: the same cell as a SQL expression
    # of the stream's columns giving the cell's text, NULL when empty, built with an
    # ``edc.exports.pgcsv.Columns`` (the Python source stays the reference; tests hold the two
    # to each other byte for byte).
    sql: Callable[[Any], str] | None = None

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"{self.name}: unknown type {self.type!r}")


@dataclass(frozen=True)
class Part:
    """One model's rows in a ``Stream``: ``fields`` and ``expressions`` (named columns, e.g.
    ``lab_code=F("lab__code")``), where ``where`` holds. The parts of one stream give the
    same column names, in the same order."""

    model: type[models.Model]
    fields: tuple[str, ...] = ()
    where: Q | None = None
    expressions: Mapping[str, Any] = field(default_factory=dict)

    def queryset(self, ctx: ExportContext) -> QuerySet:
        return ctx.stream_queryset(
            self.model, self.fields, where=self.where, **self.expressions
        ).order_by()


@dataclass(frozen=True)
class Unpivot:
    """Each row of a stream as one record per item (VS: one row of vital signs, a record per
    test). An item is its constant columns (test code, name, unit…) and the column whose value
    the record carries as ``value``; a row gives no record for an item whose column is NULL.
    A row's records follow the items' order."""

    value: str
    items: tuple[tuple[Mapping[str, Any], str], ...]

    @property
    def constants(self) -> tuple[str, ...]:
        """The names of the items' constant columns (every item has the same)."""
        return tuple(self.items[0][0]) if self.items else ()

    def expand(self, rows: Iterator[dict]) -> Iterator[dict]:
        value = self.value
        items = [(dict(constants), column) for constants, column in self.items]
        for row in rows:
            for constants, column in items:
                if (cell := row[column]) is not None:
                    yield {**row, **constants, value: cell}


@dataclass(frozen=True)
class Stream:
    """Records that are rows of the database, one record per row: the rows of its parts
    (one model, or a UNION ALL of several) for the export's subjects, ordered by patient then
    ``order_by`` (columns of the parts), numbered 1, 2, 3… per subject for --SEQ when
    ``numbered``.

    The shape PostgreSQL can render itself (``edc.exports.pgcsv``): a domain declaring its
    ``stream`` gets its CSV from the database when it can, and ``records`` otherwise.
    """

    parts: tuple[Part, ...]
    order_by: tuple[str, ...]
    numbered: bool = True
    # A row as several records (after ``order_by``, in the items' order).
    unpivot: Unpivot | None = None

    def queryset(
        self, ctx: ExportContext, *, first: int | None = None, last: int | None = None
    ) -> QuerySet:
        """The rows, ordered; only patients ``first <= id <= last`` when given."""
        branches = []
        for part in self.parts:
            qs = part.queryset(ctx)
            if first is not None:
                qs = qs.filter(**{f"{PATIENT_KEY}__gte": first, f"{PATIENT_KEY}__lte": last})
            branches.append(qs)
        head, *rest = branches
        qs = head.union(*rest, all=True) if rest else head
        return qs.order_by(PATIENT_KEY, *self.order_by)

    def records(self, ctx: ExportContext) -> Iterator[Rec]:
        rows = rows_of(self.queryset(ctx), chunk_size=ctx.chunk_size)
        for subject, groups in merge_by_subject(ctx.subjects(), rows=rows):
            if self.unpivot is not None:
                groups["rows"] = self.unpivot.expand(groups["rows"])
            if self.numbered:
                yield from numbered(subject, groups["rows"])
            else:
                for row in groups["rows"]:
                    yield Rec(subject, None, row)


@dataclass(frozen=True)
class Domain:
    code: str
    label: str
    description: str
    variables: tuple[Variable, ...]
    records: Callable[[ExportContext], Iterator[Rec]]
    # Models read: their changes select subjects for ``updated_since``.
    models: tuple[type[models.Model], ...] = field(default=())
    # Domain sort keys, as documented in the data dictionary.
    keys: tuple[str, ...] = ()
    # Codelists only this domain uses (shared ones live in edc.exports.codelists).
    codelists: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    # Set when ``records`` gives ``stream.records`` (with, at most, values of the export
    # context added to each row, as AE's entered-by, which SQL cells read through
    # ``pgcsv.Columns.ctx``): the CSV can be rendered by PostgreSQL.
    stream: Stream | None = None

    def variables_for(self, *, deidentified: bool) -> tuple[Variable, ...]:
        if not deidentified:
            return self.variables
        return tuple(v for v in self.variables if not v.identifying)

    def rows(self, ctx: ExportContext) -> Iterator[Rec]:
        return self.records(ctx.for_models(self.models))

    @property
    def filename_stem(self) -> str:
        return self.code.lower()


# --- Source helpers ------------------------------------------------------------------------------
def col(name: str) -> Callable[[Rec], Any]:
    """The value ``name`` of the record's data (writers read it without calling this)."""

    def source(rec: Rec, _name=name):
        return rec.data[_name]

    source.column = name
    return source


def const(value: Any) -> Callable[[Rec], Any]:
    """The same value on every row (writers format it once)."""

    def source(rec: Rec, _value=value):
        return _value

    source.constant = value
    return source


KEEP = object()  # mapped(): a value missing from the mapping is kept as it is


def mapped(name: str, mapping: dict, default: Any = KEEP) -> Callable[[Rec], Any]:
    """The record's ``name`` translated through ``mapping`` (controlled terminology); empty
    stays empty, a value not in ``mapping`` becomes ``default`` (kept as is by default)."""

    def source(rec: Rec, _name=name, _map=mapping):
        value = rec.data[_name]
        if value is None or value == "":
            return None
        return _map.get(value, value if default is KEEP else default)

    # Read by the CSV writer, which inlines the lookup (edc.exports.writers).
    source.mapped = (name, mapping, default)
    return source


def nonblank(name: str) -> Callable[[Rec], Any]:
    """The record's text ``name``, an empty string as missing (null in JSON)."""
    return mapped(name, {})


def yes_no(name: str) -> Callable[[Rec], Any]:
    def source(rec: Rec, _name=name):
        value = rec.data[_name]
        return None if value is None else ("Y" if value else "N")

    source.yes_no = name
    return source


def of_subject(fn: Callable[[Subject], Any]) -> Callable[[Rec], Any]:
    """A value of the record's subject alone (USUBJID, ARMCD…): renderers compute it once per
    subject."""

    def source(rec: Rec, _fn=fn):
        return _fn(rec.subject)

    source.of_subject = fn
    return source


def _sequence(rec: Rec):
    return rec.seq


_sequence.sequence = True


def origin(model: type[models.Model], field_name: str) -> str:
    return f"{model._meta.label_lower}.{field_name}"


def identifiers(domain: str, seq: str | None) -> tuple[Variable, ...]:
    """STUDYID, DOMAIN, USUBJID (and --SEQ): the keys every domain starts with."""
    head = (
        Variable(
            "STUDYID",
            "Study Identifier",
            TEXT,
            const(protocol.TRIAL_ID),
            origin="edc.protocol.TRIAL_ID",
        ),
        Variable("DOMAIN", "Domain Abbreviation", TEXT, const(domain), origin="derived: constant"),
        Variable(
            "USUBJID",
            "Unique Subject Identifier",
            TEXT,
            of_subject(lambda subject: subject.usubjid),
            origin="derived: STUDYID-SUBJID (not enrolled: STUDYID-SITEID-P<patient number>)",
        ),
    )
    if seq is None:
        return head
    return (
        *head,
        Variable(
            seq,
            "Sequence Number",
            INTEGER,
            _sequence,
            origin="derived: order of the subject's records in this dataset",
        ),
    )


def numbered(subject: Subject, rows: Iterator[dict]) -> Iterator[Rec]:
    """``Rec``s of one subject's rows with --SEQ 1, 2, 3…"""
    for seq, row in enumerate(rows, start=1):
        yield Rec(subject, seq, row)
