"""Choices and the messages the validators raise; tests import them so wording lives here.

RECIST and window numbers are read from ``edc.protocol`` when a message is built, so a
protocol amendment changes the rule and its text together.
"""

from django.db import models

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


# --- Tumour assessments ---------------------------------------------------------------------
class AssessmentKind(models.TextChoices):
    BASELINE = "baseline", "Baseline"
    FOLLOW_UP = "follow_up", "Follow-up"


class ImagingMethod(models.TextChoices):
    CT = "ct", "CT"
    MRI = "mri", "MRI"
    PET_CT = "pet_ct", "PET-CT"
    CHEST_XRAY = "chest_xray", "Chest X-ray"
    CLINICAL = "clinical", "Clinical examination (calliper / photography)"
    OTHER = "other", "Other"


class Organ(models.TextChoices):
    """Organs for the "≤ 2 target lesions per organ" rule.

    RECIST 1.1 counts all lymph nodes together as one organ, and paired organs (lungs) as one.
    """

    LYMPH_NODE = "lymph_node", "Lymph node"
    LIVER = "liver", "Liver"
    LUNG = "lung", "Lung"
    BREAST = "breast", "Breast"
    CHEST_WALL = "chest_wall", "Chest wall"
    SKIN = "skin", "Skin / subcutaneous"
    PLEURA = "pleura", "Pleura"
    PERITONEUM = "peritoneum", "Peritoneum"
    ADRENAL = "adrenal", "Adrenal gland"
    BONE = "bone", "Bone (soft-tissue component)"
    BRAIN = "brain", "Brain"
    SOFT_TISSUE = "soft_tissue", "Soft tissue"
    OTHER = "other", "Other"


NODAL_ORGANS = frozenset({Organ.LYMPH_NODE})


class MeasurementState(models.TextChoices):
    MEASURED = "measured", "Measured"
    TOO_SMALL = "too_small", f"Too small to measure ({RECIST.too_small_to_measure_mm} mm)"
    NOT_EVALUABLE = "not_evaluable", "Not evaluable"


class NonTargetStatus(models.TextChoices):
    """Follow-up status of the non-target lesions, as a whole (values = the engine's)."""

    ABSENT = EngineNonTargetStatus.ABSENT.value, "Absent (all gone, nodes normal)"
    PRESENT = EngineNonTargetStatus.PRESENT.value, "Present (non-CR / non-PD)"
    UNEQUIVOCAL_PROGRESSION = (
        EngineNonTargetStatus.UNEQUIVOCAL_PROGRESSION.value,
        "Unequivocal progression",
    )
    NOT_EVALUABLE = EngineNonTargetStatus.NOT_EVALUABLE.value, "Not evaluable"


class NewLesion(models.TextChoices):
    NONE = "none", "No new lesion"
    EQUIVOCAL = "equivocal", "Equivocal new lesion (re-image)"
    UNEQUIVOCAL = "unequivocal", "Unequivocal new lesion"


class ResponseChoice(models.TextChoices):
    CR = EngineResponse.CR.value, "CR — complete response"
    PR = EngineResponse.PR.value, "PR — partial response"
    SD = EngineResponse.SD.value, "SD — stable disease"
    PD = EngineResponse.PD.value, "PD — progressive disease"
    NE = EngineResponse.NE.value, "NE — not evaluable"
    NON_CR_NON_PD = EngineResponse.NON_CR_NON_PD.value, "Non-CR/Non-PD"


TARGET_LABEL_PREFIX = "T"
NON_TARGET_LABEL_PREFIX = "NT"
# Physiological limit of a lesion diameter, declared in edc.validators (LESION_DIAMETER_MM).
DIAMETER_MAX_MM = LESION_DIAMETER_MM.high

