"""The user guides match the app: every page, link or button a guide names exists for its role.

The convention (docs/index.md, "How the guides are written"): a name the user sees on a page
— a page, link, button, heading, box or field — is written in **bold**, exactly as the page
shows it, and bold is used for nothing else. This test signs in as each guide's role, walks
every page that role can reach by following links from Home (a few of each kind: one casebook
stands for all), and collects the names of its links, buttons, headings, labels and table
headers. A bold name no page shows to that role fails the test, with the guide and the name.

The translated guides (``docs/<language>/``, the help pages serve them to a reader whose
interface is in that language) name the labels of the translated pages: they are checked
against the same walk in that language (once its catalogue is compiled).
"""

from __future__ import annotations

import re
from collections import deque
from functools import cache
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import lxml.html
import pytest
from django.conf import settings
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from edc.access import services as access
from edc.access.constants import Role
from edc.monitoring import services as monitoring
from edc.monitoring.constants import LockScope
from edc.monitoring.records import record_ref

DOCS = Path(settings.BASE_DIR) / "docs"
# Each guide and the roles it is written for; the index ("For everyone") is for every role.
GUIDE_ROLES = {
    "guide-investigator": (Role.INVESTIGATOR, Role.COORDINATOR),
    "guide-monitor": (Role.MONITOR,),
    "guide-statistician": (Role.STATISTICIAN,),
    "guide-data-manager": (Role.DATA_MANAGER,),
    "index": tuple(Role),
}
# The translated guides, per language (docs/<language>/<slug>.md); edc.help.pages serves them.
TRANSLATED_GUIDE_ROLES = {
    "fr": {
        "guide-investigator": (Role.INVESTIGATOR, Role.COORDINATOR),
        "guide-monitor": (Role.MONITOR,),
    },
}
UI_NAME = re.compile(r"\*\*(.+?)\*\*", re.S)
CODE = re.compile(r"`[^`]*`")
# Elements whose text is a name the user sees and a guide may cite.
NAMED = " | ".join(
    f"//{tag}"
    for tag in ("a", "button", "h1", "h2", "h3", "h4", "label", "legend", "caption")
    + ("th", "summary", "dt")
)
# Not pages to walk: files, the API, other apps' documents, sign-out, the help pages themselves.
SKIP = re.compile(
    r"^/(api|static|media|admin|help|accounts/logout)/|\.(csv|svg|zip|xml|json|png|pdf)$"
    r"|/(download|export|csv)\b|format="
)
PER_KIND = 2  # pages walked per URL shape (ids → N): one casebook stands for all
MAX_PAGES = 400


