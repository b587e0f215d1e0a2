"""Checks at the moment of entry, in Chromium: hard limits, warnings to confirm, the error
summary, clinical judgements never pre-answered, the proposed IMP321 date."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from assessments.models import AdverseEvent
from dosing import rules
from dosing import services as dosing_services
from dosing.models import Imp321Injection, PaclitaxelAdministration
from edc.audit.models import AuditEntry
from labs.models import LabResult
from patients import services as patient_services
from tests.factories import paclitaxel_data
from tests.labs.conftest import make_lab

from .support import field

pytestmark = pytest.mark.e2e


def planned_mg(height: str, weight: str) -> Decimal:
    return rules.planned_dose_mg(rules.bsa_mosteller(Decimal(height), Decimal(weight)), 80)


def test_imp321_proposes_the_day_after_paclitaxel_and_refuses_625_mg_with_a_readable_message(
    page, login, shot, investigator, data_manager, enrolled
):
    patient_services.cohort_open(user=data_manager, code="C", reason="Cohort B complete")
    patient = enrolled(c1d1_days_ago=4)
    c1d1 = patient.c1d1_date
    dosing_services.paclitaxel_record(
        user=investigator, patient=patient, event_code="PAC-C1D1", data=paclitaxel_data(c1d1)
    )
    login(investigator, then=reverse("dosing:imp321", args=[patient.pk, "IMP-C1D2"]))

    # The proposal: the day after the actual paclitaxel date — not today, not C1D1.
    day_after = c1d1 + dt.timedelta(days=1)
    expect(page.locator("#id_injected_at")).to_have_value(f"{day_after:%d %b %Y} 09:00")
    assert day_after not in (timezone.localdate(), c1d1)
    expect(field(page, "injected_at").locator(".help")).to_have_text(
        f"Proposed: the day after the paclitaxel dose of {c1d1:%d %b %Y}."
    )
    expect(page.locator("#id_dose_mg")).to_have_value("6.25")
    expect(page.locator("#id_dose_mg")).to_have_attribute("max", "9.375")
    # The local reaction is an observation: not pre-answered.
    expect(page.locator("#id_local_reaction")).to_have_value("")

    page.locator("#id_status").select_option("given")
    page.locator("#id_dose_mg").fill("625")
    page.locator("#id_dose_reason").fill("As written on the prescription")
    page.locator("#id_local_reaction").select_option("none")
    page.get_by_role("button", name="Save").click()

    message = (
        "625 mg is more than 1.5 × the cohort dose of 6.25 mg (9.375 mg at most): refused. "
        "Check the value and its unit."
    )
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text([f"Dose (mg): {message}"])
    expect(field(page, "dose_mg").locator(".error")).to_have_text(message)
    expect(page.locator("#id_dose_mg")).to_have_attribute("aria-invalid", "true")
    html = page.content()
    assert "imp321_given_has_positive_dose" not in html and "onstraint" not in html
    shot("imp321-625-refused", doc="imp321-dose-refused", full_page=True)
    assert not Imp321Injection.objects.exists()


def test_a_weight_change_is_shown_with_its_values_then_saved_once_confirmed_and_audited(
    page, login, shot, investigator, enrolled
):
    patient = enrolled(c1d1_days_ago=7)
    c1d1 = patient.c1d1_date
    dosing_services.paclitaxel_record(
        user=investigator,
        patient=patient,
        event_code="PAC-C1D1",
        data=paclitaxel_data(
            c1d1, weight_kg=Decimal("84.0"), actual_dose_mg=planned_mg("170", "84")
        ),
    )
    login(investigator, then=reverse("dosing:paclitaxel", args=[patient.pk, "PAC-C1D8"]))
    expect(page.locator("#id_administration_date")).to_have_value(
        f"{timezone.localdate():%d %b %Y}"
    )
    page.locator("#id_status").select_option("given")
    page.get_by_label("Weight (kg, this visit)").fill("64.5")
    page.get_by_label("Actual dose given (mg)").fill(str(planned_mg("170", "64.5")))
    page.get_by_role("button", name="Save").click()

    warnings = page.get_by_test_id("warnings")
    expect(warnings).to_contain_text("Weight changed by more than 10 % since the last dose.")
    expect(warnings).to_contain_text("84.0 kg at C1D1, 64.5 kg now (-23.2 %)")
    expect(page.get_by_test_id("error-summary")).to_contain_text("Confirm the warnings")
    assert not PaclitaxelAdministration.objects.filter(patient=patient, day=8).exists()
    warnings.scroll_into_view_if_needed()
    shot("weight-change-warning", doc="dose-warning")

    # The values typed are kept; the user confirms and saves.
    expect(page.get_by_label("Weight (kg, this visit)")).to_have_value("64.5")
    warnings.get_by_label(re.compile("Confirm: weight changed")).check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("ul.messages")).to_have_text("Paclitaxel C1D8 saved.")
    dose = PaclitaxelAdministration.objects.get(patient=patient, day=8)
    assert dose.warnings_acknowledged.startswith(
        "Weight changed by more than 10 % since the last dose: 84.0 kg at C1D1, 64.5 kg now"
    )
    entry = AuditEntry.objects.get(model_label="dosing.paclitaxeladministration", object_id=dose.pk)
    assert {c["field"]: c["new"] for c in entry.changes}["warnings_acknowledged"] == (
        dose.warnings_acknowledged
    )
    assert entry.user == investigator


def test_the_lab_form_lists_every_error_at_once_with_links_to_the_fields(
    page, login, shot, investigator, data_manager, enrolled
):
    patient = enrolled(c1d1_days_ago=3)
    make_lab(user=data_manager, site=patient.site, code="FR01-LAB")
    login(investigator, then=reverse("labs:panel_enter", args=[patient.pk, "haematology"]))
    page.locator("#id_ANC_value").fill("500")
    page.locator("#id_PLT_value").fill("abc")
    page.get_by_role("button", name="Save").click()

    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    links = summary.get_by_role("link")
    expect(links).to_have_text(
        [
            "Collection date and time: This field is required.",
            re.compile(r"^Absolute neutrophil count \(ANC\): Absolute neutrophil count 500 "),
            "Platelets (PLT): Platelets: “abc” is not a number.",
        ]
    )
    assert [links.nth(i).get_attribute("href") for i in range(3)] == [
        "#id_collected_at",
        "#id_ANC_value",
        "#id_PLT_value",
    ]
    shot("lab-error-summary", doc="lab-error-summary")
    links.nth(2).click()
    expect(page.locator("#id_PLT_value")).to_be_focused()
    links.nth(0).click()
    expect(page.locator("#id_collected_at")).to_be_focused()
    assert not LabResult.objects.exists()


def test_ae_form_safety_fields_start_blank_and_are_required(
    page, login, shot, investigator, enrolled
):
    patient = enrolled(c1d1_days_ago=20)
    url = reverse("assessments:ae_new", args=[patient.pk])
    login(investigator, then=f"{url}?meddra_code=10029366")
    for name in ("grade", "relation_paclitaxel", "relation_imp321", "action_taken", "outcome"):
        select = page.locator(f"#id_{name}")
        expect(select).to_have_value("")
        expect(select).to_have_attribute("required", "")
        marker = page.locator(f"label[for='id_{name}'] + .required-marker")
        expect(marker).to_have_text("*")
    serious = page.get_by_role("group", name=re.compile("Serious adverse event"))
    expect(serious.get_by_role("radio", name="Yes")).not_to_be_checked()
    expect(serious.get_by_role("radio", name="No")).not_to_be_checked()
    expect(serious.get_by_role("radio", name="No")).to_have_attribute("required", "")
    expect(serious.locator("legend .required-marker")).to_have_text("*")
    shot("ae-form-blank", doc="ae-form-blank", full_page=True)

    page.locator("#id_start_date").fill(str(patient.c1d1_date + dt.timedelta(days=5)))
    page.get_by_role("button", name="Save", exact=True).click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()  # read first (and its links now move the focus)
    for text in (
        "CTCAE grade: Choose the CTCAE grade.",
        "Serious adverse event (SAE): Say whether the event is serious (an SAE).",
        "Relation to paclitaxel: Choose the relation to paclitaxel.",
        "Relation to IMP321 (incl. injection-site reactions): Choose the relation to IMP321.",
        "Action taken: Choose the action taken.",
        "Outcome: Choose the outcome.",
    ):
        expect(summary.get_by_role("link", name=text)).to_be_visible()
    summary.get_by_role("link", name=re.compile("^Serious")).click()
    expect(serious.get_by_role("radio", name="Yes")).to_be_focused()
    assert not AdverseEvent.objects.exists()
