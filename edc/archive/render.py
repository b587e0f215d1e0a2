"""HTML of the casebook and aCRF templates, and their PDF drawn by WeasyPrint.

The browser's print view and the PDF use the same template; the PDF gets the stylesheet as a
file (no request to the web server), the page its ``<link>``.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import cache

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from edc import protocol

from .casebook import Casebook, casebook_for

STYLESHEET = "archive/print.css"
# WeasyPrint reports each layout step at INFO: not worth a line per page in the worker's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


@cache
def _stylesheet():
    from weasyprint import CSS

    return CSS(filename=finders.find(STYLESHEET))


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=".").write_pdf(stylesheets=[_stylesheet()])


def trial_context() -> dict:
    return {"trial_id": protocol.TRIAL_ID, "trial_title": protocol.TRIAL_TITLE}


def casebook_html(cb: Casebook, *, pdf: bool) -> str:
    return render_to_string("archive/casebook.html", {"cb": cb, "pdf": pdf, **trial_context()})


def casebook_pdf(*, user, patient, as_of: dt.datetime | None = None) -> bytes:
    """The PDF casebook of one patient (already fetched through a scoping selector)."""
    return html_to_pdf(
        casebook_html(casebook_for(user=user, patient=patient, as_of=as_of), pdf=True)
    )


def casebook_filename(patient, as_of: dt.datetime | None) -> str:
    from django.utils import timezone

    stamp = timezone.localtime(as_of or timezone.now())
    name = str(patient).replace(" ", "-")
    return f"{protocol.TRIAL_ID}-casebook-{name}-{stamp:%Y%m%dT%H%M}.pdf"
