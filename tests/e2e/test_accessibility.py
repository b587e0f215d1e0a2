"""Keyboard-only use: log in and record a dose with Tab, typing and Enter (no mouse)."""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dosing.models import PaclitaxelAdministration

from .support import PASSWORD, flash, preview_loaded, tab_to, type_date

pytestmark = pytest.mark.e2e


def test_keyboard_user_logs_in_and_records_a_dose_without_the_mouse(
    page, shot, investigator, enrolled
):
    patient = enrolled(c1d1_days_ago=0)
    page.goto(f"/accounts/login/?next=/patients/{patient.pk}/")
    tab_to(page, "#id_username")
    page.keyboard.type(investigator.username)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    shot("login-typed")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(patient.subject_id)

    tab_to(page, "tr[data-code='PAC-C1D1'] a")
    with preview_loaded(page):
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Paclitaxel C1D1")

    tab_to(page, "#id_administration_date")
    type_date(page, timezone.localdate())
    tab_to(page, "#id_status")
    page.keyboard.type("Given")  # a select takes the option whose label is typed
    expect(page.locator("#id_status")).to_have_value("given")
    tab_to(page, "#id_height_cm")
    page.keyboard.type("170")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Weight (kg, this visit)")).to_be_focused()
    page.keyboard.type("70")
    expect(page.locator("#planned")).to_have_text("145.6")
    tab_to(page, "#id_actual_dose_mg")
    page.keyboard.type("145.6")
    shot("dose-typed")
    page.keyboard.press("Enter")

    expect(flash(page)).to_have_text("Paclitaxel C1D1 saved.")
    record = PaclitaxelAdministration.objects.get(patient=patient)
    assert (record.administration_date, record.weight_kg, record.actual_dose_mg) == (
        timezone.localdate(),
        Decimal("70"),
        Decimal("145.6"),
    )
