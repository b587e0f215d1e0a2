"""The synthetic trial's fast loader (bench/synthetic.py, issue 24) writes what the ORM writes.

On PostgreSQL the benchmarks' trial is loaded with ``COPY`` and ids drawn from the sequences,
not ``bulk_create``: the two loads of the same trial must give the same rows, field by field,
or every benchmark would measure a different trial than the one described.
"""

import sys
from pathlib import Path

import pytest
from django.db import connection

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import synthetic  # noqa: E402

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

CHANGED_AT_EVERY_LOAD = {"created_at", "updated_at"}


def rows() -> dict[str, list[tuple]]:
    out = {}
    for model in synthetic.SEEDED:
        names = [
            f.attname for f in model._meta.concrete_fields if f.name not in CHANGED_AT_EVERY_LOAD
        ]
        out[model.__name__] = list(model.objects.order_by("pk").values_list(*names))
    return out


def test_the_copy_load_writes_the_same_rows_as_bulk_create(require_postgres, monkeypatch):
    with connection.cursor() as cursor:  # the second load truncates what the first wrote
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    monkeypatch.setattr(synthetic, "COPY_ON_POSTGRESQL", False)
    synthetic.seed(12, verbose=False)
    by_orm = rows()
    monkeypatch.setattr(synthetic, "COPY_ON_POSTGRESQL", True)
    synthetic.seed(12, verbose=False)
    by_copy = rows()
    assert by_orm["Patient"] and by_orm["LabResult"] and by_orm["LesionMeasurement"]
    for model, expected in by_orm.items():
        assert by_copy[model] == expected, model
