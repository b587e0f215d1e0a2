"""Immune monitoring maths: draw timing and change from baseline. Pure: no ORM, no Django.

Protocol "Laboratory and immune monitoring": draws at baseline and 13 ± 2 days after the
*actual* date of IMP321 injections 6 and 12. The paper reports, per cohort, how monocytes,
dendritic cells, NK cells and effector-memory CD8 T cells change from baseline; each
population is measured as an absolute count (cells/µL) and a percentage, and both are
summarised here with the absolute change and the change relative to baseline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

BASELINE = "IMM-BL"
FOLLOW_UPS: tuple[str, ...] = ("IMM-INJ6", "IMM-INJ12")
# Populations the cohort picture shows (absolute counts; the % analytes add "_PCT").
POPULATIONS: tuple[str, ...] = ("MONO", "MDC", "PDC", "NK", "CD8", "CD8_EM")

_HUNDRED = Decimal(100)


def days_outside_window(drawn_on: dt.date, *, earliest: dt.date, latest: dt.date) -> int:
    """0 inside the window (both bounds included), else days early (< 0) or late (> 0)."""
    if drawn_on < earliest:
        return (drawn_on - earliest).days
    if drawn_on > latest:
        return (drawn_on - latest).days
    return 0


@dataclass(frozen=True)
class ChangeFromBaseline:
    """Per cohort, draw and analyte: patients with both values and their mean changes."""

    cohort: str
    event_code: str
    analyte: str
    n: int
    mean_baseline: Decimal
    mean_value: Decimal
    mean_change: Decimal
    # Mean of the patients' relative changes; patients whose baseline is 0 are left out.
    mean_pct_change: Decimal | None
    n_pct: int


@dataclass(frozen=True)
class ChangeSums:
    """Per cohort, draw and analyte, over the patients with both a baseline and that draw's
    value: how many, and the sums of their baselines, values and relative changes (percent;
    ``n_pct`` of them, patients whose baseline is 0 having none)."""

    cohort: str
    event_code: str
    analyte: str
    n: int
    sum_baseline: Decimal
    sum_value: Decimal
    n_pct: int
    sum_pct: Decimal | None


def _mean(total: Decimal, n: int) -> Decimal:
    return (Decimal(total) / n).quantize(Decimal("0.01"), ROUND_HALF_UP)


def change_from_baseline(sums: Iterable[ChangeSums]) -> list[ChangeFromBaseline]:
    """Change of every analyte from the patients' baseline draw, summarised per cohort.

    A patient counts for a (draw, analyte) only when both the baseline and that draw have a
    value (the pairing is done by the database, ``labs.selectors.immune_change_by_cohort``);
    means are rounded half up to 0.01. Sorted by cohort, draw (protocol order), analyte.
    """
    summaries = [
        ChangeFromBaseline(
            cohort=s.cohort,
            event_code=s.event_code,
            analyte=s.analyte,
            n=s.n,
            mean_baseline=_mean(s.sum_baseline, s.n),
            mean_value=_mean(s.sum_value, s.n),
            mean_change=_mean(Decimal(s.sum_value) - Decimal(s.sum_baseline), s.n),
            mean_pct_change=_mean(s.sum_pct, s.n_pct) if s.n_pct else None,
            n_pct=s.n_pct,
        )
        for s in sums
        if s.n
    ]
    return sorted(summaries, key=lambda s: (s.cohort, FOLLOW_UPS.index(s.event_code), s.analyte))
