"""The casebook shows each form's status, and site staff a quick link to the next due form."""

import datetime as dt

import lxml.html
import pytest
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from assessments import services as assessment_services
from assessments.constants import ImagingMethod
from dosing import services as dosing_services
from edc import protocol
from edc.monitoring import services as monitoring
from edc.monitoring.casebook import EVENT_FORM_RECORDS
from edc.monitoring.constants import CASEBOOK, SIGNATURE_MEANINGS, LockScope
from edc.monitoring.formstatus import FormFacts, FormStatus, form_status
from edc.monitoring.records import record_ref
from labs import services as lab_services
from tests.assessments.conftest import STANDARD_TARGETS, scaled
from tests.labs.conftest import immune_values, make_lab

PASSWORD = "pw-for-tests-1"  # tests.factories.UserFactory
# What a dose given needs to be complete: its infusion times and its premedication stated.
INFUSION = {
    "infusion_start": dt.time(10, 0),
    "infusion_stop": dt.time(11, 5),
    "premed_dexamethasone": True,
    "premed_antihistamine": True,
    "premed_h2_blocker": False,
}

S = FormStatus


# --- The precedence (pure) ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (FormFacts(), S.EMPTY),
        (FormFacts(exists=True), S.IN_PROGRESS),
        (FormFacts(exists=True, complete=True), S.COMPLETE),
        (FormFacts(exists=True, complete=True, verified=True), S.VERIFIED),
        (FormFacts(exists=True, complete=True, signed=True), S.SIGNED),
        (FormFacts(exists=True, complete=True, verified=True, signed=True), S.SIGNED),
        # An unresolved query is never hidden behind a verification or a signature…
        (FormFacts(exists=True, complete=True, verified=True, open_queries=1), S.QUERIED),
        (FormFacts(exists=True, complete=True, signed=True, open_queries=2), S.QUERIED),
        (FormFacts(exists=True, open_queries=1), S.QUERIED),
        (FormFacts(open_queries=1), S.QUERIED),  # "why was this visit not done?"
        # …and an unfinished form is not verified or signed.
        (FormFacts(exists=True, verified=True, signed=True), S.IN_PROGRESS),
        # A lock wins over everything: nobody can change the form any more.
        (FormFacts(exists=True, complete=True, verified=True, signed=True, locked=True), S.LOCKED),
        (FormFacts(exists=True, complete=True, open_queries=1, locked=True), S.LOCKED),
        (FormFacts(locked=True), S.LOCKED),
    ],
)
def test_one_status_per_form_in_the_order_a_monitor_expects(facts, expected):
    assert form_status(facts) == expected


def test_statuses_are_ordered_by_progress_towards_lock_and_say_their_name():
    assert list(FormStatus) == sorted(FormStatus)
    assert [s.label for s in FormStatus] == [
        "empty",
        "in progress",
        "complete",
        "queried",
        "verified",
        "signed",
        "locked",
    ]
    assert S.IN_PROGRESS.slug == "in-progress" and all(s.meaning for s in FormStatus)


@pytest.mark.django_db
def test_every_kind_of_calendar_event_has_a_casebook_form_whose_lookups_resolve():
    assert set(EVENT_FORM_RECORDS) == {e.kind for e in protocol.PLANNED_EVENTS}
    for form in EVENT_FORM_RECORDS.values():
        for spec in form.parts:
            filters = [Q(**{spec.event: "PAC-C1D1"}), Q(**{spec.patient: 1})]
            if spec.missing is not None:
                filters.append(spec.missing)
            assert list(spec.model.objects.filter(*filters)) == []  # the lookups resolve


# --- Helpers --------------------------------------------------------------------------------------
def casebook(client, patient):
    response = client.get(reverse("patients:detail", args=[patient.pk]))
    assert response.status_code == 200
    return lxml.html.fromstring(response.content.decode())


def badge(doc, code: str):
    (span,) = doc.xpath(
        f"//table[contains(@class, 'timeline')]//tr[@data-code='{code}']"
        "//span[contains(concat(' ', @class, ' '), ' fs ')]"
    )
    return span


