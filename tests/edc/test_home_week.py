"""Home: "this week" is the current ISO week of the trial's time zone for every site, and the
visit lists are in date order (issue 19 §3)."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

from django.utils import timezone

from patients import calendar
from patients.calendar import Week, this_week, trial_today, week_of

from .test_home import home, section

ROW_DATE = re.compile(r"<td>\w{3} (\d{1,2} \w{3} \d{4})</td>")


def planned_dates(html: str) -> list[dt.date]:
    """The Planned column of a home visit list, top to bottom."""
    return [dt.datetime.strptime(d, "%d %b %Y").date() for d in ROW_DATE.findall(html)]


def row_of(html: str, subject: str, label: str) -> bool:
    return any(subject in row and label in row for row in html.split("</tr>"))


def test_a_week_runs_from_monday_to_sunday():
    assert week_of(dt.date(2026, 12, 2)) == Week(dt.date(2026, 11, 30), dt.date(2026, 12, 6))
    assert week_of(dt.date(2026, 11, 30)) == week_of(dt.date(2026, 12, 6))
    assert week_of(dt.date(2026, 12, 7)).monday == dt.date(2026, 12, 7)
    assert dt.date(2026, 12, 6) in week_of(dt.date(2026, 12, 1))
    assert dt.date(2026, 12, 7) not in week_of(dt.date(2026, 12, 1))


def test_this_week_follows_the_trials_time_zone_not_the_one_active_for_a_request(
    settings, monkeypatch
):
    settings.TIME_ZONE = "Europe/Paris"
    # Sunday 23:30 in London and New York is already Monday 00:30 in Paris.
    sunday_night = dt.datetime(2026, 12, 6, 23, 30, tzinfo=ZoneInfo("UTC"))
    monkeypatch.setattr(timezone, "now", lambda: sunday_night)
    for zone in ("UTC", "America/New_York", "Europe/Paris"):
        with timezone.override(zone):
            assert trial_today() == dt.date(2026, 12, 7)
            assert this_week() == Week(dt.date(2026, 12, 7), dt.date(2026, 12, 13))


def test_due_this_week_lists_what_is_planned_until_sunday_in_date_order_at_every_site(
    investigator, other_investigator, other_site, web, enrolled
):
    today = calendar.trial_today()
    sunday = week_of(today).sunday
    # PAC-C1D8 is planned 7 days after C1D1, its window ±1 day.
    on_sunday = enrolled(c1d1_days_ago=7 - (sunday - today).days)
    next_monday = enrolled(c1d1_days_ago=6 - (sunday - today).days)  # window opens Sunday
    elsewhere = enrolled(
        c1d1_days_ago=7 - (sunday - today).days, site=other_site, user=other_investigator
    )

    html = home(web(investigator))
    week = section(html, "h-week")
    assert row_of(week, on_sunday.subject_id, "Paclitaxel C1D8")
    assert not row_of(week, next_monday.subject_id, "Paclitaxel C1D8")
    dates = planned_dates(week)
    assert dates and dates == sorted(dates) and all(today <= d <= sunday for d in dates)
    heading = re.search(r'<h2 id="h-week">.*?</h2>', html).group(0)
    assert f"{sunday:%A %d %B}" in heading

    other = home(web(other_investigator))
    assert re.search(r'<h2 id="h-week">.*?</h2>', other).group(0) == heading
    assert row_of(section(other, "h-week"), elsewhere.subject_id, "Paclitaxel C1D8")

    for heading_id in ("h-overdue", "h-missed"):
        dates = planned_dates(section(html, heading_id))
        assert dates == sorted(dates), heading_id
