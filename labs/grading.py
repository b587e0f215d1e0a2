"""CTCAE v5.0 grading of a lab value, and normal-range flags. Pure: no ORM, no Django.

Every value, LLN and ULN is in the analyte's standard unit (``labs.catalogue``): cell counts in
10^9/L, haemoglobin in g/dL, so the cut-offs below are the CTCAE v5.0 numbers as printed.

How the workbook's ranges are read (NCI CTCAE v5.0, "Investigations" and "Blood and lymphatic
system disorders"):

- "Decreased" terms: grade 1 is "<LLN - x", grade 2 "<x - y", ..., the last "<z". A value
  exactly on a cut-off belongs to the milder grade (ANC 1.5 -> grade 1 if below LLN; ANC 1.0 ->
  grade 2). Grades 2+ are fixed cut-offs and apply even when a site's LLN is lower than them
  (the workbook does not qualify them by LLN); grade 1 needs the value below LLN.
- "Increased" terms: grade 1 is ">ULN - a x ULN", grade 2 ">a - b x ULN", ..., the last
  ">c x ULN". A value exactly on a multiple belongs to the milder grade (bilirubin 1.5 x ULN ->
  grade 1). Only the "if baseline was normal" definitions are computed; when the patient's
  baseline was already abnormal, CTCAE grades against multiples of baseline instead and the
  investigator assigns the grade.
- Anaemia grade 3 also reads "transfusion indicated" and grades 4-5 are clinical ("Life-
  threatening consequences", "Death"); from the value alone at most grade 3 is returned.
  Likewise no lab term is ever graded 5 from a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from labs.catalogue import (
    CTCAE_ALT_INCREASED,
    CTCAE_ANEMIA,
    CTCAE_AST_INCREASED,
    CTCAE_BILIRUBIN_INCREASED,
    CTCAE_CREATININE_INCREASED,
    CTCAE_LYMPHOCYTE_COUNT_DECREASED,
    CTCAE_NEUTROPHIL_COUNT_DECREASED,
    CTCAE_PLATELET_COUNT_DECREASED,
    CTCAE_WBC_DECREASED,
    LabValueError,
    analyte,
)

FLAG_LOW = "L"
FLAG_HIGH = "H"
FLAG_NORMAL = ""

LLN_REQUIRED_MESSAGE = _("{term} is graded against the lower limit of normal; LLN is missing.")
ULN_REQUIRED_MESSAGE = _("{term} is graded against the upper limit of normal; ULN must be > 0.")
RANGE_INVERTED_MESSAGE = _("Normal range is inverted: low {low} is above high {high}.")


class GradingError(LabValueError):
    pass


@dataclass(frozen=True)
class DecreasedScale:
    """Grade 1 below LLN; grade ``n + 2`` below ``cutoffs[n]`` (absolute, descending)."""

    term: str
    cutoffs: tuple[Decimal, ...]

    @property
    def max_grade(self) -> int:
        return len(self.cutoffs) + 1

    def grade(self, value: Decimal, *, lln: Decimal | None, uln: Decimal | None) -> int:
        if lln is None:
            raise GradingError(LLN_REQUIRED_MESSAGE.format(term=self.term))
        below = sum(1 for cutoff in self.cutoffs if value < cutoff)
        if below:
            return below + 1
        return 1 if value < lln else 0


@dataclass(frozen=True)
class IncreasedScale:
    """Grade 1 above ULN; grade ``n + 2`` above ``uln_multiples[n] x ULN`` (ascending)."""

    term: str
    uln_multiples: tuple[Decimal, ...]

    @property
    def max_grade(self) -> int:
        return len(self.uln_multiples) + 1

    def grade(self, value: Decimal, *, lln: Decimal | None, uln: Decimal | None) -> int:
        if uln is None or uln <= 0:
            raise GradingError(ULN_REQUIRED_MESSAGE.format(term=self.term))
        if value <= uln:
            return 0
        return 1 + sum(1 for multiple in self.uln_multiples if value > multiple * uln)


def _d(*numbers: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(n) for n in numbers)


# Cut-offs transcribed from the CTCAE v5.0 workbook (tests check them against its text).
CTCAE_SCALES: dict[str, DecreasedScale | IncreasedScale] = {
    s.term: s
    for s in (
        # x 10^9/L
        DecreasedScale(CTCAE_NEUTROPHIL_COUNT_DECREASED, _d("1.5", "1.0", "0.5")),
        DecreasedScale(CTCAE_PLATELET_COUNT_DECREASED, _d("75", "50", "25")),
        DecreasedScale(CTCAE_WBC_DECREASED, _d("3.0", "2.0", "1.0")),
        DecreasedScale(CTCAE_LYMPHOCYTE_COUNT_DECREASED, _d("0.8", "0.5", "0.2")),
        # g/dL; grades 4-5 are clinical
        DecreasedScale(CTCAE_ANEMIA, _d("10.0", "8.0")),
        # x ULN, baseline normal
        IncreasedScale(CTCAE_BILIRUBIN_INCREASED, _d("1.5", "3.0", "10.0")),
        IncreasedScale(CTCAE_ALT_INCREASED, _d("3.0", "5.0", "20.0")),
        IncreasedScale(CTCAE_AST_INCREASED, _d("3.0", "5.0", "20.0")),
        IncreasedScale(CTCAE_CREATININE_INCREASED, _d("1.5", "3.0", "6.0")),
    )
}


def ctcae_grade(
    analyte_code: str,
    value_std: Decimal,
    *,
    lln: Decimal | None = None,
    uln: Decimal | None = None,
) -> int:
    """CTCAE v5.0 grade (0-4) of a value in the analyte's standard unit.

    0 means within the grade-1 limit, or an analyte CTCAE does not grade (the immune panel).
    ``lln`` is required for "decreased" terms and ``uln`` for "increased" ones (both in the
    standard unit); a missing one raises ``GradingError`` rather than guessing grade 0 or 1.
    """
    term = analyte(analyte_code).ctcae_term
    if term is None:
        return 0
    return CTCAE_SCALES[term].grade(value_std, lln=lln, uln=uln)


def range_flag(value: Decimal, low: Decimal | None, high: Decimal | None) -> str:
    """``"L"`` below ``low``, ``"H"`` above ``high``, ``""`` otherwise; limits are normal."""
    if low is not None and high is not None and low > high:
        raise GradingError(RANGE_INVERTED_MESSAGE.format(low=low, high=high))
    if low is not None and value < low:
        return FLAG_LOW
    if high is not None and value > high:
        return FLAG_HIGH
    return FLAG_NORMAL
