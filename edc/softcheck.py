"""A soft check: an unusual value the user confirms before it is saved (pure, no Django).

The pure rule modules (``dosing.rules``…) return these; ``edc.validators`` refuses an entry
while one is not acknowledged and stores the acknowledged ones with the record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from edc import protocol

DEVIATION_NOTE = "Saving it records a protocol deviation ({severity})."
# A date outside its visit window: the same code, rule and words for every kind of visit.
WARN_DATE_OUTSIDE_WINDOW = "date_outside_window"
RULE_DATE_OUTSIDE_WINDOW = "Date outside the visit window"
DETAIL_DATE_OUTSIDE_WINDOW = (
    "{event} on {date} is {days} day{s} {side} its window {earliest} – {latest} (planned {planned})"
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
        return DEVIATION_NOTE.format(severity=self.deviation) if self.deviation else ""

    @property
    def text(self) -> str:
        """One line, as stored with the record when acknowledged."""
        return " ".join(part for part in (f"{self.rule}: {self.detail}.", self.consequence) if part)

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "field": self.field,
            "rule": self.rule,
            "detail": self.detail,
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
        detail=DETAIL_DATE_OUTSIDE_WINDOW.format(
            event=event,
            date=when,
            days=days,
            s="" if days == 1 else "s",
            side=side,
            earliest=earliest,
            latest=latest,
            planned=planned,
        ),
        deviation=deviation_severity(deviation_rule),
    )
