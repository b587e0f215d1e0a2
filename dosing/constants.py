"""Dosing choices and the messages the validators raise (tests import them)."""

from django.db import models

from edc import protocol


class AdministrationStatus(models.TextChoices):
    GIVEN = "given", "Given"
    HELD = "held", "Held (not given)"
    NOT_DONE = "not_done", "Not done"


class InjectionStatus(models.TextChoices):
    GIVEN = "given", "Given"
    NOT_DONE = "not_done", "Not done"


class InjectionSite(models.TextChoices):
    ABDOMEN = "abdomen", "Abdomen"
    THIGH = "thigh", "Thigh"
    UPPER_ARM = "upper_arm", "Upper arm"


class LocalReaction(models.TextChoices):
    NONE = "none", "No reaction"
    ERYTHEMA = "erythema", "Erythema"
    INDURATION = "induration", "Induration"
    PAIN = "pain", "Pain / tenderness"
    PRURITUS = "pruritus", "Pruritus"
    OTHER = "other", "Other (describe)"


DOSE_LEVEL_CHOICES = [(level, f"{level} mg/m²") for level in protocol.PACLITAXEL_DOSE_LEVELS_MG_M2]

WEIGHT_OUT_OF_RANGE = "Weight must be between {low} and {high} kg."
HEIGHT_OUT_OF_RANGE = "Height must be between {low} and {high} cm."
REDUCTION_REASON_REQUIRED = (
    "A dose reduction below {start} mg/m² needs a documented reason (e.g. the adverse event)."
)
STATUS_REASON_REQUIRED = "A dose that was held or not done needs a reason."
ACTUAL_DOSE_REQUIRED = "Enter the actual dose given (mg)."
ACTUAL_DOSE_NOT_GIVEN = "A dose that was not given has no actual dose."
DOSE_ABOVE_MAXIMUM = (
    "{actual} mg is more than {factor} × the planned dose of {planned} mg: refused. "
    "Check the value."
)
INFUSION_STOP_BEFORE_START = "The infusion cannot stop before it starts."
HOLD_CONFIRMATION_REQUIRED = (
    "Hold criteria are met ({reasons}). To give the dose anyway, tick the confirmation; "
    "it will be reported as a protocol deviation."
)
DATE_BEFORE_C1D1 = "This date is before cycle 1 day 1 ({date})."
ALREADY_RECORDED = "{event} has already been recorded; edit the existing record instead."
NOT_ENROLLED = "Only an enrolled patient can receive study treatment."
UNKNOWN_EVENT = "{code} is not a {kind} event of this patient's calendar."
DOSE_REASON_REQUIRED = "A dose other than the cohort dose ({dose} mg) needs a reason."
NO_PACLITAXEL_DAY_BEFORE = (
    "No paclitaxel dose was given the day before ({date}). IMP321 follows the paclitaxel dose: "
    "confirm and give a reason to record it anyway."
)
NO_PRECEDING_REASON_REQUIRED = (
    "Give the reason for injecting without a paclitaxel dose the day before."
)
IMP321_DOSE_POSITIVE = "The IMP321 dose must be greater than 0 mg."
IMP321_DOSE_ABOVE_MAXIMUM = (
    "{dose} mg is more than {factor} × the cohort dose of {cohort} mg ({ceiling} mg at most): "
    "refused. Check the value and its unit."
)
ACTUAL_DOSE_POSITIVE = "The actual dose given must be greater than 0 mg."