def status_of(doc, code: str) -> str:
    """The form status a row shows, after checking its class says the same as its text."""
    span = badge(doc, code)
    text = span.text_content().strip()
    assert span.get("class") == f"fs fs-{text.replace(' ', '-')}"
    return text


def patient_form_status(doc, key: str) -> str:
    (span,) = doc.xpath(f"//tr[@data-form='{key}']//span[contains(@class, 'fs-')]")
    return span.text_content().strip()


def row_links(doc, code: str) -> list[tuple[str, str]]:
    return [
        (a.text_content().strip(), a.get("href"))
        for a in doc.xpath(f"//table[contains(@class, 'timeline')]//tr[@data-code='{code}']//a")
    ]


def next_due_links(doc) -> list[tuple[str, str]]:
    return [
        (a.text_content().strip(), a.get("href"))
        for a in doc.xpath("//section[@data-testid='next-due']//a")
    ]


def dose_url(patient, code: str) -> str:
    return reverse("dosing:paclitaxel", kwargs={"pk": patient.pk, "code": code})


def sign(patient, investigator, scope: str = CASEBOOK):
    return monitoring.signature_sign(
        user=investigator,
        patient=patient,
        scope=scope,
        username=investigator.get_username(),
        password=PASSWORD,
        meaning=SIGNATURE_MEANINGS[0],
    )


