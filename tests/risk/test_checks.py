"""The statistical checks on generated trials: each finds its planted pattern, names the site
and says it with numbers; on clean data each stays quiet — its false-alarm rate over many
generated trials stays within the stated RISK_CHECK_ALPHA (1 % of runs, Bonferroni)."""

import datetime as dt
import random
from decimal import Decimal

from edc.risk import checks

ALPHA = 0.01
MIN_N = 20
SITES = ("FR01", "FR02", "BE01", "DE01")
SEEDS = range(200)
# Runs with any false alarm out of 200 at α = 1 %: 2 expected; P(more than 7) < 0.001.
MAX_FALSE_RUNS = 7
MEASURES = {
    "systolic_bp": checks.Measure("systolic_bp", "systolic pressures", "mmHg"),
    "heart_rate": checks.Measure("heart_rate", "heart rates", "/min"),
    "temperature_c": checks.Measure("temperature_c", "temperatures", "°C"),
}


def clean_trial(seed: int, n: int = 60) -> dict[str, dict[str, list]]:
    rng = random.Random(seed)
    return {
        "systolic_bp": {s: [round(rng.gauss(125, 15)) for _ in range(n)] for s in SITES},
        "heart_rate": {s: [round(rng.gauss(78, 12)) for _ in range(n)] for s in SITES},
        "temperature_c": {
            s: [Decimal(str(round(rng.gauss(36.8, 0.35), 1))) for _ in range(n)] for s in SITES
        },
    }


def as_float(readings):
    return {m: {s: [float(v) for v in vs] for s, vs in by.items()} for m, by in readings.items()}


def entry_days(seed: int, n: int = 80, weekend_share: float = 0.05) -> dict[str, list]:
    rng = random.Random(seed)
    monday = dt.date(2026, 1, 5)

    def day():
        if rng.random() < weekend_share:
            return monday + dt.timedelta(days=rng.choice((5, 6)) + 7 * rng.randint(0, 20))
        return monday + dt.timedelta(days=rng.randint(0, 4) + 7 * rng.randint(0, 20))

    return {s: [day() for _ in range(n)] for s in SITES}


# --- terminal-digit preference ---------------------------------------------------------------


def test_digit_preference_finds_rounded_pressures_and_says_it_with_numbers():
    readings = clean_trial(1)
    rng = random.Random(7)
    readings["systolic_bp"]["FR02"] = [
        round(v, -1) if rng.random() < 0.6 else v for v in readings["systolic_bp"]["FR02"]
    ]
    found = checks.digit_preference(readings, MEASURES, alpha=ALPHA, min_n=MIN_N)
    assert [(f.site, f.measure) for f in found] == [("FR02", "systolic_bp")]
    text = found[0].text
    assert text.startswith("Site FR02: systolic pressures end in 0 in ")
    assert "readings; other sites" in text and "chi-square" in text


def test_a_trial_wide_habit_is_no_site_s_finding():
    readings = clean_trial(8)
    readings["weight_kg"] = {
        s: [Decimal(f"{60 + i % 20}.0") for i in range(60)] for s in SITES
    }  # every site weighs to the whole kilogram
    measures = {**MEASURES, "weight_kg": checks.Measure("weight_kg", "weights", "kg")}
    assert checks.digit_preference(readings, measures, alpha=ALPHA, min_n=MIN_N) == []


def test_last_digit_is_the_digit_as_recorded():
    assert checks.last_digit(120) == 0
    assert checks.last_digit(Decimal("36.8")) == 8
    assert checks.last_digit(Decimal("64.0")) == 0


def test_digit_preference_stays_quiet_on_clean_trials():
    noisy = sum(
        bool(checks.digit_preference(clean_trial(s), MEASURES, alpha=ALPHA, min_n=MIN_N))
        for s in SEEDS
    )
    assert noisy <= MAX_FALSE_RUNS


# --- distribution against the other sites ----------------------------------------------------


