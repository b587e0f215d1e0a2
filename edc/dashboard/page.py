"""The dashboard page's data, computed in the request or by a worker (tasks.refresh_page):
the endpoint table and every figure rendered once, as plain values the cache keeps."""

from django.template.loader import render_to_string

from . import charts, selectors
from .figures import ENROLMENT_PLOTS, IMMUNE_PLOTS, TUMOUR_PLOTS, Dashboard


def figure_context(dashboard: Dashboard, plots) -> list[str]:
    """Each figure as the page shows it (spec, caption, downloads), rendered once: at 10,000
    patients the specs hold megabytes of JSON, which a cached page must not encode again."""
    return [
        render_to_string(
            "dashboard/_figure.html", {"f": {"plot": plot, "figure": dashboard.figure(plot)}}
        )
        for plot in plots
    ]


def endpoint_rows(dashboard: Dashboard) -> list[dict]:
    """The endpoint table: per group, each estimate as count, rate and interval text; the
    objective response with its comparison with the historical control, short in its cell
    and as a sentence (``summary``)."""
    rows = []
    for group, raw in zip(dashboard.endpoint_groups, dashboard.endpoints.groups, strict=True):
        tested = [e for e in group.estimates if e.p_value is not None]
        rows.append(
            {
                "key": group.key,
                "label": group.label,
                "patients": raw.patients,
                "unobserved": raw.benefit_without_landmark_assessment,
                "cells": [
                    {
                        "numerator": e.numerator,
                        "denominator": e.denominator,
                        "rate": charts.fmt_pct(None if e.rate is None else e.rate * 100),
                        "ci": f"{charts.fmt_number(e.ci_low * 100)}–"
                        f"{charts.fmt_pct(e.ci_high * 100)}",
                        "comparison": charts.comparison_text(e),
                    }
                    for e in group.estimates
                ],
                "summary": charts.response_sentence(tested[0]) if tested else "",
            }
        )
    return rows


def page_data(dashboard: Dashboard) -> dict:
    """The page's data and figures (plain values, cacheable)."""
    return {
        "patients": len(dashboard.endpoints.courses),
        "site_codes": sorted({p.site for p in dashboard.enrolment}),
        "endpoint_rows": endpoint_rows(dashboard),
        "not_computable": [
            {"patient": str(c.patient), "error": c.error}
            for c in dashboard.endpoints.not_computable
        ],
        "endpoints_figure": figure_context(dashboard, ["endpoints"])[0],
        "enrolment_figures": figure_context(dashboard, ENROLMENT_PLOTS),
        "enrolment_table": selectors.enrolment_by_site_and_cohort(dashboard.enrolment),
        "tumour_figures": figure_context(dashboard, TUMOUR_PLOTS),
        "swimmer_figure": figure_context(dashboard, ["swimmer"])[0],
        "immune_figures": figure_context(dashboard, IMMUNE_PLOTS),
    }