def local(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


@pytest.fixture
def dosed(enrolled, give_paclitaxel):
    """An enrolled patient (C1D1 10 days ago) whose C1D1 dose is complete."""
    patient = enrolled(c1d1_days_ago=10)
    dose = give_paclitaxel(patient, "PAC-C1D1", **INFUSION)
    return patient, dose


# --- What the page shows --------------------------------------------------------------------------
def test_a_planned_event_shows_empty_and_a_recorded_dose_complete(dosed, investigator, web):
    patient, _ = dosed
    doc = casebook(web(investigator), patient)
    assert status_of(doc, "PAC-C1D1") == "complete"
    assert status_of(doc, "PAC-C1D8") == "empty"
    assert status_of(doc, "TUM-W8") == "empty"
    assert row_links(doc, "PAC-C1D1") == [("View / edit", dose_url(patient, "PAC-C1D1"))]
    assert row_links(doc, "PAC-C1D8") == [("Enter", dose_url(patient, "PAC-C1D8"))]
    # The legend explains every status in words.
    legend = doc.xpath("//ul[contains(@class, 'fs-legend')]")[0].text_content()
    assert all(f"{s.label} {s.meaning}" in " ".join(legend.split()) for s in FormStatus)


def test_a_dose_saved_without_its_infusion_times_is_in_progress_and_offered_to_complete(
    enrolled, give_paclitaxel, investigator, web
):
    patient = enrolled(c1d1_days_ago=10)
    give_paclitaxel(patient, "PAC-C1D1")
    doc = casebook(web(investigator), patient)
    assert status_of(doc, "PAC-C1D1") == "in progress"
    assert ("Complete Paclitaxel C1D1", dose_url(patient, "PAC-C1D1")) in next_due_links(doc)


def test_a_held_dose_with_its_reason_is_complete(enrolled, give_paclitaxel, investigator, web):
    patient = enrolled(c1d1_days_ago=10)
    give_paclitaxel(
        patient, "PAC-C1D1", status="held", status_reason="ANC 0.8", actual_dose_mg=None
    )
    assert status_of(casebook(web(investigator), patient), "PAC-C1D1") == "complete"


def test_a_query_shows_queried_even_on_a_verified_dose_until_the_monitor_closes_it(
    dosed, investigator, monitor, web
):
    patient, dose = dosed
    monitoring.sdv_mark(user=monitor, record=record_ref(dose))
    assert status_of(casebook(web(investigator), patient), "PAC-C1D1") == "verified"

    query = monitoring.query_raise(
        user=monitor, record=record_ref(dose), field="weight_kg", question="Weight on the chart?"
    )
    doc = casebook(web(investigator), patient)
    assert status_of(doc, "PAC-C1D1") == "queried"
    assert "1 unresolved query" in badge(doc, "PAC-C1D1").getparent().text_content()

    monitoring.query_answer(query=query, user=investigator, text="70 kg on the ward chart.")
    assert status_of(casebook(web(investigator), patient), "PAC-C1D1") == "queried"
    monitoring.query_close(query=query, user=monitor)
    assert status_of(casebook(web(investigator), patient), "PAC-C1D1") == "verified"


def test_a_query_about_a_missing_visit_shows_on_the_empty_event(enrolled, monitor, web):
    patient = enrolled(c1d1_days_ago=10)
    event = patient.calendar.get(code="PAC-C1D8")
    monitoring.query_raise(
        user=monitor, record=record_ref(event), field="", question="Was C1D8 given?"
    )
    assert status_of(casebook(web(monitor), patient), "PAC-C1D8") == "queried"


def test_a_signature_shows_signed_while_it_still_signs_the_data(
    dosed, investigator, give_paclitaxel, web
):
    patient, _ = dosed
    sign(patient, investigator, scope="PAC-C1D1")
    doc = casebook(web(investigator), patient)
    assert status_of(doc, "PAC-C1D1") == "signed"
    assert status_of(doc, "PAC-C1D8") == "empty"
    assert patient_form_status(doc, "consent") == "complete"  # an event signature only

    sign(patient, investigator)  # the casebook
    doc = casebook(web(investigator), patient)
    assert patient_form_status(doc, "consent") == "signed"
    assert patient_form_status(doc, "registry") == "signed"

    # New data invalidates the casebook signature (edc.monitoring.reactions), not the event's.
    give_paclitaxel(patient, "PAC-C1D8", **INFUSION)
    doc = casebook(web(investigator), patient)
    assert status_of(doc, "PAC-C1D1") == "signed"
    assert status_of(doc, "PAC-C1D8") == "complete"
    assert patient_form_status(doc, "consent") == "complete"


def test_a_record_lock_shows_locked_and_the_form_opens_read_only(
    dosed, investigator, data_manager, web
):
    patient, dose = dosed
    monitoring.lock_create(
        user=data_manager, scope=LockScope.RECORD, reason="Cycle 1 cleaned", record=record_ref(dose)
    )
    doc = casebook(web(investigator), patient)
    assert status_of(doc, "PAC-C1D1") == "locked"
    assert status_of(doc, "PAC-C1D8") == "empty"
    assert row_links(doc, "PAC-C1D1") == [("View", dose_url(patient, "PAC-C1D1"))]


def test_a_casebook_lock_locks_every_form_and_offers_nothing_to_enter(
    dosed, investigator, data_manager, web
):
    patient, _ = dosed
    monitoring.lock_create(
        user=data_manager, scope=LockScope.PATIENT, reason="Interim analysis", patient=patient
    )
    doc = casebook(web(investigator), patient)
    assert {status_of(doc, code) for code in ("PAC-C1D1", "PAC-C1D8", "TUM-W8")} == {"locked"}
    assert patient_form_status(doc, "eligibility") == "locked"
    assert next_due_links(doc) == []
    box = doc.xpath("//section[@data-testid='next-due']")[0].text_content()
    assert "Paclitaxel C1D15" in box and "nothing can be entered" in box
    assert row_links(doc, "PAC-C1D8") == []


def test_patient_forms_show_their_status(screened, investigator, monitor, web):
    patient = screened()
    consent = patient.consents.get()
    monitoring.sdv_mark(user=monitor, record=record_ref(consent))
    monitoring.query_raise(
        user=monitor, record=record_ref(patient), field="year_of_birth", question="1970?"
    )
    doc = casebook(web(investigator), patient)
    assert patient_form_status(doc, "consent") == "verified"
    assert patient_form_status(doc, "eligibility") == "complete"
    assert patient_form_status(doc, "registry") == "queried"
    assert not doc.xpath("//section[@data-testid='next-due']")  # no calendar yet


def test_tumour_assessments_and_immune_draws_show_their_status_and_link_their_pages(
    enrolled, investigator, data_manager, web
):
    patient = enrolled(c1d1_days_ago=10)
    baseline = assessment_services.tumour_baseline_create(
        user=investigator,
        patient=patient,
        assessment_date=patient.c1d1_date - dt.timedelta(days=3),
        method=ImagingMethod.CT,
        target_lesions=list(STANDARD_TARGETS),
        non_target_lesions=[],
    )
    lab = make_lab(user=data_manager, site=patient.site, code="FR01-LAB")
    draw = lab_services.immune_draw_record(
        user=investigator,
        patient=patient,
        event_code="IMM-BL",
        drawn_at=local(patient.c1d1_date - dt.timedelta(days=2)),
        sample_id="SMP-BL",
        processing_minutes=45,
        lab=lab,
        values={},  # sent to the lab; the panel values come later
    )
    doc = casebook(web(investigator), patient)
    assert status_of(doc, "TUM-BL") == "complete"
    assert status_of(doc, "IMM-BL") == "in progress"
    edit_baseline = reverse("assessments:tumour_edit", kwargs={"assessment_pk": baseline.pk})
    assert row_links(doc, "TUM-BL") == [("View / edit", edit_baseline)]
    edit_draw = reverse("labs:draw_edit", kwargs={"pk": draw.pk})
    assert row_links(doc, "IMM-BL") == [("View / edit", edit_draw)]
    assert ("Complete Baseline immune-monitoring draw", edit_draw) in next_due_links(doc)
    new_followup = reverse("assessments:followup_new", kwargs={"pk": patient.pk})
    assert row_links(doc, "TUM-W8") == [("Enter", new_followup)]


def test_a_query_on_a_lesion_shows_on_its_tumour_assessment(enrolled, investigator, monitor, web):
    patient = enrolled(c1d1_days_ago=10)
    baseline = assessment_services.tumour_baseline_create(
        user=investigator,
        patient=patient,
        assessment_date=patient.c1d1_date - dt.timedelta(days=3),
        method=ImagingMethod.CT,
        target_lesions=list(STANDARD_TARGETS),
        non_target_lesions=[],
    )
    monitoring.sdv_mark(user=monitor, record=record_ref(baseline))
    doc = casebook(web(monitor), patient)
    assert status_of(doc, "TUM-BL") == "complete"  # its lesions are not verified yet
    lesion = baseline.target_lesions.get(label="T1")
    monitoring.query_raise(
        user=monitor, record=record_ref(lesion), field="diameter_mm", question="30 or 33 mm?"
    )
    assert status_of(casebook(web(monitor), patient), "TUM-BL") == "queried"


# --- Quick links ----------------------------------------------------------------------------------
def test_site_staff_get_a_quick_link_to_the_next_due_form(enrolled, coordinator, web):
    patient = enrolled(c1d1_days_ago=0)
    doc = casebook(web(coordinator), patient)
    (button,) = doc.xpath("//section[@data-testid='next-due']//a[contains(@class, 'button')]")
    assert button.text_content().strip() == "Enter Paclitaxel C1D1"
    assert button.get("href") == dose_url(patient, "PAC-C1D1")


def test_site_staff_get_quick_links_to_the_overdue_forms(dosed, investigator, web):
    patient, _ = dosed  # C1D1 given 10 days ago; baseline draw and tumour assessment not done
    links = dict(next_due_links(casebook(web(investigator), patient)))
    draw = reverse("labs:draw_enter", kwargs={"pk": patient.pk})
    assert links["Enter Baseline immune-monitoring draw"] == f"{draw}?event=IMM-BL"
    assert links["Enter Baseline tumour assessment"] == reverse(
        "assessments:baseline_new", kwargs={"pk": patient.pk}
    )
    assert "Enter Paclitaxel C1D1" not in links  # recorded
    nxt = patient.calendar.get(code="PAC-C1D15")  # C1D8 missed, C1D15 next
    assert links[f"Enter {nxt.label}"] == dose_url(patient, nxt.code)


def test_a_monitor_sees_what_is_due_but_gets_no_link_to_enter_it(dosed, monitor, web):
    patient, _ = dosed
    doc = casebook(web(monitor), patient)
    box = doc.xpath("//section[@data-testid='next-due']")[0]
    assert "Paclitaxel C1D15" in box.text_content()
    assert "Baseline immune-monitoring draw" in box.text_content()
    assert next_due_links(doc) == []
    assert doc.xpath("//table[contains(@class, 'timeline')]//a") == []
    assert status_of(doc, "PAC-C1D1") == "complete"


# --- Cost -----------------------------------------------------------------------------------------
def test_the_casebook_costs_the_same_number_of_queries_for_one_record_or_many(
    enrolled,
    give_paclitaxel,
    investigator,
    monitor,
    data_manager,
    web,
    django_assert_max_num_queries,
    django_assert_num_queries,
):
    client = web(investigator)
    small = enrolled(c1d1_days_ago=70, number="SMALL")
    give_paclitaxel(small, "PAC-C1D1", **INFUSION)
    url = reverse("patients:detail", args=[small.pk])
    client.get(url)
    with django_assert_max_num_queries(12) as baseline:
        client.get(url)

    large = enrolled(c1d1_days_ago=70, number="LARGE")
    doses = [give_paclitaxel(large, code, **INFUSION) for code in ("PAC-C1D1", "PAC-C1D8")]
    c1d1 = large.c1d1_date
    dosing_services.imp321_record(
        user=investigator,
        patient=large,
        event_code="IMP-C1D2",
        data={
            "local_reaction": "none",
            "injected_at": local(c1d1 + dt.timedelta(days=1)),
            "status": "given",
            "dose_mg": large.cohort.declaration.imp321_dose_mg,
            "injection_site": "abdomen",
            "kit_number": "K-1",
            "lot_number": "L-042",
        },
    )
    baseline_scan = assessment_services.tumour_baseline_create(
        user=investigator,
        patient=large,
        assessment_date=c1d1 - dt.timedelta(days=3),
        method=ImagingMethod.CT,
        target_lesions=list(STANDARD_TARGETS),
        non_target_lesions=[],
    )
    assessment_services.tumour_followup_create(
        user=investigator,
        patient=large,
        assessment_date=c1d1 + dt.timedelta(days=56),
        method=ImagingMethod.CT,
        measurements=scaled(baseline_scan, "0.6"),
        new_lesion="none",
    )
    lab = make_lab(user=data_manager, site=large.site, code="FR01-LAB")
    lab_services.immune_draw_record(
        user=investigator,
        patient=large,
        event_code="IMM-BL",
        drawn_at=local(c1d1 - dt.timedelta(days=2)),
        sample_id="SMP-LARGE-BL",
        processing_minutes=60,
        lab=lab,
        values={code: v for code, v in immune_values().items() if code in ("MONO", "MONO_PCT")},
    )
    for dose in doses:
        monitoring.sdv_mark(user=monitor, record=record_ref(dose))
        monitoring.query_raise(user=monitor, record=record_ref(dose), field="", question="?")
    monitoring.lock_create(
        user=data_manager, scope=LockScope.RECORD, reason="Clean", record=record_ref(doses[0])
    )
    sign(large, investigator, scope="IMP-C1D2")
    sign(large, investigator)

    with django_assert_num_queries(len(baseline.captured_queries)):
        response = client.get(reverse("patients:detail", args=[large.pk]))
    rows = {r.event.code: r.form.status for r in response.context["timeline"]}
    assert rows["PAC-C1D1"] == S.LOCKED and rows["PAC-C1D8"] == S.QUERIED
    assert rows["IMP-C1D2"] == S.SIGNED and rows["IMM-BL"] == S.SIGNED
    # The follow-up waits for the investigator's own response: unfinished, so not signed.
    assert rows["TUM-BL"] == S.SIGNED and rows["TUM-W8"] == S.IN_PROGRESS