# RECIST 1.1 rules at data entry (the text of the rule is the message).
TOO_MANY_TARGETS = (
    f"RECIST 1.1: at most {RECIST.max_targets} target lesions in total; "
    "record further lesions as non-target."
)
TOO_MANY_TARGETS_IN_ORGAN = (
    f"RECIST 1.1: at most {RECIST.max_targets_per_organ} target lesions per organ "
    "({organ}); record further lesions as non-target."
)
NODE_TARGET_TOO_SMALL = (
    f"RECIST 1.1: a lymph node is a target lesion only with a short axis "
    f"≥ {RECIST.node_target_min_short_axis_mm} mm ({{label}}: {{diameter}} mm)."
)
TARGET_NOT_MEASURABLE = (
    f"RECIST 1.1: a measurable (target) lesion has a longest diameter "
    f"≥ {RECIST.measurable_min_mm} mm ({{label}}: {{diameter}} mm)."
)
BASELINE_DIAMETER_REQUIRED = "Give the baseline diameter of every target lesion ({label})."
DIAMETER_OUT_OF_RANGE = LESION_DIAMETER_MM.message
NO_BASELINE_DISEASE = "A baseline assessment records at least one target or non-target lesion."
DUPLICATE_LESION_LABEL = "Lesion label {label} is used twice."
LABEL_REQUIRED = "Each lesion needs a label (e.g. T1, NT1)."
ORGAN_REQUIRED = "Choose the organ of lesion {label}."
LESION_HAS_MEASUREMENTS = (
    "Lesion {label} was measured at follow-up assessments; it cannot be removed from the baseline."
)
BASELINE_EXISTS = "This patient already has a baseline tumour assessment; correct it instead."
BASELINE_MISSING = "Record the baseline tumour assessment before any follow-up."
NOT_ENROLLED = (
    "Tumour assessments are recorded for enrolled patients "
    "(the baseline window is counted from cycle 1 day 1)."
)
BASELINE_OUTSIDE_WINDOW = (
    f"The baseline tumour assessment must be within "
    f"{protocol.TUMOUR_BASELINE_MAX_DAYS_BEFORE_C1D1} days before cycle 1 day 1 ({{c1d1}})."
)
BASELINE_AFTER_FOLLOW_UP = "The baseline must be dated before every follow-up ({date})."
FOLLOW_UP_NOT_AFTER_BASELINE = "A follow-up must be dated after the baseline ({baseline})."
FOLLOW_UP_BEFORE_C1D1 = "A follow-up assessment cannot be dated before cycle 1 day 1 ({c1d1})."
ASSESSMENT_DATE_TAKEN = "This patient already has a tumour assessment on {date}."
MEASUREMENT_MISSING = (
    "Re-measure every baseline target lesion, or record it too small to measure or not "
    "evaluable ({label})."
)
MEASUREMENT_UNKNOWN_LESION = "Lesion {lesion} is not a baseline target lesion of this patient."
MEASUREMENT_DUPLICATE = "Lesion {label} is measured twice."
MEASUREMENT_DIAMETER_REQUIRED = "Give the diameter of {label} (0 if it has disappeared)."
MEASUREMENT_DIAMETER_WITH_STATE = (
    "{label} is recorded too small to measure or not evaluable: leave its diameter empty."
)
NON_TARGET_STATUS_REQUIRED = (
    "Record the status of the non-target lesions (absent, present, unequivocal progression "
    "or not evaluable)."
)
NON_TARGET_STATUS_WITHOUT_BASELINE = (
    "There were no non-target lesions at baseline; record new disease as a new lesion."
)
NOT_A_BASELINE = "This is not a baseline assessment."
NOT_A_FOLLOW_UP = "This is not a follow-up assessment."
RECIST_NOT_COMPUTABLE = "RECIST response cannot be computed: {error}"


# --- Adverse events (CTCAE v5) --------------------------------------------------------------
class Relation(models.TextChoices):
    NOT_RELATED = "not_related", "Not related"
    UNLIKELY = "unlikely", "Unlikely"
    POSSIBLE = "possible", "Possible"
    PROBABLE = "probable", "Probable"
    DEFINITE = "definite", "Definite"


class ActionTaken(models.TextChoices):
    NONE = "none", "No action taken"
    DOSE_REDUCED = "dose_reduced", "Dose reduced"
    HELD = "held", "Dose held"
    DISCONTINUED = "discontinued", "Treatment discontinued"


class AEOutcome(models.TextChoices):
    """CDISC AEOUT outcomes."""

    RECOVERED = "recovered", "Recovered / resolved"
    RECOVERING = "recovering", "Recovering / resolving"
    NOT_RECOVERED = "not_recovered", "Not recovered / not resolved"
    SEQUELAE = "sequelae", "Recovered / resolved with sequelae"
    FATAL = "fatal", "Fatal"
    UNKNOWN = "unknown", "Unknown"


RESOLVED_OUTCOMES = frozenset({AEOutcome.RECOVERED, AEOutcome.SEQUELAE})


class SAECriterion(models.TextChoices):
    """ICH E2A seriousness criteria."""

    DEATH = "death", "Results in death"
    LIFE_THREATENING = "life_threatening", "Life-threatening"
    HOSPITALISATION = "hospitalisation", "Requires or prolongs hospitalisation"
    DISABILITY = "disability", "Persistent or significant disability / incapacity"
    CONGENITAL_ANOMALY = "congenital_anomaly", "Congenital anomaly / birth defect"
    MEDICALLY_IMPORTANT = "medically_important", "Other medically important event"


CTCAE_GRADES = (1, 2, 3, 4, 5)
FATAL_GRADE = 5
OTHER_SPECIFY_SUFFIX = "Other, specify"

