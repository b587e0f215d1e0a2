"""Every dataset a statistician or data manager downloads reads byte for byte as it did before
the export renderer was rewritten (issue 20).

The golden files under ``tests/exports/golden/`` were written once by the previous renderer
(the ``exec``-compiled row functions and, on PostgreSQL, the ``sql=`` twins of each derived
cell) from the trial below, built through the real services; every domain, both readers
(identified and de-identified), CSV, JSON and JSON Lines. The same files hold on SQLite and on
PostgreSQL: the two databases must give the same bytes.

The fixture's dates follow the day the test runs and the database gives new ids on every run,
so ids restart from the tables' largest (``fresh_ids``) and the bytes are normalised
explicitly before comparing, and only these: every ISO date becomes its distance in days from
today (``D-70``; times of day are the fixture's own and kept; the fixed awkward dates of
tests/exports/test_pgcsv.py are kept as written); user names, screening numbers and patient
numbers (``user12``, ``S0042``, ``P000123``) become their order of first appearance; DM's AGE
(screening year - 1970, the fixture's year of birth) becomes ``<AGE>`` when it is this year's
or last year's. Everything else — cells, quoting, order, numbers, formula neutralisation — is
compared as written.

Regenerate (only with the renderer the files are meant to pin):
``EXPORTS_GOLDEN_WRITE=1 .venv/bin/python -m pytest tests/exports/test_golden.py``.
"""

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management.color import no_style
from django.db import connection

from edc.exports.context import ExportContext, in_read_transaction
from edc.exports.datasets import dataset_bytes
from edc.exports.domains import DOMAINS
from edc.exports.writers import RowCount
from tests.exports.test_pgcsv import (
    awkward_adverse_events,
    awkward_deviations,
    awkward_lab_values,
    awkward_vitals,
)

GOLDEN = Path(__file__).parent / "golden"
WRITE = bool(os.environ.get("EXPORTS_GOLDEN_WRITE"))
OUT = os.environ.get("EXPORTS_GOLDEN_OUT")
FORMATS = ("csv", "json", "jsonl")

_DATE = re.compile(rb"(?<![0-9])(\d{4})-(\d{2})-(\d{2})(?![0-9])")
_NUMBERED = re.compile(rb"\b(user|S|P)(\d{4,})\b")
# DM's AGE (CSV: before AGEU; JSON: its key): the fixture's patients are born in 1970 and
# screened relative to today.
_AGES = (re.compile(rb"(,)(\d+)(,YEARS,)"), re.compile(rb'("AGE":)(\d+)()'))


def normalised(data: bytes, today: dt.date) -> bytes:
    """``data`` with run-dependent dates and numbers replaced (see the module docstring)."""

    def day(match: re.Match) -> bytes:
        try:
            value = dt.date(*(int(group) for group in match.groups()))
        except ValueError:
            return match.group(0)
        if not dt.date(2000, 1, 1) <= value <= dt.date(2100, 1, 1):
            return match.group(0)  # a fixed date of the awkward values (year 999, 9999)
        if value in FIXED_DAYS:
            return match.group(0)
        return b"D%+d" % (value - today).days

    seen: dict[bytes, bytes] = {}

    def number(match: re.Match) -> bytes:
        key = match.group(0)
        if key not in seen:
            prefix = match.group(1)
            count = sum(1 for k in seen if k.startswith(prefix))
            seen[key] = prefix + b"#%d" % (count + 1)
        return seen[key]

    born = today.year - 1970  # the fixture's patients' year of birth

    def age(match: re.Match) -> bytes:
        # Screening year - 1970: this year's, or last year's for a screening before 1 January.
        if int(match.group(2)) not in (born - 1, born):
            return match.group(0)
        return match.group(1) + b"<AGE>" + match.group(3)

    for pattern in _AGES:
        data = pattern.sub(age, data)
    return _NUMBERED.sub(number, _DATE.sub(day, data))


# Days the awkward values set themselves (tests.exports.test_pgcsv): kept as written.
FIXED_DAYS = {
    dt.date(2025, 1, 2),
    dt.date(2025, 3, 30),
    dt.date(2025, 3, 29),
    dt.date(2025, 10, 26),
    dt.date(2025, 10, 25),
    dt.date(2025, 12, 31),
    dt.date(2026, 1, 1),
    dt.date(2026, 1, 2),
}


def golden_path(code: str, reader: str, fmt: str) -> Path:
    return GOLDEN / f"{code.lower()}.{reader}.{fmt}"


@pytest.fixture
def fresh_ids(db):
    """Every table's next id is its largest id + 1, as SQLite gives after a rolled-back test,
    so record ids in the datasets (AESPID, VSGRPID, sample ids) do not depend on the tests that
    ran before (PostgreSQL's sequences do not roll back)."""
    statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models())
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


@pytest.fixture
def rich_trial(fresh_ids, trial, django_user_model):
    """The exports' trial (tests/exports/conftest.py) with awkward values in LB, VS, AE, DV."""
    awkward_lab_values(trial)
    awkward_vitals(trial)
    awkward_adverse_events(trial, django_user_model)
    awkward_deviations(trial)
    return trial


@pytest.mark.django_db
def test_every_dataset_reads_byte_for_byte_as_before(
    fresh_ids, rich_trial, data_manager, statistician
):
    today = dt.date.today()
    differences = []
    for reader, user in (("identified", data_manager), ("deidentified", statistician)):
        for domain in DOMAINS:
            for fmt in FORMATS:
                ctx = ExportContext(user=user)
                data = b"".join(in_read_transaction(dataset_bytes(domain, ctx, fmt, RowCount())))
                got = normalised(data, today)
                path = golden_path(domain.code, reader, fmt)
                if WRITE:
                    GOLDEN.mkdir(exist_ok=True)
                    path.write_bytes(got)
                    continue
                if got != path.read_bytes():
                    differences.append(path.name)
                    if OUT:  # the differing output, to compare with ``diff``
                        Path(OUT).mkdir(exist_ok=True)
                        (Path(OUT) / path.name).write_bytes(got)
    assert not differences, differences
    if WRITE:
        pytest.skip("golden files written")
