"""Working in French and Dutch in real Chromium (issue 23): the header switch, a dose and an
adverse event recorded by an investigator in French with French dates and decimal commas, a
Dutch page."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from assessments.models import AdverseEvent, VitalSigns
from dosing.models import PaclitaxelAdministration
from edc.access.models import StaffProfile

from .support import flash, preview_loaded, record_blood_counts

pytestmark = pytest.mark.e2e


def french(text: str) -> str:
    with translation.override("fr"):
        return gettext(text)


def dutch(text: str) -> str:
    with translation.override("nl"):
        return gettext(text)


def in_french(day: dt.date) -> str:
    with translation.override("fr"):
        return formats.date_format(day)


def test_an_investigator_in_french_records_a_dose_and_an_adverse_event_with_french_dates(
    page, login, shot, investigator, enrolled
):
    patient = enrolled(c1d1_days_ago=0)
    record_blood_counts(patient=patient, user=investigator, anc="3.2", platelets="250")
    today = timezone.localdate()
    login(investigator)

    # The header's switch: the interface turns French and stays so (stored on the account).
    page.get_by_test_id("language-switch").get_by_role("button", name="FR").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    nav = page.get_by_role("navigation", name=french("Main"))
    expect(nav.get_by_role("link", name=french("Patients"), exact=True)).to_be_visible()
    expect(page.get_by_role("button", name=french("Log out"))).to_be_visible()
    assert StaffProfile.objects.get(user=investigator).language == "fr"

    # The first paclitaxel dose, its date typed the French way ("06 déc. 2026").
    page.goto(f"/patients/{patient.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    with preview_loaded(page):
        page.locator("tr[data-code='PAC-C1D1']").get_by_role("link").click()
    date_input = page.locator("#id_administration_date")
    expect(date_input).to_have_attribute("placeholder", french("DD Mon YYYY"))
    date_input.fill(in_french(today))
    page.locator("#id_status").select_option("given")
    page.locator("#id_height_cm").fill("170")
    page.locator("#id_weight_kg").fill("70.5")
    page.locator("#id_actual_dose_mg").fill("146")
    for name in ("premed_dexamethasone", "premed_antihistamine", "premed_h2_blocker"):
        page.locator(f"#id_{name}").select_option("True")
    shot("dose-form-fr", full_page=True)
    page.get_by_role("button", name=french("Save"), exact=True).click()
    expect(flash(page)).to_be_visible()
    shot("dose-saved-fr")
    dose = PaclitaxelAdministration.objects.get(patient=patient, event__code="PAC-C1D1")
    assert dose.administration_date == today
    assert dose.weight_kg == Decimal("70.5")
    # The casebook prints that date the French way.
    page.goto(f"/patients/{patient.pk}/")
    expect(page.locator("tr[data-code='PAC-C1D1']")).to_contain_text(in_french(today))

    # An adverse event starting the same day, in French, "Neutropenia" stays the CTCAE term.
    page.goto(reverse("assessments:ae_new", kwargs={"pk": patient.pk}) + "?meddra_code=10029366")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.locator("#id_start_date").fill(in_french(today))
    page.locator("#id_grade").select_option("2")
    page.locator("[name=serious][value=False], [name=serious][value=false]").first.check()
    for name, value in (
        ("relation_paclitaxel", "probable"),
        ("relation_imp321", "unlikely"),
        ("action_taken", "none"),
        ("outcome", "recovering"),
    ):
        page.locator(f"#id_{name}").select_option(value)
    shot("ae-form-fr", full_page=True)
    page.get_by_role("button", name=french("Save"), exact=True).click()
    expect(flash(page)).to_have_text(french("Adverse event saved."))
    ae = AdverseEvent.objects.get(patient=patient)
    assert ae.start_date == today and ae.grade == 2
    shot("ae-saved-fr", full_page=True)


def test_a_dutch_page_renders_in_dutch_and_a_date_typed_in_dutch_is_read(
    page, login, shot, investigator, enrolled
):
    patient = enrolled(c1d1_days_ago=3)
    login(investigator)
    page.get_by_test_id("language-switch").get_by_role("button", name="NL").click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    page.goto(f"/patients/{patient.pk}/")
    nav = page.get_by_role("navigation", name=dutch("Main"))
    for word in ("Patients", "Deviations", "Monitoring"):
        expect(nav.get_by_role("link", name=dutch(word), exact=True)).to_be_visible()
    assert dutch("Deviations") != "Deviations"
    expect(page.get_by_role("button", name=dutch("Log out"))).to_be_visible()
    shot("casebook-nl", full_page=True)
    # Vital signs dated with a Dutch month word ("mrt" style).
    page.goto(reverse("assessments:vitals_new", kwargs={"pk": patient.pk}))
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    with translation.override("nl"):
        typed = formats.date_format(patient.c1d1_date)
    assert re.fullmatch(r"\d\d [a-z]{3} \d{4}", typed), typed
    page.locator("#id_visit").select_option("PAC-C1D1")
    page.locator("#id_measured_on").fill(typed)
    page.locator("#id_weight_kg").fill("72.5")
    page.locator("#id_height_cm").fill("168")
    page.locator("#id_systolic_bp").fill("124")
    page.locator("#id_diastolic_bp").fill("78")
    page.locator("#id_heart_rate").fill("70")
    page.locator("#id_temperature_c").fill("36.8")
    page.locator("#id_ecog").select_option("1")
    page.locator("#id_temperature_c").fill("36.8")
    shot("vitals-form-nl", full_page=True)
    page.locator("#id_temperature_c").press("Enter")  # saved from the keyboard
    expect(flash(page)).to_have_text(dutch("Vital signs saved."))
    vitals = VitalSigns.objects.get(patient=patient)
    assert vitals.measured_on == patient.c1d1_date
    assert (vitals.weight_kg, vitals.temperature_c) == (Decimal("72.5"), Decimal("36.8"))
