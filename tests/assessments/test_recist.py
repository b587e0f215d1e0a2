"""RECIST 1.1 engine — table-driven, pure (no database).

Thresholds come from ``edc.protocol.RECIST`` so the tables follow a protocol amendment; the
millimetre values in the rows are the worked examples of the RECIST 1.1 paper and FAQ.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from assessments.recist import (
    MSG_BASELINE_NOT_MEASURED,
    MSG_NO_DISEASE,
    BestResponse,
    NonTargetStatus,
    Response,
    TargetMeasurement,
    Timepoint,
    TimepointResult,
    best_overall_response,
    evaluate,
    first_progression_date,
    is_objective_response,
    nadir,
    overall_response,
    percent_change,
    sum_of_diameters,
    target_response,
)
from edc.protocol import RECIST

D = Decimal
CR, PR, SD, PD, NE = Response.CR, Response.PR, Response.SD, Response.PD, Response.NE
NCNP = Response.NON_CR_NON_PD
ABSENT = NonTargetStatus.ABSENT
PRESENT = NonTargetStatus.PRESENT
UNEQUIVOCAL = NonTargetStatus.UNEQUIVOCAL_PROGRESSION
NT_NE = NonTargetStatus.NOT_EVALUABLE

C1D1 = date(2024, 1, 10)
BASELINE_DATE = C1D1 - timedelta(days=7)


def lesion(mm: str | None, lesion_id: str = "T1", **flags) -> TargetMeasurement:
    return TargetMeasurement(lesion_id, False, None if mm is None else D(mm), **flags)


def node(mm: str | None, lesion_id: str = "N1", **flags) -> TargetMeasurement:
    return TargetMeasurement(lesion_id, True, None if mm is None else D(mm), **flags)


def day(n: int) -> date:
    """The date ``n`` days after C1D1."""
    return C1D1 + timedelta(days=n)


def result(days: int, overall: Response, *, targets: bool = True, **extra) -> TimepointResult:
    """A TimepointResult with only what BOR and progression dating read."""
    fields = {
        "assessment_date": day(days),
        "sum_mm": None,
        "nadir_mm": None,
        "pct_change_from_baseline": None,
        "pct_change_from_nadir": None,
        "target_response": (overall if overall is not NCNP else None) if targets else None,
        "non_target": None,
        "new_lesions": False,
        "new_lesion_equivocal": False,
        "overall_response": overall,
    }
    fields.update(extra)
    return TimepointResult(**fields)


# --- Measurements and sums --------------------------------------------------------------------
def test_too_small_to_measure_counts_as_protocol_default_in_the_sum():
    targets = (lesion("20", "T1"), lesion(None, "T2", too_small=True))
    assert sum_of_diameters(targets) == D("20") + RECIST.too_small_to_measure_mm


def test_nodes_add_their_short_axis_to_the_sum():
    assert sum_of_diameters((lesion("32"), node("18"))) == D("50")


def test_sum_is_unknown_when_any_target_is_not_evaluable():
    assert sum_of_diameters((lesion("32"), node(None, not_evaluable=True))) is None


def test_sum_is_unknown_without_target_lesions():
    assert sum_of_diameters(()) is None


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"diameter_mm": None}, ValueError),
        ({"diameter_mm": D("-1")}, ValueError),
        ({"diameter_mm": D("4"), "too_small": True}, ValueError),
        ({"diameter_mm": D("4"), "not_evaluable": True}, ValueError),
        ({"diameter_mm": None, "too_small": True, "not_evaluable": True}, ValueError),
        ({"diameter_mm": 12.5}, TypeError),
    ],
)
def test_inconsistent_target_measurement_is_refused(kwargs, error):
    with pytest.raises(error):
        TargetMeasurement("T1", False, **kwargs)


@pytest.mark.parametrize(
    ("current", "reference", "expected"),
    [
        (D("70"), D("100"), D("-30")),
        (D("60"), D("50"), D("20")),
        (D("50"), D("50"), D("0")),
        (D("5"), D("0"), None),  # no percentage from 0 mm
        (None, D("50"), None),
        (D("50"), None, None),
    ],
)
def test_percent_change_is_relative_to_the_reference(current, reference, expected):
    assert percent_change(current, reference) == expected


def test_nadir_includes_baseline_when_baseline_is_the_smallest_sum():
    assert nadir([D("50"), D("55"), D("60")]) == D("50")


def test_nadir_skips_timepoints_without_a_complete_sum():
    assert nadir([D("50"), None, D("42"), None]) == D("42")


def test_nadir_needs_at_least_the_baseline():
    with pytest.raises(ValueError):
        nadir([None])


# --- Target response --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("baseline", "nadir_mm", "current", "expected"),
    [
        # CR: all non-nodal gone, every node < 10 mm — a CR may have a non-zero sum.
        ("50", "30", (lesion("0"), lesion("0", "T2")), CR),
        ("50", "30", (lesion("0"), node("9")), CR),
        ("50", "30", (node("9.9"), node("8", "N2")), CR),
        ("50", "30", (lesion("0"), node("10")), PR),  # node at 10 mm is not normal
        ("50", "30", (lesion(None, too_small=True), node("0")), PR),  # 5 mm is not gone
        # PR: >= 30 % below baseline.
        ("100", "100", (lesion("70"),), PR),
        ("100", "100", (lesion("70.1"),), SD),
        # PD: >= 20 % AND >= 5 mm above the nadir.
        ("60", "50", (lesion("60"),), PD),  # +20 %, +10 mm
        ("30", "25", (lesion("30"),), PD),  # +20 %, +5 mm exactly
        ("30", "20", (lesion("24"),), SD),  # +20 % but only +4 mm
        ("30", "20", (lesion("24.9"),), SD),  # +24.5 % but only +4.9 mm
        ("80", "50", (lesion("59.9"),), SD),  # +9.9 mm but only +19.8 %
        ("100", "40", (lesion("48"),), PD),  # PD vs nadir although -52 % vs baseline
        ("50", "0", (lesion("5"),), PD),  # from a 0 mm nadir, >= 5 mm is PD
        ("50", "0", (lesion("4"),), PR),
        # SD otherwise.
        ("50", "50", (lesion("45"),), SD),
        # NE unless the evaluable lesions already prove PD.
        ("50", "40", (lesion("20"), lesion(None, "T2", not_evaluable=True)), NE),
        ("50", "40", (lesion("48"), lesion(None, "T2", not_evaluable=True)), PD),
        ("50", "40", (lesion("0"), lesion(None, "T2", not_evaluable=True)), NE),
    ],
)
def test_target_response_follows_recist_1_1(baseline, nadir_mm, current, expected):
    assert target_response(D(baseline), D(nadir_mm), current) is expected


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        ((lesion("3"), node("5")), PD),  # a non-nodal target reappears after CR
        ((lesion("0"), node("9")), CR),  # a node < 10 mm is benign: still CR
        ((lesion("0"), node("10")), PD),  # a node back to >= 10 mm has reappeared
        ((lesion("3"), node(None, not_evaluable=True)), PD),  # reappearance proves PD
    ],
)
def test_reappearance_after_complete_response_is_progression(current, expected):
    response = target_response(D("60"), D("5"), current, after_complete_response=True)
    assert response is expected


def test_target_response_needs_targets():
    with pytest.raises(ValueError):
        target_response(D("50"), D("50"), ())


# --- Overall response: RECIST 1.1 Table 1 and Table 2 --------------------------------------
@pytest.mark.parametrize(
    ("target", "non_target", "new_lesions", "expected"),
    [
        # Table 1 — target lesions (± non-target lesions).
        (CR, ABSENT, False, CR),
        (CR, None, False, CR),  # no non-target lesions at baseline
        (CR, PRESENT, False, PR),
        (CR, NT_NE, False, PR),
        (PR, ABSENT, False, PR),
        (PR, PRESENT, False, PR),
        (PR, NT_NE, False, PR),
        (PR, None, False, PR),
        (SD, ABSENT, False, SD),
        (SD, PRESENT, False, SD),
        (SD, NT_NE, False, SD),
        (SD, None, False, SD),
        (NE, ABSENT, False, NE),
        (NE, PRESENT, False, NE),
        (NE, NT_NE, False, NE),
        (NE, None, False, NE),
        (PD, ABSENT, False, PD),
        (PD, PRESENT, False, PD),
        (PD, NT_NE, False, PD),
        (PD, None, False, PD),
        (PD, PRESENT, True, PD),
        (CR, UNEQUIVOCAL, False, PD),
        (PR, UNEQUIVOCAL, False, PD),
        (SD, UNEQUIVOCAL, False, PD),
        (NE, UNEQUIVOCAL, False, PD),
        (CR, ABSENT, True, PD),
        (PR, PRESENT, True, PD),
        (SD, NT_NE, True, PD),
        (NE, None, True, PD),
        # Table 2 — non-target lesions only.
        (None, ABSENT, False, CR),
        (None, PRESENT, False, NCNP),
        (None, NT_NE, False, NE),
        (None, UNEQUIVOCAL, False, PD),
        (None, ABSENT, True, PD),
        (None, PRESENT, True, PD),
        (None, NT_NE, True, PD),
    ],
)
def test_overall_response_follows_recist_tables_1_and_2(target, non_target, new_lesions, expected):
    assert overall_response(target, non_target, new_lesions) is expected


def test_overall_response_refuses_a_patient_without_disease():
    with pytest.raises(ValueError, match=MSG_NO_DISEASE):
        overall_response(None, None, False)


def test_non_cr_non_pd_is_not_a_target_response():
    with pytest.raises(ValueError):
        overall_response(NCNP, PRESENT, False)


# --- A patient's course -----------------------------------------------------------------------
def tp(
    on: date,
    *targets: TargetMeasurement,
    non_target: NonTargetStatus | None = None,
    new: bool = False,
    equivocal: bool = False,
) -> Timepoint:
    return Timepoint(on, tuple(targets), non_target, new, equivocal)


BASELINE = tp(BASELINE_DATE, lesion("40", "T1"), node("20", "N1"), non_target=PRESENT)


def test_evaluate_reports_sums_changes_and_the_nadir_before_each_timepoint():
    results = evaluate(
        BASELINE,
        [
            tp(day(56), lesion("30", "T1"), node("12", "N1"), non_target=PRESENT),  # 42
            tp(day(112), lesion("35", "T1"), node("16", "N1"), non_target=PRESENT),  # 51
        ],
    )
    first, second = results
    assert (first.sum_mm, first.nadir_mm) == (D("42"), D("60"))
    assert first.pct_change_from_baseline == D("-30")
    assert first.overall_response is PR
    # 51 mm is +21.4 % and +9 mm above the 42 mm nadir: PD, although -15 % vs baseline.
    assert (second.sum_mm, second.nadir_mm) == (D("51"), D("42"))
    assert second.pct_change_from_baseline == D("-15")
    assert second.pct_change_from_nadir == (D("9") * 100 / D("42"))
    assert second.overall_response is PD


def test_nadir_includes_baseline_so_growth_from_baseline_is_progression():
    results = evaluate(BASELINE, [tp(day(56), lesion("52", "T1"), node("20", "N1"))])
    assert results[0].nadir_mm == D("60")
    assert results[0].target_response is PD  # 72 mm = +20 %, +12 mm vs the baseline nadir


def test_nadir_is_not_lowered_by_a_not_evaluable_timepoint():
    results = evaluate(
        BASELINE,
        [
            tp(day(56), lesion("20", "T1"), node(None, "N1", not_evaluable=True)),
            tp(day(112), lesion("40", "T1"), node("20", "N1")),
        ],
    )
    assert results[0].target_response is NE
    assert results[1].nadir_mm == D("60")


def test_followup_are_sorted_and_a_missing_target_is_not_evaluable():
    results = evaluate(
        BASELINE,
        [
            tp(day(112), lesion("30", "T1"), node("12", "N1"), non_target=PRESENT),
            tp(day(56), lesion("30", "T1"), non_target=PRESENT),
        ],
    )
    assert [r.assessment_date for r in results] == [day(56), day(112)]
    assert results[0].sum_mm is None
    assert results[0].overall_response is NE


def test_non_target_not_assessed_counts_as_not_evaluable():
    results = evaluate(BASELINE, [tp(day(56), lesion("0", "T1"), node("5", "N1"))])
    assert results[0].non_target is NT_NE
    assert results[0].overall_response is PR  # CR + non-target NE = PR


def test_node_under_ten_mm_with_no_non_target_gives_overall_cr():
    baseline = tp(BASELINE_DATE, lesion("40", "T1"), node("20", "N1"))
    results = evaluate(baseline, [tp(day(56), lesion("0", "T1"), node("8", "N1"))])
    assert results[0].sum_mm == D("8")
    assert results[0].overall_response is CR


def test_reappearing_lesion_after_overall_cr_is_progression():
    baseline = tp(BASELINE_DATE, lesion("40", "T1"), node("20", "N1"))
    results = evaluate(
        baseline,
        [
            tp(day(56), lesion("0", "T1"), node("8", "N1")),
            tp(day(112), lesion("3", "T1"), node("8", "N1")),
        ],
    )
    assert [r.overall_response for r in results] == [CR, PD]


def test_non_target_only_disease_uses_table_2():
    baseline = tp(BASELINE_DATE, non_target=PRESENT)
    results = evaluate(
        baseline,
        [tp(day(56), non_target=PRESENT), tp(day(112), non_target=ABSENT)],
    )
    assert [r.overall_response for r in results] == [NCNP, CR]
    assert all(r.target_response is None and r.sum_mm is None for r in results)


@pytest.mark.parametrize(
    ("baseline", "followups"),
    [
        (tp(BASELINE_DATE, lesion(None, "T1", too_small=True)), []),
        (tp(BASELINE_DATE, lesion(None, "T1", not_evaluable=True)), []),
        (tp(BASELINE_DATE, lesion("0", "T1")), []),
        (tp(BASELINE_DATE), []),
        (tp(BASELINE_DATE, lesion("20", "T1"), non_target=ABSENT), []),
        (
            tp(BASELINE_DATE, *(lesion("20", f"T{i}") for i in range(RECIST.max_targets + 1))),
            [],
        ),
        (BASELINE, [tp(BASELINE_DATE, lesion("20", "T1"))]),
        (BASELINE, [tp(day(56), lesion("20", "T1")), tp(day(56), lesion("20", "T1"))]),
        (BASELINE, [tp(day(56), lesion("20", "T9"))]),
        (
            tp(BASELINE_DATE, lesion("20", "T1")),
            [tp(day(56), lesion("20", "T1"), non_target=PRESENT)],
        ),
    ],
    ids=[
        "baseline-too-small",
        "baseline-not-evaluable",
        "baseline-zero",
        "baseline-no-disease",
        "baseline-non-target-absent",
        "too-many-targets",
        "followup-not-after-baseline",
        "duplicate-followup-date",
        "unknown-lesion",
        "non-target-without-baseline-non-target",
    ],
)
def test_evaluate_refuses_inconsistent_assessments(baseline, followups):
    with pytest.raises(ValueError):
        evaluate(baseline, followups)


def test_baseline_target_must_be_measured_message_names_the_lesion():
    expected = MSG_BASELINE_NOT_MEASURED.format(lesion="T7")
    with pytest.raises(ValueError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        evaluate(tp(BASELINE_DATE, lesion(None, "T7", too_small=True)), [])


def test_duplicate_lesion_in_one_assessment_is_refused():
    with pytest.raises(ValueError):
        tp(day(56), lesion("20", "T1"), lesion("21", "T1"))


# --- First progression date -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("results", "expected"),
    [
        ([], None),
        ([result(56, PR), result(112, SD)], None),
        ([result(56, PR), result(112, PD), result(168, PD)], day(112)),
        ([result(168, PD), result(56, SD)], day(168)),  # order of input does not matter
        # An equivocal new lesion confirmed at the next scan: PD dated from the first scan.
        (
            [
                result(56, PR),
                result(112, PR, new_lesion_equivocal=True),
                result(168, PD, new_lesions=True),
            ],
            day(112),
        ),
        (
            [
                result(56, SD, new_lesion_equivocal=True),
                result(112, SD, new_lesion_equivocal=True),
                result(168, PD, new_lesions=True),
            ],
            day(56),
        ),
        # Not back-dated: the equivocal scan is not the one just before, or PD is by size.
        (
            [
                result(56, SD, new_lesion_equivocal=True),
                result(112, SD),
                result(168, PD, new_lesions=True),
            ],
            day(168),
        ),
        ([result(56, SD, new_lesion_equivocal=True), result(112, PD)], day(112)),
        # Disease seen after a CR (targets back: PR or SD) is progression on that date, even
        # with a not-evaluable scan in between.
        ([result(56, CR), result(112, PR)], day(112)),
        ([result(56, CR), result(84, NE), result(112, SD)], day(112)),
        # PR only because the non-target lesions were not assessed: no disease seen.
        ([result(56, CR), result(112, PR, target_response=CR, non_target=NT_NE)], None),
    ],
)
def test_first_progression_date(results, expected):
    assert first_progression_date(results) == expected


# --- Best overall response --------------------------------------------------------------------
MIN_CONFIRM = RECIST.confirmation_min_days
SD_MIN = RECIST.sd_min_days_from_c1d1


@pytest.mark.parametrize(
    ("course", "expected"),
    [
        # Confirmation: >= 28 days later, yes; 27 days, no (falls back to SD).
        ([(56, CR), (56 + MIN_CONFIRM, CR)], BestResponse(CR, True, day(56))),
        ([(56, CR), (56 + MIN_CONFIRM - 1, CR)], BestResponse(SD, False, day(56))),
        ([(56, PR), (56 + MIN_CONFIRM, PR)], BestResponse(PR, True, day(56))),
        ([(56, PR), (56 + MIN_CONFIRM - 1, PR)], BestResponse(SD, False, day(56))),
        ([(56, PR), (84, CR)], BestResponse(PR, True, day(56))),  # PR confirmed by CR
        ([(56, PR), (84, CR), (112, CR)], BestResponse(CR, True, day(84))),
        # Disease seen after a CR is progression (Table 3 note a): CR then PR or SD is SD if
        # the CR met the SD duration, else PD; that PR confirms nothing.
        ([(56, CR), (84, PR)], BestResponse(SD, False, day(56))),
        ([(35, CR), (70, PR)], BestResponse(PD, False, day(70))),
        ([(35, CR), (70, SD)], BestResponse(PD, False, day(70))),
        ([(56, CR), (84, NE), (112, PR)], BestResponse(SD, False, day(56))),
        ([(56, PR), (70, CR), (112, PR)], BestResponse(SD, False, day(56))),
        ([(56, PR), (84, CR), (112, PR)], BestResponse(PR, True, day(56))),  # confirmed before
        ([(56, PR), (70, PR), (84, PR)], BestResponse(PR, True, day(56))),
        ([(56, CR), (84, NE), (112, CR)], BestResponse(CR, True, day(56))),  # NE in between
        ([(56, PR), (84, SD), (112, PR)], BestResponse(SD, False, day(56))),  # SD breaks it
        ([(56, CR), (84, CR), (140, PD)], BestResponse(CR, True, day(56))),
        # Unconfirmed CR/PR (Table 3): SD if the SD duration is met, else PD or NE.
        ([(56, PR), (84, PD)], BestResponse(SD, False, day(56))),
        ([(56, CR), (84, SD)], BestResponse(SD, False, day(56))),
        ([(56, PR), (84, NE)], BestResponse(SD, False, day(56))),
        ([(35, PR), (70, PD)], BestResponse(PD, False, day(70))),
        ([(35, PR), (49, NE)], BestResponse(NE, False, None)),
        # SD duration: >= 42 days after C1D1, yes; 41 days, no.
        ([(SD_MIN, SD)], BestResponse(SD, False, day(SD_MIN))),
        ([(SD_MIN - 1, SD)], BestResponse(NE, False, None)),
        ([(SD_MIN - 1, SD), (SD_MIN + 55, PD)], BestResponse(PD, False, day(SD_MIN + 55))),
        ([(SD_MIN - 1, SD), (SD_MIN + 14, SD)], BestResponse(SD, False, day(SD_MIN + 14))),
        # PD first; nothing evaluable.
        ([(56, PD), (112, SD)], BestResponse(PD, False, day(56))),
        ([(56, NE), (112, NE)], BestResponse(NE, False, None)),
        ([], BestResponse(NE, False, None)),
    ],
)
def test_best_overall_response_with_confirmation(course, expected):
    results = [result(days, overall) for days, overall in course]
    assert best_overall_response(results, C1D1) == expected


def test_non_target_only_patient_has_non_cr_non_pd_as_stable_best_response():
    results = [result(56, NCNP, targets=False), result(112, NCNP, targets=False)]
    assert best_overall_response(results, C1D1) == BestResponse(NCNP, False, day(56))


def test_response_at_a_back_dated_progression_scan_is_not_counted():
    results = [
        result(56, PR),
        result(112, PR, new_lesion_equivocal=True),
        result(168, PD, new_lesions=True),
    ]
    assert best_overall_response(results, C1D1) == BestResponse(SD, False, day(56))


@pytest.mark.parametrize(
    ("bor", "expected"),
    [
        (BestResponse(CR, True, day(56)), True),
        (BestResponse(PR, True, day(56)), True),
        (BestResponse(PR, False, day(56)), False),
        (BestResponse(SD, False, day(56)), False),
        (BestResponse(NCNP, False, day(56)), False),
        (BestResponse(PD, False, day(56)), False),
        (BestResponse(NE, False, None), False),
    ],
)
def test_objective_response_is_a_confirmed_cr_or_pr(bor, expected):
    assert is_objective_response(bor) is expected


def test_disease_after_complete_response_is_progression_by_category_as_by_measurement():
    baseline = tp(BASELINE_DATE, lesion("40", "T1"), node("20", "N1"))
    measured = evaluate(
        baseline,
        [
            tp(day(56), lesion("0", "T1"), node("8", "N1")),  # CR
            tp(day(112), lesion("3", "T1"), node("8", "N1")),  # -93 % vs baseline: a PR size
        ],
    )
    by_category = [result(56, CR), result(112, PR)]
    assert [r.overall_response for r in measured] == [CR, PD]
    for results in (measured, by_category):
        assert first_progression_date(results) == day(112)
        assert best_overall_response(results, C1D1) == BestResponse(SD, False, day(56))


def test_a_lesion_back_after_complete_response_is_progression_across_a_missed_measurement():
    baseline = tp(BASELINE_DATE, lesion("40", "T1"), node("20", "N1"))
    results = evaluate(
        baseline,
        [
            tp(day(56), lesion("0", "T1"), node("8", "N1")),
            tp(day(112), lesion("0", "T1"), node(None, "N1", not_evaluable=True)),
            tp(day(168), lesion("3", "T1"), node("8", "N1")),
        ],
    )
    assert [r.overall_response for r in results] == [CR, NE, PD]
    assert first_progression_date(results) == day(168)


def test_a_patient_course_from_measurements_to_confirmed_partial_response():
    baseline = tp(BASELINE_DATE, lesion("45", "T1"), node("22", "N1"), non_target=PRESENT)
    followups = [
        tp(day(55), lesion("30", "T1"), node("14", "N1"), non_target=PRESENT),  # 44: -34 %
        tp(day(113), lesion("25", "T1"), node("11", "N1"), non_target=PRESENT),  # 36: PR
        tp(day(170), lesion("33", "T1"), node("12", "N1"), non_target=PRESENT),  # 45: +25 %
    ]
    results = evaluate(baseline, followups)
    assert [r.overall_response for r in results] == [PR, PR, PD]
    assert first_progression_date(results) == day(170)
    bor = best_overall_response(results, C1D1)
    assert bor == BestResponse(PR, True, day(55))
    assert is_objective_response(bor)
