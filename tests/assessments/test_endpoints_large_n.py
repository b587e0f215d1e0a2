"""Endpoints at trial-registry sizes (issue 24): n = 5,000 gives the exact values, quickly.

The references here are independent of the code under test: the binomial tail as an exact
rational (integers only), and the Clopper–Pearson bounds checked by the tail they leave,
summed term by term in log space with ``math.lgamma``.
"""

from __future__ import annotations

import math
from datetime import date
from fractions import Fraction

import pytest

from assessments.endpoints import (
    PatientOutcome,
    binomial_p_value_greater,
    clopper_pearson,
    endpoints,
)
from assessments.recist import Response

N = 5_000


def exact_upper_tail_quarter(successes: int, n: int) -> float:
    """P(X >= successes | n, 1/4) = Σ C(n, k) 3^(n-k) / 4^n, in exact integers."""
    total, coefficient = 0, math.comb(n, successes)
    for k in range(successes, n + 1):
        total += coefficient * 3 ** (n - k)
        coefficient = coefficient * (n - k) // (k + 1)
    return float(Fraction(total, 4**n))


def log_space_tail(ks: range, n: int, p: float) -> float:
    log_p, log_q = math.log(p), math.log1p(-p)
    return math.fsum(
        math.exp(
            math.lgamma(n + 1)
            - math.lgamma(k + 1)
            - math.lgamma(n - k + 1)
            + k * log_p
            + (n - k) * log_q
        )
        for k in ks
    )


@pytest.mark.parametrize("successes", [1, 1_200, 1_250, 1_330, 2_500, 4_999])
def test_p_value_at_5000_patients_is_the_exact_tail(successes):
    expected = exact_upper_tail_quarter(successes, N)
    assert binomial_p_value_greater(successes, N, 0.25) == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("successes", [1, 37, 2_500, 4_100, 4_999])
def test_clopper_pearson_at_5000_patients_leaves_half_alpha_in_each_tail(successes):
    low, high = clopper_pearson(successes, N)
    assert 0 < low < successes / N < high < 1
    assert log_space_tail(range(successes, N + 1), N, low) == pytest.approx(0.025, abs=1e-9)
    assert log_space_tail(range(successes + 1), N, high) == pytest.approx(0.025, abs=1e-9)


def test_the_extremes_at_5000_patients_stay_exact():
    assert clopper_pearson(0, N)[0] == 0.0
    assert clopper_pearson(N, N)[1] == 1.0
    # 0 of n: the upper bound solves (1 - p)^n = α/2 in closed form.
    assert clopper_pearson(0, N)[1] == pytest.approx(1 - 0.025 ** (1 / N), rel=1e-10)


def test_endpoints_of_ten_thousand_patients_are_immediate():
    """The dashboard's call at 10,000 patients (it took minutes with exact big integers)."""
    c1d1 = date(2024, 1, 10)
    outcomes = [
        PatientOutcome(
            f"P{i}", "ABC"[i % 3], c1d1, Response.PR if i % 2 else Response.SD, None, None
        )
        for i in range(10_000)
    ]
    result = endpoints(outcomes)
    assert result["overall"].objective_response.numerator == 5_000
    assert result["overall"].objective_response.ci_low == pytest.approx(
        clopper_pearson(5_000, 10_000)[0]
    )
