"""The demo trial, built once for this module: deterministic, complete enough to click
through, realistic, idempotent, and reproducing the paper's endpoints from lesion data alone
(ORR 15/30, clinical benefit 27/30, 3 progressors) on the statistician's pages.

Building the demo takes a minute or more, so every test that reads it shares one build
(``demo``, module scope, rolled back afterwards) and runs on one xdist worker (the suite runs
with ``--dist loadfile``: a module's tests stay together).
"""

import datetime as dt
import io
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.db.models import Max, Min
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from assessments import selectors
from assessments.constants import AssessmentKind
from assessments.ctcae import load_terms
from assessments.endpoints import OVERALL
from assessments.models import AdverseEvent, ConcomitantMedication, TumourAssessment, VitalSigns
from dosing.models import Imp321Injection, PaclitaxelAdministration
from edc import protocol
from edc.access.constants import Role
from edc.access.language import language_set
from edc.access.models import StaffProfile
from edc.audit.models import AuditEntry
from edc.monitoring.constants import QueryStatus, SignatureStatus
from edc.monitoring.models import DataQuery, SdvMark, Signature
from patients.constants import PatientStatus
from patients.models import CalendarEvent, Patient
from patients.services import consent_date_of
from tests.dashboard.test_views import drawn_rows, spec

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo trial, built once for the module's tests; its output; rolled back after them."""
    out = io.StringIO()
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


STEPS = (
    "Sites, logins and training",
    "Patients",
    "Medical history and prior cancer therapy",
    "Doses, vital signs and adverse events",
    "Laboratories and results",
    "Tumour assessments and SAEs",
    "Queries, SDV and signatures",
    "Deviations",
)


def _structure() -> list[str]:
    enrolled = Patient.objects.exclude(subject_id=None)
    assert enrolled.count() == 30
    for cohort in protocol.COHORTS:
        assert enrolled.filter(cohort__code=cohort.code).count() == cohort.capacity
    assert set(enrolled.values_list("site__code", flat=True)) == {"FR01", "FR02", "BE01"}
    assert Patient.objects.filter(status=PatientStatus.SCREEN_FAILED).count() == 3
    assert Patient.objects.filter(status=PatientStatus.SCREENING).count() == 2
    assert Patient.objects.filter(consent_withdrawn_on__isnull=False).count() == 1
    return sorted(enrolled.values_list("subject_id", flat=True))


def _forms_are_complete_and_vitals_match_the_dosing_weight() -> None:
    given = PaclitaxelAdministration.objects.filter(status="given")
    assert given.count() > 300
    assert not given.filter(infusion_start=None).exists()
    assert not given.filter(infusion_stop=None).exists()
    assert not given.filter(premed_dexamethasone=None).exists()  # premedication stated
    # Medical history and prior therapy of every patient screened; medications for AEs.
    assert not Patient.objects.filter(medical_history=None).exists()
    assert not Patient.objects.filter(prior_therapies=None).exists()
    assert ConcomitantMedication.objects.filter(adverse_event__isnull=False).count() >= 10
    assert not Imp321Injection.objects.filter(status="given", kit_number="").exists()
    followups = TumourAssessment.objects.filter(kind=AssessmentKind.FOLLOW_UP)
    assert followups.exists() and not followups.filter(investigator_response="").exists()
    # The investigator agrees with the computation except in the two scenarios that show it.
    assert followups.filter(response_disagrees=True).count() == 2
    # Vital signs at every D1 given, weighed for that dose.
    for dose in given.filter(day=1).select_related("event"):
        vitals = VitalSigns.objects.get(patient_id=dose.patient_id, visit=dose.event.code)
        assert vitals.measured_on == dose.administration_date
        assert (vitals.weight_kg, vitals.height_cm) == (dose.weight_kg, dose.height_cm)


