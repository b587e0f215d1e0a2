"""The user guides of ``docs/`` as help pages: which files are guides, and their HTML.

The guides are the Markdown files written beside the code (their screenshots are taken by the
end-to-end run), so the help in the page header never drifts from the README's links. Only
the files listed in ``GUIDES`` are served — never developer notes or anything outside
``docs/`` — and links between guides keep working because each page is served under its own
file name (``/help/guide-monitor.md``), images under ``/help/img/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import markdown
from django.utils import translation

# Which guide each role reads is edc.access.training's (GUIDE_OF_ROLE): guides are training.
from edc.access.training import GUIDE_INDEX as INDEX
from edc.access.training import GUIDES_DIR

DOCS_DIR = GUIDES_DIR
IMAGE_DIR = DOCS_DIR / "img"
GUIDES = (
    INDEX,
    "guide-investigator",
    "guide-monitor",
    "guide-statistician",
    "guide-data-manager",
    "statisticians",
)
IMAGE_NAME = re.compile(r"^[A-Za-z0-9_-]+\.png$")


@dataclass(frozen=True)
class HelpPage:
    slug: str
    title: str
    html: str


# Guides written in another language too, per language: ``docs/<language>/<slug>.md``. A
# reader whose interface is in that language reads it; everyone else, and every other guide,
# the English file.
TRANSLATED_GUIDES: dict[str, frozenset[str]] = {
    "fr": frozenset({"guide-investigator", "guide-monitor"}),
}


def page_path(slug: str, language: str | None = None) -> Path | None:
    """The guide's file in ``language`` (default: the active one) if it is translated and
    present, else the English file; None if ``slug`` is not a guide."""
    if slug not in GUIDES:
        return None
    language = (language if language is not None else translation.get_language()) or ""
    language = language.split("-")[0].lower()
    if slug in TRANSLATED_GUIDES.get(language, ()):
        translated = DOCS_DIR / language / f"{slug}.md"
        if translated.is_file():
            return translated
    return DOCS_DIR / f"{slug}.md"


def image_path(name: str) -> Path | None:
    if not IMAGE_NAME.match(name):
        return None
    path = IMAGE_DIR / name
    return path if path.is_file() else None


def render(text: str, slug: str) -> HelpPage:
    """Markdown → HTML (tables, fenced code, heading anchors); the first ``#`` line is the title."""
    match = re.search(r"^#\s+(.+)$", text, flags=re.MULTILINE)
    title = match.group(1).strip() if match else slug
    html = markdown.markdown(
        text, extensions=["tables", "fenced_code", "toc", "sane_lists"], output_format="html"
    )
    return HelpPage(slug=slug, title=title, html=html)


@lru_cache(maxsize=2 * len(GUIDES))
def _cached(path: Path, slug: str, mtime: float) -> HelpPage:
    text = path.read_text(encoding="utf-8")
    if path.parent != DOCS_DIR:
        # A translated guide (docs/fr/…) links "../img/x.png" and "../index.md" on disk; it is
        # served under the same address as the English one (/help/<slug>.md), beside img/.
        text = _UP_LINK.sub(r"\1", text)
    return render(text, slug)


_UP_LINK = re.compile(r"(\]\()\.\./")


def load(slug: str, language: str | None = None) -> HelpPage | None:
    """The guide ``slug`` rendered in ``language`` (default: the active one; English when it
    has no translation), cached until the file changes; None if not a guide."""
    path = page_path(slug, language)
    if path is None or not path.is_file():
        return None
    return _cached(path, slug, path.stat().st_mtime)
