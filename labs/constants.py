"""Choices and the messages the lab validators raise; tests import them."""

from django.db import models
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from edc import protocol
from labs.catalogue import IMMUNE, PANELS

_OFFSET = protocol.IMMUNE_DRAW_OFFSET_DAYS


class Sex(models.TextChoices):
    """Who a reference range applies to; ``ANY`` when the laboratory does not split by sex."""

    ANY = "", _("Any")
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")


class Flag(models.TextChoices):
    NORMAL = "", _("Within range")
    LOW = "L", _("Below range")
    HIGH = "H", _("Above range")


class Source(models.TextChoices):
    MANUAL = "manual", _("Entered by site")
    IMPORT = "import", _("Central-lab import")


class DrawEvent(models.TextChoices):
    """Immune-monitoring draws; the codes are the calendar's (edc.protocol.PLANNED_EVENTS)."""

    BASELINE = "IMM-BL", _("Baseline (pre-treatment)")
    AFTER_INJECTION_6 = (
        "IMM-INJ6",
        format_lazy(_("{days} days after IMP321 injection {number}"), days=_OFFSET, number=6),
    )
    AFTER_INJECTION_12 = (
        "IMM-INJ12",
        format_lazy(_("{days} days after IMP321 injection {number}"), days=_OFFSET, number=12),
    )


POST_INJECTION_DRAWS = (DrawEvent.AFTER_INJECTION_6, DrawEvent.AFTER_INJECTION_12)


class ImportStatus(models.TextChoices):
    CHECKING = "checking", _("Checking rows (dry run)")
    CHECKED = "checked", _("Dry run ready")
    COMMITTING = "committing", _("Importing")
    COMMITTED = "committed", _("Imported")


# Allowed moves of an import batch (oscar's set_status idea): anything else raises.
IMPORT_TRANSITIONS: dict[str, frozenset[str]] = {
    ImportStatus.CHECKING: frozenset({ImportStatus.CHECKED}),
    ImportStatus.CHECKED: frozenset({ImportStatus.COMMITTING}),
    ImportStatus.COMMITTING: frozenset({ImportStatus.COMMITTED}),
    ImportStatus.COMMITTED: frozenset(),
}


class RowStatus(models.TextChoices):
    VALID = "valid", _("Will import")
    REJECTED = "rejected", _("Rejected")
    IMPORTED = "imported", _("Imported")


# Panels entered on the result form; the immune panel is entered with its draw.
ENTRY_PANELS: tuple[str, ...] = tuple(p for p in PANELS if p != IMMUNE)
# Panels whose results are flagged and CTCAE-graded: a normal range is mandatory for them.
RANGE_REQUIRED_PANELS = frozenset(p for p in PANELS if p != IMMUNE)
HOLD_CHECK_ANALYTES = ("ANC", "PLT")
TREND_ANALYTES = ("ANC", "PLT")

# --- Messages ------------------------------------------------------------------------------------
NO_REFERENCE_RANGE = _(
    "{lab} has no normal range for {analyte} valid on {date}; a data manager must enter the "
    "laboratory's range first."
)
LAB_NOT_AT_SITE = _("Laboratory {lab} does not serve this patient's site.")
ANALYTE_NOT_IN_PANEL = _("{analyte} is not part of this panel.")
NO_VALUES = _("Enter at least one value.")
COLLECTED_IN_FUTURE = _("The collection time is in the future.")
RANGE_LOW_ABOVE_HIGH = _("The lower limit must not be above the upper limit.")
RANGE_NEGATIVE = _("A normal limit cannot be negative.")
RANGE_DUPLICATE = _(
    "This laboratory already has a range for this analyte and sex effective from that date."
)
LAB_CODE_TAKEN = _("This laboratory code is already used.")
RESULT_DUPLICATE = _(
    "A result for this analyte, collected at this time by this laboratory, is already recorded."
)
DRAW_DUPLICATE = _("This immune-monitoring draw is already recorded for the patient.")
SAMPLE_ID_TAKEN = _("This sample ID is already used by another draw.")
BASELINE_AFTER_C1D1 = _(
    "The baseline immune draw must be taken on or before cycle 1 day 1 ({date})."
)
_INJECTION_NOT_GIVEN = gettext_noop(
    "IMP321 injection {number} has no recorded date yet: the draw is due {days} days after it."
)
# Formatted with ``number`` only (the offset is the protocol's).
INJECTION_NOT_GIVEN = lazy(
    lambda: gettext(_INJECTION_NOT_GIVEN).replace("{days}", str(_OFFSET)), str
)()
DRAW_NOT_AFTER_INJECTION = _("The draw must be after IMP321 injection {number}, given on {date}.")
DRAW_TIME_FIXED = _(
    "An immune-panel value is collected at its draw's time: correct the draw's time instead."
)
NOT_ENROLLED = _("Only an enrolled patient has immune-monitoring draws.")
PROCESSING_TIME_NEGATIVE = _("Time to processing cannot be negative.")
REASON_REQUIRED = _("Give a reason for the change.")

# Import (file level)
IMPORT_EMPTY = _("The file is empty.")
IMPORT_TOO_LARGE = _("The file is larger than {limit} MB; split it into smaller files.")
IMPORT_BAD_ENCODING = _(
    "The file is not UTF-8 text (undecodable byte near line {line}); export it as "
    '"CSV UTF-8" and upload it again.'
)
IMPORT_NOT_CSV = _("The file could not be read as CSV: {error}.")
IMPORT_MISSING_COLUMNS = _("Missing column(s): {missing}. The header must name: {expected}.")
IMPORT_NO_ROWS = _("The file has a header but no data rows.")
IMPORT_TRANSITION = _("This import is {status}; it cannot move to {target}.")
IMPORT_NOT_CHECKED = _("Only a checked dry run can be committed.")
IMPORT_FORBIDDEN = _("Only data managers and site staff import laboratory results.")

# Import (row level): the reason shown in the dry-run report.
ROW_MISSING = _("Missing {column}.")
ROW_UNKNOWN_SUBJECT = _("Unknown subject {subject!r}.")
ROW_UNKNOWN_LAB = _("Unknown laboratory {lab!r}.")
ROW_NOT_A_NUMBER = _("Value {value!r} is not a number.")
ROW_BAD_DATETIME = _("Collection date/time {value!r} is not YYYY-MM-DD HH:MM.")
ROW_DUPLICATE_IN_FILE = _("Duplicate of line {line} (same subject, analyte, time and laboratory).")
ROW_ALREADY_IMPORTED = _("Already recorded (same subject, analyte, time and laboratory).")
ROW_EXTRA_FIELDS = _("The row has more fields than the header.")
