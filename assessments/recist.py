"""RECIST 1.1 response engine — pure functions over plain values (no Django, no ORM).

PROTOCOL.md, "Assessments": tumour assessment by RECIST 1.1 (Eisenhauer et al., Eur J Cancer
2009;45:228-47) at baseline and every 8 weeks; CR/PR confirmed ≥ 4 weeks later. Every threshold
is read from ``edc.protocol.RECIST`` (a ``RecistSettings``); none is written here, so an
amendment is a one-line change there. Forms, services, the dashboard and exports call this
module, and external checks rely on the contract below.

Units and numbers
    Millimetres and percentages are ``Decimal`` (ints accepted; floats raise TypeError).
    Percentages are returned unrounded (round for display only); every threshold decision is
    made by exact multiplication, never on a rounded percentage, so 29.96 % is never taken
    for 30 %.

Inputs (frozen dataclasses / StrEnums)
    ``TargetMeasurement(lesion_id, is_node, diameter_mm, too_small=False, not_evaluable=False)``
        One target lesion at one assessment. ``diameter_mm`` is the longest diameter, or the
        short axis for a lymph node; 0 means the lesion disappeared. ``too_small=True`` ("too
        small to measure") counts as ``RECIST.too_small_to_measure_mm`` (5 mm) and takes no
        diameter; ``not_evaluable=True`` (not imaged, unreadable) takes no diameter. A
        diameter is required otherwise. Invalid combinations raise ``ValueError``.
    ``NonTargetStatus``: ABSENT (all non-target lesions gone, nodes normal), PRESENT
        (non-CR/non-PD), UNEQUIVOCAL_PROGRESSION, NOT_EVALUABLE.
    ``Timepoint(assessment_date, targets, non_target, new_lesions, new_lesion_equivocal=False)``
        One assessment. ``non_target=None`` means the patient had no non-target lesions at
        baseline (at a follow-up of a patient who had some, ``None`` = not assessed = NE).
        At baseline ``non_target`` is ``None`` or PRESENT. ``targets=()`` at baseline means
        non-target-only disease (RECIST Table 2).

Outputs
    ``Response`` (StrEnum): CR, PR, SD, PD, NE and NON_CR_NON_PD ("Non-CR/Non-PD", only for
        patients without target lesions).
    ``TimepointResult``: ``assessment_date``, ``sum_mm`` (None if not all targets evaluable or
        no targets), ``nadir_mm`` (smallest complete sum *before* this timepoint, baseline
        included), ``pct_change_from_baseline``, ``pct_change_from_nadir``, ``target_response``
        (None without targets), ``non_target`` (status as used), ``new_lesions``,
        ``new_lesion_equivocal``, ``overall_response``.
    ``BestResponse(response, confirmed, date)``: best overall response; ``confirmed`` is True
        only for a confirmed CR/PR; ``date`` is when the response was first met (progression
        date for PD, None for NE without any assessment).

Public functions
    ``sum_of_diameters(targets) -> Decimal | None``
        Sum of diameters ("too small" = 5 mm, nodes by short axis). None if any target is not
        evaluable or there are no targets.
    ``percent_change(current, reference) -> Decimal | None``
        ``(current - reference) / reference × 100``, unrounded; None if either value is None or
        the reference is 0 (a change from 0 mm has no percentage).
    ``nadir(sums) -> Decimal``
        Smallest of the complete sums given (``None`` entries — NE timepoints — are skipped).
        Pass the baseline sum first: RECIST's nadir includes baseline. ValueError if empty.
    ``target_response(baseline_sum, nadir_sum, current, *, after_complete_response=False,
    settings=RECIST) -> Response``
        Target-lesion response, checked in this order:
        1. NE if any target is not evaluable — *unless* the evaluable targets alone already
           meet PD (their partial sum is ≥ 20 % and ≥ 5 mm above the nadir, or a lesion
           reappeared after CR): adding the missing lesions can only increase the sum, so PD
           is certain (RECIST 1.1 §4.3.1 / §4.3.4 on missing measurements).
        2. CR: every non-nodal target 0 mm and every nodal target short axis < 10 mm. A CR may
           therefore have a non-zero sum (nodes). Nodes < 10 mm are benign (EORTC RECIST FAQ
           "Abnormal lymph node"), so CR is decided before the sum-based PD rule.
        3. PD: sum ≥ 20 % above the nadir AND ≥ 5 mm above it (both required: +20 % of a
           20 mm nadir is only 4 mm → not PD). With a 0 mm nadir any increase ≥ 5 mm is PD.
           ``after_complete_response=True`` (an earlier overall response was CR): any
           reappearing target (non-nodal > 0 mm or node ≥ 10 mm) is PD (EORTC FAQ "Does a new
           lesion always result in PD?"). After a CR the target response is therefore CR, PD
           or NE, never PR or SD.
        4. PR: sum ≥ 30 % below the *baseline* sum.
        5. SD otherwise.
    ``overall_response(target, non_target, new_lesions) -> Response``
        RECIST 1.1 Table 1 (target ± non-target) and Table 2 (``target=None``: non-target
        only). Any new lesion → PD; unequivocal non-target progression → PD; target PD → PD.
        Otherwise, with targets: CR + (ABSENT or no non-targets) → CR; CR + PRESENT → PR;
        CR + NOT_EVALUABLE → PR; PR + non-PD/NE → PR; SD + non-PD/NE → SD; NE + non-PD → NE.
        Without targets: ABSENT → CR; PRESENT → NON_CR_NON_PD; NOT_EVALUABLE → NE.
        An *equivocal* new lesion is not PD (RECIST §4.3.2: continue, re-image); see
        ``first_progression_date`` for back-dating. ValueError if there is no disease at all.
    ``evaluate(baseline, followups, settings=RECIST) -> list[TimepointResult]``
        Responses for the follow-up timepoints (sorted by date; the baseline is not in the
        result). Follow-up targets are matched to baseline targets by ``lesion_id``; a missing
        target is not evaluable; an unknown one raises ValueError. The nadir is updated only
        by complete sums. Once any follow-up's overall response was CR, later targets are
        judged with ``after_complete_response=True`` (NE scans in between do not reset it).
        ValueError if a baseline target is not measured (NE or "too small"),
        there are more than ``max_targets``, the baseline has no disease, a follow-up is not
        after the baseline or shares its date with another, or a follow-up records non-target
        status other than ABSENT for a patient with no non-target lesions at baseline.
        Measurability at baseline (≥ 10 mm, nodes ≥ 15 mm, ≤ 2 per organ) is validated at data
        entry, not here.
    ``first_progression_date(results) -> date | None``
        Date of the first progression: the first PD, or the first timepoint after an overall CR
        whose *target* response is PR or SD — disease seen again after a CR is progression
        (RECIST 1.1 Table 3, note a), so results given by category agree with ``evaluate``,
        which already calls such a timepoint PD from the measurements. A PR after a CR whose
        target response is CR or NE (non-target lesions present or not assessed, Table 1) is
        not progression. If that PD includes a new lesion that was *equivocal* at the
        immediately preceding scans, the date is back-dated to the first of those scans
        (RECIST §4.3.2: "progression should be declared using the date of the initial scan").
        Individual ``overall_response`` values are left as assessed; this date is the
        reference for BOR and progression endpoints.
    ``best_overall_response(results, c1d1, settings=RECIST) -> BestResponse``
        RECIST 1.1 §4.4 with confirmation (Table 3). Only timepoints strictly before the first
        progression date count.
        - CR if a CR is confirmed by a later CR ≥ ``confirmation_min_days`` (28) after it,
          with nothing but CR or NE in between.
        - else PR if a CR/PR is confirmed by a later PR or CR ≥ 28 days after it, with only
          CR/PR/NE in between. A PR or SD *by target response* after a CR is progression (see
          ``first_progression_date``), so it confirms nothing: CR then PR gives SD if the CR
          met the SD duration, else PD (Table 3: "CR, PR → SD, PD or PR", note a); PR, CR
          (< 28 days), PR gives SD, not PR. The third reading of note a — the first "CR" was
          really a PR — is a correction of the recorded measurements by the investigator, not
          something the engine infers. PR then CR ≥ 28 days later stays a confirmed PR.
        - else SD (NON_CR_NON_PD for patients without targets) if any CR, PR, SD or
          Non-CR/Non-PD timepoint is ≥ ``sd_min_days_from_c1d1`` (42) days after C1D1, i.e.
          ``(assessment_date - c1d1).days >= 42``. Unconfirmed CR/PR fall back here
          (Table 3: CR/PR then SD/PD/NE → SD if the SD duration is met).
        - else PD if there is a progression (first assessment PD, early SD/PR then PD, or an
          early CR then disease again);
        - else NE (no assessment, only NE, or SD/PR too early with no later progression).
    ``is_objective_response(bor) -> bool``
        True for a confirmed CR or PR (the ORR numerator).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from enum import StrEnum

from edc.protocol import RECIST, RecistSettings

from .values import frozen_value

HUNDRED = Decimal("100")
ZERO = Decimal("0")

# Messages (tests and form/serializer wrappers import these).
MSG_FLOAT_DIAMETER = "Diameter of {lesion} must be a Decimal in mm, not a float."
MSG_NEGATIVE_DIAMETER = "Diameter of {lesion} cannot be negative."
MSG_DIAMETER_REQUIRED = "Diameter of {lesion} is required unless too small or not evaluable."
MSG_DIAMETER_WITH_FLAG = "{lesion} is recorded too small or not evaluable: give no diameter."
MSG_FLAGS_EXCLUSIVE = "{lesion} cannot be both too small to measure and not evaluable."
MSG_DUPLICATE_LESION = "Target lesion {lesion} is recorded twice at {date}."
MSG_NO_TARGETS = "target_response needs at least one target measurement."
MSG_NO_DISEASE = "No target and no non-target lesions: there is no disease to assess."
MSG_BAD_TARGET_RESPONSE = "{response} is not a target-lesion response."
MSG_BASELINE_NOT_MEASURED = "Baseline target {lesion} must be measured (not NE, not too small)."
MSG_BASELINE_NON_TARGET = "At baseline non-target lesions are either present or None (none)."
MSG_BASELINE_EMPTY = "Baseline target sum is 0 mm: no measurable disease."
MSG_TOO_MANY_TARGETS = "{count} target lesions at baseline; RECIST allows at most {max}."
MSG_FOLLOWUP_NOT_AFTER_BASELINE = "Follow-up of {date} is not after the baseline of {baseline}."
MSG_DUPLICATE_FOLLOWUP = "Two follow-up assessments on {date}."
MSG_UNKNOWN_LESION = "Lesion {lesion} at {date} is not a baseline target lesion."
MSG_NON_TARGET_WITHOUT_BASELINE = (
    "Non-target status {status} at {date} but no non-target lesions at baseline; "
    "record new disease as a new lesion."
)
MSG_EMPTY_NADIR = "nadir() needs at least one complete sum (the baseline)."


class Response(StrEnum):
    CR = "CR"
    PR = "PR"
    SD = "SD"
    PD = "PD"
    NE = "NE"
    NON_CR_NON_PD = "Non-CR/Non-PD"


class NonTargetStatus(StrEnum):
    ABSENT = "absent"
    PRESENT = "present"
    UNEQUIVOCAL_PROGRESSION = "unequivocal_progression"
    NOT_EVALUABLE = "not_evaluable"


TARGET_RESPONSES = frozenset({Response.CR, Response.PR, Response.SD, Response.PD, Response.NE})
# Overall responses that show disease control, for the SD-duration fallback of BOR.
_DISEASE_CONTROL = frozenset({Response.CR, Response.PR, Response.SD, Response.NON_CR_NON_PD})
# Target responses that, after an overall CR, mean the disease is seen again: progression.
_DISEASE_AGAIN = frozenset({Response.PR, Response.SD})
_RESPONSE_LEVEL = {
    Response.CR: frozenset({Response.CR}),
    Response.PR: frozenset({Response.CR, Response.PR}),
}


@frozen_value
class TargetMeasurement:
    lesion_id: str
    is_node: bool
    diameter_mm: Decimal | None
    too_small: bool = False
    not_evaluable: bool = False

    def __post_init__(self) -> None:
        diameter = self.diameter_mm
        if diameter.__class__ is Decimal and not (self.too_small or self.not_evaluable):
            # The usual measurement, checked as below without copying the Decimal.
            if diameter < 0:
                raise ValueError(MSG_NEGATIVE_DIAMETER.format(lesion=self.lesion_id))
            return
        lesion = self.lesion_id
        if self.too_small and self.not_evaluable:
            raise ValueError(MSG_FLAGS_EXCLUSIVE.format(lesion=lesion))
        if self.too_small or self.not_evaluable:
            if self.diameter_mm is not None:
                raise ValueError(MSG_DIAMETER_WITH_FLAG.format(lesion=lesion))
            return
        if self.diameter_mm is None:
            raise ValueError(MSG_DIAMETER_REQUIRED.format(lesion=lesion))
        if isinstance(self.diameter_mm, float):
            raise TypeError(MSG_FLOAT_DIAMETER.format(lesion=lesion))
        diameter = Decimal(self.diameter_mm)
        if diameter < 0:
            raise ValueError(MSG_NEGATIVE_DIAMETER.format(lesion=lesion))
        object.__setattr__(self, "diameter_mm", diameter)

    def effective_mm(self, settings: RecistSettings = RECIST) -> Decimal | None:
        """Diameter used in the sum: 5 mm when too small to measure, None when not evaluable."""
        if self.not_evaluable:
            return None
        if self.too_small:
            return settings.too_small_to_measure_mm
        return self.diameter_mm


@frozen_value
class Timepoint:
    assessment_date: date
    targets: tuple[TargetMeasurement, ...]
    non_target: NonTargetStatus | None
    new_lesions: bool
    new_lesion_equivocal: bool = False

    def __post_init__(self) -> None:
        targets = tuple(self.targets)
        seen: set[str] = set()
        for target in targets:
            if target.lesion_id in seen:
                raise ValueError(
                    MSG_DUPLICATE_LESION.format(lesion=target.lesion_id, date=self.assessment_date)
                )
            seen.add(target.lesion_id)
        object.__setattr__(self, "targets", targets)


@frozen_value
class TimepointResult:
    assessment_date: date
    sum_mm: Decimal | None
    nadir_mm: Decimal | None
    pct_change_from_baseline: Decimal | None
    pct_change_from_nadir: Decimal | None
    target_response: Response | None
    non_target: NonTargetStatus | None
    new_lesions: bool
    new_lesion_equivocal: bool
    overall_response: Response


@frozen_value
class BestResponse:
    response: Response
    confirmed: bool
    date: date | None


# --- Sums -----------------------------------------------------------------------------------
def _decimal(value) -> Decimal:
    """``Decimal(value)``, without copying a value that is already one (the usual case)."""
    return value if value.__class__ is Decimal else Decimal(value)


def sum_of_diameters(
    targets: Iterable[TargetMeasurement], settings: RecistSettings = RECIST
) -> Decimal | None:
    total = ZERO
    count = 0
    for target in targets:
        value = target.effective_mm(settings)
        if value is None:
            return None
        total += value
        count += 1
    return total if count else None


def percent_change(current: Decimal | None, reference: Decimal | None) -> Decimal | None:
    if current is None or reference is None or reference == 0:
        return None
    current, reference = _decimal(current), _decimal(reference)
    return (current - reference) * HUNDRED / reference


def nadir(sums: Iterable[Decimal | None]) -> Decimal:
    complete = [Decimal(s) for s in sums if s is not None]
    if not complete:
        raise ValueError(MSG_EMPTY_NADIR)
    return min(complete)


# --- Target response ------------------------------------------------------------------------
def _sum_meets_progression(
    current_sum: Decimal, nadir_sum: Decimal, settings: RecistSettings
) -> bool:
    """≥ 20 % AND ≥ 5 mm above the nadir; from a 0 mm nadir the percentage is unbounded."""
    increase = current_sum - nadir_sum
    if increase < settings.pd_increase_min_mm:
        return False
    return nadir_sum == 0 or increase * HUNDRED >= nadir_sum * settings.pd_increase_pct


def _reappeared(target: TargetMeasurement, settings: RecistSettings) -> bool:
    value = target.effective_mm(settings)
    if value is None:
        return False
    if target.is_node:
        return value >= settings.node_normal_short_axis_mm
    return value > 0


def _is_complete_response(targets: Sequence[TargetMeasurement], settings: RecistSettings) -> bool:
    for target in targets:
        value = target.effective_mm(settings)
        if value is None:
            return False
        if target.is_node:
            if value >= settings.node_normal_short_axis_mm:
                return False
        elif value != 0:
            return False
    return True


def target_response(
    baseline_sum: Decimal,
    nadir_sum: Decimal,
    current: Sequence[TargetMeasurement],
    *,
    after_complete_response: bool = False,
    settings: RecistSettings = RECIST,
) -> Response:
    if not current:
        raise ValueError(MSG_NO_TARGETS)
    baseline_sum, nadir_sum = _decimal(baseline_sum), _decimal(nadir_sum)
    evaluable = []
    measured_sum = ZERO
    for target in current:
        if not target.not_evaluable:
            evaluable.append(target)
            measured_sum += target.effective_mm(settings)
    progressed = _sum_meets_progression(measured_sum, nadir_sum, settings) or (
        after_complete_response and any(_reappeared(t, settings) for t in evaluable)
    )
    if len(evaluable) < len(current):
        # Missing lesions can only add to the sum: PD from the measured ones is certain.
        return Response.PD if progressed else Response.NE
    if _is_complete_response(current, settings):
        return Response.CR
    if progressed:
        return Response.PD
    if measured_sum * HUNDRED <= baseline_sum * (HUNDRED - settings.pr_decrease_pct):
        return Response.PR
    return Response.SD


# --- Overall response -----------------------------------------------------------------------
def overall_response(
    target: Response | None, non_target: NonTargetStatus | None, new_lesions: bool
) -> Response:
    if target is not None and target not in TARGET_RESPONSES:
        raise ValueError(MSG_BAD_TARGET_RESPONSE.format(response=target))
    if target is None and non_target is None:
        raise ValueError(MSG_NO_DISEASE)
    if new_lesions or non_target is NonTargetStatus.UNEQUIVOCAL_PROGRESSION:
        return Response.PD
    if target is None:  # Table 2: non-target disease only
        return {
            NonTargetStatus.ABSENT: Response.CR,
            NonTargetStatus.PRESENT: Response.NON_CR_NON_PD,
            NonTargetStatus.NOT_EVALUABLE: Response.NE,
        }[non_target]
    if target is Response.CR:  # Table 1
        if non_target in (None, NonTargetStatus.ABSENT):
            return Response.CR
        return Response.PR  # non-targets present or not all evaluated
    return target  # PR, SD, NE and PD are not changed by non-PD / NE non-targets


# --- A patient's course ---------------------------------------------------------------------
def _validate_baseline(baseline: Timepoint, settings: RecistSettings) -> Decimal | None:
    for target in baseline.targets:
        if target.not_evaluable or target.too_small:
            raise ValueError(MSG_BASELINE_NOT_MEASURED.format(lesion=target.lesion_id))
    if len(baseline.targets) > settings.max_targets:
        raise ValueError(
            MSG_TOO_MANY_TARGETS.format(count=len(baseline.targets), max=settings.max_targets)
        )
    if baseline.non_target not in (None, NonTargetStatus.PRESENT):
        raise ValueError(MSG_BASELINE_NON_TARGET)
    if not baseline.targets and baseline.non_target is None:
        raise ValueError(MSG_NO_DISEASE)
    baseline_sum = sum_of_diameters(baseline.targets, settings)
    if baseline_sum is not None and baseline_sum == 0:
        raise ValueError(MSG_BASELINE_EMPTY)
    return baseline_sum


def _aligned_targets(baseline: Timepoint, followup: Timepoint) -> tuple[TargetMeasurement, ...]:
    """Follow-up targets in baseline order; a target not recorded is not evaluable."""
    if len(followup.targets) == len(baseline.targets):
        for target, base in zip(followup.targets, baseline.targets, strict=True):
            if target.lesion_id != base.lesion_id:
                break
        else:  # every target recorded, already in baseline order (the usual case)
            return followup.targets
    recorded = {t.lesion_id: t for t in followup.targets}
    baseline_ids = {t.lesion_id for t in baseline.targets}
    for lesion_id in recorded:
        if lesion_id not in baseline_ids:
            raise ValueError(
                MSG_UNKNOWN_LESION.format(lesion=lesion_id, date=followup.assessment_date)
            )
    return tuple(
        recorded.get(b.lesion_id)
        or TargetMeasurement(b.lesion_id, b.is_node, None, not_evaluable=True)
        for b in baseline.targets
    )


def _non_target_status(baseline: Timepoint, followup: Timepoint) -> NonTargetStatus | None:
    if baseline.non_target is None:
        if followup.non_target not in (None, NonTargetStatus.ABSENT):
            raise ValueError(
                MSG_NON_TARGET_WITHOUT_BASELINE.format(
                    status=followup.non_target, date=followup.assessment_date
                )
            )
        return None
    if followup.non_target is None:  # not assessed at this visit
        return NonTargetStatus.NOT_EVALUABLE
    return followup.non_target


def evaluate(
    baseline: Timepoint, followups: Iterable[Timepoint], settings: RecistSettings = RECIST
) -> list[TimepointResult]:
    baseline_sum = _validate_baseline(baseline, settings)
    ordered = sorted(followups, key=lambda tp: tp.assessment_date)
    seen_dates: set[date] = set()
    for tp in ordered:
        if tp.assessment_date <= baseline.assessment_date:
            raise ValueError(
                MSG_FOLLOWUP_NOT_AFTER_BASELINE.format(
                    date=tp.assessment_date, baseline=baseline.assessment_date
                )
            )
        if tp.assessment_date in seen_dates:
            raise ValueError(MSG_DUPLICATE_FOLLOWUP.format(date=tp.assessment_date))
        seen_dates.add(tp.assessment_date)

    results: list[TimepointResult] = []
    nadir_sum = baseline_sum
    after_complete_response = False
    for tp in ordered:
        non_target = _non_target_status(baseline, tp)
        if baseline_sum is None:  # non-target-only disease
            current_sum = target = None
        else:
            targets = _aligned_targets(baseline, tp)
            current_sum = sum_of_diameters(targets, settings)
            target = target_response(
                baseline_sum,
                nadir_sum,
                targets,
                after_complete_response=after_complete_response,
                settings=settings,
            )
        overall = overall_response(target, non_target, tp.new_lesions)
        results.append(
            TimepointResult(
                assessment_date=tp.assessment_date,
                sum_mm=current_sum,
                nadir_mm=nadir_sum,
                pct_change_from_baseline=percent_change(current_sum, baseline_sum),
                pct_change_from_nadir=percent_change(current_sum, nadir_sum),
                target_response=target,
                non_target=non_target,
                new_lesions=tp.new_lesions,
                new_lesion_equivocal=tp.new_lesion_equivocal,
                overall_response=overall,
            )
        )
        if current_sum is not None and nadir_sum is not None:
            nadir_sum = min(nadir_sum, current_sum)
        after_complete_response = after_complete_response or overall is Response.CR
    return results


# --- Progression and best overall response --------------------------------------------------
def _is_progression(result: TimepointResult, after_complete_response: bool) -> bool:
    """PD, or target disease seen again after a CR (RECIST 1.1 Table 3, note a)."""
    return result.overall_response is Response.PD or (
        after_complete_response and result.target_response in _DISEASE_AGAIN
    )


def first_progression_date(results: Iterable[TimepointResult]) -> date | None:
    ordered = sorted(results, key=lambda r: r.assessment_date)
    after_complete_response = False
    for index, result in enumerate(ordered):
        if not _is_progression(result, after_complete_response):
            after_complete_response |= result.overall_response is Response.CR
            continue
        progression = result.assessment_date
        if result.new_lesions:
            # RECIST §4.3.2: a new lesion first seen as equivocal dates PD from that scan.
            for earlier in reversed(ordered[:index]):
                if not earlier.new_lesion_equivocal:
                    break
                progression = earlier.assessment_date
        return progression
    return None


def _is_confirmed(
    results: Sequence[TimepointResult], index: int, level: frozenset[Response], min_days: int
) -> bool:
    """True if a later result at ``level`` comes ≥ ``min_days`` after ``results[index]``.

    Only ``level`` or NE may come in between: an intervening SD (or PR, for a CR) means the
    response was not maintained (RECIST 1.1 Table 3).
    """
    first_date = results[index].assessment_date
    for later in results[index + 1 :]:
        if later.overall_response in level:
            if (later.assessment_date - first_date).days >= min_days:
                return True
        elif later.overall_response is not Response.NE:
            return False
    return False


def best_overall_response(
    results: Iterable[TimepointResult], c1d1: date, settings: RecistSettings = RECIST
) -> BestResponse:
    ordered = sorted(results, key=lambda r: r.assessment_date)
    progression = first_progression_date(ordered)
    before = [r for r in ordered if progression is None or r.assessment_date < progression]

    for response in (Response.CR, Response.PR):
        level = _RESPONSE_LEVEL[response]
        for index, result in enumerate(before):
            if result.overall_response in level and _is_confirmed(
                before, index, level, settings.confirmation_min_days
            ):
                return BestResponse(response, True, result.assessment_date)

    for result in before:
        if (
            result.overall_response in _DISEASE_CONTROL
            and (result.assessment_date - c1d1).days >= settings.sd_min_days_from_c1d1
        ):
            stable = Response.NON_CR_NON_PD if result.target_response is None else Response.SD
            return BestResponse(stable, False, result.assessment_date)

    if progression is not None:
        return BestResponse(Response.PD, False, progression)
    return BestResponse(Response.NE, False, None)


def is_objective_response(bor: BestResponse) -> bool:
    return bor.confirmed and bor.response in (Response.CR, Response.PR)
