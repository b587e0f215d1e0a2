"""The study declaration for NCT00349934 — the one place the protocol lives.

Everything the EDC knows about the trial design is declared here as plain, frozen data:
cohorts and their capacity, the treatment calendar (cycles, days, windows), dose levels,
hold thresholds, assessment cadence, immune-draw offsets, RECIST settings, eligibility
criteria and deviation severities. Visit generation, forms, deviation rules, dashboards and
exports read these names; no other module hard-codes a day number or a window, so a protocol
amendment is a one-line change here.

This module imports nothing of ours and touches no ORM.

Words users read come in two forms: the English ``label``/``text`` that is stored, compared
and exported (calendar event labels are saved on each patient's calendar, cohort labels are the
SDTM ARM), and a ``title`` in the user's language for pages (``django.utils.translation``).

Day arithmetic: study day 1 is the actual date of C1D1. Cycle ``c`` day ``d`` falls on study
day ``(c - 1) * CYCLE_LENGTH_DAYS + d`` when nothing is delayed (C3D16 = day 72, C6D16 = day
156). A delayed cycle D1 shifts that cycle and all later cycles (see ``patients.schedule``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import localize
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop, ngettext
from django.utils.translation import gettext_lazy as _

TRIAL_ID = "NCT00349934"
TRIAL_TITLE = (
    "First-line chemoimmunotherapy in metastatic breast carcinoma: paclitaxel plus IMP321 (LAG-3Ig)"
)
PROTOCOL_VERSION = "1.0"


# --- Cohorts -------------------------------------------------------------------------------
# Translators: a dose cohort, e.g. "Cohort 1 — IMP321 0.25 mg".
COHORT_TITLE = gettext_noop("Cohort %(number)s — IMP321 %(dose)s mg")


@dataclass(frozen=True)
class Cohort:
    code: str
    label: str  # English: exported (SDTM ARM, Define-XML codelist)
    imp321_dose_mg: Decimal
    capacity: int
    order: int

    def _title(self) -> str:
        params = {"number": self.order, "dose": self.imp321_dose_mg}
        if COHORT_TITLE % params != self.label:  # a label written by hand: shown as it is
            return self.label
        return gettext(COHORT_TITLE) % {**params, "dose": localize(self.imp321_dose_mg)}

    @property
    def title(self) -> str:
        """``label`` in the user's language (lazy: usable in choices declared at import)."""
        return lazy(self._title, str)()


COHORTS: tuple[Cohort, ...] = (
    Cohort("A", "Cohort 1 — IMP321 0.25 mg", Decimal("0.25"), 10, 1),
    Cohort("B", "Cohort 2 — IMP321 1.25 mg", Decimal("1.25"), 10, 2),
    Cohort("C", "Cohort 3 — IMP321 6.25 mg", Decimal("6.25"), 10, 3),
)
COHORTS_BY_CODE = {c.code: c for c in COHORTS}


def cohort(code: str) -> Cohort:
    return COHORTS_BY_CODE[code]


# --- Windows and calendar ------------------------------------------------------------------
@dataclass(frozen=True)
class Window:
    """Tolerance around a planned date, in days: allowed = [planned - before, planned + after]."""

    before: int
    after: int


CYCLE_COUNT = 6
CYCLE_LENGTH_DAYS = 28
SCREENING_WINDOW_DAYS = 28  # screening/baseline within 28 days before C1D1

PACLITAXEL = "paclitaxel"
IMP321 = "imp321"
TUMOUR = "tumour"
IMMUNE = "immune"
# The kinds of calendar event as pages name them (the code is what is stored and exported).
EVENT_KINDS = (
    (PACLITAXEL, _("Paclitaxel dose")),
    (IMP321, _("IMP321 injection")),
    (TUMOUR, _("Tumour assessment")),
    (IMMUNE, _("Immune-monitoring draw")),
)

