"""What other roles and other sites get of a patient: a read-only casebook, 403, 404."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_monitor_reads_the_casebook_but_every_data_entry_page_is_forbidden(
    page, login, shot, monitor, enrolled
):
    patient = enrolled(c1d1_days_ago=10)
    login(monitor)
    expect(page.get_by_role("link", name="Screen a new patient")).to_have_count(0)
    shot("home", doc="home-monitor")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Patients")
    expect(page.get_by_role("link", name="Screen a new patient")).to_have_count(0)
    page.get_by_role("link", name=patient.subject_id).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(patient.subject_id)
    expect(page.locator("table.timeline")).to_be_visible()
    expect(page.get_by_role("navigation", name="Patient actions")).to_have_count(0)
    shot("casebook", doc="casebook-monitor")

    for url in (
        f"/dosing/patients/{patient.pk}/paclitaxel/PAC-C1D8/",
        f"/patients/{patient.pk}/end-study/",
        "/patients/new/",
    ):
        response = page.goto(url)
        assert response.status == 403, url


def test_investigator_of_another_site_gets_not_found_for_the_patient(
    page, login, other_investigator, enrolled
):
    patient = enrolled(c1d1_days_ago=10)
    login(other_investigator)
    for url in (
        f"/patients/{patient.pk}/",
        f"/dosing/patients/{patient.pk}/paclitaxel/PAC-C1D8/",
        f"/dosing/patients/{patient.pk}/",
    ):
        response = page.goto(url)
        assert response.status == 404, url
    page.goto("/patients/")
    expect(page.get_by_role("link", name=patient.subject_id)).to_have_count(0)
    expect(page.get_by_text("No patients at your sites yet.")).to_be_visible()
