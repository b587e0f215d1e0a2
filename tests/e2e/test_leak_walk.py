"""No internal name on any page a user looks at (issue 19 §3).

Real Chromium walks every HTML page of the URL conf as every trial role, on a trial with rich
data (both drugs, adverse events, tumour assessments, labs, vital signs, deviations, queries,
SDV, a signature, a lock, corrected records with their audit history). The pages without a
record in their URL are opened directly; the pages of records are reached by following the
links of the pages already opened (so every id is a real record the role may see), a few per
route. For each page the visible text (``innerText``), the title and the ``title``,
``aria-label``, ``placeholder`` and ``alt`` attributes and the options of lists are read, and
the walk fails, naming the page, the role and the text, on:

* a record named by model and id (``Paclitaxel administration #535``);
* a snake_case identifier (``weight_kg``, ``out_of_window``);
* a Python repr (``<Patient: …>``, ``{'as_of': …``, ``None``/``True``/``False`` as a value,
  ``Decimal(``, ``datetime.``);
* a dotted module path (``patients.schedule``, ``edc.protocol.DEVIATION_SEVERITY``).

Genuine exceptions, each said once here: e-mail addresses and URLs (text a user types or
follows); login names (what a person types to sign in; the fixtures' have underscores); a
query's number ("Query #12": how monitors and sites cite a query, also in the reason of the
correction that answers it); text in ``<code>`` (a command or API parameter the guide tells
the user to type, a checksum); the column names a lab import file must carry
(``subject_id``, ``collected_at``), named where the file is uploaded; the browser's own
description in the sign-in log (its user agent, "Linux x86_64"), recorded evidence. The
export pages' CDISC variable and file names (``EXSTDTC``, ``ae.csv``…) are the
statistician's own vocabulary, but they are upper case or ``<code>.<fmt>`` so none of the
patterns above matches them. Nothing else is allowed.

The 404 page and the forms after a refused POST (error messages name fields by their CRF
label) are walked too.
"""

import datetime as dt
import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from playwright.sync_api import expect

from assessments import services as assessment_services
from dosing import services as dosing_services
from edc import protocol
from edc.access import services as access_services
from edc.access.constants import Role
from edc.deviations.services import deviations_sweep
from edc.monitoring import services as monitoring_services
from edc.monitoring.constants import CASEBOOK, SIGNATURE_MEANINGS, LockScope
from edc.monitoring.records import record_ref
from edc.risk.services import risk_refresh
from patients import services as patient_services
from patients.constants import PriorTherapyType, TherapySetting
from tests.edc.test_access_matrix import ROUTES

from .conftest import VIEWPORT
from .support import PASSWORD

pytestmark = pytest.mark.e2e

# Routes that answer something else than an HTML page (files, JSON, images, downloads).
NOT_HTML = {
    "session-status",
    "mfa-qr",
    "dosing:paclitaxel_preview",
    "labs:import_status",
    "monitoring:audit_export",
    "exports:odm",
    "exports:dictionary",
    "exports:codelists",
    "exports:job-status",
    "exports:job-download",
    "exports:domain",
    "dashboard:svg",
    "dashboard:csv",
    "dashboard:png",
    "help:image",
    "safety:report_pdf",
    # The statisticians' package files: define.xml and its CDISC rendering (variable OIDs and
    # SDTM names are that document's content), the PDF casebooks and the blank annotated CRF.
    "exports:define",
    "exports:define-html",
    "archive:acrf",
    "archive:casebook-pdf",
    "archive:job-status",
    "archive:job-download",
}
# Pages that end the session or are the sign-in itself.
NOT_WALKED = {"login", "logout", "mfa-verify", "password-change"}
# Pages of records the fixture does not make (a package build, a lab import file, an immune
# draw): their templates are walked by the tests of those features, not here.
NOT_IN_FIXTURE = {"exports:job", "labs:import_detail", "labs:draw_edit", "archive:job"}
PER_ROUTE = 2  # record pages opened per route and role (the same template, other records)