def _adverse_events_of_weekly_paclitaxel_with_imp321() -> None:
    terms = Counter(AdverseEvent.objects.values_list("meddra_code", flat=True))
    for code in ("10034620", "10029366", "10001760", "10016256", "10022095"):
        assert terms[code] >= 1, code  # neuropathy, neutropenia, alopecia, fatigue, injection site
    assert set(AdverseEvent.objects.values_list("grade", flat=True)) >= {1, 2, 3}
    reactions = AdverseEvent.objects.filter(meddra_code="10022095")
    assert not reactions.exclude(relation_imp321="definite").exists()
    assert not reactions.exclude(relation_paclitaxel="not_related").exists()
    by_cohort = Counter(reactions.values_list("patient__cohort__code", flat=True))
    assert by_cohort["C"] > by_cohort["A"]  # injection-site reactions rise with the IMP321 dose
    assert AdverseEvent.objects.filter(serious=True, reported_late=True).count() == 1


def _monitoring() -> None:
    statuses = Counter(DataQuery.objects.values_list("status", flat=True))
    assert statuses[QueryStatus.OPEN] >= 2
    assert statuses[QueryStatus.ANSWERED] >= 2
    assert statuses[QueryStatus.CLOSED] >= 3
    assert SdvMark.objects.filter(cleared_at=None).count() >= 50
    assert Signature.objects.filter(status=SignatureStatus.VALID).count() >= 3


def _dated_on_the_trial_timeline() -> None:
    span = AuditEntry.objects.aggregate(first=Min("at"), last=Max("at"))
    assert span["first"] < timezone.make_aware(dt.datetime(2025, 4, 1))
    assert span["last"] - span["first"] > dt.timedelta(days=365)
    # A dose is recorded on the day it was given, in its history and its review row alike.
    dose = PaclitaxelAdministration.objects.filter(status="given").order_by("pk").first()
    history = dose.history.earliest("history_date")
    assert timezone.localdate(history.history_date) == dose.administration_date
    entry = AuditEntry.objects.get(
        model_label="dosing.paclitaxeladministration", object_id=dose.pk, action="create"
    )
    assert entry.at == history.history_date
    # A query is answered after it was raised, and closed after that.
    for query in DataQuery.objects.filter(status=QueryStatus.CLOSED).exclude(answered_at=None):
        assert query.raised_at <= query.answered_at <= query.closed_at


def test_demo_builds_a_complete_realistic_trial_on_its_timeline_once(demo):
    out = demo
    for role in ("investigator", "coordinator", "monitor", "statistician", "data_manager"):
        assert role in out
    # One progress line per step, as it ends.
    lines = out.splitlines()
    for step in STEPS:
        line = next(line for line in lines if line.strip().startswith(step))
        assert line.rstrip().endswith(" s")
    assert "30/30 enrolled" in out

    first_ids = _structure()
    _forms_are_complete_and_vitals_match_the_dosing_weight()
    _adverse_events_of_weekly_paclitaxel_with_imp321()
    _monitoring()
    _dated_on_the_trial_timeline()

    again = io.StringIO()
    call_command("load_demo", stdout=again)  # second run changes nothing
    assert "already loaded" in again.getvalue()
    assert (
        sorted(Patient.objects.exclude(subject_id=None).values_list("subject_id", flat=True))
        == first_ids
    )


def test_demo_endpoints_are_the_papers_orr_15_of_30_benefit_27_of_30_and_3_progressors(demo):
    statistician = StaffProfile.objects.get(role=Role.STATISTICIAN).user
    result = selectors.trial_endpoints(statistician)
    overall = result.groups[-1]
    assert overall.group == OVERALL and overall.patients == 30
    assert (overall.objective_response.numerator, overall.objective_response.denominator) == (
        15,
        30,
    )
    assert (overall.clinical_benefit.numerator, overall.clinical_benefit.denominator) == (27, 30)
    assert overall.progressed_by_landmark.numerator == 3
    assert round(overall.objective_response.ci_low, 4) == 0.3130
    assert not result.not_computable

    today = timezone.localdate()
    patients = {p.pk: p for p in Patient.objects.exclude(subject_id=None)}
    for assessment in TumourAssessment.objects.all():
        patient = patients[assessment.patient_id]
        assert consent_date_of(patient) <= assessment.assessment_date <= today
        if patient.consent_withdrawn_on:
            assert assessment.assessment_date <= patient.consent_withdrawn_on
        # Every demo assessment fulfils its planned calendar event.
        event = CalendarEvent.objects.get(patient=patient, code=assessment.calendar_code)
        assert event.actual_date == assessment.assessment_date
        assert event.earliest <= assessment.assessment_date <= event.latest
    withdrawn = next(p for p in patients.values() if p.consent_withdrawn_on)
    assert not withdrawn.tumour_assessments.filter(calendar_code="TUM-W24").exists()

    assert AdverseEvent.objects.filter(serious=True).count() >= 2
    assert AdverseEvent.objects.filter(reported_late=True).count() == 1
    assert VitalSigns.objects.filter(visit="PAC-C1D1").count() == 30
    assert TumourAssessment.objects.filter(response_disagrees=True).exists()