UNKNOWN_CTCAE_TERM = "MedDRA code {code} is not a CTCAE v5.0 term."
GRADE_NOT_DEFINED = "Grade {grade} is not defined for “{term}” in CTCAE v5.0 (grades: {grades})."
GRADE_OUT_OF_RANGE = "The CTCAE grade is 1 to 5."
SPECIFY_REQUIRED = "“{term}”: specify the event."
STOP_BEFORE_START = "The stop date cannot be before the start date."
FATAL_NEEDS_DEATH_DATE = "A grade 5 (fatal) adverse event needs the date of death."
FATAL_NEEDS_OUTCOME = "A grade 5 adverse event has the outcome “Fatal”."
FATAL_OUTCOME_NEEDS_GRADE_5 = "An adverse event with a fatal outcome is grade 5."
DEATH_DATE_ONLY_IF_FATAL = "A date of death is recorded only for a grade 5 (fatal) event."
DEATH_BEFORE_START = "The date of death cannot be before the start of the event."
FATAL_IS_SERIOUS = "A grade 5 (fatal) adverse event is serious: tick “serious” and its criteria."
SAE_CRITERIA_REQUIRED = "A serious adverse event needs at least one seriousness criterion."
SAE_CRITERIA_NOT_SERIOUS = "Seriousness criteria are only recorded for a serious event."
SAE_AWARENESS_REQUIRED = "A serious adverse event needs the date and time the site became aware."
SAE_REPORT_REQUIRED = "A serious adverse event needs the date and time it was reported."
SAE_DATES_NOT_SERIOUS = "Awareness and report times are only recorded for a serious event."
SAE_AWARE_BEFORE_START = "The site cannot have become aware before the event started."
SAE_REPORT_BEFORE_AWARENESS = "The report cannot precede the site's awareness of the event."
TIME_IN_FUTURE = "This time is in the future."
RESOLVED_NEEDS_STOP = "A recovered / resolved event needs its stop date."

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

OUT_OF_LIMITS = "{label} must be between {low} and {high} {unit}."
DIASTOLIC_NOT_BELOW_SYSTOLIC = "The diastolic pressure must be below the systolic pressure."
ECOG_OUT_OF_RANGE = "ECOG performance status is 0 to 4."
VISIT_ALREADY_RECORDED = "Vital signs are already recorded for {visit}; correct them instead."

SCREENING_VISIT = "SCR"
UNSCHEDULED_VISIT = "UNS"
VITALS_VISITS: tuple[tuple[str, str], ...] = (
    (SCREENING_VISIT, "Screening"),
    *(
        (protocol.paclitaxel_code(cycle, 1), f"Cycle {cycle} day 1")
        for cycle in range(1, protocol.CYCLE_COUNT + 1)
    ),
    (UNSCHEDULED_VISIT, "Unscheduled"),
)


# --- Concomitant medications -----------------------------------------------------------------
class DoseUnit(models.TextChoices):
    MG = "mg", "mg"
    MICROGRAM = "ug", "µg"
    G = "g", "g"
    ML = "mL", "mL"
    IU = "IU", "IU"
    MMOL = "mmol", "mmol"
    TABLET = "tablet", "tablet(s)"
    PUFF = "puff", "puff(s)"
    DROP = "drop", "drop(s)"
    APPLICATION = "application", "application(s)"


class Route(models.TextChoices):
    ORAL = "oral", "Oral"
    INTRAVENOUS = "iv", "Intravenous"
    SUBCUTANEOUS = "sc", "Subcutaneous"
    INTRAMUSCULAR = "im", "Intramuscular"
    TOPICAL = "topical", "Topical"
    INHALED = "inhaled", "Inhaled"
    TRANSDERMAL = "transdermal", "Transdermal"
    RECTAL = "rectal", "Rectal"
    OTHER = "other", "Other"


class Frequency(models.TextChoices):
    ONCE = "once", "Single dose"
    DAILY = "daily", "Once a day"
    TWICE_DAILY = "bid", "Twice a day"
    THREE_DAILY = "tid", "Three times a day"
    FOUR_DAILY = "qid", "Four times a day"
    EVERY_OTHER_DAY = "every_other_day", "Every other day"
    WEEKLY = "weekly", "Once a week"
    EVERY_3_WEEKS = "every_3_weeks", "Every 3 weeks"
    MONTHLY = "monthly", "Once a month"
    AS_NEEDED = "prn", "As needed"


# WHO ATC code of a chemical substance: anatomical group letter, 2 digits, 2 letters, 2 digits.
ATC_CODE_PATTERN = r"^[A-Z][0-9]{2}[A-Z]{2}[0-9]{2}$"
CM_NAME_REQUIRED = "Give the medication's name as written in the source."
CM_INDICATION_REQUIRED = "Give the indication (what the medication is taken for)."
ATC_CODE_FORMAT = (
    "An ATC code has 7 characters: a letter, 2 digits, 2 letters, 2 digits (e.g. A04AA01); "
    "leave it empty when unknown."
)
CM_DOSE_POSITIVE = "The dose must be a positive number."
CM_START_REQUIRED = "Give the date the medication was started."
CM_START_IN_FUTURE = "The start date is in the future."
CM_ONGOING_REQUIRED = "Say whether the medication is ongoing."
CM_STOP_WHEN_ONGOING = "An ongoing medication has no stop date: leave it empty or answer “No”."
CM_STOP_REQUIRED = "Give the stop date of a medication that is not ongoing."
CM_STOP_BEFORE_START = "The stop date cannot be before the start date."
CM_AE_OTHER_PATIENT = "Choose an adverse event of this patient."
CM_STOP_BEFORE_AE = (
    "A medication for this adverse event cannot stop before the event started ({date})."
)
