"""The export parameters, validated once for the page and the API (messages in constants)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from . import constants as c

_MINUTE_ONLY = re.compile(r"[T ]\d{2}:\d{2}(?:[Zz]|[+-]\d{2}:?\d{2})?$")


def parse_moment(text: str | None, field: str, *, end_of_day: bool) -> dt.datetime | None:
    """A date or date-time (ISO 8601); naive values are in the trial's time zone.

    An as-of time includes the whole of the last unit written: "2026-01-31" is the end of
    that day and "2026-01-31T10:30" the end of that minute (what the page's minute-precision
    field sends), so entries made during it are in. For ``updated_since`` they are the start.
    """
    text = (text or "").strip()
    if not text:
        return None
    moment = None
    try:
        moment = parse_datetime(text.replace(" ", "T", 1) if "T" not in text else text)
        if moment is None:
            day = parse_date(text)
            if day is not None:
                moment = dt.datetime.combine(day, dt.time.max if end_of_day else dt.time.min)
    except ValueError:
        moment = None
    if moment is None:
        raise ValidationError({field: _(c.MOMENT_INVALID)})
    if end_of_day and _MINUTE_ONLY.search(text):
        moment = moment.replace(second=59, microsecond=999999)
    try:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        # In the trial's time zone: PostgreSQL refuses offsets beyond ±15:59 that ISO 8601
        # allows (+16:00), and the same instant must exist in UTC for the database.
        moment.astimezone(dt.UTC)
        return timezone.localtime(moment)
    except (OverflowError, ValueError):  # 0001-01-01 in a zone east of UTC, 9999-12-31…
        raise ValidationError({field: _(c.MOMENT_OUT_OF_RANGE)}) from None


@dataclass(frozen=True)
class ExportParams:
    as_of: dt.datetime | None = None
    updated_since: dt.datetime | None = None

    def as_filters(self) -> dict:
        return {
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "updated_since": self.updated_since.isoformat() if self.updated_since else None,
        }

    def query(self) -> str:
        """The parameters as a query string for links ("" when none)."""
        from urllib.parse import urlencode

        values = {k: v for k, v in self.as_filters().items() if v}
        return f"?{urlencode(values)}" if values else ""


def export_params(*, as_of: str | None = None, updated_since: str | None = None) -> ExportParams:
    """Validate the optional as-of time (not in the future) and ``updated_since`` (before it)."""
    moment = parse_moment(as_of, "as_of", end_of_day=True)
    since = parse_moment(updated_since, "updated_since", end_of_day=False)
    now = timezone.now()
    if moment is not None and moment > now:
        # "As of today" / "as of this minute": the unit has begun but not ended — now.
        if parse_moment(as_of, "as_of", end_of_day=False) > now:
            raise ValidationError({"as_of": _(c.AS_OF_IN_FUTURE)})
        moment = now
    if since is not None and since > (moment or now):
        raise ValidationError({"updated_since": _(c.AS_OF_BEFORE_UPDATED_SINCE)})
    return ExportParams(as_of=moment, updated_since=since)