def test_distribution_finds_a_site_whose_pressures_run_high():
    readings = as_float(clean_trial(2))
    readings["systolic_bp"]["BE01"] = [v + 15 for v in readings["systolic_bp"]["BE01"]]
    found = checks.distribution(readings, MEASURES, alpha=ALPHA, min_n=MIN_N)
    assert [(f.site, f.measure) for f in found] == [("BE01", "systolic_bp")]
    assert "Site BE01: systolic pressures differ from the other sites (median" in found[0].text
    assert "Kolmogorov–Smirnov" in found[0].text


def test_distribution_stays_quiet_on_clean_trials():
    noisy = sum(
        bool(checks.distribution(as_float(clean_trial(s)), MEASURES, alpha=ALPHA, min_n=MIN_N))
        for s in SEEDS
    )
    assert noisy <= MAX_FALSE_RUNS


def test_a_site_with_too_few_readings_is_not_tested():
    readings = as_float(clean_trial(3))
    readings["systolic_bp"]["DE01"] = [200.0] * (MIN_N - 1)
    found = checks.distribution(readings, MEASURES, alpha=ALPHA, min_n=MIN_N)
    assert all(f.site != "DE01" for f in found)


# --- unusually low variance (copied values) --------------------------------------------------


def test_low_variance_finds_copied_heart_rates():
    readings = as_float(clean_trial(4))
    rng = random.Random(4)
    readings["heart_rate"]["FR01"] = [float(rng.choice((76, 78, 80))) for _ in range(60)]
    found = checks.low_variance(readings, MEASURES, alpha=ALPHA, min_n=MIN_N)
    assert [(f.site, f.measure) for f in found] == [("FR01", "heart_rate")]
    assert "heart rates vary unusually little (standard deviation" in found[0].text
    assert "copied" in found[0].text


def test_low_variance_stays_quiet_on_clean_trials():
    noisy = sum(
        bool(checks.low_variance(as_float(clean_trial(s)), MEASURES, alpha=ALPHA, min_n=MIN_N))
        for s in SEEDS
    )
    assert noisy <= MAX_FALSE_RUNS


# --- identical values across patients --------------------------------------------------------


def vital_rows(seed: int):
    rng = random.Random(seed)
    return {
        s: [
            (
                pid,
                (
                    round(rng.gauss(125, 15)),
                    round(rng.gauss(78, 9)),
                    round(rng.gauss(78, 12)),
                    Decimal(str(round(rng.gauss(36.8, 0.35), 1))),
                    Decimal(str(round(rng.gauss(68, 12), 1))),
                ),
            )
            for pid in range(i * 1000, i * 1000 + 20)
            for _ in range(4)
        ]
        for i, s in enumerate(SITES)
    }


def test_identical_values_across_three_patients_are_found():
    rows = vital_rows(5)
    copied = (120, 80, 70, Decimal("36.8"), Decimal("64.0"))
    rows["FR02"] += [(pid, copied) for pid in (1000, 1001, 1002)]
    found = checks.identical_values(rows, describe=str, min_patients=3)
    assert [(f.site, f.check) for f in found] == [("FR02", checks.IDENTICAL)]
    assert found[0].text.startswith("Site FR02: 3 patients have identical vital signs")


def test_identical_values_stay_quiet_on_clean_trials():
    assert not any(
        checks.identical_values(vital_rows(s), describe=str, min_patients=3) for s in SEEDS
    )


# --- weekday / holiday entry -----------------------------------------------------------------


def test_weekend_entry_is_found():
    days = entry_days(6)
    days["FR02"] = entry_days(60, weekend_share=0.5)["FR02"]
    found = checks.weekday_pattern(days, alpha=ALPHA, min_n=MIN_N)
    assert [f.site for f in found] == ["FR02"]
    assert "records were first saved on weekends or public holidays; other sites" in found[0].text


def test_public_holidays_count_with_weekends():
    holiday = dt.date(2026, 5, 1)  # a Friday
    assert checks.day_category(holiday, frozenset({holiday})) == 5
    assert checks.day_category(holiday) == 4


def test_weekday_pattern_stays_quiet_on_clean_trials():
    noisy = sum(
        bool(checks.weekday_pattern(entry_days(s), alpha=ALPHA, min_n=MIN_N)) for s in SEEDS
    )
    assert noisy <= MAX_FALSE_RUNS
