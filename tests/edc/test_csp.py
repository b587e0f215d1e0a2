"""Content-Security-Policy (issue 18 §3): the header on every response, no inline code anywhere.

The policy (edc/settings/base.py) allows scripts, styles, images and requests from this origin
only, with no 'unsafe-inline' and no 'unsafe-eval': an inline <script> body, a <style>
element, a style="" attribute or an on*="" handler would be refused by the browser. So the
templates must not contain any — proven here by scanning every template of the project and
the HTML the pages actually produce (Python-built SVG charts, rendered help pages); the
browser side is tests/e2e/test_csp.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from unittest import mock

import pytest
from django.apps import apps
from django.conf import settings
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client

from edc.help import pages as help_pages
from edc.operations.middleware import MESSAGE

REPO = Path(settings.BASE_DIR)
HEADER = "Content-Security-Policy"
POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}
UNSAFE = re.compile(r"unsafe-inline|unsafe-eval|unsafe-hashes|\*")


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in filter(None, (p.strip() for p in header.split(";"))):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def assert_strict_policy(response) -> None:
    assert HEADER in response, f"no {HEADER} header on {response.status_code} response"
    header = response[HEADER]
    assert not UNSAFE.search(header), header
    assert directives(header) == POLICY


# --- Inline code finder ----------------------------------------------------------------------
TEMPLATE_COMMENT = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", re.S)
TEMPLATE_CODE = re.compile(r"{%.*?%}|{{.*?}}", re.S)
JSON_TYPES = {"application/json", "application/ld+json"}


class InlineCodeFinder(HTMLParser):
    """Lists what a strict CSP refuses: <style>, style="", on*="", javascript: URLs, and any
    <script> with a body, unless it is a JSON data island (what ``json_script`` writes)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._script: dict | None = None

    def where(self) -> str:
        return f"line {self.getpos()[0]}"

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"{self.where()}: style attribute on <{tag}>")
            elif name.startswith("on"):
                self.problems.append(f"{self.where()}: inline handler {name}= on <{tag}>")
            elif (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"{self.where()}: javascript: URL in {name}= on <{tag}>")
        if tag == "style":
            self.problems.append(f"{self.where()}: <style> element")
        elif tag == "script":
            self._script = {
                "line": self.where(),
                "src": bool(names.get("src")),
                "json": (names.get("type") or "").strip().lower() in JSON_TYPES,
                "body": "",
            }

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self.handle_endtag(tag)

    def handle_data(self, data):
        if self._script is not None:
            self._script["body"] += data

    def handle_endtag(self, tag):
        if tag != "script" or self._script is None:
            return
        script, self._script = self._script, None
        if script["json"]:
            return
        if script["body"].strip():
            self.problems.append(f"{script['line']}: inline <script> with a body")
        elif not script["src"]:
            self.problems.append(f"{script['line']}: <script> without src")


def inline_code(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    finder.close()
    return finder.problems


def template_inline_code(source: str) -> list[str]:
    """The same check on a template's source: comments dropped, template code blanked (a
    ``{% if %}`` that adds an attribute leaves the attribute in place, so it is still seen)."""
    source = TEMPLATE_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), source)
    source = TEMPLATE_CODE.sub(lambda m: "x" + "\n" * m.group(0).count("\n"), source)
    return inline_code(source)


def project_template_files() -> list[Path]:
    """templates/ and the templates folder of every installed app that lives in this repo."""
    folders = [Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])]
    for config in apps.get_app_configs():
        folder = Path(config.path) / "templates"
        if folder.is_dir() and REPO in folder.parents and ".venv" not in folder.parts:
            folders.append(folder)
    files = sorted({f for folder in folders for f in folder.rglob("*") if f.is_file()})
    return [f for f in files if f.suffix in {".html", ".svg", ".xml", ".txt", ".js"}]


@pytest.mark.parametrize(
    ("markup", "found"),
    [
        ('<p style="color:red">x</p>', "style attribute"),
        ("<style>p{}</style>", "<style> element"),
        ('<button onclick="go()">x</button>', "inline handler onclick="),
        ('<svg><rect onload="x()"/></svg>', "inline handler onload="),
        ("<script>alert(1)</script>", "inline <script> with a body"),
        ('<script src="/static/a.js">alert(1)</script>', "inline <script> with a body"),
        ('<a href="javascript:void(0)">x</a>', "javascript: URL"),
        ('<svg><path style="fill:red" d="M0"/></svg>', "style attribute"),
    ],
)
def test_the_finder_sees_every_kind_of_inline_code(markup, found):
    problems = inline_code(markup)
    assert problems and found in problems[0]


def test_the_finder_accepts_external_scripts_json_islands_and_svg_presentation_attributes():
    markup = (
        '<script src="/static/js/a.js" defer></script>'
        '<script id="data" type="application/json">{"a": 1}</script>'
        '<svg><rect fill="#fff" stroke="#000" stroke-dasharray="4 2"/></svg>'
        '<a href="/x" data-on="1">x</a>'
    )
    assert inline_code(markup) == []


