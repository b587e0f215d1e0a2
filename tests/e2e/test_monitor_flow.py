"""Review after entry: the audit trail, a data query answered by the site, the dashboard."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from dosing import services as dosing_services
from edc.monitoring.constants import QueryStatus
from edc.monitoring.models import DataQuery

from .support import flash

pytestmark = pytest.mark.e2e

CORRECTION = "Weight re-measured on the ward scale"


@pytest.fixture
def corrected_dose(enrolled, investigator):
    """An enrolled patient whose C1D1 dose was saved at 70 kg, then corrected to 72 kg."""
    patient = enrolled(c1d1_days_ago=2)
    event = patient.calendar.get(code="PAC-C1D1")
    record = dosing_services.paclitaxel_record(
        user=investigator,
        patient=patient,
        event_code=event.code,
        data={
            "administration_date": event.planned_date,
            "status": "given",
            "height_cm": Decimal("170"),
            "weight_kg": Decimal("70"),
            "dose_level_mg_m2": Decimal("80"),
            "actual_dose_mg": Decimal("145.6"),
        },
    )
    return dosing_services.paclitaxel_update(
        user=investigator,
        record=record,
        data={"weight_kg": Decimal("72")},
        reason=CORRECTION,
        expected_version=record.version,
    )


def log_out(page):
    page.get_by_role("button", name="Log out").click()


def test_monitor_queries_a_correction_found_in_the_audit_trail_and_the_site_answers(
    page, login, shot, monitor, investigator, corrected_dose
):
    patient = corrected_dose.patient

    # The monitor finds the correction, with its reason and old → new value.
    login(monitor, then="/monitoring/audit/")
    page.get_by_label("Patient", exact=True).fill(patient.subject_id)
    page.get_by_role("button", name="Filter").click()
    change = page.locator("tbody > tr").filter(has_text=CORRECTION)
    expect(change).to_have_count(1)
    # The field by its CRF label, never its code name.
    weight = change.locator("table.changes tr").filter(
        has=page.locator("td", has_text=re.compile(r"^Weight \(kg\)$"))
    )
    expect(weight.locator("del")).to_have_text(re.compile(r"^70(\.0)?$"))
    expect(weight.locator("ins")).to_have_text(re.compile(r"^72(\.0)?$"))
    shot("audit-trail", doc="audit-trail")

    # … opens the record and raises a query on the weight.
    change.get_by_role("link").first.click()
    page.locator("a[href$='?field=weight_kg']", has_text="Raise query").click()
    question = "72 kg is 2 kg more than two days ago: please confirm against the source."
    page.get_by_label("Question").fill(question)
    page.get_by_role("button", name="Save").click()
    expect(flash(page)).to_contain_text("raised")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Open")
    shot("query-raised", doc="query-raised")
    query = DataQuery.objects.get()
    assert (query.field, query.status) == ("weight_kg", QueryStatus.OPEN)
    query_url = f"/monitoring/queries/{query.pk}/"

    # The investigator answers it.
    log_out(page)
    login(investigator, then="/monitoring/queries/")
    page.get_by_role("link", name=f"#{query.pk}", exact=True).click()
    page.get_by_label("Answer", exact=True).fill("Confirmed on the ward record: 72 kg.")
    shot("query-answer", doc="query-answer")
    page.get_by_role("button", name="Send answer").click()
    expect(flash(page)).to_have_text("Answer sent to the monitor.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Answered")

    # The monitor closes it.
    log_out(page)
    login(monitor, then=query_url)
    expect(page.get_by_text("Confirmed on the ward record: 72 kg.")).to_be_visible()
    page.get_by_label("Closing note").fill("Source verified.")
    page.get_by_role("button", name="Close query").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Closed")
    query.refresh_from_db()
    assert query.status == QueryStatus.CLOSED


def test_dashboard_plots_the_enrolment_of_every_site_for_the_statistician(
    page, login, shot, statistician, enrolled, other_site, other_investigator
):
    enrolled(c1d1_days_ago=30)
    enrolled(c1d1_days_ago=20, site=other_site, user=other_investigator)
    login(statistician, then="/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Trial dashboard")
    enrolment = page.locator("table", has=page.get_by_text("Patients enrolled per site"))
    for site_code in ("FR01", "FR02"):
        expect(enrolment.locator("tr", has_text=site_code).locator("td").last).to_have_text("1")
    section = page.get_by_role("region", name="Enrolment")
    figure = section.get_by_role("figure").first
    expect(figure.get_by_role("img")).to_be_visible()
    section.evaluate("section => section.scrollIntoView()")
    shot("dashboard", doc="dashboard")

    svg = figure.get_by_role("link", name=re.compile("^SVG"))
    response = page.request.get(svg.get_attribute("href"))
    assert response.ok
    assert response.headers["content-type"].startswith("image/svg+xml")
