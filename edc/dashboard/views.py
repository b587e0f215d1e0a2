"""The trial dashboard page and its downloads (each figure as SVG or PNG, its data as CSV).

Every trial role may open them; what they show is scoped by the selectors to the sites the
user can see (all sites for statisticians and data managers). The page carries each figure's
Vega-Lite spec (drawn in the browser); the SVG and PNG are rendered on request by vl-convert.
"""

import csv

from django.http import Http404, HttpResponse
from django.utils import translation
from django.views import View
from django.views.generic import TemplateView

from edc import protocol
from edc.access.selectors import user_site_ids
from edc.caching import REFRESH_SECONDS, reuse_for_page
from edc.operations.routers import reading_replica
from edc.web import TrialRoleRequiredMixin

from . import charts, selectors
from .figures import PLOTS, Dashboard, UnknownPlot
from .page import page_data
from .tasks import refresh_page


def _file_name(plot: str, extension: str) -> str:
    return f"{protocol.TRIAL_ID.lower()}-{plot}.{extension}"


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
        # says as of when, and a worker computes the next one (tasks.refresh_page).
        page = dashboard.cached(
            "page",
            lambda: page_data(dashboard),
            reuse_for=reuse_for_page,
            refresh=lambda: refresh_page.delay(user.pk, translation.get_language()),
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
