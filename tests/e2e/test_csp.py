"""The Content-Security-Policy in real Chromium: every role's main pages run without a violation.

The policy refuses inline script and style (edc/settings/base.py), so a page that still had
any would lose it silently: Chromium reports each refusal as a ``securitypolicyviolation``
event and a console error. Each role signs in through the login form and opens its main
pages; per page (one subtest each) the test collects those events, console errors and
uncaught script errors, and checks the response carried the policy. The API docs (Swagger UI,
which must actually render) and Django's admin (index, change list, change form, history) are
included; so is the 503 page the database middleware serves, shown with its stylesheet.
Screenshots go to test-artifacts/e2e/<test>/.
"""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client
from playwright.sync_api import Page, expect

from tests.factories import UserFactory

from .support import PASSWORD

pytestmark = pytest.mark.e2e

HEADER = "content-security-policy"

# Installed before any script of every document: records each CSP refusal.
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile || e.documentURI}:${e.lineNumber}`;
  window.__csp.push(
    `${e.effectiveDirective} refused ${e.blockedURI || "inline"} at ${where} ${e.sample || ""}`
  );
});
"""
# Violation events are dispatched as tasks: let them run before reading the list.
SETTLE = "() => new Promise((done) => setTimeout(() => done(window.__csp || []), 100))"


class Watcher:
    """Console errors and uncaught exceptions of the page, since the last ``take``."""

    def __init__(self, page: Page):
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))

    def _console(self, message) -> None:
        url = message.location.get("url") or ""
        # Chromium asks a new context's first page for /favicon.ico, which the app does not
        # have: a 404, not a policy matter.
        if message.type == "error" and not url.endswith("/favicon.ico"):
            self.errors.append(f"console: {message.text} ({url})")

    def take(self) -> list[str]:
        errors, self.errors = self.errors, []
        return errors


@pytest.fixture
def watched(page: Page) -> tuple[Page, Watcher]:
    page.context.add_init_script(WATCH)
    return page, Watcher(page)


def problems_of(page: Page, watcher: Watcher) -> list[str]:
    violations = page.evaluate(SETTLE)
    return [f"CSP: {v}" for v in violations] + watcher.take()


def check_pages(watched, shot, subtests, pages: dict[str, str], *, ready=None) -> None:
    page, watcher = watched
    for name, url in pages.items():
        with subtests.test(msg=name, url=url):
            watcher.take()
            response = page.goto(url)
            assert response is not None and response.ok, f"{url}: HTTP {response.status}"
            header = response.headers.get(HEADER, "")
            assert "default-src 'self'" in header and "unsafe" not in header, header
            if ready and name in ready:
                ready[name](page)
            page.wait_for_load_state("networkidle")
            shot(name, full_page=True)
            problems = problems_of(page, watcher)
            assert not problems, f"{name} ({url}):\n  " + "\n  ".join(problems)


def log_in(page: Page, user) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def log_out(page: Page) -> None:
    page.goto("/")  # (the API docs page has no header)
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()


def swagger_rendered(page: Page) -> None:
    """Swagger UI drew the API from the schema: title, operations, no error box."""
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Trial EDC API")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    assert page.locator(".swagger-ui .opblock").count() > 10
    expect(page.locator(".swagger-ui .errors-wrapper")).to_have_count(0)


def filters_open(page: Page) -> None:
    """The browsable API's own scripts run (Bootstrap's modal opens on "Filters")."""
    page.get_by_role("button", name="Filters").click()
    expect(page.locator("#filtersModal")).to_be_visible()
    page.locator("#filtersModal button.close").click()
    expect(page.locator("#filtersModal")).to_be_hidden()


@pytest.fixture
def trial(trial, enrolled):
    """The shared trial (tests/e2e/conftest.py) and a second FR01 patient, 30 days in."""
    enrolled(c1d1_days_ago=30)
    return trial


def test_the_login_page_and_public_help_run_under_the_policy(watched, shot, subtests):
    check_pages(watched, shot, subtests, {"login": "/accounts/login/", "public-help": "/help/"})


def test_site_staff_pages_run_under_the_policy(
    watched, shot, subtests, investigator, coordinator, trial
):
    page, _ = watched
    patient = trial["patient"].pk
    log_in(page, investigator)
    check_pages(
        watched,
        shot,
        subtests,
        {
            "home": "/",
            "patient-list": "/patients/",
            "casebook": f"/patients/{patient}/",
            "dose-form": f"/dosing/patients/{patient}/paclitaxel/PAC-C1D1/",
            "exposure": f"/dosing/patients/{patient}/",
            "labs": "/labs/",
            "lab-panel-form": f"/labs/patients/{patient}/enter/haematology/",
            "lab-results": f"/labs/patients/{patient}/",
            "lab-trend": f"/labs/patients/{patient}/trend/",
            "ae-list": "/assessments/adverse-events/",
            "ae-form": f"/assessments/patients/{patient}/adverse-events/new/",
            "tumour-assessments": f"/assessments/patients/{patient}/",
            "tumour-follow-up-form": f"/assessments/patients/{patient}/tumour/follow-up/",
            "query-list": "/monitoring/queries/",
            "query-answer": f"/monitoring/queries/{trial['query'].pk}/",
            "deviations": "/deviations/",
            "deviation-detail": f"/deviations/{trial['deviation'].pk}/",
            "help": "/help/",
            "browsable-api-list": "/api/v1/patients/",
            "browsable-api-detail": f"/api/v1/patients/{patient}/",
            "api-docs": "/api/docs/",
        },
        ready={"api-docs": swagger_rendered, "browsable-api-list": filters_open},
    )
    log_out(page)
    log_in(page, coordinator)
    check_pages(
        watched,
        shot,
        subtests,
        {
            "coordinator-home": "/",
            "coordinator-screen-form": "/patients/new/",
            "coordinator-casebook": f"/patients/{patient}/",
        },
    )


def test_monitor_pages_run_under_the_policy(watched, shot, subtests, monitor, trial):
    page, _ = watched
    patient, dose = trial["patient"].pk, trial["dose"]
    record = f"/monitoring/records/{ContentType.objects.get_for_model(dose).pk}/{dose.pk}/"
    log_in(page, monitor)
    check_pages(
        watched,
        shot,
        subtests,
        {
            "monitoring-home": "/monitoring/",
            "audit-trail": "/monitoring/audit/",
            "query-list": "/monitoring/queries/",
            "query-detail": f"/monitoring/queries/{trial['query'].pk}/",
            "record": record,
            "sdv-progress": "/monitoring/sdv/",
            "monitoring-patient": f"/monitoring/patients/{patient}/",
            "signatures": f"/monitoring/patients/{patient}/signatures/",
            "casebook": f"/patients/{patient}/",
        },
    )


def test_statistician_and_data_manager_pages_run_under_the_policy(
    watched, shot, subtests, statistician, data_manager, trial
):
    page, _ = watched
    log_in(page, statistician)
    check_pages(
        watched,
        shot,
        subtests,
        {
            "dashboard": "/dashboard/",
            "endpoints": "/assessments/endpoints/",
            "exports": "/exports/",
            "immune-cohorts": "/labs/immune/",
            "help-statistician": "/help/guide-statistician.md",
        },
    )
    log_out(page)
    log_in(page, data_manager)
    check_pages(
        watched,
        shot,
        subtests,
        {
            "data-manager-home": "/",
            "cohorts": "/patients/cohorts/",
            "export-log": "/exports/log/",
            "sign-in-log": "/access/auth-events/",
            "laboratories": "/labs/laboratories/",
        },
    )


def test_the_admin_works_under_the_policy(watched, shot, subtests, trial):
    page, _ = watched
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    dose = trial["dose"]
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(admin.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Site administration")
    check_pages(
        watched,
        shot,
        subtests,
        {
            "admin-index": "/admin/",
            "admin-change-list": "/admin/dosing/paclitaxeladministration/",
            "admin-change-form": f"/admin/dosing/paclitaxeladministration/{dose.pk}/change/",
            "admin-history": f"/admin/dosing/paclitaxeladministration/{dose.pk}/history/",
            "admin-users": "/admin/auth/user/",
            "admin-user-form": f"/admin/auth/user/{admin.pk}/change/",
            "admin-audit-entries": "/admin/audit/auditentry/",
        },
    )
    # The admin's own scripts still run: the sidebar's filter hides the models not matching.
    page.goto("/admin/auth/user/")
    page.get_by_placeholder("Start typing to filter").fill("paclitaxel")
    sidebar = page.locator("#nav-sidebar")
    expect(sidebar.get_by_role("link", name="Paclitaxel administrations")).to_be_visible()
    expect(sidebar.get_by_role("link", name="Adverse events")).to_be_hidden()
    assert problems_of(*watched) == []


def test_the_database_unavailable_page_is_styled_under_the_policy(
    watched, shot, live_server, investigator
):
    """The 503 page the middleware serves while PostgreSQL is away (made here by a client whose
    database connection fails), shown in Chromium with its headers: stylesheet loaded from the
    live server, no refusal."""
    page, watcher = watched
    client = Client(raise_request_exception=False)
    client.force_login(investigator)
    down = OperationalError("could not connect to server: Connection refused")
    with mock.patch.object(BaseDatabaseWrapper, "ensure_connection", side_effect=down):
        served = client.get("/patients/")
    assert served.status_code == 503
    headers = {k: v for k, v in served.items() if k.lower() != "content-length"}
    page.route(
        f"{live_server.url}/patients/",
        lambda route: route.fulfill(status=503, headers=headers, body=served.content),
    )
    response = page.goto("/patients/")
    assert response.status == 503
    assert "default-src 'self'" in response.headers[HEADER]
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("The trial database is unavailable")
    # edc.css applied: the navy top bar and the warning box's border.
    assert page.locator(".topbar").evaluate("e => getComputedStyle(e).backgroundColor") == (
        "rgb(13, 40, 64)"
    )
    assert page.locator(".conflict").evaluate("e => getComputedStyle(e).borderTopWidth") == "2px"
    shot("database-unavailable", full_page=True)
    problems = problems_of(page, watcher)
    own_status = "console: Failed to load resource: the server responded with a status of 503"
    assert [p for p in problems if not p.startswith(own_status)] == []
