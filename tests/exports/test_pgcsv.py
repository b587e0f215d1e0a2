"""CSV rendered by PostgreSQL is byte for byte the CSV the Python writers give.

A statistician's dataset must not depend on which path built it: every cell rule of
``edc.exports.pgcsv`` is held to the Python formatter on awkward values, the expressions the
variables are declared with read on each database as the Python rule they stand for, and
every domain PostgreSQL renders is held to the rows read through the Python writers, per role,
with scoped sites and ``updated_since``.
"""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection, models
from django.db.models import Value
from django.utils import timezone

from assessments.constants import Relation, SAECriterion
from assessments.models import AdverseEvent, VitalSigns
from edc import protocol
from edc.deviations.constants import DeviationStatus
from edc.deviations.models import Deviation
from edc.exports import pgcsv
from edc.exports.context import ExportContext, in_read_transaction
from edc.exports.datasets import dataset_bytes
from edc.exports.domains import DOMAINS
from edc.exports.expressions import JSONB_TERMS, IsoMinute, JsonHas
from edc.exports.spec import DATE, DATETIME, FLOAT, INTEGER, KEEP, TEXT, Rec, mapped
from edc.exports.writers import Formats, RowCount, csv_bytes
from labs.catalogue import ANALYTES
from labs.models import LabResult
from patients.models import Patient

TEXTS = [
    None,
    "",
    "plain",
    "é ü ß – 中文",
    " leading and trailing ",
    "a,b",
    'say "hi"',
    "line\nbreak",
    "carriage\rreturn\r\n",
    "=1+2",
    "+33 6 12",
    "-40",
    "@SUM(A1)",
    "\ttab",
    "\rcr",
    "'=already",
    "'plain",
    "''=two",
    '=a,"b"',
    "back\\slash %s %% 'quote'",
    # Every ASCII first character, alone and before a trigger (the SQL decides on the first).
    *(chr(code) + tail for code in range(1, 128) for tail in ("", "=1")),
]
DECIMALS = [
    None,
    Decimal("0"),
    Decimal("0.000"),
    Decimal("1.500"),
    Decimal("-0.50"),
    Decimal("100.0"),
    Decimal("100"),
    Decimal("0.0000001"),
    Decimal("12345678.123400"),
    Decimal("-40"),
]
PARIS = dt.timezone(dt.timedelta(hours=1))
MOMENTS = [
    None,
    dt.datetime(2025, 3, 30, 0, 59, tzinfo=dt.UTC),  # the night clocks go forward (CET → CEST)
    dt.datetime(2025, 3, 30, 1, 0, tzinfo=dt.UTC),
    dt.datetime(2025, 10, 26, 0, 30, tzinfo=dt.UTC),  # and back
    dt.datetime(2025, 10, 26, 1, 30, tzinfo=dt.UTC),
    dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC),  # the next day in the trial's zone
    dt.datetime(2026, 1, 2, 8, 5, 59, 999999, tzinfo=PARIS),
]
DAYS = [None, dt.date(2025, 1, 2), dt.date(999, 12, 31), dt.date(9999, 12, 31)]


def sql_cell(expression: str, value, sql_type: str, memo_joins: str = "") -> str:
    """The cell as ``COPY … (FORMAT csv)`` writes it, after a first cell (as in a dataset)."""
    expression, memo_joins = expression.replace("%", "%%"), memo_joins.replace("%", "%%")
    statement = (
        f"COPY (SELECT 'x', {expression} FROM (SELECT %s::{sql_type} AS v) r{memo_joins}) "
        "TO STDOUT (FORMAT csv)"
    )
    with connection.cursor() as cursor, cursor.cursor.copy(statement, [value]) as copy:
        line = b"".join(copy).decode("utf-8")
    return line.removeprefix("x,").removesuffix("\n")


def python_cell(value, type_: str) -> str:
    """The cell as ``writers.csv_bytes`` writes it: formatted, then quoted by the csv module."""
    table, default = Formats().csv()
    out = io.StringIO()
    csv.writer(out).writerow(["x", table.get(type_, default)(value)])
    return out.getvalue().removeprefix("x,").removesuffix("\r\n")


def columns(field: models.Field) -> pgcsv.Columns:
    return pgcsv.Columns({"v": field}, Formats())


