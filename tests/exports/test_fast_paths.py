"""The export's fast paths give exactly the cells of the plain ones.

A statistician's dataset must not change because the export got faster: the compiled CSV row
function is held to the reference formatters cell by cell, and PostgreSQL's binary stream to
Django's own iterator, byte for byte over every domain.
"""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from edc.exports import context
from edc.exports.context import ExportContext, in_read_transaction
from edc.exports.domains import DOMAINS
from edc.exports.spec import (
    DATE,
    DATETIME,
    FLOAT,
    INTEGER,
    KEEP,
    TEXT,
    Rec,
    Variable,
    col,
    const,
    mapped,
)
from edc.exports.writers import (
    CsvLines,
    Formats,
    RowCount,
    csv_bytes,
    csv_row_function,
    row_function,
)

D = Decimal


def rendered(cells: list) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue()


AWARE = timezone.make_aware(dt.datetime(2025, 3, 4, 23, 30))
VALUES = {
    TEXT: [
        None,
        "",
        "plain",
        "=1+2",
        "+33 6",
        "-x",
        "@SUM(A1)",
        "\tTab",
        "'=quoted",
        "'plain",
        D("1.500"),
        D("-40"),
        7,
        dt.date(2025, 1, 2),
        AWARE,
        True,
    ],
    INTEGER: [None, 0, -3, 12, D("4"), D("4.000"), True, False],
    FLOAT: [None, 0.0, 2.0, -1.25, 1e-7, D("1.500"), D("100"), D("1E+2"), D("-0.0"), 3],
    DATE: [None, dt.date(2025, 1, 2), AWARE],
    DATETIME: [None, AWARE, dt.datetime(2025, 1, 2, 8, 5), dt.date(2025, 1, 2)],
}


@pytest.mark.parametrize("kind", sorted(VALUES))
def test_compiled_csv_cells_read_the_same_as_the_reference_formatters(kind, settings):
    variables = (
        Variable("CONST", "constant", kind, const(VALUES[kind][-1])),
        Variable("COL", "column", kind, col("value")),
        Variable("DERIVED", "derived", kind, lambda rec: rec.data["value"]),
    )
    reference = row_function(variables, *Formats().csv())
    compiled = csv_row_function(variables, Formats())
    # Twice over: the second pass reads the column caches filled by the first.
    for value in VALUES[kind] * 2:
        rec = Rec(None, 1, {"value": value})
        assert rendered(compiled(rec)) == rendered(reference(rec)), (kind, value)


@pytest.mark.parametrize("default", [KEEP, None, "OTHER"])
def test_compiled_controlled_term_lookups_read_the_same_as_the_reference(default):
    terms = {"related": "Y", "unrelated": "N", "=x": "=formula"}
    variables = (Variable("TERM", "term", TEXT, mapped("value", terms, default=default)),)
    reference = row_function(variables, *Formats().csv())
    compiled = csv_row_function(variables, Formats())
    for value in [None, "", "related", "unrelated", "unknown", "=x", "=y", 3]:
        rec = Rec(None, 1, {"value": value})
        assert rendered(compiled(rec)) == rendered(reference(rec)), value
    expected_unknown = {KEEP: "unknown", None: "", "OTHER": "OTHER"}[default]
    assert compiled(Rec(None, 1, {"value": "related"})) == ["Y"]
    assert compiled(Rec(None, 1, {"value": "unknown"})) == [expected_unknown]


@pytest.mark.django_db
def test_domain_csv_cells_match_the_reference_formatters(trial, data_manager):
    ctx = ExportContext(user=data_manager)
    compared = set()
    for domain in DOMAINS:
        variables = domain.variables_for(deidentified=False)
        reference = row_function(variables, *Formats().csv())
        compiled = csv_row_function(variables, Formats())
        for rec in domain.rows(ctx):
            assert rendered(compiled(rec)) == rendered(reference(rec)), domain.code
            compared.add(domain.code)
    assert compared >= {"DM", "DS", "SV", "EX", "AE", "LB", "VS", "TU", "TR", "RS"}