HTML_ROUTES = {
    name: pattern
    for name, pattern, _callback, method, _action in ROUTES
    if method == "GET"
    and not pattern.startswith("api/")
    and name not in NOT_HTML
    and name not in NOT_WALKED
}

LEAKS = {
    "a record named by model and id": re.compile(r"\w #\d+"),
    "a snake_case identifier": re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b"),
    "a Python object": re.compile(r"<\w+: |\{'\w+': |Decimal\(|datetime\.|\bQuerySet\b"),
    "None/True/False as a value": re.compile(
        r"(?:^|[\t\n:=(\[,]) *(?:None|True|False) *(?:$|[\t\n,)\]])", re.MULTILINE
    ),
    "a module path": re.compile(r"\b(?:edc|patients|dosing|assessments|labs)\.[a-z_]+"),
}
# Text users type or follow, taken out before looking: e-mail addresses and URLs.
ALLOWED = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|https?://\S+|/[\w./-]*|\b[Qq]uery #\d+"
    r"|columns subject_id, collected_at|\bx86_64\b"
)
# Not fixed here: the export domains' descriptions (edc/exports/domains/dv.py, sv.py) cite
# "edc.protocol.DEVIATION_SEVERITY" and "patients.schedule"; that code belongs to the export
# work (issue 19 §3 follow-up). Only these two texts, only on the exports page.

READ_TEXT = """() => {
    const body = document.body.cloneNode(true);
    for (const code of body.querySelectorAll('code')) code.remove();
    // innerText of a detached node has no layout: textContent of blocks, one per line.
    const blocks = [];
    const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const p = n.parentElement;
        if (p && !['SCRIPT', 'STYLE', 'TEMPLATE'].includes(p.tagName)) blocks.push(n.textContent);
    }
    const parts = [document.title, blocks.join('\\n')];
    for (const el of document.querySelectorAll('[title], [aria-label], [placeholder], [alt]')) {
        for (const a of ['title', 'aria-label', 'placeholder', 'alt']) {
            const v = el.getAttribute(a);
            if (v) parts.push(v);
        }
    }
    for (const o of document.querySelectorAll('option')) parts.push(o.textContent);
    return parts.join('\\n');
}"""

LINKS = """() => Array.from(document.querySelectorAll('a[href]'))
    .filter(a => !a.hasAttribute('download'))
    .map(a => a.href)"""


# Submitted as site staff with every date unreadable and nothing else filled: the refusal
# must name each field by its label, and no message may carry a code name.
SUBMIT_BROKEN = """() => {
    const form = Array.from(document.querySelectorAll('main form[method=post], form[method=post]'))
        .find(f => f.querySelector('input[type=text], input:not([type]), select, textarea'));
    if (!form) return false;
    for (const input of form.querySelectorAll('input.date-input')) input.value = '31 Foo 2026';
    form.noValidate = true;
    form.submit();
    return true;
}"""
NOT_FOUND = ["/no-such-page/", "/patients/999999/", "/monitoring/queries/999999/"]


def leaks_in(text: str, usernames=()) -> list[str]:
    text = ALLOWED.sub(" ", text)
    for name in sorted(usernames, key=len, reverse=True):
        text = re.sub(rf"(?<![\w.]){re.escape(name)}(?![\w.])", " ", text)
    found = []
    for kind, pattern in LEAKS.items():
        for match in pattern.finditer(text):
            line_start = text.rfind("\n", 0, match.start()) + 1
            line_end = text.find("\n", match.end())
            line = text[line_start : line_end if line_end >= 0 else None].strip()
            found.append(f"{kind}: {match.group().strip()!r} in {line[:160]!r}")
    return found


def test_the_leak_patterns_catch_the_reported_names():
    """The patterns find each example of the issue, and not ordinary words."""
    for text in (
        "Paclitaxel administration #535",
        "patient #33",
        "field weight_kg",
        "imp321_dose_not_cohort",
        "Filters {'as_of': None}",
        "see patients.schedule",
        "edc.protocol.DEVIATION_SEVERITY",
        "<Patient: Patient object (3)>",
        "Dose: None",
        "Decimal('72')",
    ):
        assert leaks_in(text), text
    for text in (
        "Paclitaxel C2 D8 — 1001-003",
        "Sign in as monitor@demo.invalid",
        "Dose level (mg/m²)",
        "None of the target lesions",
        "Local reaction\tNone recorded",
    ):
        assert leaks_in(text) == [], text


