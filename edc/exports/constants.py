"""Choices, limits and the messages the export validators raise (tests import them)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    JSON = "json", "JSON array (streamed)"
    JSONL = "jsonl", "JSON Lines"
    PAGE = "page", "JSON page (API, cursor)"
    ODM = "odm", "CDISC ODM 1.3.2 XML"
    ZIP = "zip", "Zip package"
    DSJSON = "dsjson", "CDISC Dataset-JSON 1.1"
    NDJSON = "ndjson", "CDISC Dataset-JSON 1.1 (NDJSON)"
    XPT = "xpt", "SAS transport file (XPORT v5)"
    DEFINE = "define", "CDISC Define-XML 2.1"


# Formats a domain dataset is served in (the package and ODM are whole-trial exports).
DOMAIN_FORMATS = (ExportFormat.CSV, ExportFormat.JSON, ExportFormat.JSONL)
# The submission formats a domain is also served in (edc.exports.submission).
SUBMISSION_FORMATS = (ExportFormat.DSJSON, ExportFormat.NDJSON, ExportFormat.XPT)


class Channel(models.TextChoices):
    WEB = "web", _("Browser")
    API = "api", "API"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for a worker")
    RUNNING = "running", _("Building")
    DONE = "done", _("Ready to download")
    FAILED = "failed", _("Failed")


# Allowed moves of an export job (oscar's set_status idea): anything else raises.
JOB_TRANSITIONS: dict[str, frozenset[str]] = {
    JobStatus.QUEUED: frozenset({JobStatus.RUNNING}),
    # RUNNING -> RUNNING: a redelivered task takes over a build whose worker died.
    JobStatus.RUNNING: frozenset({JobStatus.RUNNING, JobStatus.DONE, JobStatus.FAILED}),
    JobStatus.DONE: frozenset(),
    JobStatus.FAILED: frozenset(),
}
ACTIVE_JOB_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)

# What an export log row names besides a domain code.
PACKAGE = "PACKAGE"
ODM = "ODM"
DICTIONARY = "DICTIONARY"

# Rows fetched per round trip from a server-side cursor; also the size of a stream's batches.
CHUNK_SIZE = 2000
# Bytes gathered before a streamed response hands a piece to the server.
STREAM_BUFFER_BYTES = 64 * 1024
# Stored package files are split into rows of this size, so a download streams in constant memory.
FILE_CHUNK_BYTES = 1024 * 1024
# API pages of a domain hold whole subjects: this many by default, at most MAX.
DEFAULT_SUBJECTS_PER_PAGE = 50
MAX_SUBJECTS_PER_PAGE = 500
# A build claimed by a worker longer ago than this is taken over by a redelivered task.
JOB_CLAIM_SECONDS = 3900  # longer than the task's hard time limit (3600 s)

# CSV formula injection (OWASP "CSV Injection"): a text cell starting with one of these is
# prefixed with a single quote so a spreadsheet shows it as text instead of evaluating it.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_ESCAPE = "'"

# --- Messages ------------------------------------------------------------------------------------
# In English here (tests compare them); translated when raised (``gettext(message)``).
AS_OF_IN_FUTURE = gettext_noop("The as-of time is in the future; give a past date and time.")
AS_OF_BEFORE_UPDATED_SINCE = gettext_noop("“Updated since” must be before the as-of time.")
MOMENT_INVALID = gettext_noop(
    "Give a date (YYYY-MM-DD) or a date and time (YYYY-MM-DDTHH:MM, ISO 8601)."
)
MOMENT_OUT_OF_RANGE = gettext_noop("Date and time out of range (years 1 to 9999, in UTC).")
UNKNOWN_DOMAIN = "Unknown domain {code!r}; choose one of: {codes}."
JOB_NOT_READY = gettext_noop("This export package is not ready yet.")
CURSOR_INVALID = gettext_noop("Invalid cursor.")