CASES = [
    (models.TextField(), "text", TEXT, TEXTS),
    (models.DecimalField(), "numeric", FLOAT, DECIMALS),
    (models.DecimalField(), "numeric", INTEGER, DECIMALS),
    (models.DecimalField(), "numeric", TEXT, DECIMALS),
    (models.IntegerField(), "int", INTEGER, [None, 0, -3, 2_000_000_000]),
    (models.IntegerField(), "int", TEXT, [None, 0, -3]),
    (models.DateTimeField(), "timestamptz", DATETIME, MOMENTS),
    (models.DateTimeField(), "timestamptz", DATE, MOMENTS),
    (models.DateTimeField(), "timestamptz", TEXT, MOMENTS),
    (models.DateField(), "date", DATE, DAYS),
    (models.DateField(), "date", DATETIME, DAYS),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "sql_type", "type_", "values"),
    CASES,
    ids=[f"{sql_type}-{type_}" for _, sql_type, type_, _ in CASES],
)
def test_each_sql_cell_rule_writes_what_the_python_formatter_writes(
    require_postgres, settings, field, sql_type, type_, values
):
    settings.TIME_ZONE = "Europe/Paris"
    timezone.activate("Europe/Paris")
    # PostgreSQL's default date style, where COPY writes a date as it is, and another one,
    # where the cell is formatted by to_char.
    for datestyle in ("ISO, MDY", "SQL, DMY"):
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL DateStyle = '{datestyle}'")
        sql = columns(field)
        cell, memo_joins = sql.cell("v", type_), sql.memo_joins()
        for value in values:
            got = sql_cell(cell, value, sql_type, memo_joins)
            assert got == python_cell(value, type_), (datestyle, value)


def evaluated(trial, expression):
    """``expression``'s value, computed by the database (on one row)."""
    row = Patient.objects.filter(pk=trial.treated.pk).annotate(value=expression)
    return row.values_list("value", flat=True).get()


@pytest.mark.django_db
@pytest.mark.parametrize("size", [3, JSONB_TERMS + 3])
@pytest.mark.parametrize("default", [KEEP, None, "OTHER, =x"])
def test_controlled_terms_in_sql_read_as_in_python(trial, size, default):
    """``spec.mapped`` as the query computes it (a CASE, or one jsonb lookup for a long list
    on PostgreSQL) is the Python lookup: empty stays empty, unknown values kept or defaulted,
    quotes, commas, formulas and percent signs in terms."""
    terms = {f"code {i}": f'term, "{i}"' for i in range(size)}
    terms |= {"=x": "=formula", "100%": "100 % 'sure'"}
    source = mapped("v", terms, default)
    for value in [None, "", *terms, "unknown, really", "=y"]:
        expression = source.expression.copy()
        expression.set_source_expressions([Value(value, output_field=models.TextField())])
        expected = source(Rec(None, None, {"v": value}))
        assert evaluated(trial, expression) == expected, value


@pytest.mark.django_db
def test_json_membership_in_sql_reads_as_in_python(trial):
    """AE's seriousness flags: ``code in (criteria or ())`` for every JSON shape (the forms
    store a list; the others only through data changed behind the EDC)."""
    shapes = [[], ["death", "hospitalisation"], {"death": True}, "death and more", [3]]
    for shape in shapes:
        # Written straight to the table: test data, not an audited edit.
        models.QuerySet(AdverseEvent).filter(patient=trial.treated).update(sae_criteria=shape)
        row = AdverseEvent.objects.filter(patient=trial.treated)[:1]
        for code in ("death", "hospitalisation", "disability"):
            has = row.annotate(v=JsonHas("sae_criteria", code)).values_list("v", flat=True).get()
            assert bool(has) == (code in (shape or ())), (shape, code)


@pytest.mark.django_db
def test_times_as_text_in_sql_read_as_in_python(trial, settings):
    """EX's start of an injection: the minute in the trial's zone, across both clock
    changes and the turn of the year, as the Python formatter writes it."""
    settings.TIME_ZONE = "Europe/Paris"
    timezone.activate("Europe/Paris")
    formats = Formats()
    for moment in MOMENTS[1:]:
        value = Value(moment, output_field=models.DateTimeField())
        assert evaluated(trial, IsoMinute(value)) == formats.iso_datetime(moment), moment