@pytest.mark.django_db
def test_postgres_binary_stream_exports_the_same_bytes_as_djangos_iterator(
    require_postgres, trial, data_manager, statistician, monkeypatch
):
    def export_all(user) -> dict[str, bytes]:
        out = {}
        for domain in DOMAINS:
            ctx = ExportContext(user=user)
            variables = domain.variables_for(deidentified=ctx.deidentified)
            pieces = in_read_transaction(csv_bytes(variables, domain.rows(ctx)))
            out[domain.code] = b"".join(pieces)
        return out

    streamed_calls = []
    binary_rows = context._binary_rows

    def counting(*args, **kwargs):
        streamed_calls.append(args[0])
        return binary_rows(*args, **kwargs)

    monkeypatch.setattr(context, "_binary_rows", counting)
    fast = {user.username: export_all(user) for user in (data_manager, statistician)}
    assert streamed_calls, "the binary stream was not used on PostgreSQL"

    monkeypatch.setattr(
        context, "rows_of", lambda qs, *, chunk_size: qs.iterator(chunk_size=chunk_size)
    )
    plain = {user.username: export_all(user) for user in (data_manager, statistician)}
    assert fast == plain
    assert all(fast[data_manager.username].values())


@pytest.mark.parametrize(
    "cells",
    [
        ["a", "b", "c"],
        ["", "", ""],
        ["a,b", "c", ""],
        ['say "hi"', "x", "y"],
        ["line\nbreak", "x", "y"],
        ["carriage\rreturn", "x", "y"],
        ["'=1+2", "-40", "2025-01-02T10:30"],
        [" leading", "trailing ", "é ü ß"],
        [""],
        ["only"],
    ],
)
def test_fast_csv_lines_are_the_csv_modules_lines(cells):
    assert CsvLines(len(cells)).line(cells) + "\r\n" == rendered(cells)


def test_streamed_csv_is_the_csv_modules_output_with_a_true_row_count():
    variables = (
        Variable("NAME", "name", TEXT, col("name")),
        Variable("N", "number", FLOAT, col("n")),
        Variable("AT", "time", DATETIME, col("at")),
    )
    data = [
        {"name": "plain", "n": D("1.50"), "at": AWARE},
        {"name": "a, b", "n": None, "at": None},
        {"name": 'q"uote', "n": -2, "at": AWARE},
        {"name": "=cmd", "n": 0.5, "at": AWARE},
        {"name": None, "n": D("100"), "at": AWARE},
    ] * 3000
    counter = RowCount()
    streamed = b"".join(csv_bytes(variables, (Rec(None, 1, row) for row in data), counter))
    reference = row_function(variables, *Formats().csv())
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["NAME", "N", "AT"])
    for row in data:
        writer.writerow(reference(Rec(None, 1, row)))
    assert streamed.decode("utf-8") == out.getvalue()
    assert counter.rows == len(data)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2026-01-01T00:00:00+16:00", None),  # valid ISO 8601, beyond PostgreSQL's ±15:59
        ("0001-01-01", "out of range"),
        ("9999-12-31T23:00:00-05:00", "out of range"),
        ("yesterday", "Give a date"),
    ],
)
def test_an_as_of_or_updated_since_time_is_utc_or_a_clear_message(text, problem):
    from django.core.exceptions import ValidationError

    from edc.exports.validators import parse_moment

    if problem is None:
        moment = parse_moment(text, "updated_since", end_of_day=False)
        assert moment == dt.datetime(2025, 12, 31, 8, 0, tzinfo=dt.UTC)
        assert moment.tzinfo == timezone.get_default_timezone()  # shown in the trial's zone
        return
    with pytest.raises(ValidationError) as raised:
        parse_moment(text, "updated_since", end_of_day=False)
    assert problem in raised.value.message_dict["updated_since"][0]
