"""End-to-end fixtures: Debian's Chromium (Playwright sync API) against the live_server.

One browser for the e2e package, a fresh context (cookies, storage) per test. Every test
writes its screenshots to ``test-artifacts/e2e/<test>/``; the ones the user guides show are
also copied to ``docs/img/`` (not under CI; ``E2E_DOC_IMAGES=0``/``1`` decides explicitly).
"""

import datetime as dt
import os
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from assessments import services as assessment_services
from assessments.constants import ImagingMethod, Organ, Relation
from dosing import services as dosing_services
from edc.deviations.models import Deviation
from edc.deviations.services import deviations_sweep
from edc.monitoring import services as monitoring_services
from edc.monitoring.records import record_ref
from tests.conftest import IN_CI, require_real_service
from tests.factories import paclitaxel_data

from .support import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1280, "height": 800}
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "e2e"
DOC_IMAGES = REPO / "docs" / "img"
COPY_DOC_IMAGES = os.environ.get("E2E_DOC_IMAGES", "0" if IN_CI else "1") != "0"

expect.set_options(timeout=10_000)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item so fixtures can screenshot a failure."""
    report = yield
    setattr(item, f"e2e_report_{report.when}", report)
    return report


@pytest.fixture(scope="package")
def chromium():
    """Debian's Chromium, launched once for the e2e tests (browsers cannot be downloaded here).

    Playwright's sync API runs an asyncio loop in this thread, so Django would refuse the ORM
    calls of the tests, the live server's in-memory SQLite and the flush between tests:
    DJANGO_ALLOW_ASYNC_UNSAFE is set while the browser is up. Package scope closes the loop
    (and restores the variable) before the rest of the suite runs.
    """
    require_real_service(CHROMIUM.exists(), f"Chromium ({CHROMIUM}; apt-get install chromium)")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(request, chromium, live_server, transactional_db) -> Page:
    """A new browser context and page per test, pointed at the live server."""
    context = chromium.new_context(
        base_url=live_server.url,
        viewport=VIEWPORT,
        locale="en-GB",
        timezone_id="Europe/Paris",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    report = getattr(request.node, "e2e_report_call", None)
    if report is not None and report.failed:
        folder = ARTIFACTS / re.sub(r"[^\w.-]", "_", request.node.name)
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=folder / "failure.png", full_page=True)
    context.close()


class Screenshots:
    """Numbered screenshots of one test's steps; ``doc=`` also copies one to docs/img/."""

    def __init__(self, page: Page, test_name: str):
        self.page = page
        self.folder = ARTIFACTS / re.sub(r"[^\w.-]", "_", test_name)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def __call__(self, step: str, *, doc: str | None = None, full_page: bool = False) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        self.page.screenshot(path=path, full_page=full_page, animations="disabled", caret="hide")
        if doc and COPY_DOC_IMAGES:
            DOC_IMAGES.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOC_IMAGES / f"{doc}.png")
        return path


@pytest.fixture
def shot(request, page) -> Screenshots:
    return Screenshots(page, request.node.name)


@pytest.fixture
def login(page):
    """Log in through the real login form (username + password) and land on the home page."""

    def log_in(user, *, then: str | None = None) -> Page:
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", level=1, name=re.compile(r"^Welcome"))).to_be_visible()
        if then:
            page.goto(then)
        return page

    return log_in


@pytest.fixture
def trial(enrolled, investigator, monitor, blood_counts):
    """An FR01 patient 60 days into the study: blood counts, a C1D1 dose corrected once, a
    baseline and a week-8 tumour assessment, a grade 3 adverse event, an open query on the
    dose's weight and the deviations of the nightly sweep (the visits not recorded)."""
    patient = enrolled(c1d1_days_ago=60)
    c1d1 = patient.c1d1_date
    blood_counts(patient, on=c1d1 - dt.timedelta(days=1), anc="2.1", platelets="210")
    dose = dosing_services.paclitaxel_record(
        user=investigator, patient=patient, event_code="PAC-C1D1", data=paclitaxel_data(c1d1)
    )
    dose = dosing_services.paclitaxel_update(
        user=investigator,
        record=dose,
        data={"weight_kg": Decimal("72")},
        reason="Weight re-measured on the ward scale",
        expected_version=dose.version,
    )
    lesion = assessment_services.TargetLesionInput
    baseline = assessment_services.tumour_baseline_create(
        user=investigator,
        patient=patient,
        assessment_date=c1d1 - dt.timedelta(days=3),
        method=ImagingMethod.CT,
        target_lesions=[
            lesion(label="T1", organ=Organ.LIVER, diameter_mm=Decimal(30), location="segment VII"),
            lesion(label="T2", organ=Organ.LUNG, diameter_mm=Decimal(20), location="right lobe"),
        ],
    )
    assessment_services.tumour_followup_create(
        user=investigator,
        patient=patient,
        assessment_date=c1d1 + dt.timedelta(days=56),
        method=ImagingMethod.CT,
        measurements=[
            assessment_services.MeasurementInput(lesion_id=t.pk, diameter_mm=t.diameter_mm * 6 / 10)
            for t in baseline.target_lesions.order_by("label")
        ],
        new_lesion="none",
    )
    ae = assessment_services.adverse_event_create(
        user=investigator,
        patient=patient,
        meddra_code="10029366",  # Neutrophil count decreased
        grade=3,
        start_date=c1d1 + dt.timedelta(days=10),
        stop_date=c1d1 + dt.timedelta(days=17),
        relation_paclitaxel=Relation.PROBABLE,
        relation_imp321=Relation.UNLIKELY,
        action_taken="held",
        outcome="recovered",
    )
    query = monitoring_services.query_raise(
        user=monitor,
        record=record_ref(dose),
        field="weight_kg",
        question="72 kg is 2 kg more than at screening: please confirm against the source.",
    )
    deviations_sweep()
    return {
        "patient": patient,
        "dose": dose,
        "ae": ae,
        "query": query,
        "deviation": Deviation.objects.filter(patient=patient).order_by("pk").first(),
    }
