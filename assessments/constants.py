"""Choices and the messages the validators raise; tests import them so wording lives here.

RECIST and window numbers are read from ``edc.protocol`` when a message is built, so a
protocol amendment changes the rule and its text together.
"""

from django.db import models
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from edc import protocol
from edc.protocol import RECIST
from edc.validators import (
    DIASTOLIC_BP,
    HEART_RATE,
    HEIGHT_CM,
    LESION_DIAMETER_MM,
    SYSTOLIC_BP,
    TEMPERATURE_C,
    WEIGHT_KG,
)

from .recist import NonTargetStatus as EngineNonTargetStatus
from .recist import Response as EngineResponse


def _fill(message, values: dict) -> str:
    """``message % values`` in the active language (a translated text with protocol numbers)."""
    return message % values


# Lazy: the text is translated, then filled, each time it is shown (not once at import).
fill_lazy = lazy(_fill, str)


# --- Tumour assessments ---------------------------------------------------------------------
class AssessmentKind(models.TextChoices):
    BASELINE = "baseline", _("Baseline")
    FOLLOW_UP = "follow_up", _("Follow-up")


class ImagingMethod(models.TextChoices):
    CT = "ct", _("CT")
    MRI = "mri", _("MRI")
    PET_CT = "pet_ct", _("PET-CT")
    CHEST_XRAY = "chest_xray", _("Chest X-ray")
    CLINICAL = "clinical", _("Clinical examination (calliper / photography)")
    OTHER = "other", _("Other")


class Organ(models.TextChoices):
    """Organs for the "≤ 2 target lesions per organ" rule.

    RECIST 1.1 counts all lymph nodes together as one organ, and paired organs (lungs) as one.
    """

    LYMPH_NODE = "lymph_node", _("Lymph node")
    LIVER = "liver", _("Liver")
    LUNG = "lung", _("Lung")
    BREAST = "breast", _("Breast")
    CHEST_WALL = "chest_wall", _("Chest wall")
    SKIN = "skin", _("Skin / subcutaneous")
    PLEURA = "pleura", _("Pleura")
    PERITONEUM = "peritoneum", _("Peritoneum")
    ADRENAL = "adrenal", _("Adrenal gland")
    BONE = "bone", _("Bone (soft-tissue component)")
    BRAIN = "brain", _("Brain")
    SOFT_TISSUE = "soft_tissue", _("Soft tissue")
    OTHER = "other", _("Other")


NODAL_ORGANS = frozenset({Organ.LYMPH_NODE})


class MeasurementState(models.TextChoices):
    MEASURED = "measured", _("Measured")
    TOO_SMALL = (
        "too_small",
        fill_lazy(_("Too small to measure (%(mm)s mm)"), {"mm": RECIST.too_small_to_measure_mm}),
    )
    NOT_EVALUABLE = "not_evaluable", _("Not evaluable")


class NonTargetStatus(models.TextChoices):
    """Follow-up status of the non-target lesions, as a whole (values = the engine's)."""

    ABSENT = EngineNonTargetStatus.ABSENT.value, _("Absent (all gone, nodes normal)")
    PRESENT = EngineNonTargetStatus.PRESENT.value, _("Present (non-CR / non-PD)")
    UNEQUIVOCAL_PROGRESSION = (
        EngineNonTargetStatus.UNEQUIVOCAL_PROGRESSION.value,
        _("Unequivocal progression"),
    )
    NOT_EVALUABLE = EngineNonTargetStatus.NOT_EVALUABLE.value, _("Not evaluable")


class NewLesion(models.TextChoices):
    NONE = "none", _("No new lesion")
    EQUIVOCAL = "equivocal", _("Equivocal new lesion (re-image)")
    UNEQUIVOCAL = "unequivocal", _("Unequivocal new lesion")


class ResponseChoice(models.TextChoices):
    CR = EngineResponse.CR.value, _("CR — complete response")
    PR = EngineResponse.PR.value, _("PR — partial response")
    SD = EngineResponse.SD.value, _("SD — stable disease")
    PD = EngineResponse.PD.value, _("PD — progressive disease")
    NE = EngineResponse.NE.value, _("NE — not evaluable")
    # A RECIST code, shown as is.
    NON_CR_NON_PD = EngineResponse.NON_CR_NON_PD.value, "Non-CR/Non-PD"


