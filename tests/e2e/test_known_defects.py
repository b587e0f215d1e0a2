"""Page defects found by the end-to-end run, now fixed; each test guards its fix.

Each test states the behaviour users need; it fails today for the reason given. When the
defect is fixed the test passes, strict xfail turns that into a failure, and whoever fixed it
deletes the marker: the test then guards the fix.
"""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dosing.models import PaclitaxelAdministration

from .support import (
    before_the_known_defect,
    fill_first_dose,
    flash,
    open_first_dose,
    record_blood_counts,
)

pytestmark = pytest.mark.e2e


def known_defect(reason: str):
    """The defect is fixed: the test now guards the fix (``reason`` says what once failed)."""
    return lambda test: test


@known_defect(
    "static/dosing/preview.js reads hold_met (True = thresholds met, dose may be given) the "
    "wrong way round: with ANC below the threshold the live preview says 'not met — dose may "
    "be given'"
)
def test_dose_form_warns_live_that_low_neutrophils_mean_holding_the_dose(
    page, login, investigator, data_manager, enrolled
):
    with before_the_known_defect():
        patient = enrolled(c1d1_days_ago=0)
        record_blood_counts(patient=patient, user=data_manager, anc="0.9", platelets="210")
        login(investigator)
        open_first_dose(page, patient)
        fill_first_dose(page, actual=None)
        expect(page.locator("#planned")).to_have_text("145.6")
    expect(page.locator("#hold")).to_contain_text("MET — hold the dose", timeout=250)


@known_defect(
    "dosing/services.py _derive_paclitaxel stores the lab's standard_value (6 decimal places) "
    "in anc_at_check / platelets_at_check (max_digits 6, 2 / 1 places): full_clean refuses every "
    "dose with haematology in the last 3 days ('Ensure that there are no more than 6 digits')"
)
def test_a_dose_with_recent_blood_counts_is_saved(
    page, login, investigator, data_manager, enrolled
):
    with before_the_known_defect():
        patient = enrolled(c1d1_days_ago=0)
        record_blood_counts(patient=patient, user=data_manager, anc="2.1", platelets="210")
        login(investigator)
        open_first_dose(page, patient)
        fill_first_dose(page)
        with page.expect_navigation():
            page.get_by_role("button", name="Save").click()
    expect(flash(page)).to_have_text("Paclitaxel C1D1 saved.", timeout=250)
    record = PaclitaxelAdministration.objects.get(patient=patient)
    assert (record.anc_at_check, record.platelets_at_check) == (Decimal("2.1"), Decimal("210"))


@known_defect(
    "type=date inputs are rendered in the en-GB format (26/11/2026), which Chromium discards, "
    "so saved and proposed dates come back empty: DATE in patients/forms.py and "
    "dosing/forms.py needs format='%Y-%m-%d' (and the Imp321Form datetime-local widget "
    "format='%Y-%m-%dT%H:%M')"
)
def test_the_proposed_dose_date_is_filled_in(page, login, investigator, enrolled):
    with before_the_known_defect():
        patient = enrolled(c1d1_days_ago=0)
        login(investigator)
        open_first_dose(page, patient)
    expect(page.locator("#id_administration_date")).to_have_value(
        f"{timezone.localdate():%d %b %Y}", timeout=250
    )


@known_defect(
    "templates/patients/patient_detail.html shows the timeline's Enter / View / edit links to "
    "every role (they lead monitors, statisticians and data managers to a 403): show the link "
    "only {% if can_enter %}"
)
def test_monitor_sees_no_data_entry_links_in_the_timeline(page, login, monitor, enrolled):
    with before_the_known_defect():
        patient = enrolled(c1d1_days_ago=10)
        login(monitor, then=f"/patients/{patient.pk}/")
        timeline = page.locator("table.timeline")
        expect(timeline).to_be_visible()
    expect(timeline.get_by_role("link")).to_have_count(0, timeout=250)


@known_defect(
    "templates/form.html gives the error <p> the id '<id>-error' and the help text no id, "
    "while Django's aria-describedby points at '<id>_error' / '<id>_helptext': screen readers "
    "do not read the message with its field"
)
def test_a_field_message_is_read_with_its_field(page, login, investigator):
    with before_the_known_defect():
        login(investigator, then="/patients/new/")
        page.get_by_role("button", name="Save").click()
        number = page.get_by_label("Screening number")
        expect(number).to_have_attribute("aria-invalid", "true")
    expect(number).to_have_accessible_description("This field is required.", timeout=250)