PACLITAXEL_DAYS: tuple[int, ...] = (1, 8, 15)
# IMP321 is given the day after the *actual* paclitaxel dose of these days (D2 and D16).
IMP321_AFTER_PACLITAXEL_DAYS: tuple[int, ...] = (1, 15)
IMP321_DAYS_AFTER_PACLITAXEL = 1
IMP321_WINDOW = Window(before=0, after=1)  # exactly the day after, +1 day tolerated
IMP321_TOTAL_INJECTIONS = len(IMP321_AFTER_PACLITAXEL_DAYS) * CYCLE_COUNT  # 12

CYCLE1_DAY1_WINDOW = Window(before=0, after=0)  # C1D1 is the anchor (study day 1)
LATER_CYCLE_DAY1_WINDOW = Window(before=1, after=7)  # D1 of cycles 2-6: -1/+7
INTRA_CYCLE_WINDOW = Window(before=1, after=1)  # D8 / D15: +-1


def paclitaxel_window(cycle: int, day: int) -> Window:
    if day == 1:
        return CYCLE1_DAY1_WINDOW if cycle == 1 else LATER_CYCLE_DAY1_WINDOW
    return INTRA_CYCLE_WINDOW


# --- Dosing ---------------------------------------------------------------------------------
PACLITAXEL_DOSE_LEVELS_MG_M2: tuple[Decimal, ...] = (Decimal("80"), Decimal("70"), Decimal("60"))
PACLITAXEL_STARTING_DOSE_MG_M2 = PACLITAXEL_DOSE_LEVELS_MG_M2[0]
DOSE_DEVIATION_TOLERANCE = Decimal("0.10")  # actual vs planned, > 10 % is a deviation
# Hard ceiling: an actual dose above 1.5 x planned (paclitaxel) or above 1.5 x the cohort dose
# (IMP321) is refused outright — a typing or unit error, never a dose someone received.
MAX_DOSE_FACTOR = Decimal("1.5")
# Weight changed by more than 10 % since the previous dose: the BSA (and the dose prepared from
# it) changes accordingly, so the entry is confirmed before it is saved (soft check).
WEIGHT_CHANGE_CHECK_FRACTION = Decimal("0.10")

WEIGHT_KG_LIMITS = (Decimal("30"), Decimal("250"))
HEIGHT_CM_LIMITS = (Decimal("120"), Decimal("220"))


@dataclass(frozen=True)
class HoldThreshold:
    """A paclitaxel dose is held unless ANC >= anc and platelets >= platelets (x 10^9/L)."""

    anc: Decimal
    platelets: Decimal


HOLD_THRESHOLDS: dict[int, HoldThreshold] = {
    1: HoldThreshold(anc=Decimal("1.5"), platelets=Decimal("100")),
    8: HoldThreshold(anc=Decimal("1.0"), platelets=Decimal("75")),
    15: HoldThreshold(anc=Decimal("1.0"), platelets=Decimal("75")),
}
HOLD_LAB_LOOKBACK_DAYS = 3  # haematology within 3 days before the dose

# --- Assessments -----------------------------------------------------------------------------
TUMOUR_ASSESSMENT_INTERVAL_DAYS = 56  # every 8 weeks from C1D1 (end of cycles 2, 4, 6)
TUMOUR_ASSESSMENT_WINDOW = Window(before=7, after=7)
TUMOUR_ASSESSMENTS_ON_TREATMENT = 3
TUMOUR_BASELINE_MAX_DAYS_BEFORE_C1D1 = 28

IMMUNE_DRAW_AFTER_INJECTIONS: tuple[int, ...] = (6, 12)
IMMUNE_DRAW_OFFSET_DAYS = 13
IMMUNE_DRAW_WINDOW = Window(before=2, after=2)

SAE_REPORT_HOURS = 24


