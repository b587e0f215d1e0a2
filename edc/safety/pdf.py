"""The CIOMS-I-like form of one SAE report, as PDF (WeasyPrint), from the report's content.

Drawn in the active language: the e-mail's recipient's (``services.sae_message``) or the
language of the user who opens it (``views.SaeReportPdfView``). The captions follow the
official CIOMS-I form; the report's stored values (coded labels) are shown in that language
where the catalogue has them, the CTCAE term and MedDRA code as they are.
"""

from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import get_language

from .content import shown
from .models import SaeReport

STYLESHEET = Path(__file__).with_name("cioms.css")


def _date(value):
    return parse_date(value) if value else None


def report_context(report: SaeReport) -> dict:
    c = report.content
    return {
        "report": report,
        "c": shown(c),
        "language": (get_language() or "en").split("-")[0],
        "start_date": _date(c.get("start_date")),
        "stop_date": _date(c.get("stop_date")),
        "death_date": _date(c.get("death_date")),
        "last_paclitaxel_date": _date((c.get("last_paclitaxel") or {}).get("date")),
        "last_imp321_date": _date((c.get("last_imp321") or {}).get("date")),
        "aware_at": timezone.localtime(report.aware_at),
        "made_at": timezone.localtime(report.created_at),
    }


def report_pdf(report: SaeReport) -> bytes:
    from weasyprint import CSS, HTML

    html = render_to_string("safety/cioms.html", report_context(report))
    return HTML(string=html).write_pdf(stylesheets=[CSS(filename=str(STYLESHEET))])
