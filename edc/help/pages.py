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


def page_path(slug: str) -> Path | None:
    return DOCS_DIR / f"{slug}.md" if slug in GUIDES else None


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


@lru_cache(maxsize=len(GUIDES))
def _cached(slug: str, mtime: float) -> HelpPage:
    return render(page_path(slug).read_text(encoding="utf-8"), slug)


def load(slug: str) -> HelpPage | None:
    """The guide ``slug`` rendered (cached until the file changes), or None if not a guide."""
    path = page_path(slug)
    if path is None or not path.is_file():
        return None
    return _cached(slug, path.stat().st_mtime)
