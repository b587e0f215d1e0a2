"""The dashboard's figures by name: what each plot reads, draws and offers as CSV.

``Dashboard(user)`` fetches each kind of data at most once (cached per instance), so the page
with every figure and a single ``/dashboard/<plot>.svg``, ``.png`` or ``.csv`` download cost a fixed
number of queries, and all three show the same data scoped to the user's sites.
"""

from __future__ import annotations

from functools import cached_property

from assessments.selectors import ENDPOINT_READS
from edc import protocol
from edc.caching import cached, data_stamp, reader_scope, recompute
from labs.models import ImmuneDraw, LabResult
from patients.models import CalendarEvent

from . import charts, selectors

ENROLMENT_PLOTS = ("enrolment-site", "enrolment-cohort")
TUMOUR_PLOTS = ("spider", "waterfall")
IMMUNE_PLOTS = tuple(f"immune-{c.code.lower()}" for c in protocol.COHORTS)
PLOTS: tuple[str, ...] = (
    "endpoints",
    *ENROLMENT_PLOTS,
    *TUMOUR_PLOTS,
    "swimmer",
    *IMMUNE_PLOTS,
)


# Every model the figures read: a save of any of them gives a new stamp (edc.caching).
READS = (*ENDPOINT_READS, CalendarEvent, ImmuneDraw, LabResult)


class UnknownPlot(LookupError):
    pass


class Dashboard:
    """Every figure of the trial dashboard as the user may see it."""

    def __init__(self, user):
        self.user = user

    # Results cached until the data change (edc.caching), per role, sites seen and language.
    @cached_property
    def scope(self) -> str:
        return reader_scope(self.user)

    @cached_property
    def stamp(self) -> str:
        return data_stamp(*READS)

    def cached(self, name: str, compute, reuse_for=lambda value: 0, refresh=None):
        return cached(f"dashboard:{name}", self.scope, self.stamp, compute, reuse_for, refresh)

    def recompute(self, name: str, compute, reuse_for=lambda value: 0):
        return recompute(f"dashboard:{name}", self.scope, self.stamp, compute, reuse_for)

    # Data, fetched on first use.
    @cached_property
    def endpoints(self):
        return selectors.tumour_endpoints(user=self.user)

    @cached_property
    def endpoint_groups(self) -> list[charts.EndpointGroup]:
        return selectors.endpoint_groups(self.endpoints)

    @cached_property
    def enrolment(self) -> list[charts.EnrolmentPoint]:
        return selectors.enrolment_points(user=self.user)

    @cached_property
    def spider(self) -> tuple[list[charts.SpiderLine], int]:
        return selectors.spider_lines(self.endpoints)

    @cached_property
    def waterfall(self) -> list[charts.WaterfallBar]:
        return selectors.waterfall_bars(self.spider[0], self.endpoints)

    @cached_property
    def swimmer(self) -> list[charts.SwimmerLane]:
        return selectors.swimmer_lanes(user=self.user, endpoints=self.endpoints)

    @cached_property
    def immune(self):
        return selectors.immune_changes(user=self.user)

    # Figures and their data.
    def figure(self, plot: str) -> charts.Figure:
        if plot == "endpoints":
            return charts.endpoints_chart(self.endpoint_groups)
        if plot in ENROLMENT_PLOTS:
            return charts.enrolment_chart(self.enrolment, by=plot.removeprefix("enrolment-"))
        if plot == "spider":
            lines, left_out = self.spider
            return charts.spider_chart(lines, not_shown=left_out)
        if plot == "waterfall":
            return charts.waterfall_chart(self.waterfall, not_shown=self.spider[1])
        if plot == "swimmer":
            return charts.swimmer_chart(self.swimmer)
        if plot in IMMUNE_PLOTS:
            return charts.immune_chart(plot.removeprefix("immune-").upper(), self.immune)
        raise UnknownPlot(plot)

    def table(self, plot: str) -> tuple[list[str], list[list]]:
        if plot == "endpoints":
            return charts.endpoints_table(self.endpoint_groups)
        if plot in ENROLMENT_PLOTS:
            return charts.enrolment_table(self.enrolment)
        if plot == "spider":
            return charts.spider_table(self.spider[0])
        if plot == "waterfall":
            return charts.waterfall_table(self.waterfall)
        if plot == "swimmer":
            return charts.swimmer_table(self.swimmer)
        if plot in IMMUNE_PLOTS:
            return charts.immune_table(plot.removeprefix("immune-").upper(), self.immune)
        raise UnknownPlot(plot)

    def figures(self) -> dict[str, charts.Figure]:
        return {plot: self.figure(plot) for plot in PLOTS}
