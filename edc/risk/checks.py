"""Statistical checks that find what no single record shows: each site against the others.

Pure functions over plain numbers (scipy.stats), so they are tested on generated data; the
readings come from :func:`edc.risk.readings.gather_readings`. Every check compares one site
with the pooled readings of all the other sites ("other sites": never named), and every
finding is a sentence with its numbers.

False alarms: each check tests many (site, measure) pairs in one run; the threshold of each
test is ``alpha / number of tests`` (Bonferroni), so on data without any pattern a check
raises a false alarm in at most ``alpha`` of the runs (``settings.RISK_CHECK_ALPHA``, 1 %).
The tests hold them to that over generated trials (tests/risk/test_checks.py).

* **Distribution** — two-sample Kolmogorov–Smirnov test of the site's values against the other
  sites' (vital signs; laboratory values by analyte).
* **Terminal-digit preference** — chi-square test of the last recorded digit of hand-measured
  values (vital signs), the site against the other sites (a trial-wide habit, such as weights to
  the whole kilogram, is nobody's finding), when the site over-uses a digit by at least
  ``RISK_CHECK_MIN_EFFECT`` percentage points (10).
* **Unusually low variance** — one-sided F test of the site's variance against the other
  sites' (values copied from one reading to the next vary too little).
* **Identical values across patients** — the same full set of vital signs recorded for several
  patients of one site (``RISK_IDENTICAL_MIN_PATIENTS``); a count, not a test: by chance, a
  five-value match across patients is practically impossible.
* **Weekday / holiday pattern** — chi-square test of the site's first saves by day (Monday to
  Friday, and weekend or public holiday together) against the other sites', when the site's
  share of one kind of day exceeds theirs by ``RISK_CHECK_MIN_EFFECT`` points (with thousands
  of records a test alone finds differences too small to matter).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.utils.translation import gettext_noop
from scipy import stats

DISTRIBUTION = "distribution"
DIGITS = "digits"
LOW_VARIANCE = "low_variance"
IDENTICAL = "identical"
WEEKDAYS = "weekdays"

# Stored in English with each finding; the pages translate them when they show them.
CHECK_LABELS = {
    DISTRIBUTION: gettext_noop("Distribution unlike the other sites"),
    DIGITS: gettext_noop("Terminal-digit preference"),
    LOW_VARIANCE: gettext_noop("Unusually low variation"),
    IDENTICAL: gettext_noop("Identical values across patients"),
    WEEKDAYS: gettext_noop("Entry pattern by weekday"),
}
DAY_NAMES = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays")
OFF_DAYS = "weekends or public holidays"


@dataclass(frozen=True)
class Measure:
    """What the readings are, as people say it ("systolic pressures", "mmHg")."""

    code: str
    plural: str
    unit: str


@dataclass(frozen=True)
class Finding:
    check: str
    site: str  # the site's code, as people read it
    measure: str
    text: str
    p: float | None = None

    def as_dict(self) -> dict:
        return {
            "check": self.check,
            "check_label": CHECK_LABELS[self.check],
            "measure": self.measure,
            "text": self.text,
            "p": self.p,
        }


def _num(value: float, decimals: int = 1) -> str:
    text = f"{value:,.{decimals}f}".replace(",", "\u202f")
    return text.replace("-", "\u2212")


def _pct(value: float) -> str:
    return f"{round(value):d} %"


def _p(p: float) -> str:
    return "p < 0.0001" if p < 0.0001 else f"p = {p:.4f}"


def _median(values) -> float:
    return float(np.median(np.asarray(values, dtype=float)))


def _variance(values) -> float:
    return float(np.var(np.asarray(values, dtype=float), ddof=1))


def _split(by_site: Mapping[str, Sequence], site: str) -> tuple[list, list]:
    own = list(by_site[site])
    others = [v for s, values in by_site.items() if s != site for v in values]
    return own, others


def _eligible(by_site: Mapping[str, Sequence], min_n: int) -> list[str]:
    return [
        s
        for s in sorted(by_site)
        if len(by_site[s]) >= min_n and len(_split(by_site, s)[1]) >= min_n
    ]


def _sequential(by_site: Mapping[str, Sequence], min_n: int, test, threshold: float):
    """Flag the most unusual site, leave it out of the others' pool, test again; stop when no
    remaining site passes ``threshold``. So one unusual site does not make the others look
    unusual against a pool it distorts. Yields (site, p, own, others)."""
    pool = {s: list(v) for s, v in by_site.items()}
    candidates = set(_eligible(by_site, min_n))
    while candidates:
        results = []
        for site in sorted(candidates):
            own, others = _split(pool, site)
            if len(others) < min_n:
                continue
            p = test(own, others)
            if p is not None:
                results.append((p, site, own, others))
        if not results:
            return
        p, site, own, others = min(results, key=lambda r: r[0])
        if p >= threshold:
            return
        yield site, p, own, others
        candidates.discard(site)
        del pool[site]


def _tests(readings: Mapping[str, Mapping[str, Sequence]], min_n: int) -> int:
    return sum(len(_eligible(by_site, min_n)) for by_site in readings.values())


def distribution(
    readings: Mapping[str, Mapping[str, Sequence[float]]],
    measures: Mapping[str, Measure],
    *,
    alpha: float,
    min_n: int,
) -> list[Finding]:
    """Kolmogorov–Smirnov: ``readings[measure][site]`` against the other sites."""
    m = _tests(readings, min_n)
    found = []
    for code, by_site in readings.items():
        for site, p, own, others in _sequential(
            by_site, min_n, lambda a, b: float(stats.ks_2samp(a, b).pvalue), alpha / max(m, 1)
        ):
            measure = measures[code]
            found.append(
                Finding(
                    DISTRIBUTION,
                    site,
                    code,
                    f"Site {site}: {measure.plural} differ from the other sites "
                    f"(median {_num(_median(own))} vs "
                    f"{_num(_median(others))} {measure.unit}; "
                    f"{len(own)} vs {len(others)} readings; Kolmogorov–Smirnov {_p(p)}).",
                    p,
                )
            )
    return found


def last_digit(value) -> int:
    """The last digit of a value as recorded (120 → 0; Decimal('36.8') → 8)."""
    if isinstance(value, Decimal):
        digits = value.as_tuple().digits
        return digits[-1] if digits else 0
    return int(abs(int(value))) % 10


def _digit_counts(values) -> list[int]:
    counts = Counter(last_digit(v) for v in values)
    return [counts.get(d, 0) for d in range(10)]


def _homogeneity_p(a: Sequence[int], b: Sequence[int]) -> float | None:
    """Chi-square test that two count vectors share one distribution (empty cells dropped)."""
    cells = [i for i in range(len(a)) if a[i] + b[i] > 0]
    if len(cells) < 2:
        return None
    return float(stats.chi2_contingency([[a[i] for i in cells], [b[i] for i in cells]]).pvalue)


def _excess(a: Sequence[int], b: Sequence[int]) -> tuple[int, float, float]:
    """The cell the site over-uses most against the others: (cell, site %, others %)."""
    na, nb = sum(a) or 1, sum(b) or 1
    cell = max(range(len(a)), key=lambda i: a[i] / na - b[i] / nb)
    return cell, 100 * a[cell] / na, 100 * b[cell] / nb


def digit_preference(
    readings: Mapping[str, Mapping[str, Sequence]],
    measures: Mapping[str, Measure],
    *,
    alpha: float,
    min_n: int,
    min_effect: float = 10.0,
) -> list[Finding]:
    """Chi-square test of the last recorded digit, site against the other sites (so a
    trial-wide habit, e.g. weights to the whole kilogram, is nobody's finding), flagged when
    the site over-uses one digit by at least ``min_effect`` percentage points."""
    m = _tests(readings, min_n)
    found = []
    for code, by_site in readings.items():
        for site, p, own, others in _sequential(
            by_site,
            min_n,
            lambda a, b: _homogeneity_p(_digit_counts(a), _digit_counts(b)),
            alpha / max(m, 1),
        ):
            digit, share, other_share = _excess(_digit_counts(own), _digit_counts(others))
            if share - other_share < min_effect:
                continue
            found.append(
                Finding(
                    DIGITS,
                    site,
                    code,
                    f"Site {site}: {measures[code].plural} end in {digit} in {_pct(share)} of "
                    f"{len(own)} readings; other sites {_pct(other_share)} (chi-square {_p(p)}).",
                    p,
                )
            )
    return found


def _variance_p(own: Sequence[float], others: Sequence[float]) -> float | None:
    other_var = _variance(others)
    if other_var == 0:
        return None
    ratio = _variance(own) / other_var
    return float(stats.f.cdf(ratio, len(own) - 1, len(others) - 1))


def low_variance(
    readings: Mapping[str, Mapping[str, Sequence[float]]],
    measures: Mapping[str, Measure],
    *,
    alpha: float,
    min_n: int,
) -> list[Finding]:
    """One-sided F test: the site's variance is smaller than the other sites'."""
    m = _tests(readings, min_n)
    found = []
    for code, by_site in readings.items():
        for site, p, own, others in _sequential(by_site, min_n, _variance_p, alpha / max(m, 1)):
            own_var, other_var = _variance(own), _variance(others)
            measure = measures[code]
            found.append(
                Finding(
                    LOW_VARIANCE,
                    site,
                    code,
                    f"Site {site}: {measure.plural} vary unusually little (standard "
                    f"deviation {_num(own_var**0.5)} vs {_num(other_var**0.5)} "
                    f"{measure.unit} at the other sites; {len(own)} readings; F test "
                    f"{_p(p)}) — values may have been copied.",
                    p,
                )
            )
    return found


def identical_values(
    rows: Mapping[str, Iterable[tuple[int, tuple]]],
    *,
    describe,
    min_patients: int,
) -> list[Finding]:
    """The same full set of values recorded for ``min_patients`` or more patients of a site.

    ``rows[site]`` are (patient id, values) pairs; ``describe(values)`` says the values."""
    found = []
    for site in sorted(rows):
        patients_of: dict[tuple, set[int]] = {}
        readings_of: Counter = Counter()
        for patient, values in rows[site]:
            patients_of.setdefault(values, set()).add(patient)
            readings_of[values] += 1
        for values, patients in sorted(patients_of.items(), key=lambda kv: -len(kv[1])):
            if len(patients) < min_patients:
                break
            found.append(
                Finding(
                    IDENTICAL,
                    site,
                    "vital_signs",
                    f"Site {site}: {len(patients)} patients have identical vital signs "
                    f"({describe(values)}) in {readings_of[values]} readings.",
                )
            )
    return found


def day_category(day: dt.date, holidays: frozenset[dt.date] = frozenset()) -> int:
    """0–4 Monday to Friday; 5 weekend or public holiday."""
    return 5 if day.weekday() >= 5 or day in holidays else day.weekday()


def weekday_pattern(
    days: Mapping[str, Sequence[dt.date]],
    *,
    alpha: float,
    min_n: int,
    holidays: frozenset[dt.date] = frozenset(),
    min_effect: float = 10.0,
) -> list[Finding]:
    """Chi-square test of first saves by day category, site against the other sites; flagged
    when the site's share of one kind of day exceeds the others' by ``min_effect`` points."""
    m = len(_eligible(days, min_n))

    def test(own, others):
        a = Counter(day_category(d, holidays) for d in own)
        b = Counter(day_category(d, holidays) for d in others)
        cats = [c for c in range(6) if a.get(c, 0) + b.get(c, 0) > 0]
        if len(cats) < 2:
            return None
        table = [[a.get(c, 0) for c in cats], [b.get(c, 0) for c in cats]]
        return float(stats.chi2_contingency(table).pvalue)

    found = []
    for site, p, own, others in _sequential(days, min_n, test, alpha / max(m, 1)):
        a = [0] * 6
        b = [0] * 6
        for d in own:
            a[day_category(d, holidays)] += 1
        for d in others:
            b[day_category(d, holidays)] += 1
        cat, share, other_share = _excess(a, b)
        if share - other_share < min_effect:
            continue
        name = OFF_DAYS if cat == 5 else DAY_NAMES[cat]
        found.append(
            Finding(
                WEEKDAYS,
                site,
                "first_saves",
                f"Site {site}: {_pct(share)} of {len(own)} records were first saved on {name}; "
                f"other sites {_pct(other_share)} (chi-square {_p(p)}).",
                p,
            )
        )
    return found
