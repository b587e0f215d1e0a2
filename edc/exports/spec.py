"""The declarative shape of a domain dataset: variables (name, label, type, unit, codelist,
origin, and where the value comes from) and the generator of its records.

A domain module (``edc/exports/domains/<code>.py``) declares one ``Domain``: everything about
that dataset is in that one place, each variable declared once.

* A domain whose records are rows of the database (``Domain.stream``: AE, DV, EX, LB, SV, VS)
  declares each variable as a Django query expression of its model's fields (``col``,
  ``mapped``, ``nonblank``, ``yes_no`` are shorthands; any ``F``/``Case``/``Concat``/
  ``edc.exports.expressions`` expression goes as it is). Django compiles the stream's query
  for the database at hand; PostgreSQL writes its CSV with ``COPY`` (``edc.exports.pgcsv``)
  and every other case reads the same query's rows (``Stream.records``).
* A domain built in Python (DM, DS, and TU/TR/RS from the RECIST engine) yields ``Rec``
  objects and each variable's ``source`` turns a ``Rec`` into the cell's value.

Reading a domain's rows as Python values (public; for writers of other formats such as
Dataset-JSON or XPT)::

    for row in domain.values(ctx):            # dict: variable name → value
        ...
    # or, record by record:  for rec in domain.rows(ctx): variable.source(rec)

A value is a str, int, Decimal, date, datetime or None (empty); formatting (CSV text, JSON
types, ISO 8601 dates in the trial's time zone, formula neutralisation) is the writers' job
(``edc.exports.writers``). ``domain.variables_for(deidentified=ctx.deidentified)`` gives the
variables the reader receives, in order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import models
from django.db.models import F, Q, QuerySet

from edc import protocol

from . import expressions
from .context import PATIENT_KEY, ExportContext, Subject, rows_of
from .snapshots import patient_lookup

# Variable types (ODM DataType names; SDTM "Char" for text/date/datetime, "Num" for numbers).
TEXT = "text"
INTEGER = "integer"
FLOAT = "float"
DATE = "date"
DATETIME = "datetime"
TYPES = (TEXT, INTEGER, FLOAT, DATE, DATETIME)
NUMERIC_TYPES = frozenset({INTEGER, FLOAT})


class Rec:
    """One output row before formatting: the subject (None for a stream domain's record),
    its sequence number and source data."""

    __slots__ = ("subject", "seq", "data")

    def __init__(self, subject: Subject | None, seq: int | None, data: dict):
        self.subject = subject
        self.seq = seq
        self.data = data


@dataclass(frozen=True)
class Variable:
    name: str
    label: str
    type: str
    # Where the value comes from: in a stream domain, a Django expression of the model's
    # fields (``col``, ``mapped``… are shorthands); in a domain built in Python, a callable
    # of the ``Rec``.
    source: Any
    unit: str = ""
    codelist: str = ""
    # Where the value comes from: "app.model.field", or "derived: …" with the rule.
    origin: str = ""
    # Withheld from de-identified readers (see edc.exports.deidentify).
    identifying: bool = False
    # Not a standard SDTM variable of the domain (would go to SUPP-- in a submission).
    supplementary: bool = False
    # Of a stream domain's variable: the Django expression of its value (set by ``Domain``
    # from ``source``; ``source`` then reads the value the query gave).
    expression: Any = None

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"{self.name}: unknown type {self.type!r}")


@dataclass(frozen=True)
class Part:
    """One model's rows in a ``Stream``, where ``where`` holds. ``expressions`` name columns
    the variables read as fields (EX's ``trt``, ``dose``…: each part gives the same names)."""

    model: type[models.Model]
    where: Q | None = None
    expressions: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Unpivot:
    """Each row of a stream as one record per item (VS: one row of vital signs, a record per
    test). An item is its constant columns (test code, name, unit…) and the field whose value
    the record carries as ``value``; a row gives no record for an item whose field is NULL.
    A row's records follow the items' order."""

    value: str
    items: tuple[tuple[Mapping[str, Any], str], ...]

    @property
    def constants(self) -> tuple[str, ...]:
        """The names of the items' constant columns (every item has the same)."""
        return tuple(self.items[0][0]) if self.items else ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.value, *self.constants)

    def columns(self) -> dict[str, str]:
        """The query column of each item's field (``item_column``)."""
        return {column: item_column(i) for i, (_c, column) in enumerate(self.items)}

    def expand(self, rows: Iterator[dict]) -> Iterator[dict]:
        value = self.value
        items = [(dict(constants), item_column(i)) for i, (constants, _f) in enumerate(self.items)]
        for row in rows:
            for constants, column in items:
                if (cell := row[column]) is not None:
                    yield {**row, **constants, value: cell}


def item_column(index: int) -> str:
    return f"_i{index}"


def order_column(index: int) -> str:
    return f"_o{index}"


def patient_path(model: type[models.Model]) -> str:
    """The lookup prefix from ``model`` to its patient ("" for the patient itself)."""
    lookup = patient_lookup(model)
    if lookup == "id":
        return ""
    return lookup.removesuffix("_id").removesuffix("__id") + "__"


@dataclass(frozen=True)
class Stream:
    """Records that are rows of the database, one record per row (or per item, ``unpivot``):
    the rows of its parts (one model, or a UNION ALL of several) for the export's subjects,
    ordered by patient then ``order_by`` (fields, or the parts' expressions), numbered 1, 2,
    3… per subject for --SEQ when ``numbered``.

    ``queryset(ctx, variables)`` is the one query of a dataset: each variable's expression
    under the variable's name, the patient id (``PATIENT_KEY``), the sort columns and the
    unpivoted fields. PostgreSQL renders its CSV (``edc.exports.pgcsv``); ``records`` reads
    its rows for every other output.
    """

    parts: tuple[Part, ...]
    order_by: tuple[str, ...]
    numbered: bool = True
    # A row as several records (after ``order_by``, in the items' order).
    unpivot: Unpivot | None = None

    def selected(self, variables: Iterable[Variable]) -> tuple[Variable, ...]:
        """The variables the query computes (constants and --SEQ are the renderer's)."""
        return tuple(v for v in variables if v.expression is not None)

    def queryset(
        self,
        ctx: ExportContext,
        variables: Iterable[Variable],
        *,
        first: int | None = None,
        last: int | None = None,
    ) -> QuerySet:
        """The rows, ordered; only patients ``first <= id <= last`` when given."""
        selected = self.selected(variables)
        branches = []
        for part in self.parts:
            lookup = patient_lookup(part.model)
            path = patient_path(part.model)
            qs = ctx.scoped(part.model).filter(ctx.patient_condition(lookup))
            if not ctx.snapshot.is_live:
                # A row as of then whose patient is not a subject as of then is left out.
                qs = qs.filter(**{f"{lookup}__in": ctx.subject_ids()})
            if part.where is not None:
                qs = qs.filter(part.where)
            if first is not None:
                qs = qs.filter(**{f"{lookup}__gte": first, f"{lookup}__lte": last})
            if part.expressions:
                qs = qs.annotate(**part.expressions)
            columns: dict[str, Any] = {PATIENT_KEY: F(lookup)}
            for index, name in enumerate(self.order_by):
                columns[order_column(index)] = F(name)
            for variable in selected:
                expression = variable.expression
                if isinstance(expression, ReaderExpression):
                    expression = expression.build(ctx, path)
                columns[variable.name] = expression
            if self.unpivot is not None:
                for column, alias in self.unpivot.columns().items():
                    columns[alias] = F(column)
            branches.append(qs.values(**columns).order_by())
        head, *rest = branches
        qs = head.union(*rest, all=True) if rest else head
        return qs.order_by(PATIENT_KEY, *(order_column(i) for i in range(len(self.order_by))))

    def records(
        self, ctx: ExportContext, variables: Iterable[Variable] | None = None
    ) -> Iterator[Rec]:
        rows = rows_of(self.queryset(ctx, variables or ()), chunk_size=ctx.chunk_size)
        if self.unpivot is not None:
            rows = self.unpivot.expand(rows)
        if not self.numbered:
            for row in rows:
                yield Rec(None, None, row)
            return
        patient, seq = None, 0
        for row in rows:
            if row[PATIENT_KEY] != patient:
                patient, seq = row[PATIENT_KEY], 0
            seq += 1
            yield Rec(None, seq, row)


class ReaderExpression:
    """An expression that depends on the export (its reader) and the part's path to the
    patient: ``build(ctx, path)`` gives it (AE's entered-by, every stream's USUBJID)."""

    def __init__(self, build: Callable[[ExportContext, str], Any]):
        self.build = build


def _unbound(_rec: Rec):
    raise TypeError("a stream domain's variable is read from its Domain's variables")


def _expression_of(source: Any) -> Any:
    """The Django expression a stream variable's ``source`` declares, or None when the
    renderer writes it itself (a constant, --SEQ)."""
    if hasattr(source, "constant") or getattr(source, "sequence", False):
        return None
    if (at_patient := getattr(source, "at_patient", None)) is not None:
        return ReaderExpression(lambda ctx, path: at_patient(path))
    if isinstance(source, ReaderExpression) or hasattr(source, "resolve_expression"):
        return source
    if (expression := getattr(source, "expression", None)) is not None:
        return expression
    raise TypeError(f"{source!r} is not an expression of a stream's fields")


def _bound(stream: Stream, variable: Variable) -> Variable:
    """``variable`` of ``stream``: its expression, and a source reading the query's value."""
    source = variable.source
    column = getattr(source, "column", None)
    if stream.unpivot is not None and column in stream.unpivot.names:
        return variable  # an item's value or constant: added to the row by ``Unpivot``
    expression = _expression_of(source)
    if expression is None:
        return variable
    return replace(variable, source=col(variable.name), expression=expression)


@dataclass(frozen=True)
class Domain:
    code: str
    label: str
    description: str
    variables: tuple[Variable, ...]
    # The records of a domain built in Python (None for a ``stream`` domain).
    records: Callable[[ExportContext], Iterator[Rec]] | None = None
    # Models read: their changes select subjects for ``updated_since``.
    models: tuple[type[models.Model], ...] = field(default=())
    # Domain sort keys, as documented in the data dictionary.
    keys: tuple[str, ...] = ()
    # Codelists only this domain uses (shared ones live in edc.exports.codelists).
    codelists: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    # The domain's records are rows of the database: each variable is an expression.
    stream: Stream | None = None

    def __post_init__(self) -> None:
        if self.stream is not None:
            bound = tuple(_bound(self.stream, v) for v in self.variables)
            object.__setattr__(self, "variables", bound)
        elif self.records is None:
            raise ValueError(f"{self.code}: neither records nor a stream")

    def variables_for(self, *, deidentified: bool) -> tuple[Variable, ...]:
        if not deidentified:
            return self.variables
        return tuple(v for v in self.variables if not v.identifying)

    def rows(
        self, ctx: ExportContext, variables: Iterable[Variable] | None = None
    ) -> Iterator[Rec]:
        """The records for ``ctx``'s reader; ``variable.source(rec)`` is each value. A stream
        domain computes ``variables`` only (default: every one the reader receives)."""
        ctx = ctx.for_models(self.models)
        if self.stream is not None:
            if variables is None:
                variables = self.variables_for(deidentified=ctx.deidentified)
            return self.stream.records(ctx, variables)
        return self.records(ctx)

    def values(self, ctx: ExportContext) -> Iterator[dict[str, Any]]:
        """Each record as a dict of the reader's variables' values, in order (public)."""
        variables = self.variables_for(deidentified=ctx.deidentified)
        readers = [(v.name, v.source) for v in variables]
        for rec in self.rows(ctx, variables):
            yield {name: source(rec) for name, source in readers}

    @property
    def filename_stem(self) -> str:
        return self.code.lower()


# --- Source helpers ------------------------------------------------------------------------------
def col(name: str) -> Callable[[Rec], Any]:
    """The value ``name`` of the record's data (writers read it without calling this)."""

    def source(rec: Rec, _name=name):
        return rec.data[_name]

    source.column = name
    source.expression = F(name)  # in a stream domain: the field
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
    # In a stream domain: the same lookup in the query.
    source.expression = expressions.Terms(
        name,
        mapping,
        default=None if default is KEEP else default,
        keep=default is KEEP,
        blank_is_null=True,
    )
    return source


def nonblank(name: str) -> Callable[[Rec], Any]:
    """The record's text ``name``, an empty string as missing (null in JSON)."""
    return mapped(name, {})


def yes_no(name: str) -> Callable[[Rec], Any]:
    def source(rec: Rec, _name=name):
        value = rec.data[_name]
        return None if value is None else ("Y" if value else "N")

    source.yes_no = name
    source.expression = expressions.yes_no(name)
    return source


def of_subject(fn: Callable[[Subject], Any]) -> Callable[[Rec], Any]:
    """A value of the record's subject alone (USUBJID, ARMCD…): renderers compute it once per
    subject."""

    def source(rec: Rec, _fn=fn):
        return _fn(rec.subject)

    source.of_subject = fn
    return source


# The subject's USUBJID (``ExportContext.subjects`` reads it with this same expression); in a
# stream domain, the expression at the row's patient.
_usubjid = of_subject(lambda subject: subject.usubjid)
_usubjid.at_patient = expressions.usubjid


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
            _usubjid,
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
