"""The endpoints page's body, rendered in the request or by a worker
(tasks.refresh_endpoints_page), with the number of patients it covers (edc.caching)."""

from django.template.loader import render_to_string

from . import selectors

ENDPOINTS_PAGE = "endpoints-page"


def endpoints_page(user) -> dict:
    """The endpoints page's body as ``user`` reads it, and the number of patients it covers."""
    endpoints = selectors.trial_endpoints(user)
    html = render_to_string("assessments/_endpoints_body.html", {"endpoints": endpoints})
    return {"html": html, "patients": len(endpoints.courses)}
