"""Choices, policies and the messages the monitoring services raise (tests import them)."""

from django.db import models


class QueryStatus(models.TextChoices):
    OPEN = "open", "Open"
    ANSWERED = "answered", "Answered"
    CLOSED = "closed", "Closed"


# The only moves a data query can make (django-oscar's set_status pattern): the site answers
# an open query, the monitor closes it (or withdraws an open one) or sends it back.
QUERY_TRANSITIONS: dict[str, frozenset[str]] = {
    QueryStatus.OPEN: frozenset({QueryStatus.ANSWERED, QueryStatus.CLOSED}),
    QueryStatus.ANSWERED: frozenset({QueryStatus.CLOSED, QueryStatus.OPEN}),
    QueryStatus.CLOSED: frozenset({QueryStatus.OPEN}),
}

# Who the query is waiting for in each status.
WAITING_ON = {QueryStatus.OPEN: "site", QueryStatus.ANSWERED: "monitor", QueryStatus.CLOSED: ""}


class MessageKind(models.TextChoices):
    QUESTION = "question", "Question"
    ANSWER = "answer", "Answer"
    CLOSE = "close", "Closed"
    REOPEN = "reopen", "Re-opened"


class SignatureStatus(models.TextChoices):
    VALID = "valid", "Valid"
    INVALIDATED = "invalidated", "Invalidated by a later change"


class LockScope(models.TextChoices):
    RECORD = "record", "One record (form)"
    PATIENT = "patient", "A patient's casebook"
    DATABASE = "database", "The whole database"


# Signature scope of a whole casebook; any other scope is a calendar event code (PAC-C1D1 …).
CASEBOOK = "casebook"

# 21 CFR 11.50: the meaning of each signature is one of these statements, shown with it.
SIGNATURE_MEANINGS = (
    "I approve the data in this casebook as complete and accurate.",
    "I have reviewed the data of this visit and confirm they are complete and accurate.",
    "I confirm that the adverse events recorded are complete and accurately graded.",
    "I confirm that the tumour assessments recorded reflect my clinical evaluation.",
)

# Messages
LOCKED_MESSAGE = (
    "This data is locked by data management and cannot be changed. "
    "Ask a data manager to unlock it if a correction is needed."
)
ALREADY_LOCKED = "This data is already locked."
LOCK_REASON_REQUIRED = "Give the reason for locking."
UNLOCK_REASON_REQUIRED = "Unlocking needs a reason."
NOT_LOCKED = "This lock has already been released."
LOCK_TARGET_MISSING = "Choose what to lock."

QUESTION_REQUIRED = "Write the question for the site."
ANSWER_REQUIRED = "Write the answer for the monitor."
REOPEN_REASON_REQUIRED = "Say why the query is re-opened."
UNKNOWN_FIELD = "This form has no field {field}."
NOT_TRIAL_DATA = "Queries, verification and locks apply to the clinical forms only."
RECORD_DELETED = "This record has been deleted; it can no longer be queried or verified."
ILLEGAL_TRANSITION = "A query that is {current} cannot be {target}."
NO_LINKED_CHANGE = (
    "No change of this record was saved with the reason “{reason}”. Save the correction with a "
    "reason starting “Query #{id}:” first, then answer."
)

ALREADY_VERIFIED = "This has already been verified at its current version."
VERSION_MOVED = (
    "The record changed after you opened it (now version {current}); review it before verifying."
)

ONLY_INVESTIGATORS_SIGN = "Only an investigator of the patient's site can sign."
UNKNOWN_MEANING = "Choose the meaning of the signature from the list."
UNKNOWN_SCOPE = "Sign the casebook or one calendar event of the patient."
ALREADY_SIGNED = "You have already signed this and the signature is still valid."
