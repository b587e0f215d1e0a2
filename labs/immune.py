"""Immune monitoring maths: draw timing and change from baseline. Pure: no ORM, no Django.

Protocol "Laboratory and immune monitoring": draws at baseline and 13 ± 2 days after the
*actual* date of IMP321 injections 6 and 12. The paper reports, per cohort, how monocytes,
dendritic cells, NK cells and effector-memory CD8 T cells change from baseline; each
population is measured as an absolute count (cells/µL) and a percentage, and both are
summarised here with the absolute change and the change relative to baseline.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
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
class ImmuneValue:
    patient_id: int
    cohort: str
    event_code: str
    analyte: str
    value: Decimal


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


def _mean(values: list[Decimal]) -> Decimal:
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def change_from_baseline(values: Iterable[ImmuneValue]) -> list[ChangeFromBaseline]:
    """Change of every analyte from each patient's baseline draw, summarised per cohort.

    A patient counts for a (draw, analyte) only when both the baseline and that draw have a
    value. Sorted by cohort, draw (protocol order), analyte.
    """
    baseline: dict[tuple[int, str], Decimal] = {}
    later: list[ImmuneValue] = []
    for v in values:
        if v.event_code == BASELINE:
            baseline[(v.patient_id, v.analyte)] = v.value
        elif v.event_code in FOLLOW_UPS:
            later.append(v)
    groups: dict[tuple[str, str, str], list[tuple[Decimal, Decimal]]] = defaultdict(list)
    for v in later:
        base = baseline.get((v.patient_id, v.analyte))
        if base is not None:
            groups[(v.cohort, v.event_code, v.analyte)].append((base, v.value))
    summaries = []
    for (cohort, event_code, analyte_code), pairs in groups.items():
        pcts = [(value - base) / base * _HUNDRED for base, value in pairs if base > 0]
        summaries.append(
            ChangeFromBaseline(
                cohort=cohort,
                event_code=event_code,
                analyte=analyte_code,
                n=len(pairs),
                mean_baseline=_mean([b for b, _ in pairs]),
                mean_value=_mean([v for _, v in pairs]),
                mean_change=_mean([v - b for b, v in pairs]),
                mean_pct_change=_mean(pcts) if pcts else None,
                n_pct=len(pcts),
            )
        )
    return sorted(summaries, key=lambda s: (s.cohort, FOLLOW_UPS.index(s.event_code), s.analyte))
