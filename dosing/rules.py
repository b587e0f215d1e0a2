"""Paclitaxel / IMP321 dosing maths — pure functions over plain values.

No ORM and no Django: forms, serializers, services and deviation checks call these so the
browser, the API and the nightly checks compute the same numbers. Every threshold comes from
``edc.protocol`` (PROTOCOL.md, "Treatment schedule"). Validators raise ``ValueError`` with a
message built from the constants below, which callers turn into form/serializer errors and
tests import. Soft checks (unusual values the user confirms before saving) return an
``edc.softcheck.SoftCheck`` or None; the proposed dates of the dose forms are computed here too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from edc import protocol
from edc.softcheck import SoftCheck, deviation_severity

BSA_QUANTUM = Decimal("0.01")  # m², as printed on the dosing sheet
DOSE_QUANTUM = Decimal("0.1")  # mg, as prepared by pharmacy
RDI_QUANTUM = Decimal("0.001")
MOSTELLER_DIVISOR = Decimal("3600")

GIVEN = "given"
HELD = "held"
NOT_DONE = "not_done"
PACLITAXEL_STATUSES = (GIVEN, HELD, NOT_DONE)

# Messages (tests and form/serializer wrappers import these).
MSG_DOSE_LEVEL_NOT_IN_PROTOCOL = _(
    "{level} mg/m² is not a protocol dose level (allowed: {allowed})."
)
MSG_NOT_A_DOSING_DAY = _("D{day} is not a paclitaxel dosing day (allowed: {allowed}).")
MSG_HOLD_ANC_BELOW = _("ANC {value} × 10⁹/L is below {threshold} required on D{day}")
MSG_HOLD_PLATELETS_BELOW = _("Platelets {value} × 10⁹/L is below {threshold} required on D{day}")
MSG_HOLD_ANC_MISSING = _("No ANC result within {days} days before the D{day} dose")
MSG_HOLD_PLATELETS_MISSING = _("No platelet result within {days} days before the D{day} dose")

# Soft checks (edc.softcheck.SoftCheck): the rule, then the values. Codes are the API's.
# Their words stay English: the acknowledged ones are stored with the record and compared on
# the next save (edc.validators.already_acknowledged), whatever the user's language.
WARN_DATE_OUTSIDE_WINDOW = "date_outside_window"
WARN_WEIGHT_CHANGED = "weight_changed"
WARN_DOSE_OFF_PLAN = "dose_off_plan"
WARN_NOT_DAY_AFTER_PACLITAXEL = "not_day_after_paclitaxel"
WARNING_CODES = (
    WARN_DATE_OUTSIDE_WINDOW,
    WARN_WEIGHT_CHANGED,
    WARN_DOSE_OFF_PLAN,
    WARN_NOT_DAY_AFTER_PACLITAXEL,
)
RULE_DATE_OUTSIDE_WINDOW = "Date outside the visit window"
DETAIL_DATE_OUTSIDE_WINDOW = (
    "{event} on {date} is {days} day{s} {side} its window {earliest} – {latest} (planned {planned})"
)
RULE_WEIGHT_CHANGED = "Weight changed by more than {pct} % since the last dose"
DETAIL_WEIGHT_CHANGED = (
    "{previous} kg at {previous_event}, {weight} kg now ({change} %); the BSA and the planned "
    "dose are computed from this weight"
)
RULE_PACLITAXEL_OFF_PLAN = "Dose more than {pct} % away from the planned dose"
DETAIL_PACLITAXEL_OFF_PLAN = "{actual} mg given, {planned} mg planned ({change} %)"
RULE_IMP321_NOT_COHORT = "IMP321 dose other than the cohort dose"
DETAIL_IMP321_NOT_COHORT = "{dose} mg entered, cohort dose {cohort} mg"
RULE_NOT_DAY_AFTER_PACLITAXEL = (
    "IMP321 is given the day after the actual paclitaxel dose (one day later tolerated)"
)
DETAIL_INJECTION_GAP = "paclitaxel given on {paclitaxel}, injection on {injection} ({gap})"
DETAIL_NO_PACLITAXEL = "no paclitaxel dose is recorded as given before this injection ({event})"

# Proposed dates (dose forms): said next to the date whenever the proposal needs checking.
PROPOSED_OUTSIDE_WINDOW = _(
    "Proposed date {date} is outside the window {earliest} – {latest}: check it before saving."
)
PROPOSED_IN_FUTURE = _(
    "Due on {date}, after today: the date cannot be saved before it has happened."
)
PROPOSED_DAY_AFTER_PACLITAXEL = _("Proposed: the day after the paclitaxel dose of {date}.")
PROPOSED_NO_PACLITAXEL = _(
    "No paclitaxel dose is recorded as given for this cycle day: the planned date is proposed."
)


def _allowed_levels() -> str:
    return ", ".join(str(level) for level in protocol.PACLITAXEL_DOSE_LEVELS_MG_M2)


# --- Body-surface area and planned dose --------------------------------------------------------
def bsa_mosteller(height_cm: Decimal, weight_kg: Decimal) -> Decimal:
    """Body-surface area in m² by Mosteller: √(height cm × weight kg / 3600).

    Rounded to 2 decimals, half up (170 cm, 70 kg → 1.82 m²), as on the dosing sheet; the
    planned dose is computed from this rounded value so the site can reproduce it by hand.
    Physiological plausibility of height/weight is the form validator's job; here only
    non-positive values are refused.
    """
    height, weight = Decimal(height_cm), Decimal(weight_kg)
    if height <= 0 or weight <= 0:
        raise ValueError("Height and weight must be positive.")
    return (height * weight / MOSTELLER_DIVISOR).sqrt().quantize(BSA_QUANTUM, ROUND_HALF_UP)


def validate_dose_level(level: Decimal) -> Decimal:
    """Return ``level`` if it is a protocol dose level (80, 70, 60 mg/m²), else ValueError."""
    level = Decimal(level)
    if level not in protocol.PACLITAXEL_DOSE_LEVELS_MG_M2:
        raise ValueError(
            MSG_DOSE_LEVEL_NOT_IN_PROTOCOL.format(level=level, allowed=_allowed_levels())
        )
    return level


def is_reduction(level: Decimal) -> bool:
    """True for a protocol level below the starting dose — it needs a documented reason."""
    return validate_dose_level(level) < protocol.PACLITAXEL_STARTING_DOSE_MG_M2


def planned_dose_mg(bsa_m2: Decimal, dose_level_mg_m2: Decimal) -> Decimal:
    """Planned paclitaxel dose = BSA × dose level, rounded half up to 0.1 mg.

    1.82 m² × 80 mg/m² = 145.6 mg. The level must be a protocol level.
    """
    bsa = Decimal(bsa_m2)
    if bsa <= 0:
        raise ValueError("BSA must be positive.")
    level = validate_dose_level(dose_level_mg_m2)
    return (bsa * level).quantize(DOSE_QUANTUM, ROUND_HALF_UP)


# --- Actual vs planned -------------------------------------------------------------------------
def dose_off_plan(actual_mg: Decimal, planned_mg: Decimal) -> bool:
    """True when the actual dose differs from plan by *more than* DOSE_DEVIATION_TOLERANCE.

    Exactly 10 % is within plan. Compared as |actual − planned| > tolerance × planned so the
    boundary is exact (no division rounding). Whether a documented reduction excuses it is
    decided by the caller, which compares against the reduced level's planned dose.
    """
    actual, planned = Decimal(actual_mg), Decimal(planned_mg)
    if planned <= 0:
        raise ValueError("Planned dose must be positive.")
    return abs(actual - planned) > protocol.DOSE_DEVIATION_TOLERANCE * planned


def dose_exceeds_maximum(actual_mg: Decimal, planned_mg: Decimal) -> bool:
    """True when actual > MAX_DOSE_FACTOR × planned (1.5×): such an entry is refused outright.

    Exactly 1.5× planned is accepted (and flagged by :func:`dose_off_plan`).
    """
    return Decimal(actual_mg) > protocol.MAX_DOSE_FACTOR * Decimal(planned_mg)


def actual_dose_ceiling_mg(planned_mg: Decimal) -> Decimal:
    """The largest paclitaxel dose accepted for a planned dose (MAX_DOSE_FACTOR × planned)."""
    return protocol.MAX_DOSE_FACTOR * Decimal(planned_mg)


def largest_actual_dose_mg() -> Decimal:
    """The ceiling at the largest BSA the height/weight limits allow (the HTML input's max).

    220 cm and 250 kg give 3.91 m², 312.8 mg planned at 80 mg/m², so 469.2 mg at most.
    """
    bsa = bsa_mosteller(protocol.HEIGHT_CM_LIMITS[1], protocol.WEIGHT_KG_LIMITS[1])
    return actual_dose_ceiling_mg(planned_dose_mg(bsa, protocol.PACLITAXEL_STARTING_DOSE_MG_M2))


def imp321_dose_ceiling_mg(cohort_dose_mg: Decimal) -> Decimal:
    """The largest IMP321 dose accepted: MAX_DOSE_FACTOR × the cohort dose (6.25 → 9.375 mg)."""
    return protocol.MAX_DOSE_FACTOR * Decimal(cohort_dose_mg)


def imp321_dose_exceeds_maximum(dose_mg: Decimal, cohort_dose_mg: Decimal) -> bool:
    """True above 1.5 × the cohort dose (625 mg for 6.25 mg): refused outright, like paclitaxel."""
    return Decimal(dose_mg) > imp321_dose_ceiling_mg(cohort_dose_mg)


# --- Soft checks -------------------------------------------------------------------------------
def _signed_pct(new: Decimal, old: Decimal) -> str:
    change = (Decimal(new) - Decimal(old)) / Decimal(old) * 100
    return f"{change.quantize(Decimal('0.1'), ROUND_HALF_UP):+}"


def _pct(fraction: Decimal) -> str:
    return f"{(fraction * 100).normalize():f}"


def window_check(
    *, event: str, when: date, planned: date, earliest: date, latest: date
) -> SoftCheck | None:
    """A dose dated outside its visit window (recorded as a minor deviation when saved)."""
    if earliest <= when <= latest:
        return None
    days, side = (
        ((earliest - when).days, "before")
        if when < earliest
        else (
            (when - latest).days,
            "after",
        )
    )
    return SoftCheck(
        code=WARN_DATE_OUTSIDE_WINDOW,
        field="administration_date",
        rule=RULE_DATE_OUTSIDE_WINDOW,
        detail=DETAIL_DATE_OUTSIDE_WINDOW.format(
            event=event,
            date=when,
            days=days,
            s="" if days == 1 else "s",
            side=side,
            earliest=earliest,
            latest=latest,
            planned=planned,
        ),
        deviation=deviation_severity("visit_out_of_window"),
    )


def weight_changed(previous_kg: Decimal, weight_kg: Decimal) -> bool:
    """True when the weight moved by *more than* WEIGHT_CHANGE_CHECK_FRACTION (10 %) of before.

    Exactly 10 % does not trigger: |new − old| > 0.10 × old, compared without division.
    """
    previous = Decimal(previous_kg)
    return abs(Decimal(weight_kg) - previous) > protocol.WEIGHT_CHANGE_CHECK_FRACTION * previous


def weight_change_check(
    *, previous_kg: Decimal | None, previous_event: str, weight_kg: Decimal
) -> SoftCheck | None:
    """This visit's weight against the previous dose's (84.0 → 64.5 kg: −23.2 %, confirm)."""
    if previous_kg is None or previous_kg <= 0 or not weight_changed(previous_kg, weight_kg):
        return None
    return SoftCheck(
        code=WARN_WEIGHT_CHANGED,
        field="weight_kg",
        rule=RULE_WEIGHT_CHANGED.format(pct=_pct(protocol.WEIGHT_CHANGE_CHECK_FRACTION)),
        detail=DETAIL_WEIGHT_CHANGED.format(
            previous=previous_kg,
            previous_event=previous_event,
            weight=weight_kg,
            change=_signed_pct(weight_kg, previous_kg),
        ),
    )


def paclitaxel_off_plan_check(*, actual_mg: Decimal, planned_mg: Decimal) -> SoftCheck | None:
    """A given dose more than 10 % away from the planned dose (a major deviation when saved)."""
    if not dose_off_plan(actual_mg, planned_mg):
        return None
    return SoftCheck(
        code=WARN_DOSE_OFF_PLAN,
        field="actual_dose_mg",
        rule=RULE_PACLITAXEL_OFF_PLAN.format(pct=_pct(protocol.DOSE_DEVIATION_TOLERANCE)),
        detail=DETAIL_PACLITAXEL_OFF_PLAN.format(
            actual=actual_mg, planned=planned_mg, change=_signed_pct(actual_mg, planned_mg)
        ),
        deviation=deviation_severity("paclitaxel_dose_off_plan"),
    )


def imp321_cohort_dose_check(*, dose_mg: Decimal, cohort_dose_mg: Decimal) -> SoftCheck | None:
    """An IMP321 dose other than the cohort dose (a major deviation when saved)."""
    if Decimal(dose_mg) == Decimal(cohort_dose_mg):
        return None
    return SoftCheck(
        code=WARN_DOSE_OFF_PLAN,
        field="dose_mg",
        rule=RULE_IMP321_NOT_COHORT,
        detail=DETAIL_IMP321_NOT_COHORT.format(dose=dose_mg, cohort=cohort_dose_mg),
        deviation=deviation_severity("imp321_dose_not_cohort"),
    )


def injection_follows_paclitaxel(paclitaxel_date: date | None, injection_date: date) -> bool:
    """The injection is 1 day after the actual paclitaxel date (+1 day tolerated: 1 or 2)."""
    if paclitaxel_date is None:
        return False
    gap = (injection_date - paclitaxel_date).days - protocol.IMP321_DAYS_AFTER_PACLITAXEL
    return -protocol.IMP321_WINDOW.before <= gap <= protocol.IMP321_WINDOW.after


def imp321_timing_check(
    *, paclitaxel_date: date | None, injection_date: date, paclitaxel_event: str
) -> SoftCheck | None:
    """IMP321 not the day after the actual paclitaxel dose (a minor deviation when saved)."""
    if injection_follows_paclitaxel(paclitaxel_date, injection_date):
        return None
    if paclitaxel_date is None:
        detail = DETAIL_NO_PACLITAXEL.format(event=paclitaxel_event)
    else:
        gap = (injection_date - paclitaxel_date).days
        words = "the same day" if gap == 0 else f"{gap} day{'' if abs(gap) == 1 else 's'} after"
        if gap < 0:
            words = f"{-gap} day{'' if gap == -1 else 's'} before"
        detail = DETAIL_INJECTION_GAP.format(
            paclitaxel=paclitaxel_date, injection=injection_date, gap=words
        )
    return SoftCheck(
        code=WARN_NOT_DAY_AFTER_PACLITAXEL,
        field="injected_at",
        rule=RULE_NOT_DAY_AFTER_PACLITAXEL,
        detail=detail,
        deviation=deviation_severity("imp321_not_day_after_paclitaxel"),
    )


# --- Proposed dates ------------------------------------------------------------------------------
@dataclass(frozen=True)
class DateProposal:
    """The date a new dose form proposes, and what the form says about it ("" = nothing)."""

    date: date
    note: str = ""


def _window_note(proposed: date, *, earliest: date, latest: date, today: date) -> str:
    if proposed > today:
        return PROPOSED_IN_FUTURE.format(date=date_format(proposed))
    if not earliest <= proposed <= latest:
        return PROPOSED_OUTSIDE_WINDOW.format(
            date=date_format(proposed), earliest=date_format(earliest), latest=date_format(latest)
        )
    return ""


def propose_paclitaxel_date(
    *, planned: date, earliest: date, latest: date, today: date
) -> DateProposal:
    """The planned date, or today when the planned date has not come yet.

    Said next to the date when the proposal is outside the window (a form opened early).
    """
    proposed = min(planned, today)
    return DateProposal(
        proposed, _window_note(proposed, earliest=earliest, latest=latest, today=today)
    )


def propose_imp321_date(
    *,
    paclitaxel_date: date | None,
    planned: date,
    earliest: date,
    latest: date,
    today: date,
) -> DateProposal:
    """The day after the *actual* paclitaxel date — never today nor the paclitaxel date.

    Without a paclitaxel dose given, the planned date (or today, if earlier) with a note.
    A proposal after today is kept (it is the right date) and the form says it is not due yet.
    """
    if paclitaxel_date is None:
        proposed = min(planned, today)
        note = _window_note(proposed, earliest=earliest, latest=latest, today=today)
        return DateProposal(proposed, " ".join(str(p) for p in (PROPOSED_NO_PACLITAXEL, note) if p))
    proposed = paclitaxel_date + timedelta(days=protocol.IMP321_DAYS_AFTER_PACLITAXEL)
    if proposed > today:
        return DateProposal(proposed, PROPOSED_IN_FUTURE.format(date=date_format(proposed)))
    # Dates in the note as the pages print them ("06 Dec 2026").
    note = PROPOSED_DAY_AFTER_PACLITAXEL.format(date=date_format(paclitaxel_date))
    return DateProposal(proposed, note)


# --- Hold criteria -----------------------------------------------------------------------------
@dataclass(frozen=True)
class HoldCheck:
    """Result of the pre-dose haematology check.

    ``met`` is True when every threshold is met, False when any value is below its threshold,
    None when a value is missing and nothing known fails (no usable lab: cannot tell).
    ``reasons`` lists the failures and missing values as human messages.
    """

    met: bool | None
    reasons: list[str] = field(default_factory=list)


def hold_check(*, day: int, anc: Decimal | None, platelets: Decimal | None) -> HoldCheck:
    """Check ANC and platelets (× 10⁹/L) against the protocol threshold for cycle day ``day``.

    D1: ANC ≥ 1.5 and platelets ≥ 100; D8/D15: ANC ≥ 1.0 and platelets ≥ 75 — a value equal to
    the threshold meets it. Pass only results usable for this dose — the latest collected from
    ``HOLD_LAB_LOOKBACK_DAYS`` before the dose day to the dose day, which
    ``labs.selectors.haematology_for_dose`` selects in SQL; pass None for a missing one.
    """
    threshold = protocol.HOLD_THRESHOLDS.get(day)
    if threshold is None:
        allowed = ", ".join(f"D{d}" for d in protocol.HOLD_THRESHOLDS)
        raise ValueError(MSG_NOT_A_DOSING_DAY.format(day=day, allowed=allowed))

    failures: list[str] = []
    missing: list[str] = []
    checks = (
        (anc, threshold.anc, MSG_HOLD_ANC_BELOW, MSG_HOLD_ANC_MISSING),
        (platelets, threshold.platelets, MSG_HOLD_PLATELETS_BELOW, MSG_HOLD_PLATELETS_MISSING),
    )
    for value, minimum, below_msg, missing_msg in checks:
        if value is None:
            missing.append(missing_msg.format(days=protocol.HOLD_LAB_LOOKBACK_DAYS, day=day))
        elif Decimal(value) < minimum:
            failures.append(below_msg.format(value=value, threshold=minimum, day=day))

    if failures:
        return HoldCheck(met=False, reasons=failures + missing)
    if missing:
        return HoldCheck(met=None, reasons=missing)
    return HoldCheck(met=True, reasons=[])


# --- Exposure ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PaclitaxelRecord:
    """One planned paclitaxel dose as recorded.

    ``status`` is ``given``, ``held`` or ``not_done``. A given dose needs ``dose_mg`` and
    ``bsa_m2``; the other fields may be None for held/not-done doses. ``planned_mg`` is carried
    for display and deviation checks; exposure itself works in mg/m².
    """

    cycle: int
    day: int
    status: str
    dose_mg: Decimal | None = None
    dose_level_mg_m2: Decimal | None = None
    bsa_m2: Decimal | None = None
    planned_mg: Decimal | None = None

    def __post_init__(self) -> None:
        if self.status not in PACLITAXEL_STATUSES:
            raise ValueError(f"Unknown paclitaxel status {self.status!r}.")
        if self.status == GIVEN and (
            self.dose_mg is None or self.bsa_m2 is None or self.bsa_m2 <= 0
        ):
            raise ValueError(f"Given dose C{self.cycle}D{self.day} needs dose_mg and bsa_m2.")


@dataclass(frozen=True)
class Exposure:
    """Treatment exposure summary (RDI values are ratios, 1.000 = full intensity)."""

    doses_given: int
    doses_held: int
    doses_not_done: int
    cycles_started: int
    doses_planned: int
    cumulative_mg: Decimal
    cumulative_mg_m2: Decimal
    rdi_by_cycle: dict[int, Decimal]
    rdi_overall: Decimal | None
    imp321_given: int
    imp321_planned: int = protocol.IMP321_TOTAL_INJECTIONS


def exposure(records: Iterable[PaclitaxelRecord], imp321_given: int) -> Exposure:
    """Exposure from plain paclitaxel records and the count of IMP321 injections given.

    Received dose intensity of a given dose = dose_mg / bsa_m2 (mg/m², unrounded until the sum).
    Relative dose intensity (RDI) of a cycle = received mg/m² ÷ planned mg/m², where planned is
    the protocol *starting* dose (80 mg/m²) for every planned dose of the cycle
    (``len(PACLITAXEL_DAYS)`` = 3 per cycle) — so reductions, holds and omissions all lower
    RDI. Only cycles started (with at least one record, whatever its status) are planned;
    cycles never reached after end of treatment do not count. Overall RDI uses the same
    definition over all started cycles; None when no cycle has started.
    """
    if imp321_given < 0:
        raise ValueError("IMP321 injection count cannot be negative.")
    records = list(records)
    planned_per_cycle = protocol.PACLITAXEL_STARTING_DOSE_MG_M2 * len(protocol.PACLITAXEL_DAYS)

    received_by_cycle: dict[int, Decimal] = {}
    cumulative_mg = Decimal("0")
    counts = dict.fromkeys(PACLITAXEL_STATUSES, 0)
    for record in records:
        counts[record.status] += 1
        received_by_cycle.setdefault(record.cycle, Decimal("0"))
        if record.status == GIVEN:
            cumulative_mg += record.dose_mg
            received_by_cycle[record.cycle] += record.dose_mg / record.bsa_m2

    cumulative_mg_m2 = sum(received_by_cycle.values(), Decimal("0"))
    rdi_by_cycle = {
        cycle: (received / planned_per_cycle).quantize(RDI_QUANTUM, ROUND_HALF_UP)
        for cycle, received in sorted(received_by_cycle.items())
    }
    cycles_started = len(received_by_cycle)
    rdi_overall = (
        (cumulative_mg_m2 / (planned_per_cycle * cycles_started)).quantize(
            RDI_QUANTUM, ROUND_HALF_UP
        )
        if cycles_started
        else None
    )
    return Exposure(
        doses_given=counts[GIVEN],
        doses_held=counts[HELD],
        doses_not_done=counts[NOT_DONE],
        cycles_started=cycles_started,
        doses_planned=cycles_started * len(protocol.PACLITAXEL_DAYS),
        cumulative_mg=cumulative_mg.quantize(DOSE_QUANTUM, ROUND_HALF_UP),
        cumulative_mg_m2=cumulative_mg_m2.quantize(DOSE_QUANTUM, ROUND_HALF_UP),
        rdi_by_cycle=rdi_by_cycle,
        rdi_overall=rdi_overall,
        imp321_given=imp321_given,
    )