def _row(html: str, group: str) -> str:
    return re.search(rf'data-group="{group}">(.*?)</tr>', html, re.S).group(1)


def _cells(row: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row)]


def test_demo_dashboard_shows_orr_15_of_30_benefit_27_of_30_and_3_progressors(demo, client):
    statistician = StaffProfile.objects.get(role=Role.STATISTICIAN).user
    client.force_login(statistician)
    html = client.get(reverse("dashboard:index")).content.decode()

    patients, orr, cbr, progressors, _unobserved = _cells(_row(html, "overall"))
    assert patients == "30"
    assert orr.startswith("15/30 · 50 %")
    assert cbr.startswith("27/30 · 90 %")
    assert progressors.startswith("3/30")
    assert "(31.3–68.7 %)" in orr  # exact 95 % interval of 15/30
    # Beside the ORR, the publication's comparison with its historical control (25 %):
    # P(X >= 15 | n = 30, p = 0.25) = 0.00275, exact one-sided binomial test.
    assert "above the historical 25 %, p = 0.0027" in orr
    summary = re.search(r'data-summary="overall">(.*?)</li>', html, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", summary) == (
        "All cohorts: 15/30 responders, 50 % (95 % CI 31.3–68.7 %); "
        "above the historical 25 %, p = 0.0027."
    )
    assert "exact one-sided binomial test" in html and "Clopper–Pearson" in html
    # 5/10 per cohort is 50 % too, but P(X >= 5 | n = 10, p = 0.25) = 0.078: not shown above.
    for cohort in ("A", "B", "C"):
        text = re.search(rf'data-summary="{cohort}">(.*?)</li>', html, re.S).group(1)
        assert text.endswith(
            ": 5/10 responders, 50 % (95 % CI 18.7–81.3 %); "
            "not different from the historical 25 %, p = 0.078."
        )
    endpoints_csv = client.get(reverse("dashboard:csv", args=["endpoints"])).content.decode()
    assert "overall,Objective response rate,15,30,0.5000,0.3130,0.6870,0.95,0.2500,0.00274953" in (
        endpoints_csv.splitlines()
    )

    # The figures draw every treated patient the statistician can see: all 30.
    assert len({r["patient"] for r in drawn_rows(spec(html, "spider"), "line")}) == 30
    assert len(drawn_rows(spec(html, "swimmer"), "bar")) == 30
    swimmer = client.get(reverse("dashboard:svg", args=["swimmer"])).content.decode()
    assert len(set(re.findall(r">([A-Z]{2}\d{2}-\d{3})</text>", swimmer))) == 30  # lane labels
    enrolment = client.get(reverse("dashboard:csv", args=["enrolment-cohort"])).content.decode()
    assert len(enrolment.splitlines()) == 1 + 30

    # The monitor of FR01 and FR02 sees those two sites only.
    monitor = StaffProfile.objects.get(role=Role.MONITOR, user__username="monitor").user
    client.force_login(monitor)
    csv = client.get(reverse("dashboard:csv", args=["swimmer"])).content.decode()
    assert "BE01-" not in csv and "FR01-" in csv and "FR02-" in csv


# --- The interface in French on the demo (issue 23) ----------------------------------------
PAGES_PER_ROUTE = 2  # record pages opened per route and role (same template, other records)
WALK_ROLES = (Role.INVESTIGATOR, Role.COORDINATOR, Role.MONITOR, Role.STATISTICIAN)
WALK_ROLES += (Role.DATA_MANAGER,)
ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
SKIPPED_TAGS = {"script", "style", "code", "pre", "template"}
VOID_TAGS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "wbr",
}


