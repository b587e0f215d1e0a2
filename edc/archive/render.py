"""HTML of the casebook and aCRF templates, and their PDF drawn by WeasyPrint.

The browser's print view and the PDF use the same template; the PDF gets the stylesheet as a
file (no request to the web server), the page its ``<link>``.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from functools import cache

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

from edc import protocol

from .casebook import Casebook, casebook_for

STYLESHEET = "archive/print.css"
# WeasyPrint reports each layout step at INFO: not worth a line per page in the worker's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


@cache
def _stylesheet():
    from weasyprint import CSS

    return CSS(filename=finders.find(STYLESHEET))


@cache
def _page_numbers(language: str):
    """The footer's "Page 3 of 12" in ``language`` (print.css says it in English)."""
    from django.utils.translation import gettext
    from weasyprint import CSS

    with translation.override(language):
        # Translators: the page number in a PDF's footer; keep both placeholders.
        text = gettext("Page %(page)s of %(pages)s")
    parts = re.split(r"%\((page|pages)\)s", text)
    content = " ".join(
        f"counter({part})" if i % 2 else '"' + part.replace('"', "") + '"'
        for i, part in enumerate(parts)
    )
    return CSS(string=f"@page {{ @bottom-right {{ content: {content}; }} }}")


def html_to_pdf(html: str, *, language: str = "en") -> bytes:
    """The PDF of ``html``, its page footer in ``language`` (the document's)."""
    from weasyprint import HTML

    sheets = [_stylesheet(), _page_numbers(language)]
    return HTML(string=html, base_url=".").write_pdf(stylesheets=sheets)


def trial_context() -> dict:
    return {"trial_id": protocol.TRIAL_ID, "trial_title": protocol.TRIAL_TITLE}


def casebook_html(cb: Casebook, *, pdf: bool) -> str:
    """The casebook page, in the language it was built in (the requesting user's)."""
    with translation.override(cb.language):
        return render_to_string(
            "archive/casebook.html",
            {"cb": cb, "pdf": pdf, "language": cb.language, **trial_context()},
        )


def casebook_pdf(*, user, patient, as_of: dt.datetime | None = None) -> bytes:
    """The PDF casebook of one patient (already fetched through a scoping selector)."""
    cb = casebook_for(user=user, patient=patient, as_of=as_of)
    return html_to_pdf(casebook_html(cb, pdf=True), language=cb.language)


def casebook_filename(patient, as_of: dt.datetime | None) -> str:
    from django.utils import timezone

    stamp = timezone.localtime(as_of or timezone.now())
    name = str(patient).replace(" ", "-")
    return f"{protocol.TRIAL_ID}-casebook-{name}-{stamp:%Y%m%dT%H%M}.pdf"