def test_templates_hold_no_inline_script_style_or_handler():
    files = project_template_files()
    assert REPO / "templates" / "base.html" in files
    assert REPO / "templates" / "503.html" in files
    problems = {
        str(f.relative_to(REPO)): found
        for f in files
        if (found := template_inline_code(f.read_text(encoding="utf-8")))
    }
    assert problems == {}


# --- The header --------------------------------------------------------------------------------
@pytest.mark.django_db
def test_pages_carry_the_strict_policy_and_the_other_security_headers(web, investigator):
    response = web(investigator).get("/")
    assert response.status_code == 200
    assert_strict_policy(response)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_the_login_page_and_static_files_carry_the_policy(client):
    assert_strict_policy(client.get("/accounts/login/"))
    static = client.get(f"{settings.STATIC_URL}css/edc.css".replace("//", "/"))
    assert static.status_code == 200
    assert_strict_policy(static)


@pytest.mark.django_db
def test_api_responses_carry_the_policy(api, investigator, client):
    response = api(investigator).get("/api/v1/patients/")
    assert response.status_code == 200
    assert_strict_policy(response)
    assert_strict_policy(client.get("/api/v1/patients/", HTTP_ACCEPT="application/json"))


@pytest.mark.django_db
def test_the_503_page_carries_the_policy_and_its_stylesheet_is_served_without_the_database(
    investigator,
):
    client = Client(raise_request_exception=False)
    client.force_login(investigator)
    down = OperationalError("could not connect to server: Connection refused")
    with mock.patch.object(BaseDatabaseWrapper, "ensure_connection", side_effect=down):
        response = client.get("/patients/")
        assert response.status_code == 503
        html = response.content.decode()
        assert MESSAGE in html
        assert_strict_policy(response)
        assert inline_code(html) == []
        stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)">', html)
        assert stylesheets == ["/static/css/edc.css"]
        css = client.get(stylesheets[0])
        assert css.status_code == 200
        assert css["Content-Type"].startswith("text/css")
        assert b".topbar" in b"".join(css.streaming_content)
        api = client.get("/api/v1/patients/")
        assert api.status_code == 503
        assert_strict_policy(api)


@pytest.mark.django_db
def test_the_api_docs_page_loads_its_setup_script_from_a_url_not_inline(web, investigator):
    client = web(investigator)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert inline_code(html) == []
    # Only Swagger UI's own stylesheet needs data: images (its icons); nothing else is added.
    header = directives(response[HEADER])
    assert header == {**POLICY, "img-src": ["'self'", "data:"]}
    assert not UNSAFE.search(response[HEADER])
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert len(scripts) == 3 and all(s.startswith("/") for s in scripts), scripts
    setup = client.get(scripts[-1])
    assert setup.status_code == 200
    assert setup["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in setup.content.decode()
    assert "/api/schema/" in setup.content.decode()


@pytest.mark.django_db
def test_rendered_pages_hold_no_inline_code(web, statistician, investigator, enrolled):
    """What Python builds into the pages too: the dashboard's SVG charts, the help guides."""
    patient = enrolled(c1d1_days_ago=40)
    enrolled(c1d1_days_ago=20)
    client = web(statistician)
    urls = ["/", "/dashboard/", "/patients/", f"/patients/{patient.pk}/", "/exports/"]
    urls += [f"/help/{slug}.md" for slug in help_pages.GUIDES]
    problems = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict_policy(response)
        if found := inline_code(response.content.decode()):
            problems[url] = found
    svg = client.get("/dashboard/swimmer.svg")
    assert svg.status_code == 200
    if found := inline_code(svg.content.decode()):
        problems["/dashboard/swimmer.svg"] = found
    assert problems == {}


# --- Every settings module -------------------------------------------------------------------
SHOW_SETTINGS = """
import importlib, json, sys
module = importlib.import_module(sys.argv[1])
print(json.dumps({
    "policy": getattr(module, "CONTENT_SECURITY_POLICY", None),
    "report_only": getattr(module, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None),
    "middleware": module.MIDDLEWARE,
    "apps": module.INSTALLED_APPS,
}))
"""


@pytest.mark.parametrize("module", ["local", "test", "production"])
def test_every_settings_module_enforces_the_same_strict_policy(module):
    env = {
        **os.environ,
        "SECRET_KEY": "settings-check-only",
        "DATABASE_URL": os.environ.get("DATABASE_URL") or "postgres://u@127.0.0.1:5432/x",
    }
    out = subprocess.run(
        [sys.executable, "-c", SHOW_SETTINGS, f"edc.settings.{module}"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = json.loads(out)
    assert found["policy"] == {"DIRECTIVES": POLICY}
    assert found["report_only"] is None
    assert not UNSAFE.search(json.dumps(found["policy"]))
    assert "csp" in found["apps"]
    middleware = found["middleware"]
    # Right after SecurityMiddleware: outside the 503 middleware and whitenoise.
    assert middleware.index("csp.middleware.CSPMiddleware") == 1 + middleware.index(
        "django.middleware.security.SecurityMiddleware"
    )
    assert middleware.index("csp.middleware.CSPMiddleware") < middleware.index(
        "edc.operations.middleware.DatabaseUnavailableMiddleware"
    )