@pytest.fixture
def rich_trial(
    trial, enrolled, screened, make_user, investigator, coordinator, monitor, data_manager
):
    """The ``trial`` patient plus: an IMP321 injection, vital signs, a medical history condition,
    a prior therapy, a medication for the adverse event, the premedication of the dose, an
    adverse event corrected once, an answered query, SDV marks; a second patient whose signed
    casebook is locked; a patient still in screening; a deactivated account."""
    patient = trial["patient"]
    c1d1 = patient.c1d1_date
    injection = dosing_services.imp321_record(
        user=investigator,
        patient=patient,
        event_code="IMP-C1D2",
        data={
            "injected_at": dt.datetime.combine(
                c1d1 + dt.timedelta(days=1), dt.time(10, 0), tzinfo=dt.UTC
            ),
            "status": "given",
            "dose_mg": protocol.cohort(patient.cohort.code).imp321_dose_mg,
            "kit_number": "K1-101",
            "lot_number": "L12025",
            "injection_site": "abdomen",
            "local_reaction": "erythema",
            "local_reaction_details": "2 cm, resolved next day",
        },
    )
    assessment_services.vital_signs_create(
        user=coordinator,
        patient=patient,
        visit="PAC-C1D1",
        measured_on=c1d1,
        weight_kg=Decimal("72"),
        height_cm=Decimal("170"),
        systolic_bp=125,
        diastolic_bp=80,
        heart_rate=72,
        temperature_c=Decimal("36.8"),
        ecog=1,
    )
    ae = trial["ae"]
    # One record of each form of the medical history and medication pages.
    patient_services.medical_history_create(
        user=investigator,
        patient=patient,
        condition="Essential hypertension",
        meddra_code="10020772",
        start_date=patient.screening_date - dt.timedelta(days=2000),
        ongoing=True,
    )
    patient_services.prior_therapy_create(
        user=investigator,
        patient=patient,
        therapy_type=PriorTherapyType.ADJUVANT_CHEMO,
        setting=TherapySetting.EARLY,
        start_date=patient.screening_date - dt.timedelta(days=1500),
        end_date=patient.screening_date - dt.timedelta(days=1374),
        description="6 cycles of FEC100",
    )
    assessment_services.conmed_create(
        user=coordinator,
        patient=patient,
        name="Filgrastim",
        atc_code="L03AA02",
        indication="Neutropenia",
        dose=Decimal("300"),
        unit="ug",
        route="sc",
        frequency="daily",
        start_date=ae.start_date,
        ongoing=False,
        stop_date=ae.start_date + dt.timedelta(days=4),
        adverse_event=ae,
    )
    dosing_services.paclitaxel_update(
        user=investigator,
        record=trial["dose"],
        data={
            "premed_dexamethasone": True,
            "premed_antihistamine": True,
            "premed_h2_blocker": False,
            "premed_other": "Ondansetron 8 mg IV",
        },
        reason="Premedication from the nursing chart",
        expected_version=trial["dose"].version,
    )
    assessment_services.adverse_event_update(
        user=investigator,
        adverse_event=ae,
        changes={"outcome": "sequelae"},
        reason="Discharge letter mentions residual neuropathy",
        expected_version=ae.version,
    )
    monitoring_services.query_answer(
        query=trial["query"],
        user=coordinator,
        text="Confirmed against the ward scale log.",
    )
    monitoring_services.sdv_mark(user=monitor, record=record_ref(patient))
    monitoring_services.sdv_mark(user=monitor, record=record_ref(injection))
    signed = enrolled(c1d1_days_ago=20)
    monitoring_services.signature_sign(
        user=investigator,
        patient=signed,
        scope=CASEBOOK,
        username=investigator.get_username(),
        password=PASSWORD,
        meaning=SIGNATURE_MEANINGS[0],
    )
    monitoring_services.lock_create(
        user=data_manager,
        scope=LockScope.PATIENT,
        patient=signed,
        reason="Casebook signed; frozen for the interim analysis.",
    )
    # A serious AE: its SAE report (edc.safety) is made at commit; the safety pages show it.
    now = timezone.now()
    assessment_services.adverse_event_create(
        user=investigator,
        patient=patient,
        meddra_code="10016288",  # Febrile neutropenia
        grade=3,
        start_date=min(c1d1 + dt.timedelta(days=3), timezone.localdate()),
        relation_paclitaxel="probable",
        relation_imp321="unlikely",
        action_taken="held",
        outcome="recovering",
        serious=True,
        sae_criteria=["hospitalisation"],
        sae_aware_at=now - dt.timedelta(minutes=30),
        sae_reported_at=now - dt.timedelta(minutes=10),
    )
    deviations_sweep()
    # The site-risk figures of the day, so the monitor's overview links to each site's page.
    risk_refresh(user=data_manager)
    leaver = make_user(Role.COORDINATOR, [patient.site])
    access_services.user_deactivate(actor=data_manager, user=leaver, reason="Left the site")
    return {
        **trial,
        "injection": injection,
        "signed": signed,
        "screening": screened(days_ago=3),
        "leaver": leaver,
    }


