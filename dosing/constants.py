"""Dosing choices and the messages the validators raise (tests import them)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from edc import protocol


class AdministrationStatus(models.TextChoices):
    GIVEN = "given", _("Given")
    HELD = "held", _("Held (not given)")
    NOT_DONE = "not_done", _("Not done")


class InjectionStatus(models.TextChoices):
    GIVEN = "given", _("Given")
    NOT_DONE = "not_done", _("Not done")


class InjectionSite(models.TextChoices):
    ABDOMEN = "abdomen", _("Abdomen")
    THIGH = "thigh", _("Thigh")
    UPPER_ARM = "upper_arm", _("Upper arm")


class LocalReaction(models.TextChoices):
    NONE = "none", _("No reaction")
    ERYTHEMA = "erythema", _("Erythema")
    INDURATION = "induration", _("Induration")
    PAIN = "pain", _("Pain / tenderness")
    PRURITUS = "pruritus", _("Pruritus")
    OTHER = "other", _("Other (describe)")


DOSE_LEVEL_CHOICES = [(level, f"{level} mg/m²") for level in protocol.PACLITAXEL_DOSE_LEVELS_MG_M2]

WEIGHT_OUT_OF_RANGE = _("Weight must be between {low} and {high} kg.")
HEIGHT_OUT_OF_RANGE = _("Height must be between {low} and {high} cm.")
REDUCTION_REASON_REQUIRED = _(
    "A dose reduction below {start} mg/m² needs a documented reason (e.g. the adverse event)."
)
STATUS_REASON_REQUIRED = _("A dose that was held or not done needs a reason.")
ACTUAL_DOSE_REQUIRED = _("Enter the actual dose given (mg).")
ACTUAL_DOSE_NOT_GIVEN = _("A dose that was not given has no actual dose.")
DOSE_ABOVE_MAXIMUM = _(
    "{actual} mg is more than {factor} × the planned dose of {planned} mg: refused. "
    "Check the value."
)
INFUSION_STOP_BEFORE_START = _("The infusion cannot stop before it starts.")
HOLD_CONFIRMATION_REQUIRED = _(
    "Hold criteria are met ({reasons}). To give the dose anyway, tick the confirmation; "
    "it will be reported as a protocol deviation."
)
DATE_BEFORE_C1D1 = _("This date is before cycle 1 day 1 ({date}).")
ALREADY_RECORDED = _("{event} has already been recorded; edit the existing record instead.")
NOT_ENROLLED = _("Only an enrolled patient can receive study treatment.")
UNKNOWN_EVENT = _("{code} is not a {kind} event of this patient's calendar.")
DOSE_REASON_REQUIRED = _("A dose other than the cohort dose ({dose} mg) needs a reason.")
NO_PACLITAXEL_DAY_BEFORE = _(
    "No paclitaxel dose was given the day before ({date}). IMP321 follows the paclitaxel dose: "
    "confirm and give a reason to record it anyway."
)
NO_PRECEDING_REASON_REQUIRED = _(
    "Give the reason for injecting without a paclitaxel dose the day before."
)
IMP321_DOSE_POSITIVE = _("The IMP321 dose must be greater than 0 mg.")
IMP321_DOSE_ABOVE_MAXIMUM = _(
    "{dose} mg is more than {factor} × the cohort dose of {cohort} mg ({ceiling} mg at most): "
    "refused. Check the value and its unit."
)
ACTUAL_DOSE_POSITIVE = _("The actual dose given must be greater than 0 mg.")
