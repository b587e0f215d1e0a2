"""The status of one casebook form, from plain facts about the records it is made of.

Pure: no ORM. The casebook page gathers the facts of every form of a patient in a fixed number
of queries (``casebook.patient_form_statuses``) and calls :func:`form_status`.

The statuses are ordered by a form's progress towards database lock: entered (in progress,
complete), reviewed (queried), verified by the monitor, signed by the investigator, locked by
data management. One status is shown per form; which one wins when several hold
(:func:`form_status`, highest first):

1. **Locked** — every record of the form is frozen (record, casebook or database lock): nobody
   can change it, whatever else is true. Unresolved queries are still counted beside the badge.
2. **Queried** — a data query on the form is unresolved (open: waiting on the site; answered:
   waiting on the monitor). It wins over *signed* and *verified*: raising a query clears neither
   (queries are monitoring metadata, not data), so a verified or signed form can be in question,
   and a badge saying "verified" would hide the work still outstanding on it. A query on an empty
   event ("why was this visit not done?") shows as well.
3. **Empty** / **in progress** — nothing entered, or saved with required values missing. An SDV
   mark or a signature vouches for the values present; it does not make an unfinished form
   verified or signed.
4. **Signed** — a valid investigator signature covers the form (casebook or its event). It wins
   over *verified*: signing is the step after SDV, before lock.
5. **Verified** — every record of the form has a whole-record SDV mark still valid (a change of
   the data clears it, ``edc.monitoring.reactions``).
6. **Complete** — entered, nothing missing, not yet verified.
"""

from dataclasses import dataclass
from enum import IntEnum

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class FormStatus(IntEnum):
    """A form's progress towards lock; ``form_status`` says which one is shown."""

    EMPTY = 0
    IN_PROGRESS = 1
    COMPLETE = 2
    QUERIED = 3
    VERIFIED = 4
    SIGNED = 5
    LOCKED = 6

    @property
    def label(self) -> str:
        """What the badge says ("in progress")."""
        return LABELS[self]

    @property
    def slug(self) -> str:
        """CSS class suffix ("in-progress")."""
        return self.name.lower().replace("_", "-")

    @property
    def meaning(self) -> str:
        return MEANINGS[self]


# Translators: the status badge of one casebook form (lower case, as on the badge)
LABELS = {
    FormStatus.EMPTY: pgettext_lazy("form status", "empty"),
    FormStatus.IN_PROGRESS: pgettext_lazy("form status", "in progress"),
    FormStatus.COMPLETE: pgettext_lazy("form status", "complete"),
    FormStatus.QUERIED: pgettext_lazy("form status", "queried"),
    FormStatus.VERIFIED: pgettext_lazy("form status", "verified"),
    FormStatus.SIGNED: pgettext_lazy("form status", "signed"),
    FormStatus.LOCKED: pgettext_lazy("form status", "locked"),
}

MEANINGS = {
    FormStatus.EMPTY: _("nothing entered yet"),
    FormStatus.IN_PROGRESS: _("saved, but required values are missing"),
    FormStatus.COMPLETE: _("entered, not yet verified"),
    FormStatus.QUERIED: _("a data query is unresolved"),
    FormStatus.VERIFIED: _("source data verified by the monitor"),
    FormStatus.SIGNED: _("signed by the investigator"),
    FormStatus.LOCKED: _("locked by data management, cannot be changed"),
}


@dataclass(frozen=True)
class FormFacts:
    """What is known about one form (its main record and the detail rows entered with it).

    ``exists``: something was entered (or the event was documented as not done);
    ``complete``: nothing required is missing; ``open_queries``: unresolved data queries on its
    records; ``verified``: each record has a whole-record SDV mark still valid; ``signed``: a
    valid signature covers it; ``locked``: an active lock covers each of its records.
    """

    exists: bool = False
    complete: bool = False
    open_queries: int = 0
    verified: bool = False
    signed: bool = False
    locked: bool = False


def form_status(facts: FormFacts) -> FormStatus:
    """The one status a form shows (precedence in the module docstring)."""
    if facts.locked:
        return FormStatus.LOCKED
    if facts.open_queries > 0:
        return FormStatus.QUERIED
    if not facts.exists:
        return FormStatus.EMPTY
    if not facts.complete:
        return FormStatus.IN_PROGRESS
    if facts.signed:
        return FormStatus.SIGNED
    if facts.verified:
        return FormStatus.VERIFIED
    return FormStatus.COMPLETE