class _PageText(HTMLParser):
    """The text a person reads on a page, one piece per text node or attribute; its links.

    Left out: scripts, styles and code; and what the page itself marks as not to be translated
    — an element with ``translate="no"`` (the audit trail's recorded values and reasons) or in
    another language (``lang="en"``: a guide that exists in English only).
    """

    def __init__(self, language: str):
        super().__init__(convert_charrefs=True)
        self.language = language
        self.pieces: list[str] = []
        self.links: list[str] = []
        self._open: list[tuple[str, bool]] = []  # (tag, skipped) of the open elements

    def _skipping(self) -> bool:
        return any(skipped for _tag, skipped in self._open)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        foreign = values.get("lang", self.language).split("-")[0] != self.language
        skipped = tag in SKIPPED_TAGS or values.get("translate") == "no" or foreign
        if tag not in VOID_TAGS:
            self._open.append((tag, skipped))
        if not (skipped or self._skipping()):
            self.pieces += [values[name] for name in ATTRIBUTES if values.get(name)]
        if tag == "a" and values.get("href") and "download" not in values:
            self.links.append(values["href"])

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index:]
                break

    def handle_data(self, data):
        if not self._skipping():
            self.pieces.append(data)


def _translated_msgids(language: str) -> set[str]:
    """English texts of the catalogue whose translation differs, as they would show on a page,
    less the words that are also a translation (French "Signer" is "Sign", English "Signer" is
    "Signataire")."""
    import polib

    path = Path(settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES" / "django.po"
    found = set()
    translations = set()
    for entry in polib.pofile(str(path)):
        if entry.obsolete or entry.msgid_plural or "%" in entry.msgid:
            continue
        text = " ".join(entry.msgid.split())
        translations.add(" ".join(entry.msgstr.split()))
        if entry.msgstr and entry.msgstr != entry.msgid and re.search(r"[a-z]{3}", text):
            found.add(text)
    return found - translations


def _walk_pages(client, seeds: list[str]) -> dict[str, list[str]]:
    from tests.e2e.test_leak_walk import HTML_ROUTES

    queue, seen, per_route, pages = list(seeds), set(), Counter(), {}
    while queue:
        path = urlsplit(queue.pop(0)).path
        if path in seen:
            continue
        seen.add(path)
        try:
            route = resolve(path).view_name
        except Resolver404:
            continue
        if route not in HTML_ROUTES or per_route[route] >= PAGES_PER_ROUTE:
            continue
        per_route[route] += 1
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = _PageText("fr")
        parser.feed(response.content.decode())
        pages[path] = parser.pieces
        queue += [link for link in parser.links if link.startswith("/")]
    return pages


def test_every_page_in_french_shows_no_english_text_that_has_a_translation(demo, client):
    """Every page of every role, on the demo, in French: no text of the page (text node or
    title/label/placeholder attribute) is an English message of the catalogue that has a
    French translation — such a text was printed without being marked for translation."""
    from tests.e2e.test_leak_walk import HTML_ROUTES

    english = _translated_msgids("fr")
    assert len(english) > 500  # the catalogue is the product's, not a stub
    # English by convention: CTCAE terms (the AE form's list) and the accounts' login names.
    english -= {term["term"] for term in load_terms()}
    english -= set(User.objects.values_list("username", flat=True))
    seeds = [reverse(name) for name, pattern in HTML_ROUTES.items() if "<" not in pattern]
    seeds += [reverse("patients:detail", kwargs={"pk": p.pk}) for p in Patient.objects.all()[:3]]
    untranslated: dict[str, set[str]] = {}
    walked = 0
    for role in WALK_ROLES:
        user = StaffProfile.objects.filter(role=role).order_by("user__username").first().user
        language_set(user=user, language="fr")
        client.force_login(user)
        pages = _walk_pages(client, seeds)
        walked += len(pages)
        for path, pieces in pages.items():
            for piece in pieces:
                text = " ".join(piece.split())
                if text in english:
                    untranslated.setdefault(text, set()).add(f"{role} {path}")
    assert walked > 150
    report = [f"{text!r} on {', '.join(sorted(at)[:3])}" for text, at in untranslated.items()]
    assert not untranslated, "\n".join(sorted(report))