@dataclass(frozen=True)
class RecistSettings:
    max_targets: int = 5
    max_targets_per_organ: int = 2
    measurable_min_mm: Decimal = Decimal("10")
    node_target_min_short_axis_mm: Decimal = Decimal("15")
    node_normal_short_axis_mm: Decimal = Decimal("10")  # CR: every node < 10 mm
    too_small_to_measure_mm: Decimal = Decimal("5")
    pr_decrease_pct: Decimal = Decimal("30")  # >= 30 % decrease vs baseline
    pd_increase_pct: Decimal = Decimal("20")  # >= 20 % increase vs nadir ...
    pd_increase_min_mm: Decimal = Decimal("5")  # ... and >= 5 mm absolute
    confirmation_min_days: int = 28  # CR/PR confirmed >= 4 weeks later
    sd_min_days_from_c1d1: int = 42  # SD counts as BOR only from day 42


RECIST = RecistSettings()

# Endpoints
CLINICAL_BENEFIT_LANDMARK_DAYS = 183  # "without progression at 6 months" from C1D1
CONFIDENCE_LEVEL = Decimal("0.95")
# The publication compares its objective response (50 %) with a historical control group's
# 25 %: exact one-sided binomial test of H0 "response rate <= this rate"; a p-value below the
# one-sided alpha reads "above the historical rate".
HISTORICAL_CONTROL_RESPONSE_RATE = Decimal("0.25")
HISTORICAL_CONTROL_ALPHA = Decimal("0.05")


# --- Eligibility -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Criterion:
    code: str
    kind: str  # "inclusion" must be answered yes, "exclusion" must be answered no
    text: str  # lazy: read in the user's language (shown on forms, stored nowhere)

    @property
    def required_answer(self) -> bool:
        return self.kind == "inclusion"


INCLUSION = "inclusion"
EXCLUSION = "exclusion"

ELIGIBILITY_CRITERIA: tuple[Criterion, ...] = (
    Criterion("IN01", INCLUSION, _("Female, aged 18 years or older")),
    Criterion(
        "IN02", INCLUSION, _("Histologically confirmed breast carcinoma with metastatic disease")
    ),
    Criterion("IN03", INCLUSION, _("At least one measurable lesion by RECIST 1.1")),
    Criterion("IN04", INCLUSION, _("ECOG performance status 0-1")),
    Criterion("IN05", INCLUSION, _("No prior chemotherapy for metastatic disease")),
    Criterion(
        "IN06",
        INCLUSION,
        _("ANC >= 1.5 x 10^9/L, platelets >= 100 x 10^9/L and haemoglobin >= 9 g/dL"),
    ),
    Criterion("IN07", INCLUSION, _("Bilirubin <= 1.5 x ULN")),
    Criterion("IN08", INCLUSION, _("ALT/AST <= 2.5 x ULN (<= 5 x ULN with liver metastases)")),
    Criterion("IN09", INCLUSION, _("Creatinine <= 1.5 x ULN")),
    Criterion("IN10", INCLUSION, _("Signed informed consent dated before any study procedure")),
    Criterion("EX01", EXCLUSION, _("HER2-positive disease eligible for trastuzumab")),
    Criterion("EX02", EXCLUSION, _("Known brain metastases")),
    Criterion("EX03", EXCLUSION, _("Pre-existing neuropathy grade >= 2")),
    Criterion("EX04", EXCLUSION, _("Pregnancy or breast-feeding")),
    Criterion("EX05", EXCLUSION, _("Active autoimmune disease or systemic immunosuppression")),
)
CRITERIA_BY_CODE = {c.code: c for c in ELIGIBILITY_CRITERIA}
# A prior chemotherapy for metastatic disease recorded in the prior cancer therapy fails this one.
NO_PRIOR_METASTATIC_CHEMO_CRITERION = "IN05"
MIN_AGE_YEARS = 18

# --- Deviations --------------------------------------------------------------------------------
MAJOR = "major"
MINOR = "minor"

