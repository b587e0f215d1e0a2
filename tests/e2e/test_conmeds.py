"""A coordinator records, in Chromium, the medication given for an adverse event."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from assessments import services as assessment_services
from assessments.constants import Relation
from assessments.models import ConcomitantMedication

pytestmark = pytest.mark.e2e


def test_a_coordinator_records_a_medication_linked_to_the_adverse_event_it_treats(
    enrolled, investigator, coordinator, login, page, shot
):
    patient = enrolled(c1d1_days_ago=30)
    ae = assessment_services.adverse_event_create(
        user=investigator,
        patient=patient,
        meddra_code="10028813",  # Nausea
        grade=2,
        start_date=patient.c1d1_date + dt.timedelta(days=1),
        relation_paclitaxel=Relation.POSSIBLE,
        relation_imp321=Relation.UNLIKELY,
        action_taken="none",
        outcome="recovering",
    )
    login(coordinator, then=f"/assessments/patients/{patient.pk}/")
    row = page.get_by_test_id("ae-table").get_by_role("row").filter(has_text="Nausea")
    row.get_by_role("link", name="Record a medication for this event").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Concomitant medication")
    expect(page.locator("#id_adverse_event")).to_have_value(str(ae.pk))  # the event came along

    page.locator("#id_name").fill("Ondansetron (Zophren) 8 mg")
    page.locator("#id_atc_code").fill("A04AA01")
    page.locator("#id_indication").fill("Chemotherapy-induced nausea")
    page.locator("#id_dose").fill("8")
    page.locator("#id_unit").select_option(label="mg")
    page.locator("#id_route").select_option(label="Oral")
    page.locator("#id_frequency").select_option(label="Twice a day")
    start = patient.c1d1_date + dt.timedelta(days=2)
    page.locator("#id_start_date").fill(start.strftime("%d %b %Y"))
    shot("form-filled")
    page.get_by_role("button", name="Save").click()
    # "Ongoing" is a clinical fact the user states: saving without it is refused.
    expect(page.get_by_text("Say whether the medication is ongoing.").first).to_be_visible()
    assert not ConcomitantMedication.objects.exists()
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Concomitant medication saved.")).to_be_visible()
    table = page.get_by_test_id("conmed-table")
    med_row = table.get_by_role("row").filter(has_text="Ondansetron")
    expect(med_row).to_contain_text("A04AA01")
    expect(med_row).to_contain_text("8 mg")
    expect(med_row).to_contain_text("Twice a day")
    expect(med_row).to_contain_text(start.strftime("%d %b %Y"))
    expect(med_row).to_contain_text("Nausea, grade 2")
    expect(med_row).to_contain_text("ongoing")
    med_row.scroll_into_view_if_needed()
    shot("medication-listed")

    medication = ConcomitantMedication.objects.get()
    assert (medication.adverse_event_id, medication.created_by, medication.ongoing) == (
        ae.pk,
        coordinator,
        True,
    )
    page.goto(f"/patients/{patient.pk}/")
    status = page.locator("tr[data-form='conmeds']")
    expect(status).to_contain_text(re.compile("complete"))
    status.scroll_into_view_if_needed()
    shot("casebook-form-status")
