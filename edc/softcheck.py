"""A soft check: an unusual value the user confirms before it is saved (no ORM).

The pure rule modules (``dosing.rules``…) return these; ``edc.validators`` refuses an entry
while one is not acknowledged and stores the acknowledged ones with the record.

``rule`` and ``detail`` may be lazy translations (``gettext_lazy``, ``format_lazy``): the form
shows them in the user's language, while ``edc.validators.stored_acknowledgements`` stores
their English text (``text`` under ``translation.override("en")``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy, pgettext_lazy

from edc import protocol

# Translators: {severity} is "minor" or "major".
DEVIATION_NOTE = _("Saving it records a protocol deviation ({severity}).")
SEVERITY_WORDS = {
    "minor": pgettext_lazy("deviation severity", "minor"),
    "major": pgettext_lazy("deviation severity", "major"),
}
# A date outside its visit window: the same code, rule and words for every kind of visit.
WARN_DATE_OUTSIDE_WINDOW = "date_outside_window"
RULE_DATE_OUTSIDE_WINDOW = _("Date outside the visit window")
# English, as records store it (the translated sentences: ``_window_detail``).
DETAIL_DATE_OUTSIDE_WINDOW = (
    "{event} on {date} is {days} day{s} {side} its window {earliest} – {latest} (planned {planned})"
)


def _window_detail(days: int, side: str):
    """The detail sentence of ``outside_window`` (lazy), before or after the window."""
    if side == "before":
        # Translators: e.g. "Paclitaxel C1D8 on 2026-12-01 is 2 days before its window
        # 2026-12-03 – 2026-12-07 (planned 2026-12-05)".
        return ngettext_lazy(
            "{event} on {date} is {days} day before its window {earliest} – {latest} "
            "(planned {planned})",
            "{event} on {date} is {days} days before its window {earliest} – {latest} "
            "(planned {planned})",
            days,
        )
    return ngettext_lazy(
        "{event} on {date} is {days} day after its window {earliest} – {latest} "
        "(planned {planned})",
        "{event} on {date} is {days} days after its window {earliest} – {latest} "
        "(planned {planned})",
        days,
    )


@dataclass(frozen=True)
class SoftCheck:
    """An unusual value the user must confirm before it is saved.

    ``code`` is stable (the API's ``acknowledge_warnings`` lists it; users never see it);
    ``field`` is the form field whose value triggered it; ``rule`` says the rule in words,
    ``detail`` the values; ``deviation`` is the severity of the protocol deviation that saving
    the value records ("" when it records none).
    """

    code: str
    field: str
    rule: str
    detail: str
    deviation: str = ""

    @property
    def consequence(self) -> str:
        """What saving records (lazy: in the language of the page that shows it)."""
        if not self.deviation:
            return ""
        severity = SEVERITY_WORDS.get(self.deviation, self.deviation)
        return format_lazy(DEVIATION_NOTE, severity=severity)

    @property
    def text(self) -> str:
        """One line, in the active language (English as stored with the record)."""
        consequence = str(self.consequence)
        return " ".join(part for part in (f"{self.rule}: {self.detail}.", consequence) if part)

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "field": self.field,
            "rule": str(self.rule),
            "detail": str(self.detail),
            "deviation": self.deviation,
            "message": self.text,
        }


def deviation_severity(rule_code: str) -> str:
    """The severity (minor/major) of the deviation a rule records, from the protocol."""
    return protocol.DEVIATION_SEVERITY.get(rule_code, "")


def outside_window(
    *,
    field: str,
    event: str,
    when: dt.date,
    planned: dt.date,
    earliest: dt.date,
    latest: dt.date,
    deviation_rule: str = "visit_out_of_window",
) -> SoftCheck | None:
    """A visit dated outside its protocol window (inclusive bounds), or ``None`` inside it.

    Saving it still records the deviation ``deviation_rule`` (the nightly and per-save checks
    find it from the calendar): the check says so, it does not replace it.
    """
    if earliest <= when <= latest:
        return None
    days, side = (
        ((earliest - when).days, "before") if when < earliest else ((when - latest).days, "after")
    )
    return SoftCheck(
        code=WARN_DATE_OUTSIDE_WINDOW,
        field=field,
        rule=RULE_DATE_OUTSIDE_WINDOW,
        detail=format_lazy(
            _window_detail(days, side),
            event=event,
            date=when,
            days=days,
            earliest=earliest,
            latest=latest,
            planned=planned,
        ),
        deviation=deviation_severity(deviation_rule),
    )
