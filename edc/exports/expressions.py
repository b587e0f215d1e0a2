"""Django query expressions the export variables are declared with, compiled per vendor.

A variable of a stream domain (``spec.Stream``) is one Django expression over its model's
fields (``F``, ``Value``, ``Case``/``When``, ``Concat``, ``Coalesce``, ``NullIf``…, or one of
the few below). Django compiles it for the database at hand: PostgreSQL streams the compiled
SELECT through ``COPY`` (``edc.exports.pgcsv``), SQLite runs the same query through a cursor
and the Python writers (``edc.exports.writers``). Nothing here is a second copy of a rule:
each expression is the rule.

The three expressions below exist because standard Django has no portable form for them:

* ``Terms`` — a controlled-terms lookup (``mapping.get(value, default)``): a ``CASE``, or on
  PostgreSQL one ``jsonb`` lookup for a long mapping (a binary search instead of a comparison
  per term: AE's MedDRA system organ classes);
* ``JsonHas`` — ``value in json_list`` (AE's seriousness criteria): ``?`` on PostgreSQL,
  ``json_each`` on SQLite (Django's ``contains`` on a JSONField does not exist there);
* ``IsoMinute`` — a date and time as ``YYYY-MM-DDTHH:MM`` in the trial's time zone, as text.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Func, Value, When
from django.db.models.functions import Cast, Concat, LPad, NullIf, TruncMinute

from edc import protocol

# A mapping of this many terms or more is one jsonb lookup on PostgreSQL rather than a CASE.
JSONB_TERMS = 12


def _value_field(values) -> models.Field:
    kinds = {type(v) for v in values if v is not None}
    if kinds and kinds <= {int}:
        return models.IntegerField()
    return models.CharField()


class Terms(Func):
    """``mapping.get(<expression>, default)`` as SQL; with ``keep``, a value not in the mapping
    is kept as it is (``default`` unused); with ``blank_is_null``, NULL and '' give NULL
    (``spec.mapped``: empty stays empty)."""

    template = "%(expressions)s"

    def __init__(
        self,
        expression,
        mapping: dict,
        *,
        default: Any = None,
        keep: bool = False,
        blank_is_null: bool = False,
        output_field: models.Field | None = None,
    ):
        self.mapping = dict(mapping)
        self.default = default
        self.keep = keep
        self.blank_is_null = blank_is_null
        if output_field is None:
            output_field = _value_field([*self.mapping.values(), default])
        super().__init__(
            F(expression) if isinstance(expression, str) else expression,
            output_field=output_field,
        )

    def _case(self) -> Case:
        source = self.source_expressions[0]
        whens = [
            When(_Compare(source, key), then=Value(value, output_field=self.output_field))
            for key, value in self.mapping.items()
        ]
        fallback = source if self.keep else Value(self.default, output_field=self.output_field)
        if self.blank_is_null:
            blank = _Blank(source)
            whens.insert(0, When(blank, then=Value(None, output_field=self.output_field)))
        return Case(*whens, default=fallback, output_field=self.output_field)

    def as_sql(self, compiler, connection, **extra_context):
        return compiler.compile(self._case())

    def as_postgresql(self, compiler, connection, **extra_context):
        terms = self.mapping
        if (
            len(terms) < JSONB_TERMS
            or None in terms.values()
            or not all(isinstance(key, str) for key in terms)
            or not all(isinstance(value, str) for value in terms.values())
            or not isinstance(self.output_field, models.CharField)
        ):
            return compiler.compile(self._case())
        source_sql, source_params = compiler.compile(self.source_expressions[0])
        if self.keep:
            fallback_sql, fallback_params = f"({source_sql})", list(source_params)
        else:
            fallback_sql, fallback_params = compiler.compile(
                Value(self.default, output_field=self.output_field)
            )
        sql = f"COALESCE((%s::jsonb ->> ({source_sql})::text), {fallback_sql})"
        params = [json.dumps(terms), *source_params, *fallback_params]
        if self.blank_is_null:
            sql = (
                f"CASE WHEN ({source_sql}) IS NULL OR ({source_sql}) = '' THEN NULL ELSE {sql} END"
            )
            params = [*source_params, *source_params, *params]
        return sql, params


class _Compare(Func):
    """``<expression> = <value>`` (a condition for ``When``)."""

    output_field = models.BooleanField()
    conditional = True
    template = "(%(expressions)s)"
    arg_joiner = " = "

    def __init__(self, expression, value):
        super().__init__(expression, Value(value))


class _Blank(Func):
    """``<expression>`` is NULL or '' (a condition for ``When``)."""

    output_field = models.BooleanField()
    conditional = True

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(({sql}) IS NULL OR ({sql}) = '')", [*params, *params]


class JsonHas(Func):
    """Python's ``value in (field or ())`` for the JSON field ``field``: an element of a list,
    a key of an object, a substring of a string; false when NULL."""

    output_field = models.BooleanField()
    conditional = True

    def __init__(self, field: str, value: str):
        self.value = value
        super().__init__(F(field))

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        sql = (
            f"CASE json_type({column}) "
            f"WHEN 'text' THEN instr(json_extract({column}, '$'), %s) > 0 "
            f"WHEN 'object' THEN EXISTS (SELECT 1 FROM json_each({column}) AS j "
            f"WHERE j.key = %s) "
            f"WHEN 'array' THEN EXISTS (SELECT 1 FROM json_each({column}) AS j "
            f"WHERE j.type = 'text' AND j.value = %s) ELSE 0 END"
        )
        value = self.value
        return sql, [*params, *params, value, *params, value, *params, value]

    def as_postgresql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        sql = (
            f"CASE jsonb_typeof({column}) WHEN 'string' THEN strpos({column} #>> '{{}}', %s) > 0 "
            f"ELSE COALESCE({column} ? %s, false) END"
        )
        return sql, [*params, *params, self.value, *params, self.value]


class IsoMinute(Func):
    """A date and time as ``YYYY-MM-DDTHH:MM`` text in the trial's time zone."""

    output_field = models.CharField()

    def __init__(self, expression):
        super().__init__(F(expression) if isinstance(expression, str) else expression)

    def as_sql(self, compiler, connection, **extra_context):
        minute = TruncMinute(self.source_expressions[0], output_field=models.DateTimeField())
        sql, params = compiler.compile(minute)
        return f"strftime('%%Y-%%m-%%dT%%H:%%M', {sql})", params

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"""to_char(({sql}) AT TIME ZONE %s, 'YYYY-MM-DD"T"HH24:MI')""",
            [*params, settings.TIME_ZONE],
        )