DEVIATION_SEVERITY: dict[str, str] = {
    "missed_visit": MAJOR,
    "visit_out_of_window": MINOR,
    "paclitaxel_dose_off_plan": MAJOR,
    "imp321_dose_not_cohort": MAJOR,
    "imp321_not_day_after_paclitaxel": MINOR,
    "dosed_despite_hold": MAJOR,
    "immune_draw_out_of_window": MINOR,
    "tumour_assessment_overdue": MAJOR,
    "dosed_after_end_of_treatment": MAJOR,
    "eligibility_waiver": MAJOR,
    "sae_reported_late": MAJOR,
}

# --- End of treatment ---------------------------------------------------------------------------
END_OF_TREATMENT_REASONS: tuple[tuple[str, str], ...] = (
    ("completed", "Completed 6 cycles"),
    ("progression", "Disease progression"),
    ("toxicity", "Unacceptable toxicity"),
    ("withdrawal", "Withdrawal of consent"),
    ("investigator", "Investigator decision"),
    ("death", "Death"),
    ("lost", "Lost to follow-up"),
)


# --- The planned calendar -------------------------------------------------------------------------
@dataclass(frozen=True)
class PlannedEvent:
    """One planned event of the calendar, before any delay is applied.

    ``cycle``/``day`` place treatment events; ``study_day`` is the undelayed study day.
    ``follows`` names the event whose *actual* date anchors this one (IMP321 follows its
    paclitaxel dose, an immune draw follows its injection); ``offset_days`` is the distance
    from that anchor.
    """

    code: str
    kind: str
    label: str
    study_day: int
    window: Window
    cycle: int | None = None
    day: int | None = None
    sequence: int | None = None  # injection number, assessment number, ...
    follows: str | None = None
    offset_days: int = 0
    # ``label`` is stored on each patient's calendar and exported: English. ``title_msgid``
    # (``label``'s pattern, marked with gettext_noop) and ``title_params`` give ``title``.
    title_msgid: str = ""
    title_params: tuple[tuple[str, int], ...] = ()

    @property
    def title(self) -> str:
        """``label`` in the user's language (``label`` itself when an amendment rewrote it)."""
        return event_title(self.label, self.title_msgid, self.title_params)


def event_title(label: str, msgid: str, params: tuple[tuple[str, int], ...]) -> str:
    """The translation of ``label`` when ``label`` is ``msgid % params``, else ``label``."""
    values = dict(params)
    if not msgid or msgid % values != label:
        return label
    return gettext(msgid) % values


def _worded(msgid: str, **params: int) -> dict:
    """``label`` (English, as stored) and its translatable pattern, for ``PlannedEvent``."""
    return {
        "label": msgid % params,
        "title_msgid": msgid,
        "title_params": tuple(sorted(params.items())),
    }


def study_day(cycle: int, day: int) -> int:
    return (cycle - 1) * CYCLE_LENGTH_DAYS + day


def paclitaxel_code(cycle: int, day: int) -> str:
    return f"PAC-C{cycle}D{day}"


def imp321_code(cycle: int, day: int) -> str:
    return f"IMP-C{cycle}D{day}"


