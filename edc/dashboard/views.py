"""The trial dashboard page and its downloads (each figure as SVG or PNG, its data as CSV).

Every trial role may open them; what they show is scoped by the selectors to the sites the
user can see (all sites for statisticians and data managers). The page carries each figure's
Vega-Lite spec (drawn in the browser); the SVG and PNG are rendered on request by vl-convert.
"""

import csv

from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.views import View
from django.views.generic import TemplateView

from edc import protocol
from edc.access.selectors import user_site_ids
from edc.caching import REFRESH_SECONDS, reuse_for_patients
from edc.operations.routers import reading_replica
from edc.web import TrialRoleRequiredMixin

from . import charts, selectors
from .figures import ENROLMENT_PLOTS, IMMUNE_PLOTS, PLOTS, TUMOUR_PLOTS, Dashboard, UnknownPlot


def _file_name(plot: str, extension: str) -> str:
    return f"{protocol.TRIAL_ID.lower()}-{plot}.{extension}"


def _figure_context(dashboard: Dashboard, plots) -> list[str]:
    """Each figure as the page shows it (spec, caption, downloads), rendered once: at 10,000
    patients the specs hold megabytes of JSON, which a cached page must not encode again."""
    return [
        render_to_string(
            "dashboard/_figure.html", {"f": {"plot": plot, "figure": dashboard.figure(plot)}}
        )
        for plot in plots
    ]


def _endpoint_rows(dashboard: Dashboard) -> list[dict]:
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


def _historical_control_text() -> dict:
    return {
        "rate": charts.fmt_pct(float(protocol.HISTORICAL_CONTROL_RESPONSE_RATE) * 100),
        "alpha": charts.fmt_number(float(protocol.HISTORICAL_CONTROL_ALPHA), 3),
    }


class DashboardView(TrialRoleRequiredMixin, TemplateView):
    template_name = "dashboard/index.html"

    def get_context_data(self, **kwargs):
        # The figures' data from the replica when one is configured (edc.operations.routers);
        # everything the page shows is computed here, before the template is rendered.
        with reading_replica():
            return self._context_data(**kwargs)

    def _context_data(self, **kwargs):
        user = self.request.user
        dashboard = Dashboard(user)
        # Everything drawn from the trial data, computed once per change of the data for
        # each role and set of sites (edc.caching): at 10,000 patients the courses and the
        # figures take seconds, a cached page milliseconds.
        # Above a few hundred patients a page is reused for up to a minute after a change,
        # and says as of when.
        page = dashboard.cached(
            "page",
            lambda: _page_data(dashboard),
            reuse_for=lambda data: reuse_for_patients(data["patients"]),
        )
        return super().get_context_data(
            as_of=page.as_of,
            refresh_seconds=REFRESH_SECONDS,
            all_sites=user_site_ids(user) is None,
            measures=[measure for _, measure in selectors.ENDPOINT_MEASURES],
            confidence=charts.confidence_text(),
            historical=_historical_control_text(),
            landmark_days=protocol.CLINICAL_BENEFIT_LANDMARK_DAYS,
            cohorts=protocol.COHORTS,
            **page.value,
            **kwargs,
        )


def _page_data(dashboard: Dashboard) -> dict:
    """The page's data and figures (plain values, cacheable)."""
    return {
        "patients": len(dashboard.endpoints.courses),
        "site_codes": sorted({p.site for p in dashboard.enrolment}),
        "endpoint_rows": _endpoint_rows(dashboard),
        "not_computable": [
            {"patient": str(c.patient), "error": c.error}
            for c in dashboard.endpoints.not_computable
        ],
        "endpoints_figure": _figure_context(dashboard, ["endpoints"])[0],
        "enrolment_figures": _figure_context(dashboard, ENROLMENT_PLOTS),
        "enrolment_table": selectors.enrolment_by_site_and_cohort(dashboard.enrolment),
        "tumour_figures": _figure_context(dashboard, TUMOUR_PLOTS),
        "swimmer_figure": _figure_context(dashboard, ["swimmer"])[0],
        "immune_figures": _figure_context(dashboard, IMMUNE_PLOTS),
    }


class PlotDownloadView(TrialRoleRequiredMixin, View):
    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)  # sign-in and role first, then the plot
        if request.user.is_authenticated and kwargs["plot"] not in PLOTS:
            raise Http404("No such plot.")


class PlotImageView(PlotDownloadView):
    """The figure drawn on the server (vl-convert) from the spec the page draws."""

    extension = ""
    content_type = ""

    def get(self, request, plot: str):
        try:
            with reading_replica():
                figure = Dashboard(request.user).figure(plot)
        except UnknownPlot:
            raise Http404("No such plot.") from None
        response = HttpResponse(self.render(figure), content_type=self.content_type)
        response["Content-Disposition"] = (
            f'attachment; filename="{_file_name(plot, self.extension)}"'
        )
        return response


class PlotSvgView(PlotImageView):
    extension = "svg"
    content_type = "image/svg+xml; charset=utf-8"

    def render(self, figure) -> str:
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + figure.svg()


class PlotPngView(PlotImageView):
    extension = "png"
    content_type = "image/png"

    def render(self, figure) -> bytes:
        return figure.png()


class PlotCsvView(PlotDownloadView):
    def get(self, request, plot: str):
        try:
            # The data file is data, not a page: its values stay in English whatever the
            # user's language (like every export).
            with reading_replica(), translation.override("en"):
                header, rows = Dashboard(request.user).table(plot)
        except UnknownPlot:
            raise Http404("No such plot.") from None
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{_file_name(plot, "csv")}"'
        writer = csv.writer(response)
        writer.writerow(header)
        writer.writerows(rows)
        return response
