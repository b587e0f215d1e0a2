"""What the investigator sees of the calendar: events in date order, and a late dose moving
the planned dates of what follows it (issue 19 §3)."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from patients.models import CalendarEvent

from .support import fill_first_dose, flash, preview_loaded, shown

pytestmark = pytest.mark.e2e


def planned_cell(page: Page, code: str):
    return page.locator(f"tr[data-code='{code}'] td").nth(1)


def timeline_dates(page: Page) -> list[dt.date]:
    """The Planned column of the casebook timeline, top to bottom."""
    cells = page.locator("table.timeline tbody tr td:nth-child(2)").all_inner_texts()
    return [dt.datetime.strptime(c.strip(), "%d %b %Y").date() for c in cells]


def home_row_date(day: dt.date) -> str:
    """A planned date as home.html prints it (``D d M Y``)."""
    return f"{day:%a %d %b %Y}"


def test_a_late_cycle_2_dose_moves_what_follows_and_every_list_stays_in_date_order(
    page, login, shot, investigator, enrolled, give_paclitaxel
):
    today = timezone.localdate()
    patient = enrolled(c1d1_days_ago=31)  # C2D1 planned 3 days ago, window open until +7
    c1d1 = patient.c1d1_date
    for code in ("PAC-C1D1", "PAC-C1D8", "PAC-C1D15"):
        give_paclitaxel(patient, code)
    c2d1_planned = c1d1 + dt.timedelta(days=28)
    assert c2d1_planned == today - dt.timedelta(days=3)

    login(investigator, then=f"/patients/{patient.pk}/")
    # Before the dose: planned from C1D1 (D1 + 28 days, the injection the day after).
    expect(planned_cell(page, "PAC-C2D1")).to_have_text(shown(c2d1_planned))
    expect(planned_cell(page, "IMP-C2D2")).to_have_text(shown(c2d1_planned + dt.timedelta(1)))
    dates = timeline_dates(page)
    assert dates == sorted(dates) and len(dates) == patient.calendar.count()

    # The C2D1 dose given today, three days late, through its form.
    with preview_loaded(page):
        page.locator("tr[data-code='PAC-C2D1']").get_by_role("link", name="Enter").click()
    fill_first_dose(page)
    page.get_by_role("button", name="Save").click()
    expect(flash(page)).to_have_text("Paclitaxel C2D1 saved.")
    if not page.url.endswith(f"/patients/{patient.pk}/"):
        page.goto(f"/patients/{patient.pk}/")

    # What follows moves from the actual date; the dose keeps the date it was planned for.
    expected = {
        "PAC-C2D1": c2d1_planned,
        "IMP-C2D2": today + dt.timedelta(days=1),  # the day after the actual dose
        "PAC-C2D8": today + dt.timedelta(days=7),
        "PAC-C2D15": today + dt.timedelta(days=14),
        "PAC-C3D1": today + dt.timedelta(days=28),  # 28 days after the actual C2D1
        "IMP-C3D2": today + dt.timedelta(days=29),
        "TUM-W8": c1d1 + dt.timedelta(days=56),  # imaging stays on the C1D1 grid
    }
    for code, day in expected.items():
        expect(planned_cell(page, code)).to_have_text(shown(day))
    expect(page.locator("tr[data-code='PAC-C2D1'] td").nth(3)).to_have_text(shown(today))
    dates = timeline_dates(page)
    assert dates == sorted(dates)
    codes = page.locator("table.timeline tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.code)"
    )
    stored = CalendarEvent.objects.filter(patient=patient).values_list("code", "planned_date")
    assert sorted(codes) == sorted(code for code, _ in stored)  # every event, once
    assert [dict(stored)[code] for code in codes] == dates
    shot("casebook-after-late-dose", full_page=True)

    # Home: the next event is the injection the day after the dose, with its moved date.
    page.goto("/")
    row = page.locator("section[aria-labelledby='h-next'] tbody tr").filter(
        has_text=patient.subject_id
    )
    expect(row).to_contain_text("IMP321 injection 3 (C2D2)")
    expect(row).to_contain_text(home_row_date(today + dt.timedelta(days=1)))
    # Missed visits are listed oldest first.
    missed = page.locator("section[aria-labelledby='h-missed'] tbody tr td:nth-child(3)")
    shown_dates = [
        dt.datetime.strptime(re.sub(r"^\w+ ", "", t.strip()), "%d %b %Y").date()
        for t in missed.all_inner_texts()
    ]
    assert shown_dates and shown_dates == sorted(shown_dates)
    shot("home-after-late-dose", full_page=True)
