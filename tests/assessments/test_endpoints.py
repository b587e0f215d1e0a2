"""Trial endpoints — exact CIs and the paper's figures (ORR 50 %, CBR 90 %, 3 progressors)."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from assessments.endpoints import (
    OVERALL,
    PatientOutcome,
    Proportion,
    clopper_pearson,
    endpoints,
    landmark_date,
    proportion,
)
from assessments.recist import Response
from edc.protocol import CLINICAL_BENEFIT_LANDMARK_DAYS, COHORTS

CR, PR, SD, PD, NE = Response.CR, Response.PR, Response.SD, Response.PD, Response.NE
C1D1 = date(2024, 1, 10)
LANDMARK = CLINICAL_BENEFIT_LANDMARK_DAYS
CI_TOLERANCE = 5e-5  # published bounds are given to 4 decimals


# --- Clopper–Pearson --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        (15, 30, 0.3130, 0.6870),
        (27, 30, 0.7347, 0.9789),
        (3, 30, 0.0211, 0.2653),
        (0, 10, 0.0, 0.3085),
        (10, 10, 0.6915, 1.0),
        (1, 1, 0.0250, 1.0),
        (5, 10, 0.1871, 0.8129),
        (0, 30, 0.0, 0.1157),
    ],
)
def test_clopper_pearson_matches_published_exact_intervals(successes, n, low, high):
    ci_low, ci_high = clopper_pearson(successes, n)
    assert ci_low == pytest.approx(low, abs=CI_TOLERANCE)
    assert ci_high == pytest.approx(high, abs=CI_TOLERANCE)


def test_clopper_pearson_zero_successes_has_lower_bound_exactly_zero():
    assert clopper_pearson(0, 25)[0] == 0.0


def test_clopper_pearson_all_successes_has_upper_bound_exactly_one():
    assert clopper_pearson(25, 25)[1] == 1.0


def test_clopper_pearson_without_patients_is_the_uninformative_interval():
    assert clopper_pearson(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize(("successes", "n"), [(3, 30), (15, 30), (7, 200)])
def test_clopper_pearson_is_symmetric_in_successes_and_failures(successes, n):
    low, high = clopper_pearson(successes, n)
    mirror_low, mirror_high = clopper_pearson(n - successes, n)
    assert low == pytest.approx(1 - mirror_high, abs=1e-10)
    assert high == pytest.approx(1 - mirror_low, abs=1e-10)


@pytest.mark.parametrize(("successes", "n"), [(2, 13), (40, 120), (1500, 3000)])
def test_clopper_pearson_bounds_leave_half_alpha_in_each_tail(successes, n):
    low, high = clopper_pearson(successes, n)

    def pmf(k: int, p: float) -> float:
        return math.exp(math.log(math.comb(n, k)) + k * math.log(p) + (n - k) * math.log1p(-p))

    upper_tail_at_low = math.fsum(pmf(k, low) for k in range(successes, n + 1))
    lower_tail_at_high = math.fsum(pmf(k, high) for k in range(successes + 1))
    assert upper_tail_at_low == pytest.approx(0.025, abs=1e-9)
    assert lower_tail_at_high == pytest.approx(0.025, abs=1e-9)


def test_clopper_pearson_is_wider_at_a_higher_confidence_level():
    low95, high95 = clopper_pearson(15, 30)
    low99, high99 = clopper_pearson(15, 30, confidence=0.99)
    assert low99 < low95 and high99 > high95


@pytest.mark.parametrize(
    ("successes", "n", "confidence"),
    [(-1, 10, 0.95), (11, 10, 0.95), (5, 10, 0), (5, 10, 1), (5, 10, 1.5)],
)
def test_clopper_pearson_refuses_impossible_inputs(successes, n, confidence):
    with pytest.raises(ValueError):
        clopper_pearson(successes, n, confidence)


def test_proportion_without_denominator_has_no_rate():
    assert proportion(0, 0) == Proportion(0, 0, None, 0.0, 1.0)


# --- Endpoints --------------------------------------------------------------------------------
def outcome(
    patient_id: str,
    cohort: str = "A",
    best: Response | None = SD,
    progression_day: int | None = None,
    last_day: int | None = 2 * LANDMARK,
) -> PatientOutcome:
    return PatientOutcome(
        patient_id=patient_id,
        cohort=cohort,
        c1d1=C1D1,
        best_response=best,
        progression_date=None if progression_day is None else C1D1 + timedelta(progression_day),
        last_assessment_date=None if last_day is None else C1D1 + timedelta(last_day),
    )


def paper_cohort() -> list[PatientOutcome]:
    """30 patients, 10 per cohort, as published: 15 responders, 3 progressors by 6 months.

    Per cohort (A, B, C): responders 4, 5, 6; progressors by the landmark 2, 1, 0; one more
    patient in C progresses after the landmark and still counts as clinical benefit.
    """
    plan = {
        "A": [PR] * 4 + [SD] * 4 + [PD, PD],
        "B": [CR] + [PR] * 4 + [SD] * 4 + [PD],
        "C": [CR, CR] + [PR] * 4 + [SD] * 3 + [NE],
    }
    outcomes = []
    for code, responses in plan.items():
        for index, best in enumerate(responses, start=1):
            progression_day = 56 if best is PD else None
            if code == "C" and index == 7:  # SD, progresses after 6 months
                progression_day = LANDMARK + 1
            outcomes.append(outcome(f"{code}-{index:03d}", code, best, progression_day))
    return outcomes


def test_paper_endpoints_overall_orr_50_cbr_90_and_3_progressors():
    overall = endpoints(paper_cohort())[OVERALL]
    assert overall.patients == 30
    orr, cbr, progressors = (
        overall.objective_response,
        overall.clinical_benefit,
        overall.progressed_by_landmark,
    )
    assert (orr.numerator, orr.denominator, orr.rate) == (15, 30, 0.5)
    assert (orr.ci_low, orr.ci_high) == pytest.approx((0.3130, 0.6870), abs=CI_TOLERANCE)
    assert (cbr.numerator, cbr.denominator) == (27, 30)
    assert cbr.rate == pytest.approx(0.9)
    assert (cbr.ci_low, cbr.ci_high) == pytest.approx((0.7347, 0.9789), abs=CI_TOLERANCE)
    assert (progressors.numerator, progressors.denominator) == (3, 30)
    assert (progressors.ci_low, progressors.ci_high) == pytest.approx(
        (0.0211, 0.2653), abs=CI_TOLERANCE
    )


@pytest.mark.parametrize(
    ("cohort", "responders", "benefit", "progressors"),
    [("A", 4, 8, 2), ("B", 5, 9, 1), ("C", 6, 10, 0)],
)
def test_paper_endpoints_per_cohort(cohort, responders, benefit, progressors):
    group = endpoints(paper_cohort())[cohort]
    assert group.patients == 10
    assert group.objective_response.numerator == responders
    assert group.clinical_benefit.numerator == benefit
    assert group.progressed_by_landmark.numerator == progressors
    assert group.objective_response.ci_low == pytest.approx(clopper_pearson(responders, 10)[0])


def test_endpoints_have_one_entry_per_cohort_plus_overall():
    result = endpoints(paper_cohort())
    assert list(result) == [c.code for c in COHORTS] + [OVERALL]


@pytest.mark.parametrize(
    ("progression_day", "progressed"),
    [(LANDMARK - 1, True), (LANDMARK, True), (LANDMARK + 1, False), (None, False)],
)
def test_progression_on_or_before_the_landmark_is_not_clinical_benefit(progression_day, progressed):
    best = PD if progression_day is not None and progression_day < 100 else SD
    group = endpoints([outcome("A-001", best=best, progression_day=progression_day)])[OVERALL]
    assert group.progressed_by_landmark.numerator == int(progressed)
    assert group.clinical_benefit.numerator == int(not progressed)


def test_landmark_is_the_protocol_days_after_c1d1():
    assert landmark_date(C1D1) == C1D1 + timedelta(days=CLINICAL_BENEFIT_LANDMARK_DAYS)


@pytest.mark.parametrize(
    ("last_day", "progression_day", "counted"),
    [
        (None, None, 1),  # never re-assessed
        (LANDMARK - 1, None, 1),  # last scan before the landmark
        (LANDMARK, None, 0),  # assessed on the landmark
        (LANDMARK - 1, LANDMARK + 30, 0),  # progression seen after the landmark
    ],
)
def test_benefit_without_an_assessment_at_the_landmark_is_counted_but_reported(
    last_day, progression_day, counted
):
    group = endpoints([outcome("A-001", last_day=last_day, progression_day=progression_day)])[
        OVERALL
    ]
    assert group.clinical_benefit.numerator == 1
    assert group.benefit_without_landmark_assessment == counted


def test_patient_not_yet_assessed_stays_in_the_response_denominator():
    group = endpoints([outcome("A-001", best=PR), outcome("A-002", best=None, last_day=None)])[
        OVERALL
    ]
    assert (group.objective_response.numerator, group.objective_response.denominator) == (1, 2)


def test_endpoints_without_patients_report_an_empty_overall_group():
    result = endpoints([])
    assert list(result) == [OVERALL]
    assert result[OVERALL].patients == 0
    assert result[OVERALL].objective_response == Proportion(0, 0, None, 0.0, 1.0)


def test_a_patient_counted_twice_is_refused():
    with pytest.raises(ValueError):
        endpoints([outcome("A-001"), outcome("A-001")])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"best": PD, "progression_day": None},
        {"progression_day": -1},
        {"last_day": -1},
    ],
)
def test_inconsistent_patient_outcome_is_refused(kwargs):
    with pytest.raises(ValueError):
        outcome("A-001", **kwargs)