TARGET_LABEL_PREFIX = "T"
NON_TARGET_LABEL_PREFIX = "NT"
# Physiological limit of a lesion diameter, declared in edc.validators (LESION_DIAMETER_MM).
DIAMETER_MAX_MM = LESION_DIAMETER_MM.high

# RECIST 1.1 rules at data entry (the text of the rule is the message).
# Translators: keep the placeholders as they are: %(name)s is a protocol number filled in at
# once, {name} (in braces) a value of the entry (a lesion label, a date) filled in later.
TOO_MANY_TARGETS = fill_lazy(
    _("RECIST 1.1: at most %(max)s target lesions in total; record further lesions as non-target."),
    {"max": RECIST.max_targets},
)
TOO_MANY_TARGETS_IN_ORGAN = fill_lazy(
    _(
        "RECIST 1.1: at most %(max)s target lesions per organ "
        "({organ}); record further lesions as non-target."
    ),
    {"max": RECIST.max_targets_per_organ},
)
NODE_TARGET_TOO_SMALL = fill_lazy(
    _(
        "RECIST 1.1: a lymph node is a target lesion only with a short axis "
        "≥ %(min)s mm ({label}: {diameter} mm)."
    ),
    {"min": RECIST.node_target_min_short_axis_mm},
)
TARGET_NOT_MEASURABLE = fill_lazy(
    _(
        "RECIST 1.1: a measurable (target) lesion has a longest diameter "
        "≥ %(min)s mm ({label}: {diameter} mm)."
    ),
    {"min": RECIST.measurable_min_mm},
)
BASELINE_DIAMETER_REQUIRED = _("Give the baseline diameter of every target lesion ({label}).")
DIAMETER_OUT_OF_RANGE = LESION_DIAMETER_MM.message
NO_BASELINE_DISEASE = _("A baseline assessment records at least one target or non-target lesion.")
DUPLICATE_LESION_LABEL = _("Lesion label {label} is used twice.")
LABEL_REQUIRED = _("Each lesion needs a label (e.g. T1, NT1).")
ORGAN_REQUIRED = _("Choose the organ of lesion {label}.")
LESION_HAS_MEASUREMENTS = _(
    "Lesion {label} was measured at follow-up assessments; it cannot be removed from the baseline."
)
BASELINE_EXISTS = _("This patient already has a baseline tumour assessment; correct it instead.")
BASELINE_MISSING = _("Record the baseline tumour assessment before any follow-up.")
NOT_ENROLLED = _(
    "Tumour assessments are recorded for enrolled patients "
    "(the baseline window is counted from cycle 1 day 1)."
)
BASELINE_OUTSIDE_WINDOW = fill_lazy(
    _("The baseline tumour assessment must be within %(days)s days before cycle 1 day 1 ({c1d1})."),
    {"days": protocol.TUMOUR_BASELINE_MAX_DAYS_BEFORE_C1D1},
)
BASELINE_AFTER_FOLLOW_UP = _("The baseline must be dated before every follow-up ({date}).")
FOLLOW_UP_NOT_AFTER_BASELINE = _("A follow-up must be dated after the baseline ({baseline}).")
FOLLOW_UP_BEFORE_C1D1 = _("A follow-up assessment cannot be dated before cycle 1 day 1 ({c1d1}).")
ASSESSMENT_DATE_TAKEN = _("This patient already has a tumour assessment on {date}.")
MEASUREMENT_MISSING = _(
    "Re-measure every baseline target lesion, or record it too small to measure or not "
    "evaluable ({label})."
)
MEASUREMENT_UNKNOWN_LESION = _("Lesion {lesion} is not a baseline target lesion of this patient.")
MEASUREMENT_DUPLICATE = _("Lesion {label} is measured twice.")
MEASUREMENT_DIAMETER_REQUIRED = _("Give the diameter of {label} (0 if it has disappeared).")
MEASUREMENT_DIAMETER_WITH_STATE = _(
    "{label} is recorded too small to measure or not evaluable: leave its diameter empty."
)
NON_TARGET_STATUS_REQUIRED = _(
    "Record the status of the non-target lesions (absent, present, unequivocal progression "
    "or not evaluable)."
)
NON_TARGET_STATUS_WITHOUT_BASELINE = _(
    "There were no non-target lesions at baseline; record new disease as a new lesion."
)
NOT_A_BASELINE = _("This is not a baseline assessment.")
NOT_A_FOLLOW_UP = _("This is not a follow-up assessment.")
RECIST_NOT_COMPUTABLE = _("RECIST response cannot be computed: {error}")


