"""A package's datasets are built as one: every dataset from the same snapshot of the trial,
and each subject's RECIST course computed once for TU, TR and RS (issue 24)."""

import pytest
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Concat

from assessments.models import AdverseEvent
from edc.exports.context import ExportContext, in_read_transaction, one_snapshot
from edc.exports.datasets import dataset_bytes
from edc.exports.domains import DOMAINS_BY_CODE, tumours
from edc.exports.writers import RowCount

RECIST = ("TU", "TR", "RS")


def dataset(code: str, ctx: ExportContext, fmt: str = "csv") -> bytes:
    pieces = dataset_bytes(DOMAINS_BY_CODE[code], ctx, fmt, RowCount())
    return b"".join(in_read_transaction(pieces))


@pytest.mark.django_db
def test_each_course_is_evaluated_once_per_package_and_reads_as_alone(
    trial, data_manager, monkeypatch
):
    alone = {code: dataset(code, ExportContext(user=data_manager)) for code in RECIST}
    calls = []
    evaluate = tumours.evaluate_course

    def counting(*args, **kwargs):
        calls.append(kwargs.get("c1d1"))
        return evaluate(*args, **kwargs)

    monkeypatch.setattr(tumours, "evaluate_course", counting)
    with one_snapshot(ExportContext(user=data_manager)) as ctx:
        together = {code: dataset(code, ctx) for code in RECIST}
    assert together == alone
    courses = list(tumours.courses(ExportContext(user=data_manager), evaluate=False))
    assert courses and len(calls) == len(courses)  # once per subject, not once per domain


@pytest.mark.django_db(transaction=True)
def test_every_dataset_of_a_package_reads_the_trial_as_it_was_when_the_package_began(
    require_postgres, trial, data_manager
):
    """A change committed while a package is being written (between two of its datasets)
    is in none of them: the datasets agree with each other."""
    with one_snapshot(ExportContext(user=data_manager)) as ctx:
        before = dataset("AE", ctx)
        # Committed at once (written straight to the table: test data, not an audited edit).
        models.QuerySet(AdverseEvent).update(term=Concat(F("term"), Value(" (changed)")))
        during = dataset("AE", ctx)
    after = dataset("AE", ExportContext(user=data_manager))
    assert b"(changed)" not in before and during == before
    assert b"(changed)" in after
