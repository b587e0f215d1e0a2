"""Dates are typed and shown one unambiguous way, "06 Dec 2026", whatever the browser's locale
(issue 19 §3): a US browser would otherwise show 12/06/2026 and a French one 06/12/2026."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from assessments.models import VitalSigns
from edc.widgets import DATE_HINT, DATE_INVALID

from .support import field, flash

pytestmark = pytest.mark.e2e


def _fill_vitals(page, *, date_text: str) -> None:
    page.locator("#id_visit").select_option(index=1)
    page.locator("#id_measured_on").fill(date_text)
    page.get_by_label("Weight (kg)").fill("64")
    page.get_by_label("Systolic BP (mmHg)").fill("120")
    page.get_by_label("Diastolic BP (mmHg)").fill("75")
    page.get_by_label("Heart rate (/min)").fill("70")
    page.get_by_label("Temperature (°C)").fill("36.7")
    page.get_by_label("ECOG performance status").select_option("1")


def test_a_date_typed_as_day_month_name_year_is_saved_and_shown_the_same_way(
    page, login, shot, investigator, enrolled
):
    patient = enrolled(c1d1_days_ago=10)
    day = timezone.localdate() - dt.timedelta(days=3)
    login(investigator, then=reverse("assessments:vitals_new", args=[patient.pk]))
    date_input = page.locator("#id_measured_on")
    # The input says which format it expects, and is not the browser's locale date picker.
    expect(date_input).to_have_attribute("placeholder", str(DATE_HINT))
    expect(date_input).to_have_attribute("type", "text")

    # A date the form cannot read is refused with the format it expects.
    _fill_vitals(page, date_text=f"{day.month}/{day.day}/{day.year}")
    page.get_by_role("button", name="Save").click()
    expect(field(page, "measured_on").locator(".error")).to_have_text(str(DATE_INVALID))
    assert not VitalSigns.objects.filter(patient=patient).exists()
    shot("refused-date")

    # "6 Dec 2026": day, month name, year — as a clinician writes it.
    typed = f"{day.day} {day:%b %Y}"
    date_input.fill(typed)
    page.get_by_label("ECOG performance status").select_option("1")
    page.get_by_role("button", name="Save").click()
    expect(flash(page)).to_be_visible()
    assert VitalSigns.objects.get(patient=patient).measured_on == day
    # Every page prints it the same way, two-digit day: "06 Dec 2026".
    page.goto(reverse("assessments:patient", args=[patient.pk]))
    expect(page.locator("main")).to_contain_text(f"{day:%d %b %Y}")
    shot("shown")


def test_iso_dates_from_scripts_are_read_too(page, login, investigator, enrolled):
    patient = enrolled(c1d1_days_ago=10)
    day = timezone.localdate() - dt.timedelta(days=2)
    login(investigator, then=reverse("assessments:vitals_new", args=[patient.pk]))
    _fill_vitals(page, date_text=day.isoformat())
    page.get_by_role("button", name="Save").click()
    expect(flash(page)).to_be_visible()
    assert VitalSigns.objects.get(patient=patient).measured_on == day
