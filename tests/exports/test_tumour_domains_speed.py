"""TU, TR and RS read one course per subject: what the faster reading must keep.

TU shows lesions only and does not depend on the RECIST engine; TR and RS show what the engine
computed, or its refusal; and the engine's answer does not depend on the order in which a
follow-up's measurements are read.
"""

import datetime as dt
import json
from decimal import Decimal

import pytest

from assessments.course import (
    BaselineFacts,
    BaselineLesionFacts,
    FollowupFacts,
    MeasurementFacts,
    evaluate_course,
)
from edc.exports.domains import DOMAINS_BY_CODE, tumours
from edc.exports.writers import jsonl_bytes

from .conftest import csv_rows
from .test_datasets import export

D = Decimal
REFUSAL = "Two follow-up assessments on 2025-01-01."


@pytest.mark.django_db
def test_a_course_the_engine_refuses_keeps_its_lesions_and_rs_reports_the_refusal(
    trial, data_manager, monkeypatch
):
    tu_before = export(DOMAINS_BY_CODE["TU"], data_manager)
    rs_before = csv_rows(export(DOMAINS_BY_CODE["RS"], data_manager))

    def refuse(*args, **kwargs):
        raise ValueError(REFUSAL)

    monkeypatch.setattr(tumours, "evaluate_course", refuse)
    assert export(DOMAINS_BY_CODE["TU"], data_manager) == tu_before
    tr = csv_rows(export(DOMAINS_BY_CODE["TR"], data_manager))
    assert [(r["TRLNKID"], r["TRTESTCD"]) for r in tr] == [
        ("T1", "LDIAM"),
        ("T2", "SAXIS"),
        ("NT1", "TUMSTATE"),
        ("T1", "LDIAM"),
        ("T2", "SAXIS"),
    ]  # the stored measurements, without the engine's sums and changes
    rs = csv_rows(export(DOMAINS_BY_CODE["RS"], data_manager))

    def investigator(rows):
        return [
            (r["RSTESTCD"], r["RSORRES"], r["RSDTC"]) for r in rows if r["RSEVAL"] == "INVESTIGATOR"
        ]

    assert investigator(rs) == investigator(rs_before)
    computed = [r for r in rs if r["RSEVAL"] == "EDC RECIST 1.1 ENGINE"]
    assert [
        (r["RSTESTCD"], r["RSORRES"], r["RSSTAT"], r["RSREASND"], r["VISIT"], r["RSDTC"])
        for r in computed
    ] == [("BESTRSP", "", "NOT DONE", REFUSAL, "", "")]
    assert rs[-1] == computed[0]


@pytest.mark.django_db
def test_sums_and_changes_have_no_lesion_link_and_name_their_test(trial, data_manager):
    lines = export(DOMAINS_BY_CODE["TR"], data_manager, writer=jsonl_bytes).splitlines()
    rows = [json.loads(line) for line in lines]
    derived = [r for r in rows if r["TRTESTCD"] in ("SUMDIAM", "PCBSD", "PCNSD")]
    assert derived and all(r["TRLNKID"] is None for r in derived)
    assert {r["TRTESTCD"]: r["TRTEST"] for r in derived} == {
        "SUMDIAM": "Sum of Diameter",
        "PCBSD": "Percent Change From Baseline in Sum of Diameters",
        "PCNSD": "Percent Change From Nadir in Sum of Diameters",
    }
    assert all(r["TREVAL"] == "INVESTIGATOR" for r in rows)
    csv_derived = [
        r
        for r in csv_rows(export(DOMAINS_BY_CODE["TR"], data_manager))
        if r["TRTESTCD"] == "SUMDIAM"
    ]
    assert csv_derived and all(r["TRLNKID"] == "" for r in csv_derived)


def _followup(day: int, measurements: list[MeasurementFacts]) -> FollowupFacts:
    return FollowupFacts(
        key=str(day),
        assessment_date=dt.date(2025, 1, 1) + dt.timedelta(days=day),
        measurements=tuple(measurements),
        non_target_status="present",
        new_lesion="none",
    )


def test_responses_do_not_depend_on_the_order_the_measurements_are_read():
    baseline = BaselineFacts(
        assessment_date=dt.date(2025, 1, 1),
        targets=(
            BaselineLesionFacts("1", "T1", False, D("30")),
            BaselineLesionFacts("2", "T2", True, D("20")),
            BaselineLesionFacts("3", "T3", False, D("12.5")),
        ),
        has_non_targets=True,
    )
    visits = [
        [
            MeasurementFacts("1", D("18")),
            MeasurementFacts("2", D("9")),
            MeasurementFacts("3", None, too_small=True),
        ],
        [
            MeasurementFacts("1", D("0")),
            MeasurementFacts("2", D("8.5")),
            MeasurementFacts("3", None, not_evaluable=True),
        ],
        [MeasurementFacts("1", D("24")), MeasurementFacts("2", D("16"))],  # T3 not recorded
    ]
    c1d1 = dt.date(2025, 1, 3)
    in_order = evaluate_course(
        baseline, [_followup(56 * (i + 1), m) for i, m in enumerate(visits)], c1d1=c1d1
    )
    reversed_ = evaluate_course(
        baseline, [_followup(56 * (i + 1), m[::-1]) for i, m in enumerate(visits)], c1d1=c1d1
    )
    assert in_order.results == reversed_.results
    assert (in_order.best, in_order.progression_date) == (
        reversed_.best,
        reversed_.progression_date,
    )
    assert in_order.results["56"].sum_mm == D("32")  # 18 + 9 + "too small" 5
    assert in_order.results["112"].sum_mm is None  # T3 not evaluable
    assert in_order.results["168"].sum_mm is None  # T3 missing: not evaluable either