@pytest.mark.django_db
def test_every_stream_domain_is_rendered_by_postgres(require_postgres, trial, data_manager):
    unsupported = pgcsv.Columns({"v": models.BooleanField()}, Formats())
    with pytest.raises(pgcsv.Unsupported):
        unsupported.cell("v", TEXT)
    for ctx in (
        ExportContext(user=data_manager),
        # An as-of snapshot: the same query over the history tables.
        ExportContext(user=data_manager, as_of=timezone.now()),
    ):
        for domain in DOMAINS:
            plan = pgcsv.plan(domain, domain.variables_for(deidentified=False), ctx)
            assert (plan is not None) == (domain.stream is not None), domain.code


def both_paths(domain, ctx) -> tuple[bytes, bytes, RowCount, RowCount]:
    variables = domain.variables_for(deidentified=ctx.deidentified)
    fast_count, slow_count = RowCount(), RowCount()
    fast = b"".join(in_read_transaction(dataset_bytes(domain, ctx, "csv", fast_count)))
    slow = b"".join(in_read_transaction(csv_bytes(variables, domain.rows(ctx), slow_count)))
    return fast, slow, fast_count, slow_count


def first_difference(fast: bytes, slow: bytes) -> tuple[str, str] | None:
    """The first line that differs (SQL, Python), for the failure message."""
    for sql_line, python_line in zip(fast.split(b"\r\n"), slow.split(b"\r\n"), strict=False):
        if sql_line != python_line:
            return sql_line.decode(), python_line.decode()
    return None


def awkward_lab_values(trial) -> None:
    """Free text, units, numbers and times that test every cell rule, on real rows (copies of
    a stored result, written straight to the table: test data, not an audited edit)."""
    model = LabResult.objects.filter(patient=trial.treated).order_by("id").first()
    codes = [a.code for a in ANALYTES]
    copies = []
    for index, text in enumerate(TEXTS * 2):
        copy = LabResult.objects.get(pk=model.pk)
        copy.pk = None
        copy.analyte = codes[index % len(codes)]
        copy.comment = text or ""
        copy.original_value = copy.original_unit = (text or "")[:20]
        copy.standard_value = DECIMALS[1 + index % (len(DECIMALS) - 1)]
        copy.normal_low = None if index % 3 == 0 else DECIMALS[(index + 1) % len(DECIMALS)]
        copy.normal_high = None if index % 3 == 0 else model.normal_high
        copy.flag = ["", "L", "H", "N", "?"][index % 5]
        copy.ctcae_grade = None if index % 2 else index % 5
        moment = MOMENTS[1 + index % (len(MOMENTS) - 1)]
        copy.collected_at = moment + dt.timedelta(seconds=index)
        copies.append(copy)
    models.QuerySet(LabResult).bulk_create(copies)


def awkward_vitals(trial) -> None:
    """Vital signs that test VS's one record per test: a height not measured (no record),
    screening and unscheduled visits on one day, decimals with and without trailing zeros."""
    day = dt.date(2025, 1, 2)
    common = {"patient": trial.treated, "systolic_bp": 120, "diastolic_bp": 80, "heart_rate": 70}
    models.QuerySet(VitalSigns).bulk_create(
        [
            VitalSigns(
                visit="SCR",
                measured_on=day,
                weight_kg=Decimal("64.0"),
                height_cm=None,
                temperature_c=Decimal("36.6"),
                ecog=0,
                **common,
            ),
            VitalSigns(
                visit="UNS",
                measured_on=day,
                weight_kg=Decimal("100.5"),
                height_cm=Decimal("171.0"),
                temperature_c=Decimal("38"),
                ecog=2,
                **common,
            ),
            VitalSigns(
                visit="UNS",
                measured_on=day,
                weight_kg=Decimal("99.9"),
                height_cm=None,
                temperature_c=Decimal("37.0"),
                ecog=1,
                **common,
            ),
        ]
    )