# --- Adverse events (CTCAE v5) --------------------------------------------------------------
class Relation(models.TextChoices):
    NOT_RELATED = "not_related", _("Not related")
    UNLIKELY = "unlikely", _("Unlikely")
    POSSIBLE = "possible", _("Possible")
    PROBABLE = "probable", _("Probable")
    DEFINITE = "definite", _("Definite")


class ActionTaken(models.TextChoices):
    NONE = "none", _("No action taken")
    DOSE_REDUCED = "dose_reduced", _("Dose reduced")
    HELD = "held", _("Dose held")
    DISCONTINUED = "discontinued", _("Treatment discontinued")


class AEOutcome(models.TextChoices):
    """CDISC AEOUT outcomes."""

    RECOVERED = "recovered", _("Recovered / resolved")
    RECOVERING = "recovering", _("Recovering / resolving")
    NOT_RECOVERED = "not_recovered", _("Not recovered / not resolved")
    SEQUELAE = "sequelae", _("Recovered / resolved with sequelae")
    FATAL = "fatal", _("Fatal")
    UNKNOWN = "unknown", _("Unknown")


RESOLVED_OUTCOMES = frozenset({AEOutcome.RECOVERED, AEOutcome.SEQUELAE})


class SAECriterion(models.TextChoices):
    """ICH E2A seriousness criteria."""

    DEATH = "death", _("Results in death")
    LIFE_THREATENING = "life_threatening", _("Life-threatening")
    HOSPITALISATION = "hospitalisation", _("Requires or prolongs hospitalisation")
    DISABILITY = "disability", _("Persistent or significant disability / incapacity")
    CONGENITAL_ANOMALY = "congenital_anomaly", _("Congenital anomaly / birth defect")
    MEDICALLY_IMPORTANT = "medically_important", _("Other medically important event")


CTCAE_GRADES = (1, 2, 3, 4, 5)
FATAL_GRADE = 5
OTHER_SPECIFY_SUFFIX = "Other, specify"

UNKNOWN_CTCAE_TERM = _("MedDRA code {code} is not a CTCAE v5.0 term.")
GRADE_NOT_DEFINED = _("Grade {grade} is not defined for “{term}” in CTCAE v5.0 (grades: {grades}).")
GRADE_OUT_OF_RANGE = _("The CTCAE grade is 1 to 5.")
SPECIFY_REQUIRED = _("“{term}”: specify the event.")
STOP_BEFORE_START = _("The stop date cannot be before the start date.")
FATAL_NEEDS_DEATH_DATE = _("A grade 5 (fatal) adverse event needs the date of death.")
FATAL_NEEDS_OUTCOME = _("A grade 5 adverse event has the outcome “Fatal”.")
FATAL_OUTCOME_NEEDS_GRADE_5 = _("An adverse event with a fatal outcome is grade 5.")
DEATH_DATE_ONLY_IF_FATAL = _("A date of death is recorded only for a grade 5 (fatal) event.")
DEATH_BEFORE_START = _("The date of death cannot be before the start of the event.")
FATAL_IS_SERIOUS = _("A grade 5 (fatal) adverse event is serious: tick “serious” and its criteria.")
SAE_CRITERIA_REQUIRED = _("A serious adverse event needs at least one seriousness criterion.")
SAE_CRITERIA_NOT_SERIOUS = _("Seriousness criteria are only recorded for a serious event.")
SAE_AWARENESS_REQUIRED = _("A serious adverse event needs the date and time the site became aware.")
SAE_REPORT_REQUIRED = _("A serious adverse event needs the date and time it was reported.")
SAE_DATES_NOT_SERIOUS = _("Awareness and report times are only recorded for a serious event.")
SAE_AWARE_BEFORE_START = _("The site cannot have become aware before the event started.")
SAE_REPORT_BEFORE_AWARENESS = _("The report cannot precede the site's awareness of the event.")
TIME_IN_FUTURE = _("This time is in the future.")
RESOLVED_NEEDS_STOP = _("A recovered / resolved event needs its stop date.")