def normalized(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").split()).strip().casefold()


def guide_file(slug: str, language: str = "en") -> Path:
    return DOCS / f"{slug}.md" if language == "en" else DOCS / language / f"{slug}.md"


def guide_names(slug: str, language: str = "en") -> list[str]:
    """The bold names of a guide, in order, without code spans (``**`` inside code is code)."""
    text = CODE.sub("", guide_file(slug, language).read_text())
    return list(dict.fromkeys(" ".join(m.split()) for m in UI_NAME.findall(text)))


def shape(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def names_on(html: str) -> set[str]:
    """The names a page shows: text of links, buttons, headings, labels, table headers…"""
    tree = lxml.html.fromstring(html)
    for hidden in tree.xpath("//script | //style | //*[@hidden]"):
        hidden.drop_tree()
    names = set()
    for element in tree.xpath(NAMED):
        text = normalized(element.text_content())
        if text:
            names.add(text)
            names.add(text.rstrip(" *"))  # a required field's marker
            names.add(re.sub(r"\s*\(.*\)$", "", text))  # a heading's "(until Sunday …)"
    for value in tree.xpath("//input[@type='submit']/@value"):
        names.add(normalized(value))
    return names


def walk(client, seeds: tuple[str, ...]) -> dict[str, set[str]]:
    """GET every page reachable from ``seeds`` by links (``PER_KIND`` of each URL shape)."""
    seen: set[str] = set()
    per_shape: dict[str, int] = {}
    queue = deque(seeds)
    pages: dict[str, set[str]] = {}
    while queue and len(pages) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        path = urlsplit(url).path
        if SKIP.search(url) or per_shape.get(shape(path), 0) >= PER_KIND:
            continue
        response = client.get(url)
        # Files (streamed downloads, define.html for the statisticians' package) are not pages.
        if (
            response.status_code != 200
            or response.streaming
            or "html" not in response.get("Content-Type", "")
        ):
            continue
        per_shape[shape(path)] = per_shape.get(shape(path), 0) + 1
        html = response.content.decode()
        pages[url] = names_on(html)
        for href in lxml.html.fromstring(html).xpath("//a/@href"):
            link = urldefrag(str(href))[0]
            if link.startswith("/") and not link.startswith("//"):
                queue.append(link)
    return pages


@pytest.fixture
def role_users(investigator, coordinator, monitor, statistician, data_manager):
    return {
        Role.INVESTIGATOR: investigator,
        Role.COORDINATOR: coordinator,
        Role.MONITOR: monitor,
        Role.STATISTICIAN: statistician,
        Role.DATA_MANAGER: data_manager,
    }


@pytest.fixture
def app_names(trial, screened, role_users, web, data_manager, other_investigator):
    """For each role, every name its pages show: a screened and an enrolled patient (one
    dose locked), an account that left (deactivated) with a two-step sign-in app."""
    in_screening = screened(number="GUIDE-01")
    monitoring.lock_create(
        user=data_manager,
        scope=LockScope.RECORD,
        record=record_ref(trial["dose"]),
        reason="Verified and signed",
    )
    TOTPDevice.objects.create(user=other_investigator, name="Phone", confirmed=True)
    access.user_deactivate(actor=data_manager, user=other_investigator, reason="Left the site")
    seeds = (
        "/",
        "/accounts/login/",
        f"/patients/{trial['patient'].pk}/",
        f"/patients/{in_screening.pk}/",
        f"/access/users/{other_investigator.pk}/",
    )

    @cache
    def of(role: str, language: str = "en") -> set[str]:
        if language == "en":
            client = web(role_users[role])
        else:  # the pages in that language: the browser's choice (no language stored)
            client = Client(HTTP_ACCEPT_LANGUAGE=language)
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            client.force_login(role_users[role])
        pages = walk(client, seeds)
        assert len(pages) > 10, pages  # the walk did reach the app
        return set().union(*pages.values())

    return of


def missing(names: list[str], shown: set[str]) -> list[str]:
    return [name for name in names if normalized(name) not in shown]


def all_guides() -> list[tuple[str, str]]:
    return [(slug, "en") for slug in GUIDE_ROLES] + [
        (slug, language) for language, guides in TRANSLATED_GUIDE_ROLES.items() for slug in guides
    ]


def test_the_guides_use_the_convention_they_are_checked_by():
    for slug, language in all_guides():
        names = guide_names(slug, language)
        assert names, f"{slug} ({language}) names no page or button in bold"
        lead_ins = [n for n in names if n.endswith((".", ":", "?"))]
        assert not lead_ins, (
            f"{slug} ({language}): bold is for names on pages, not lead-ins: {lead_ins}"
        )


def test_a_translated_guide_has_the_structure_and_screenshots_of_the_english_one():
    """Same sections (one heading per English heading, same levels, same order) and the same
    screenshots in the same order, linked from docs/<language>/ (``../img/``)."""
    heading = re.compile(r"^(#+)\s", re.M)
    image = re.compile(r"!\[[^\]]*\]\((?:\.\./)?(img/[^)]+)\)")
    for language, guides in TRANSLATED_GUIDE_ROLES.items():
        for slug in guides:
            english, translated = (
                guide_file(slug).read_text(),
                guide_file(slug, language).read_text(),
            )
            assert heading.findall(translated) == heading.findall(english), (slug, language)
            assert image.findall(translated) == image.findall(english), (slug, language)
            assert "](img/" not in translated, (
                f"{slug} ({language}): link ../img/ from docs/{language}/"
            )


def test_every_page_and_button_the_guides_name_exists_for_their_roles(app_names):
    problems = {
        f"docs/{slug}.md, {role}": absent
        for slug, roles in GUIDE_ROLES.items()
        for role in roles
        if (absent := missing(guide_names(slug), app_names(role)))
    }
    assert not problems, f"names no page shows to that role: {problems}"


def compiled(language: str) -> bool:
    return any(
        (Path(path) / language / "LC_MESSAGES" / "django.mo").is_file()
        for path in settings.LOCALE_PATHS
    )


@pytest.mark.parametrize("language", sorted(TRANSLATED_GUIDE_ROLES))
def test_every_button_a_translated_guide_names_exists_in_its_language(app_names, language):
    if not compiled(language):
        pytest.skip(f"the {language} catalogue is not compiled (compilemessages)")
    problems = {
        f"docs/{language}/{slug}.md, {role}": absent
        for slug, roles in TRANSLATED_GUIDE_ROLES[language].items()
        for role in roles
        if (absent := missing(guide_names(slug, language), app_names(role, language)))
    }
    assert not problems, f"names no {language} page shows to that role: {problems}"


def test_the_check_fails_for_a_button_that_does_not_exist(app_names):
    """Guards the check itself: an invented button and another role's button are reported."""
    investigator = app_names(Role.INVESTIGATOR)
    assert missing(["Home", "Screen a new patient"], investigator) == []
    assert missing(["Approve the dose"], investigator) == ["Approve the dose"]
    assert missing(["Screen a new patient"], app_names(Role.MONITOR)) == ["Screen a new patient"]
    assert missing(["Users"], app_names(Role.STATISTICIAN)) == ["Users"]


@pytest.mark.django_db
def test_a_french_reader_gets_the_french_guide_and_english_for_the_others(client):
    from django.utils import translation

    from edc.help import pages

    french = pages.load("guide-monitor", "fr")
    assert french.title == "Guide du moniteur (ARC)"
    # Served under the English address: its screenshots and links are beside it, not above.
    assert 'src="img/home-monitor.png"' in french.html and "../" not in french.html
    assert pages.load("guide-monitor", "en").title == "Monitor guide"
    assert pages.load("guide-monitor", "nl").title == "Monitor guide"  # no Dutch guide yet
    assert pages.load("guide-statistician", "fr").title == pages.load("guide-statistician").title
    with translation.override("fr"):
        assert pages.load("guide-investigator").title.startswith("Guide de l’investigateur")
    response = client.get("/help/guide-investigator.md", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200 and "Guide de l’investigateur" in response.content.decode()