def planned_events() -> tuple[PlannedEvent, ...]:
    """Every planned event of the study, in study-day order (undelayed)."""
    events: list[PlannedEvent] = [
        PlannedEvent(
            "TUM-BL",
            TUMOUR,
            study_day=1 - TUMOUR_BASELINE_MAX_DAYS_BEFORE_C1D1,
            window=Window(0, TUMOUR_BASELINE_MAX_DAYS_BEFORE_C1D1 - 1),
            sequence=0,
            **_worded(gettext_noop("Baseline tumour assessment")),
        ),
        PlannedEvent(
            "IMM-BL",
            IMMUNE,
            study_day=1 - SCREENING_WINDOW_DAYS,
            window=Window(0, SCREENING_WINDOW_DAYS - 1),
            sequence=0,
            **_worded(gettext_noop("Baseline immune-monitoring draw")),
        ),
    ]
    injection = 0
    for cycle in range(1, CYCLE_COUNT + 1):
        for day in PACLITAXEL_DAYS:
            events.append(
                PlannedEvent(
                    paclitaxel_code(cycle, day),
                    PACLITAXEL,
                    study_day=study_day(cycle, day),
                    window=paclitaxel_window(cycle, day),
                    cycle=cycle,
                    day=day,
                    # Translators: C = cycle, D = day (C2D8: cycle 2, day 8).
                    **_worded(gettext_noop("Paclitaxel C%(cycle)sD%(day)s"), cycle=cycle, day=day),
                )
            )
            if day in IMP321_AFTER_PACLITAXEL_DAYS:
                injection += 1
                inj_day = day + IMP321_DAYS_AFTER_PACLITAXEL
                events.append(
                    PlannedEvent(
                        imp321_code(cycle, inj_day),
                        IMP321,
                        study_day=study_day(cycle, inj_day),
                        window=IMP321_WINDOW,
                        cycle=cycle,
                        day=inj_day,
                        sequence=injection,
                        follows=paclitaxel_code(cycle, day),
                        offset_days=IMP321_DAYS_AFTER_PACLITAXEL,
                        **_worded(
                            # Translators: C = cycle, D = day (C1D2: cycle 1, day 2).
                            gettext_noop("IMP321 injection %(number)s (C%(cycle)sD%(day)s)"),
                            number=injection,
                            cycle=cycle,
                            day=inj_day,
                        ),
                    )
                )
                if injection in IMMUNE_DRAW_AFTER_INJECTIONS:
                    events.append(
                        PlannedEvent(
                            f"IMM-INJ{injection}",
                            IMMUNE,
                            study_day=study_day(cycle, inj_day) + IMMUNE_DRAW_OFFSET_DAYS,
                            window=IMMUNE_DRAW_WINDOW,
                            sequence=injection,
                            follows=imp321_code(cycle, inj_day),
                            offset_days=IMMUNE_DRAW_OFFSET_DAYS,
                            **_worded(
                                gettext_noop(
                                    "Immune draw %(days)s days after injection %(number)s"
                                ),
                                days=IMMUNE_DRAW_OFFSET_DAYS,
                                number=injection,
                            ),
                        )
                    )
    for n in range(1, TUMOUR_ASSESSMENTS_ON_TREATMENT + 1):
        weeks = n * TUMOUR_ASSESSMENT_INTERVAL_DAYS // 7
        events.append(
            PlannedEvent(
                f"TUM-W{weeks}",
                TUMOUR,
                study_day=1 + n * TUMOUR_ASSESSMENT_INTERVAL_DAYS,
                window=TUMOUR_ASSESSMENT_WINDOW,
                sequence=n,
                **_worded(gettext_noop("Tumour assessment week %(weeks)s"), weeks=weeks),
            )
        )
    return tuple(sorted(events, key=lambda e: (e.study_day, e.code)))


PLANNED_EVENTS = planned_events()
PLANNED_EVENTS_BY_CODE = {e.code: e for e in PLANNED_EVENTS}
PLANNED_EVENTS_BY_LABEL = {e.label: e for e in PLANNED_EVENTS}


def event_label_title(label: str) -> str:
    """A stored (English) calendar label in the reader's language when the protocol names an
    event so, else as stored."""
    planned = PLANNED_EVENTS_BY_LABEL.get(label)
    return planned.title if planned is not None else label


# --- Protocol numbers in the words users read, formatted from the constants above --------------
def _joined(items) -> str:
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def days_window(offset: int, window: Window) -> str:
    """``13 ± 2 days`` (or ``56 days (−7/+7)`` style when the window is lopsided)."""
    if window.before == window.after:
        return f"{offset} ± {window.before} days"
    return f"{offset} days (−{window.before}/+{window.after})"


