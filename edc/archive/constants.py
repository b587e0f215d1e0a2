"""Choices, limits and messages of the casebook archive (tests import them)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# A job's statuses and allowed moves are the export package's (the same worker pattern).
from edc.exports.constants import ACTIVE_JOB_STATUSES, JOB_TRANSITIONS, JobStatus  # noqa: F401

# Stored archive files are split into rows of this size (the export package's precedent).
FILE_CHUNK_BYTES = 1024 * 1024
# A build claimed by a worker longer ago than this is taken over by a redelivered task.
JOB_CLAIM_SECONDS = 3900
BUILD_TASK = "edc.archive.build_casebooks"
MANIFEST = "manifest.json"


class DownloadKind(models.TextChoices):
    CASEBOOK = "casebook", _("PDF casebook of one patient")
    ARCHIVE = "archive", _("Zip of PDF casebooks")
    ACRF = "acrf", _("Blank annotated CRF")


# Stored in English on a failed job; the job page translates it when it shows it.
BUILD_FAILED = gettext_noop(
    "The casebooks could not be built; the administrators have the details."
)

SITE_NOT_YOURS = _("You can only build the casebooks of your own sites.")
WHOLE_TRIAL_NOT_ALLOWED = _("Your role builds the casebooks of one of your sites at a time.")
SITE_REQUIRED = _("Choose a site.")