def awkward_adverse_events(trial, django_user_model) -> None:
    """Adverse events that test AE's cells: seriousness criteria of every JSON shape (the
    forms store a list; the others only through data changed behind the EDC), relations,
    ongoing and stopped events, free text, and entered by a user with an awkward name, by a
    user with no staff profile and by no one."""
    model = AdverseEvent.objects.filter(patient=trial.treated).order_by("id").first()
    awkward = django_user_model.objects.create(username='=mallory,"x"')
    people = [awkward, None, model.created_by]
    criteria = [
        ["death", "hospitalisation"],
        [],
        {"life_threatening": True},
        "hospitalisation and disability",
        [SAECriterion.MEDICALLY_IMPORTANT, 3],
    ]
    relations = ["", Relation.NOT_RELATED, Relation.POSSIBLE, Relation.DEFINITE, "?"]
    copies = []
    for index, text in enumerate(TEXTS[:40]):
        copy = AdverseEvent.objects.get(pk=model.pk)
        copy.pk = None
        copy.term_specify = copy.comments = text or ""
        copy.serious = index % 3 != 0
        copy.sae_criteria = criteria[index % len(criteria)]
        copy.sae_aware_at = MOMENTS[1 + index % (len(MOMENTS) - 1)] if copy.serious else None
        copy.sae_reported_at = copy.sae_aware_at
        copy.reported_late = copy.serious and index % 2 == 0
        copy.relation_paclitaxel = relations[index % len(relations)]
        copy.relation_imp321 = relations[(index * 3) % len(relations)]
        copy.stop_date = None if index % 4 == 0 else copy.start_date
        copy.meddra_code = copy.meddra_code if index % 7 else "99999999"
        copy.created_by = people[index % len(people)]
        copies.append(copy)
    models.QuerySet(AdverseEvent).bulk_create(copies)


def awkward_deviations(trial) -> None:
    """Deviations of every rule and status, with free-text summaries and comments."""
    rules = list(protocol.DEVIATION_SEVERITY)
    statuses = list(DeviationStatus.values)
    models.QuerySet(Deviation).bulk_create(
        [
            Deviation(
                patient=trial.treated,
                rule=rules[index % len(rules)],
                severity=protocol.DEVIATION_SEVERITY[rules[index % len(rules)]],
                subject_key=f"K{index}",
                summary=text or "",
                detected_at=MOMENTS[1 + index % (len(MOMENTS) - 1)],
                status=statuses[index % len(statuses)],
                status_comment=text or "",
            )
            for index, text in enumerate(TEXTS[:30])
        ]
    )


@pytest.mark.django_db
def test_postgres_renders_every_stream_domain_byte_for_byte_as_python(
    require_postgres, trial, data_manager, statistician, investigator, django_user_model
):
    awkward_lab_values(trial)
    awkward_vitals(trial)
    awkward_adverse_events(trial, django_user_model)
    awkward_deviations(trial)
    rendered = set()
    for user in (data_manager, statistician, investigator):
        for domain in DOMAINS:
            if domain.stream is None:
                continue
            ctx = ExportContext(user=user)
            assert pgcsv.plan(domain, domain.variables_for(deidentified=ctx.deidentified), ctx)
            fast, slow, fast_count, slow_count = both_paths(domain, ctx)
            assert fast == slow, (domain.code, user.username, first_difference(fast, slow))
            records = list(csv.reader(io.StringIO(fast.decode("utf-8"), newline="")))
            assert fast_count.rows == slow_count.rows == len(records) - 1
            rendered.add(domain.code)
    assert {"LB", "VS", "AE", "DV"} <= rendered


@pytest.mark.django_db
def test_postgres_rendering_keeps_scope_and_updated_since(
    require_postgres, trial, investigator, data_manager
):
    lb = next(d for d in DOMAINS if d.code == "LB")
    # The investigator's export holds no subject of the other site.
    fast, slow, *_ = both_paths(lb, ExportContext(user=investigator))
    assert fast == slow
    assert trial.treated.subject_id.encode() in fast
    assert trial.other_site.subject_id.encode() not in fast
    # Only the subjects changed since a moment: nothing after now, everything before.
    later = ExportContext(user=data_manager, updated_since=timezone.now())
    fast, slow, fast_count, _ = both_paths(lb, later)
    assert fast == slow and fast_count.rows == 0
    earlier = ExportContext(
        user=data_manager, updated_since=timezone.now() - dt.timedelta(days=400)
    )
    fast, slow, fast_count, _ = both_paths(lb, earlier)
    assert fast == slow and fast_count.rows > 0