def _route_of(url: str, origin: str) -> str | None:
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != origin:
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    return match.view_name if match.view_name in HTML_ROUTES else None


def _log_in(context, user):
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1, name=re.compile(r"^Welcome"))).to_be_visible()
    return page


def _walk(
    context, origin: str, user, seeds: list[str], usernames
) -> tuple[dict[str, list[str]], set]:
    """Open the seeds and the pages their links lead to; the leaks found per page."""
    page = context.pages[0]
    queue = list(seeds)
    seen_urls: set[str] = set()
    per_route: dict[str, int] = {}
    leaks: dict[str, list[str]] = {}
    opened: set[str] = set()
    while queue:
        url = queue.pop(0)
        path = url.split("#", 1)[0]
        if path in seen_urls:
            continue
        seen_urls.add(path)
        route = _route_of(origin + path if path.startswith("/") else path, origin)
        if route is None or per_route.get(route, 0) >= PER_ROUTE:
            continue
        per_route[route] = per_route.get(route, 0) + 1
        response = page.goto(path, wait_until="domcontentloaded")
        if response is None or response.status == 403:
            continue  # refused: the access matrix test decides who may open what
        if response.status < 400:
            opened.add(route)
        found = leaks_in(page.evaluate(READ_TEXT), usernames)
        if found:
            leaks[path.removeprefix(origin)] = found
        for link in page.evaluate(LINKS):
            link = link.split("#", 1)[0]
            if link.startswith(origin) and link not in seen_urls:
                queue.append(link)
    for path in NOT_FOUND:
        response = page.goto(path)
        assert response is not None and response.status == 404, path
        found = leaks_in(page.evaluate(READ_TEXT), usernames)
        if found:
            leaks[path] = found
    page.close()
    return leaks, opened


def _refused_forms(context, user, forms: list[str], usernames) -> dict[str, list[str]]:
    """Submit each form with unreadable dates; the leaks in the page that refuses it."""
    page = context.pages[0] if context.pages else context.new_page()
    leaks = {}
    for path in forms:
        page.goto(path)
        with page.expect_navigation():
            assert page.evaluate(SUBMIT_BROKEN), f"no form on {path}"
        text = page.evaluate(READ_TEXT)
        assert "DD Mon YYYY" in text or "required" in text.lower(), f"{path} saved nothing?"
        found = leaks_in(text, usernames)
        if found:
            leaks[f"{path} (refused)"] = found
    return leaks