IMMUNE_DRAW_TIMING = (
    f"{days_window(IMMUNE_DRAW_OFFSET_DAYS, IMMUNE_DRAW_WINDOW)} after IMP321 injections "
    f"{_joined(IMMUNE_DRAW_AFTER_INJECTIONS)}"
)
TREATMENT_REGIMEN = (
    f"Paclitaxel {PACLITAXEL_STARTING_DOSE_MG_M2} mg/m² IV on "
    f"{_joined(f'D{d}' for d in PACLITAXEL_DAYS).replace(' and ', ', ')} of "
    f"{CYCLE_LENGTH_DAYS}-day cycles and IMP321 s.c. on "
    f"{_joined(f'D{d + IMP321_DAYS_AFTER_PACLITAXEL}' for d in IMP321_AFTER_PACLITAXEL_DAYS)}"
)
SAE_REPORT_LIMIT = f"{SAE_REPORT_HOURS} h"


# The same words in the user's language, for pages (the English constants above are exported).
def _joined_text(items) -> str:
    items = [str(i) for i in items]
    if len(items) == 1:
        return items[0]
    # Translators: the last item of a list, e.g. "6 and 12".
    return gettext("%(items)s and %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}


def _day_text(day: int) -> str:
    # Translators: a day of a treatment cycle, e.g. D8 (day 8).
    return gettext("D%(day)s") % {"day": day}


def _days_window_text(offset: int, window: Window) -> str:
    if window.before == window.after:
        return ngettext(
            "%(offset)s ± %(days)s day", "%(offset)s ± %(days)s days", window.before
        ) % {"offset": offset, "days": window.before}
    return ngettext(
        "%(offset)s day (−%(before)s/+%(after)s)",
        "%(offset)s days (−%(before)s/+%(after)s)",
        offset,
    ) % {"offset": offset, "before": window.before, "after": window.after}


def _immune_draw_timing_text() -> str:
    # Translators: e.g. "13 ± 2 days after IMP321 injections 6 and 12".
    return gettext("%(timing)s after IMP321 injections %(injections)s") % {
        "timing": _days_window_text(IMMUNE_DRAW_OFFSET_DAYS, IMMUNE_DRAW_WINDOW),
        "injections": _joined_text(IMMUNE_DRAW_AFTER_INJECTIONS),
    }


def _immune_draw_offset_text() -> str:
    return ngettext("%(days)s day", "%(days)s days", IMMUNE_DRAW_OFFSET_DAYS) % {
        "days": IMMUNE_DRAW_OFFSET_DAYS
    }


def _treatment_regimen_text() -> str:
    return gettext(
        "Paclitaxel %(dose)s mg/m² IV on %(paclitaxel_days)s of %(length)s-day cycles and "
        "IMP321 s.c. on %(imp321_days)s"
    ) % {
        "dose": localize(PACLITAXEL_STARTING_DOSE_MG_M2),
        "paclitaxel_days": ", ".join(_day_text(d) for d in PACLITAXEL_DAYS),
        "length": CYCLE_LENGTH_DAYS,
        "imp321_days": _joined_text(
            _day_text(d + IMP321_DAYS_AFTER_PACLITAXEL) for d in IMP321_AFTER_PACLITAXEL_DAYS
        ),
    }


def _sae_report_limit_text() -> str:
    # Translators: a number of hours, e.g. "24 h".
    return gettext("%(hours)s h") % {"hours": SAE_REPORT_HOURS}


# Handed to every template as ``protocol_text`` (edc.web.protocol_words): lazy, so each page
# reads them in its user's language.
PROTOCOL_TEXT = {
    "immune_draw_timing": lazy(_immune_draw_timing_text, str)(),
    "immune_draw_offset": lazy(_immune_draw_offset_text, str)(),
    "treatment_regimen": lazy(_treatment_regimen_text, str)(),
    "sae_report_limit": lazy(_sae_report_limit_text, str)(),
}
