"""The exact one-sided binomial test against the historical control rate (pure, no scipy).

Expected p-values are P(X >= x | n, p) computed exactly with fractions (below, an independent
path) and agree with scipy.stats.binomtest(x, n, p, alternative="greater") / R's
binom.test(x, n, p, alternative = "greater") to every printed digit.
"""

from __future__ import annotations

from fractions import Fraction
from math import comb

import pytest

from assessments.endpoints import binomial_p_value_greater, clopper_pearson
from edc.protocol import HISTORICAL_CONTROL_ALPHA, HISTORICAL_CONTROL_RESPONSE_RATE


def exact_upper_tail(successes: int, n: int, rate: Fraction) -> Fraction:
    return sum(
        (comb(n, k) * rate**k * (1 - rate) ** (n - k) for k in range(successes, n + 1)),
        Fraction(0),
    )


@pytest.mark.parametrize(
    ("successes", "n", "p_value"),
    [
        (15, 30, 0.0027495341641403867),  # the paper: 15/30 against 25 %
        (13, 30, 0.021593640879855477),
        (12, 30, 0.05065828005155163),  # just above 0.05
        (4, 10, 0.22412490844726562),
        (5, 10, 0.07812690734863281),  # 40961 / 524288
        (6, 10, 0.019727706909179688),
        (10, 10, 0.25**10),
        (27, 30, 9.855484484067034e-14),  # small p-values keep their precision
    ],
)
def test_p_value_is_the_exact_upper_binomial_tail(successes, n, p_value):
    assert binomial_p_value_greater(successes, n, 0.25) == pytest.approx(p_value, rel=1e-12)


@pytest.mark.parametrize("n", [1, 10, 30, 200])
def test_p_value_matches_exact_rational_arithmetic_for_every_count(n):
    quarter = Fraction(1, 4)
    for successes in range(n + 1):
        expected = float(exact_upper_tail(successes, n, quarter))
        assert binomial_p_value_greater(successes, n, quarter) == pytest.approx(expected, rel=1e-11)


def test_p_value_falls_as_responders_rise():
    values = [binomial_p_value_greater(x, 30, 0.25) for x in range(31)]
    assert values == sorted(values, reverse=True)


def test_no_responder_or_no_patient_gives_p_one():
    assert binomial_p_value_greater(0, 10, 0.25) == 1.0
    assert binomial_p_value_greater(0, 0, 0.25) == 1.0


@pytest.mark.parametrize(
    ("successes", "n", "rate"),
    [(-1, 10, 0.25), (11, 10, 0.25), (5, 10, 0), (5, 10, 1), (5, 10, 1.5)],
)
def test_impossible_inputs_are_refused(successes, n, rate):
    with pytest.raises(ValueError):
        binomial_p_value_greater(successes, n, rate)


def test_the_papers_response_is_above_the_protocols_historical_rate():
    """15/30 = 50 % (95 % CI 31.3–68.7 %), above 25 % with p = 0.0027 (one-sided, exact)."""
    p_value = binomial_p_value_greater(15, 30, HISTORICAL_CONTROL_RESPONSE_RATE)
    assert p_value == pytest.approx(0.0027495342, rel=1e-7)
    assert p_value < HISTORICAL_CONTROL_ALPHA
    low, high = clopper_pearson(15, 30)
    assert (low, high) == pytest.approx((0.3129703, 0.6870297), abs=1e-7)
    # A cohort of 10 with 5 responders is 50 % too, but not shown above 25 %.
    assert binomial_p_value_greater(5, 10, HISTORICAL_CONTROL_RESPONSE_RATE) > 0.05