def _form_pages(data) -> list[str]:
    """Data-entry forms of site staff (new records and corrections)."""
    patient = data["patient"]
    return [
        reverse("patients:screen"),
        reverse("dosing:paclitaxel", kwargs={"pk": patient.pk, "code": "PAC-C1D8"}),
        reverse("dosing:paclitaxel", kwargs={"pk": patient.pk, "code": "PAC-C1D1"}),
        reverse("dosing:imp321", kwargs={"pk": patient.pk, "code": "IMP-C1D16"}),
        reverse("assessments:ae_new", kwargs={"pk": patient.pk}),
        reverse("assessments:ae_edit", kwargs={"ae_pk": data["ae"].pk}),
        reverse("assessments:vitals_new", kwargs={"pk": patient.pk}),
        reverse("labs:panel_enter", kwargs={"pk": patient.pk, "panel": "haematology"}),
        reverse("labs:draw_enter", kwargs={"pk": patient.pk}),
        reverse("patients:end_treatment", kwargs={"pk": patient.pk}),
    ]


def _admin_forms() -> list[str]:
    return [reverse("labs:range_new"), reverse("access:user_create")]


def _seeds(data) -> list[str]:
    patient = data["patient"]
    urls = [reverse(name) for name, pattern in HTML_ROUTES.items() if "<" not in pattern]
    urls += [
        reverse("patients:detail", kwargs={"pk": patient.pk}),
        reverse("patients:detail", kwargs={"pk": data["signed"].pk}),
        reverse("dosing:exposure", kwargs={"pk": patient.pk}),
        reverse("assessments:patient", kwargs={"pk": patient.pk}),
        reverse("labs:patient_results", kwargs={"pk": patient.pk}),
        reverse("monitoring:patient", kwargs={"pk": patient.pk}),
        reverse("monitoring:signatures", kwargs={"pk": data["signed"].pk}),
        reverse("monitoring:query", kwargs={"pk": data["query"].pk}),
        reverse("deviations:detail", kwargs={"pk": data["deviation"].pk}),
        reverse("access:user_reactivate", kwargs={"pk": data["leaver"].pk}),
        reverse("access:user_mfa_reset", kwargs={"pk": data["query"].raised_by_id}),
    ]
    screening = data["screening"].pk
    for name in ("consent", "eligibility", "enrol", "screen_fail", "detail"):
        urls.append(reverse(f"patients:{name}", kwargs={"pk": screening}))
    dose = record_ref(data["dose"])
    for name in ("record", "query_raise", "sdv_mark", "record_lock"):
        urls.append(reverse(f"monitoring:{name}", args=[dose.content_type.pk, dose.object_id]))
    return urls


def test_no_page_shows_an_internal_name_to_any_role(
    chromium,
    live_server,
    transactional_db,
    rich_trial,
    investigator,
    coordinator,
    monitor,
    statistician,
    data_manager,
):
    people = {
        Role.INVESTIGATOR: investigator,
        Role.COORDINATOR: coordinator,
        Role.MONITOR: monitor,
        Role.STATISTICIAN: statistician,
        Role.DATA_MANAGER: data_manager,
    }
    origin = live_server.url
    seeds = [origin + url for url in _seeds(rich_trial)]
    # Login names are what people type to sign in (the fixtures' have underscores).
    usernames = {u.username for u in User.objects.all()}
    where: dict[str, list[str]] = {}  # leak → "role page" where it shows
    opened_by_someone: set[str] = set()
    for role, user in people.items():
        context = chromium.new_context(
            base_url=origin, viewport=VIEWPORT, locale="en-GB", timezone_id="Europe/Paris"
        )
        try:
            _log_in(context, user)
            leaks, opened = _walk(context, origin, user, seeds, usernames)
            if role in (Role.INVESTIGATOR, Role.DATA_MANAGER):
                forms = _form_pages(rich_trial) if role == Role.INVESTIGATOR else _admin_forms()
                leaks |= _refused_forms(context, user, forms, usernames)
        finally:
            context.close()
        opened_by_someone |= opened
        for url, found in leaks.items():
            for leak in found:
                where.setdefault(leak, []).append(f"{role.label} {url}")
    report = [f"{leak}\n    on {', '.join(pages[:3])}" for leak, pages in where.items()]
    if report:
        pytest.fail(f"{len(report)} internal names shown:\n" + "\n".join(report))
    not_opened = sorted(set(HTML_ROUTES) - opened_by_someone - NOT_IN_FIXTURE)
    assert not_opened == [], "pages no role reached in the walk"
