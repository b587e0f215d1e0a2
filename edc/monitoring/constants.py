"""Choices, policies and the messages the monitoring services raise (tests import them).

The messages are plain English strings marked for translation (``gettext_noop``): the services
translate them when they raise (``gettext(msg.X)``), so tests compare them as they are.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy


class QueryStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("query status", "Open")
    ANSWERED = "answered", pgettext_lazy("query status", "Answered")
    CLOSED = "closed", pgettext_lazy("query status", "Closed")


# The only moves a data query can make (django-oscar's set_status pattern): the site answers
# an open query, the monitor closes it (or withdraws an open one) or sends it back.
QUERY_TRANSITIONS: dict[str, frozenset[str]] = {
    QueryStatus.OPEN: frozenset({QueryStatus.ANSWERED, QueryStatus.CLOSED}),
    QueryStatus.ANSWERED: frozenset({QueryStatus.CLOSED, QueryStatus.OPEN}),
    QueryStatus.CLOSED: frozenset({QueryStatus.OPEN}),
}

# Who the query is waiting for in each status.
WAITING_ON = {
    # Translators: who a data query is waiting for: the site, the monitor
    QueryStatus.OPEN: pgettext_lazy("waiting on", "site"),
    QueryStatus.ANSWERED: pgettext_lazy("waiting on", "monitor"),
    QueryStatus.CLOSED: "",
}


class MessageKind(models.TextChoices):
    QUESTION = "question", _("Question")
    ANSWER = "answer", pgettext_lazy("noun", "Answer")
    CLOSE = "close", pgettext_lazy("query status", "Closed")
    REOPEN = "reopen", _("Re-opened")


class SignatureStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    INVALIDATED = "invalidated", _("Invalidated by a later change")


class LockScope(models.TextChoices):
    RECORD = "record", _("One record (form)")
    PATIENT = "patient", _("A patient's casebook")
    DATABASE = "database", _("The whole database")


# Signature scope of a whole casebook; any other scope is a calendar event code (PAC-C1D1 …).
CASEBOOK = "casebook"

# 21 CFR 11.50: the meaning of each signature is one of these statements, shown with it. The
# English statement is what is stored with the signature (and exported); the signer reads it
# in their language (``meaning_label``).
SIGNATURE_MEANINGS = (
    # Translators: the meaning of an investigator's electronic signature (21 CFR 11.50)
    gettext_noop("I approve the data in this casebook as complete and accurate."),
    # Translators: the meaning of an investigator's electronic signature (21 CFR 11.50)
    gettext_noop(
        "I have reviewed the data of this visit and confirm they are complete and accurate."
    ),
    # Translators: the meaning of an investigator's electronic signature (21 CFR 11.50)
    gettext_noop("I confirm that the adverse events recorded are complete and accurately graded."),
    # Translators: the meaning of an investigator's electronic signature (21 CFR 11.50)
    gettext_noop("I confirm that the tumour assessments recorded reflect my clinical evaluation."),
)


def meaning_label(meaning: str) -> str:
    """A stored signature meaning as the reader reads it (a known statement, translated)."""
    return _(meaning) if meaning in SIGNATURE_MEANINGS else meaning


# Messages
LOCKED_MESSAGE = gettext_noop(
    "This data is locked by data management and cannot be changed. "
    "Ask a data manager to unlock it if a correction is needed."
)
ALREADY_LOCKED = gettext_noop("This data is already locked.")
LOCK_REASON_REQUIRED = gettext_noop("Give the reason for locking.")
UNLOCK_REASON_REQUIRED = gettext_noop("Unlocking needs a reason.")
NOT_LOCKED = gettext_noop("This lock has already been released.")
LOCK_TARGET_MISSING = gettext_noop("Choose what to lock.")

QUESTION_REQUIRED = gettext_noop("Write the question for the site.")
ANSWER_REQUIRED = gettext_noop("Write the answer for the monitor.")
REOPEN_REASON_REQUIRED = gettext_noop("Say why the query is re-opened.")
UNKNOWN_FIELD = gettext_noop("This form has no field {field}.")
NOT_TRIAL_DATA = gettext_noop("Queries, verification and locks apply to the clinical forms only.")
RECORD_DELETED = gettext_noop(
    "This record has been deleted; it can no longer be queried or verified."
)
NO_LINKED_CHANGE = gettext_noop(
    "No change of this record was saved with the reason “{reason}”. Save the correction with a "
    "reason starting “Query #{id}:” first, then answer."
)

ALREADY_VERIFIED = gettext_noop("This has already been verified at its current version.")
VERSION_MOVED = gettext_noop(
    "The record changed after you opened it (now version {current}); review it before verifying."
)

ONLY_INVESTIGATORS_SIGN = gettext_noop("Only an investigator of the patient's site can sign.")
UNKNOWN_MEANING = gettext_noop("Choose the meaning of the signature from the list.")
UNKNOWN_SCOPE = gettext_noop("Sign the casebook or one calendar event of the patient.")
ALREADY_SIGNED = gettext_noop("You have already signed this and the signature is still valid.")
