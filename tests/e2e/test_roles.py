"""Statisticians and data managers: every site, read-only clinical data; cohorts for the DM."""

import pytest
from playwright.sync_api import expect

from edc import protocol
from patients.models import Cohort

from .support import flash

pytestmark = pytest.mark.e2e


def test_statistician_reads_patients_of_every_site_without_entering_data(
    page, login, shot, statistician, enrolled, other_site, other_investigator
):
    paris = enrolled(c1d1_days_ago=30)
    lyon = enrolled(c1d1_days_ago=20, site=other_site, user=other_investigator)
    login(statistician)
    expect(page.get_by_role("link", name="Screen a new patient")).to_have_count(0)
    shot("home", doc="home-statistician")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Patients")
    for patient in (paris, lyon):
        expect(page.get_by_role("link", name=patient.subject_id)).to_be_visible()
    shot("patients", doc="patients-statistician")

    page.get_by_role("link", name=lyon.subject_id).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(lyon.subject_id)
    expect(page.get_by_role("navigation", name="Patient actions")).to_have_count(0)
    assert page.goto("/patients/new/").status == 403


def test_data_manager_opens_the_next_cohort_only_with_a_reason(
    page, login, shot, data_manager, cohorts
):
    first, second = protocol.COHORTS[0], protocol.COHORTS[1]
    login(data_manager, then="/patients/cohorts/")
    form = page.locator("form.card")
    form.get_by_label("Code").select_option(second.code)
    form.get_by_role("button", name="Open cohort").click()
    # The reason is required: the browser itself refuses to send the form without one.
    assert form.get_by_label("Reason").evaluate("el => el.validity.valueMissing")
    assert Cohort.objects.get(is_open=True).code == first.code
    shot("reason-missing")

    page.reload()  # (clears the browser's "Please fill out this field" bubble)
    form.get_by_label("Code").select_option(second.code)
    form.get_by_label("Reason").fill("Safety review committee cleared cohort 1 (minutes 2025-07)")
    shot("open-cohort", doc="cohorts-data-manager")
    form.get_by_role("button", name="Open cohort").click()
    expect(flash(page)).to_have_text("Cohort opened.")
    rows = page.locator("table tbody tr")
    expect(rows.filter(has_text=second.label)).to_contain_text("open for enrolment")
    expect(rows.filter(has_text=first.label)).to_contain_text("closed")