# --- Vital signs and ECOG ---------------------------------------------------------------------
ECOG_SCORES = (0, 1, 2, 3, 4)
# Physiological limits: values outside are refused as impossible entries (not flagged).
# Declared once in edc.validators; the bounds are repeated here for the tests' parameters.
WEIGHT_KG_LIMITS = WEIGHT_KG.bounds
HEIGHT_CM_LIMITS = HEIGHT_CM.bounds
SYSTOLIC_BP_LIMITS = SYSTOLIC_BP.bounds
DIASTOLIC_BP_LIMITS = DIASTOLIC_BP.bounds
HEART_RATE_LIMITS = HEART_RATE.bounds
TEMPERATURE_C_LIMITS = TEMPERATURE_C.bounds

OUT_OF_LIMITS = _("{label} must be between {low} and {high} {unit}.")
DIASTOLIC_NOT_BELOW_SYSTOLIC = _("The diastolic pressure must be below the systolic pressure.")
ECOG_OUT_OF_RANGE = _("ECOG performance status is 0 to 4.")
VISIT_ALREADY_RECORDED = _("Vital signs are already recorded for {visit}; correct them instead.")

SCREENING_VISIT = "SCR"
UNSCHEDULED_VISIT = "UNS"
VITALS_VISITS: tuple[tuple[str, str], ...] = (
    (SCREENING_VISIT, _("Screening")),
    *(
        (
            protocol.paclitaxel_code(cycle, 1),
            fill_lazy(_("Cycle %(cycle)s day 1"), {"cycle": cycle}),
        )
        for cycle in range(1, protocol.CYCLE_COUNT + 1)
    ),
    (UNSCHEDULED_VISIT, _("Unscheduled")),
)


# --- Concomitant medications -----------------------------------------------------------------
class DoseUnit(models.TextChoices):
    MG = "mg", "mg"
    MICROGRAM = "ug", "µg"
    G = "g", "g"
    ML = "mL", "mL"
    IU = "IU", _("IU")
    MMOL = "mmol", "mmol"
    TABLET = "tablet", _("tablet(s)")
    PUFF = "puff", _("puff(s)")
    DROP = "drop", _("drop(s)")
    APPLICATION = "application", _("application(s)")


class Route(models.TextChoices):
    ORAL = "oral", _("Oral")
    INTRAVENOUS = "iv", _("Intravenous")
    SUBCUTANEOUS = "sc", _("Subcutaneous")
    INTRAMUSCULAR = "im", _("Intramuscular")
    TOPICAL = "topical", _("Topical")
    INHALED = "inhaled", _("Inhaled")
    TRANSDERMAL = "transdermal", _("Transdermal")
    RECTAL = "rectal", _("Rectal")
    OTHER = "other", _("Other")


class Frequency(models.TextChoices):
    ONCE = "once", _("Single dose")
    DAILY = "daily", _("Once a day")
    TWICE_DAILY = "bid", _("Twice a day")
    THREE_DAILY = "tid", _("Three times a day")
    FOUR_DAILY = "qid", _("Four times a day")
    EVERY_OTHER_DAY = "every_other_day", _("Every other day")
    WEEKLY = "weekly", _("Once a week")
    EVERY_3_WEEKS = "every_3_weeks", _("Every 3 weeks")
    MONTHLY = "monthly", _("Once a month")
    AS_NEEDED = "prn", _("As needed")


# WHO ATC code of a chemical substance: anatomical group letter, 2 digits, 2 letters, 2 digits.
ATC_CODE_PATTERN = r"^[A-Z][0-9]{2}[A-Z]{2}[0-9]{2}$"
CM_NAME_REQUIRED = _("Give the medication's name as written in the source.")
CM_INDICATION_REQUIRED = _("Give the indication (what the medication is taken for).")
ATC_CODE_FORMAT = _(
    "An ATC code has 7 characters: a letter, 2 digits, 2 letters, 2 digits (e.g. A04AA01); "
    "leave it empty when unknown."
)
CM_DOSE_POSITIVE = _("The dose must be a positive number.")
CM_START_REQUIRED = _("Give the date the medication was started.")
CM_START_IN_FUTURE = _("The start date is in the future.")
CM_ONGOING_REQUIRED = _("Say whether the medication is ongoing.")
CM_STOP_WHEN_ONGOING = _("An ongoing medication has no stop date: leave it empty or answer “No”.")
CM_STOP_REQUIRED = _("Give the stop date of a medication that is not ongoing.")
CM_STOP_BEFORE_START = _("The stop date cannot be before the start date.")
CM_AE_OTHER_PATIENT = _("Choose an adverse event of this patient.")
CM_STOP_BEFORE_AE = _(
    "A medication for this adverse event cannot stop before the event started ({date})."
)
