"""Trial endpoints — pure functions over per-patient outcomes (no Django, no ORM).

docs/protocol.md, "Assessments": the dashboard computes, per cohort and overall, the endpoints the
paper reports (J Transl Med 2010;8:71): objective response rate 50 %, clinical benefit 90 %
(no progression at 6 months), 3 progressors at 6 months — each with an exact (Clopper–Pearson)
confidence interval at ``edc.protocol.CONFIDENCE_LEVEL``. The landmark is
``edc.protocol.CLINICAL_BENEFIT_LANDMARK_DAYS`` after C1D1; nothing is hard-coded here.

Inputs
    ``PatientOutcome(patient_id, cohort, c1d1, best_response, progression_date,
    last_assessment_date)`` — one treated patient. ``best_response`` is the RECIST best overall
    response (``assessments.recist.best_overall_response``), None when not yet assessed;
    ``progression_date`` is ``recist.first_progression_date`` (None = no progression);
    ``last_assessment_date`` is the last tumour assessment (None = none after baseline).
    ValueError if the BOR is PD without a progression date, or a date precedes C1D1.

Outputs
    ``Proportion(numerator, denominator, rate, ci_low, ci_high)`` — ``rate`` is
        numerator/denominator as a float (None when the denominator is 0); the CI is the
        two-sided exact Clopper–Pearson interval.
    ``Endpoints(group, patients, objective_response, clinical_benefit, progressed_by_landmark,
        benefit_without_landmark_assessment)``.

Conventions (the denominator is every patient in the group — all treated patients)
    - Objective response: BOR CR or PR (the engine only returns confirmed CR/PR). A patient
      not yet assessed (``best_response=None``) or NE is a non-responder, not excluded.
    - Progressed by landmark: ``progression_date <= c1d1 + CLINICAL_BENEFIT_LANDMARK_DAYS``.
    - Clinical benefit: every patient who did *not* progress by the landmark. This is the
      paper's convention (90 % = 27/30 = 30 − 3 progressors): a patient without an assessment
      at/after the landmark and without progression counts as benefit. Because that is an
      assumption, the count of such patients is reported beside the rate
      (``benefit_without_landmark_assessment``) so the dashboard can show how much of the
      benefit is not yet observed.

Public functions
    ``clopper_pearson(successes, n, confidence=CONFIDENCE_LEVEL) -> tuple[float, float]``
        Exact binomial CI: the lower bound solves P(X ≥ x | p) = α/2, the upper bound
        P(X ≤ x | p) = α/2, each read as a beta quantile (``scipy.stats.beta``; the binomial
        tail is a regularised incomplete beta function), so the cost does not grow with n
        (issue 24: exact big-integer coefficients took 6.6 s at n = 5,000). 0 successes →
        lower 0; n successes → upper 1; n = 0 → (0.0, 1.0), the uninformative interval.
        ValueError unless 0 ≤ successes ≤ n and 0 < confidence < 1.
    ``binomial_p_value_greater(successes, n, null_rate) -> float``
        Exact one-sided binomial test of H0: rate ≤ ``null_rate`` against rate > ``null_rate``
        (R's ``binom.test(x, n, p, alternative = "greater")``): the p-value is
        P(X ≥ successes | n, null_rate), ``scipy.stats.binom.sf`` (the upper tail itself, no
        ``1 − …`` cancellation, so small p-values keep their precision). 0 successes or
        n = 0 → 1.0.
        Used to compare the objective response with the historical control rate of
        ``edc.protocol.HISTORICAL_CONTROL_RESPONSE_RATE``. ValueError unless
        0 ≤ successes ≤ n and 0 < null_rate < 1.
    ``proportion(numerator, denominator, confidence=CONFIDENCE_LEVEL) -> Proportion``
    ``landmark_date(c1d1) -> date`` — C1D1 + CLINICAL_BENEFIT_LANDMARK_DAYS.
    ``endpoints(outcomes, confidence=CONFIDENCE_LEVEL) -> dict[str, Endpoints]``
        One entry per cohort code present (sorted) plus ``OVERALL`` ("overall"), which is
        always present (all zeros and CI (0, 1) when there are no patients). ValueError on a
        duplicated patient id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from scipy.stats import beta, binom

from assessments.recist import Response
from edc.protocol import CLINICAL_BENEFIT_LANDMARK_DAYS, CONFIDENCE_LEVEL

OVERALL = "overall"
OBJECTIVE_RESPONSES = frozenset({Response.CR, Response.PR})

MSG_BAD_COUNTS = "Need 0 <= successes <= n, got {successes} of {n}."
MSG_BAD_CONFIDENCE = "Confidence must be strictly between 0 and 1, got {confidence}."
MSG_BAD_NULL_RATE = "The rate tested against must be strictly between 0 and 1, got {rate}."
MSG_PD_WITHOUT_DATE = "Patient {patient}: best response PD needs a progression date."
MSG_DATE_BEFORE_C1D1 = "Patient {patient}: {field} {value} is before C1D1 {c1d1}."
MSG_DUPLICATE_PATIENT = "Patient {patient} appears twice."


# --- Exact binomial confidence interval ------------------------------------------------------
def clopper_pearson(
    successes: int, n: int, confidence: Decimal | float = CONFIDENCE_LEVEL
) -> tuple[float, float]:
    if not 0 <= successes <= n:
        raise ValueError(MSG_BAD_COUNTS.format(successes=successes, n=n))
    level = float(confidence)
    if not 0 < level < 1:
        raise ValueError(MSG_BAD_CONFIDENCE.format(confidence=confidence))
    if n == 0:
        return 0.0, 1.0
    tail = (1 - level) / 2
    # P(X >= x | p) = I_p(x, n - x + 1) and P(X <= x | p) = 1 - I_p(x + 1, n - x): each bound
    # is a quantile of a beta distribution (the regularised incomplete beta function).
    low = 0.0 if successes == 0 else float(beta.ppf(tail, successes, n - successes + 1))
    high = 1.0 if successes == n else float(beta.isf(tail, successes + 1, n - successes))
    return low, high


def binomial_p_value_greater(successes: int, n: int, null_rate: Decimal | float) -> float:
    if not 0 <= successes <= n:
        raise ValueError(MSG_BAD_COUNTS.format(successes=successes, n=n))
    rate = float(null_rate)
    if not 0 < rate < 1:
        raise ValueError(MSG_BAD_NULL_RATE.format(rate=null_rate))
    if successes == 0:
        return 1.0
    # The survival function is the upper tail itself (no 1 - cdf cancellation).
    return min(float(binom.sf(successes - 1, n, rate)), 1.0)


# --- Outcomes and endpoints ------------------------------------------------------------------
@dataclass(frozen=True)
class PatientOutcome:
    patient_id: str
    cohort: str
    c1d1: date
    best_response: Response | None
    progression_date: date | None
    last_assessment_date: date | None

    def __post_init__(self) -> None:
        if self.best_response is Response.PD and self.progression_date is None:
            raise ValueError(MSG_PD_WITHOUT_DATE.format(patient=self.patient_id))
        for field_name in ("progression_date", "last_assessment_date"):
            value = getattr(self, field_name)
            if value is not None and value < self.c1d1:
                raise ValueError(
                    MSG_DATE_BEFORE_C1D1.format(
                        patient=self.patient_id, field=field_name, value=value, c1d1=self.c1d1
                    )
                )


@dataclass(frozen=True)
class Proportion:
    numerator: int
    denominator: int
    rate: float | None
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class Endpoints:
    group: str
    patients: int
    objective_response: Proportion
    clinical_benefit: Proportion
    progressed_by_landmark: Proportion
    benefit_without_landmark_assessment: int


def proportion(
    numerator: int, denominator: int, confidence: Decimal | float = CONFIDENCE_LEVEL
) -> Proportion:
    low, high = clopper_pearson(numerator, denominator, confidence)
    rate = numerator / denominator if denominator else None
    return Proportion(numerator, denominator, rate, low, high)


def landmark_date(c1d1: date) -> date:
    return c1d1 + timedelta(days=CLINICAL_BENEFIT_LANDMARK_DAYS)


def _progressed_by_landmark(outcome: PatientOutcome) -> bool:
    return outcome.progression_date is not None and outcome.progression_date <= landmark_date(
        outcome.c1d1
    )


def _group_endpoints(
    group: str, outcomes: list[PatientOutcome], confidence: Decimal | float
) -> Endpoints:
    patients = len(outcomes)
    responders = sum(1 for o in outcomes if o.best_response in OBJECTIVE_RESPONSES)
    progressors = sum(1 for o in outcomes if _progressed_by_landmark(o))
    unobserved_benefit = sum(
        1
        for o in outcomes
        if o.progression_date is None
        and (o.last_assessment_date is None or o.last_assessment_date < landmark_date(o.c1d1))
    )
    return Endpoints(
        group=group,
        patients=patients,
        objective_response=proportion(responders, patients, confidence),
        clinical_benefit=proportion(patients - progressors, patients, confidence),
        progressed_by_landmark=proportion(progressors, patients, confidence),
        benefit_without_landmark_assessment=unobserved_benefit,
    )


def endpoints(
    outcomes: Iterable[PatientOutcome], confidence: Decimal | float = CONFIDENCE_LEVEL
) -> dict[str, Endpoints]:
    everyone: list[PatientOutcome] = []
    by_cohort: dict[str, list[PatientOutcome]] = {}
    seen: set[str] = set()
    for outcome in outcomes:
        if outcome.patient_id in seen:
            raise ValueError(MSG_DUPLICATE_PATIENT.format(patient=outcome.patient_id))
        seen.add(outcome.patient_id)
        everyone.append(outcome)
        by_cohort.setdefault(outcome.cohort, []).append(outcome)
    result = {
        cohort: _group_endpoints(cohort, members, confidence)
        for cohort, members in sorted(by_cohort.items())
    }
    result[OVERALL] = _group_endpoints(OVERALL, everyone, confidence)
    return result
