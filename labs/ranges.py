"""Which normal range judges a result, and what the result is then. Pure: no ORM, no Django.

A laboratory publishes a range per analyte, for women, men or anyone, valid from a date;
a new version is a new row with a later ``effective_from``. For a result collected on day D:

1. candidates are the lab's ranges for the analyte whose sex is the patient's or "any" and
   whose ``effective_from`` is on or before D;
2. the most recent ``effective_from`` wins (a lab that replaces sex-specific ranges by a single
   one, or the reverse, is followed from that date);
3. on the same date a sex-specific range beats the "any" range.

``None`` when no range is valid yet: the caller decides whether that refuses the result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, TypeVar

from labs.catalogue import analyte
from labs.grading import ctcae_grade, range_flag

ANY_SEX = ""


class RangeLike(Protocol):
    lab_id: int
    analyte: str
    sex: str
    effective_from: dt.date
    low: Decimal
    high: Decimal


@dataclass(frozen=True)
class RangeRow:
    """A plain reference range (tests and callers without the ORM)."""

    lab_id: int
    analyte: str
    sex: str
    effective_from: dt.date
    low: Decimal
    high: Decimal
    id: int | None = None


R = TypeVar("R", bound=RangeLike)


def select_range(
    ranges: Iterable[R], *, lab_id: int, analyte_code: str, sex: str, on: dt.date
) -> R | None:
    """The range that judges a result of ``analyte_code`` by ``lab_id`` collected ``on``."""
    best: R | None = None
    best_key: tuple[dt.date, bool] | None = None
    for candidate in ranges:
        if candidate.lab_id != lab_id or candidate.analyte != analyte_code:
            continue
        if candidate.sex not in (sex, ANY_SEX) or candidate.effective_from > on:
            continue
        key = (candidate.effective_from, candidate.sex != ANY_SEX)
        if best_key is None or key > best_key:
            best, best_key = candidate, key
    return best


@dataclass(frozen=True)
class Judgement:
    """A value's flag and CTCAE grade against its normal range (``grade`` None: not graded)."""

    flag: str
    grade: int | None
    low: Decimal | None
    high: Decimal | None


def judge(analyte_code: str, standard_value: Decimal, range_: RangeLike | None) -> Judgement:
    """Flag (L/H/"") and CTCAE v5 grade of a value in the standard unit.

    Without a range there is no flag and no grade; analytes CTCAE does not grade (the immune
    panel) get ``grade=None`` rather than 0, so "normal" and "not applicable" stay distinct.
    """
    if range_ is None:
        return Judgement(flag="", grade=None, low=None, high=None)
    flag = range_flag(standard_value, range_.low, range_.high)
    grade = None
    if analyte(analyte_code).ctcae_term is not None:
        grade = ctcae_grade(analyte_code, standard_value, lln=range_.low, uln=range_.high)
    return Judgement(flag=flag, grade=grade, low=range_.low, high=range_.high)