def yes_no(name: str) -> Case:
    """The boolean field ``name`` as 'Y'/'N'; NULL stays NULL."""
    return Case(
        When(**{name: True}, then=Value("Y")),
        When(**{name: False}, then=Value("N")),
        default=Value(None),
        output_field=models.CharField(),
    )


def nonblank(name: str) -> NullIf:
    """The text field ``name``, '' as NULL."""
    return NullIf(F(name), Value(""), output_field=models.CharField())


def usubjid(path: str = "") -> Case:
    """USUBJID of the patient at ``path`` ("" for the patient itself, "patient__" …):
    STUDYID-SUBJID, or STUDYID-SITEID-P<patient number, six digits> when not enrolled (the
    internal number, never the screening number, so every reader gets the same USUBJID)."""
    trial = Value(f"{protocol.TRIAL_ID}-")
    number = Cast(F(f"{path}id"), models.CharField())
    return Case(
        When(
            **{f"{path}subject_id__gt": ""},
            then=Concat(trial, F(f"{path}subject_id"), output_field=models.CharField()),
        ),
        default=Concat(
            trial,
            F(f"{path}site__code"),
            Value("-P"),
            Case(
                When(**{f"{path}id__gt": 999999}, then=number),
                default=LPad(number, 6, Value("0")),
                output_field=models.CharField(),
            ),
            output_field=models.CharField(),
        ),
        output_field=models.CharField(),
    )


class IsoDate(Func):
    """A date as ``YYYY-MM-DD`` text."""

    output_field = models.CharField()

    def __init__(self, expression):
        super().__init__(F(expression) if isinstance(expression, str) else expression)

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"strftime('%%Y-%%m-%%d', {sql})", params

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"to_char({sql}, 'YYYY-MM-DD')", params


class HourMinute(Func):
    """A time of day as ``HH:MM`` text."""

    output_field = models.CharField()

    def __init__(self, expression):
        super().__init__(F(expression) if isinstance(expression, str) else expression)

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"substr({sql}, 1, 5)", params

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"to_char({sql}, 'HH24:MI')", params


def day_and_time(day: str, time: str) -> Case:
    """``YYYY-MM-DD``, with ``THH:MM`` when the time ``time`` is known (text)."""
    return Case(
        When(**{f"{time}__isnull": True}, then=IsoDate(day)),
        default=Concat(IsoDate(day), Value("T"), HourMinute(time)),
        output_field=models.CharField(),
    )
