"""Figures of the trial dashboard: plain values in, a Vega-Lite ``Figure`` (title, caption,
spec; ``edc.charts``) and the data as table rows out.

Pure: no ORM; the words are translated into the active language (``gettext``) and the
numbers use its decimal separator, so a cached figure is cached per language (``figures``).
The page draws each spec with the vendored vega-embed (CSP-safe expression interpreter,
``static/js/charts.js``) inside a ``<figure>`` whose ``role="img"`` is labelled by the title and
described by the caption; the same spec downloads as SVG or PNG (rendered by vl-convert) and its
data as CSV. Every line, bar and marker has a tooltip.

Colours: the site's Okabe–Ito palette (``edc.charts``); cohorts also differ by dash pattern or
a text label, so no information is carried by colour alone. Time is in weeks since C1D1
(study day 1), the protocol's tumour-assessment cadence (8 weeks) spacing the ticks.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import altair as alt
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from edc import protocol
from edc.charts import (
    INK,
    MINUS,
    MUTED,
    PALETTE,
    WIDTH,
    Figure,
    SeriesStyle,
    dataset,
    empty_chart,
    figure,
    reference_rules,
    series_styles,
    style_scales,
)
from labs import charts as lab_charts
from labs.catalogue import ANALYTES_BY_CODE
from labs.constants import DrawEvent
from labs.immune import FOLLOW_UPS, POPULATIONS, ChangeFromBaseline

__all__ = ["PALETTE", "Figure", "SeriesStyle", "series_styles"]

WEEK = 7
NOT_ASSESSED = gettext_lazy("not assessed")
LINE_LEGEND = alt.Legend(symbolType="stroke", symbolSize=400)  # a line sample with its dashes
# Up to this many patients, the spider, waterfall and swimmer plots draw one mark per patient;
# above it, summaries per cohort (issue 24: 10,000 patients' marks were 20 MB a page, and no
# reader can tell 10,000 lines apart). Every patient stays in the figure's data (CSV).
PATIENT_MARKS_UP_TO = 300
SPIDER_BIN_WEEKS = 2  # summarised spider plot: assessments grouped in 2-week intervals


# --- Shared pieces -------------------------------------------------------------------------------
def cohort_label(code: str) -> str:
    declared = protocol.COHORTS_BY_CODE.get(code)
    return declared.label if declared else _("Cohort %(code)s") % {"code": code}


def cohort_styles() -> dict[str, SeriesStyle]:
    return series_styles([c.code for c in protocol.COHORTS])


def fmt_number(value: float | Decimal, digits: int = 1) -> str:
    """1 decimal at most, trailing ".0" dropped, a true minus sign: -30.0 → "−30"."""
    text = f"{float(value):.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return _decimal(text).replace("-", MINUS)


def _decimal(text: str) -> str:
    """A number written with the active language's decimal separator (0.5 → "0,5" in French)."""
    return text.replace(".", get_format("DECIMAL_SEPARATOR"))


def fmt_pct(value: float | Decimal | None, digits: int = 1, *, signed: bool = False) -> str:
    """A value already in percent: 50 → "50 %", -44.93 → "−44.9 %" ("+12 %" when signed)."""
    if value is None:
        return "—"
    text = fmt_number(value, digits)
    if signed and float(value) > 0:
        text = "+" + text
    return f"{text} %"


def quantile(ordered: Sequence[float], q: float) -> float:
    """The q-quantile of sorted values, interpolated between neighbours (numpy's default)."""
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def nice_ticks(lo: float, hi: float, count: int = 5, *, integer: bool = False) -> list[float]:
    """Round tick values covering [lo, hi] with about ``count`` intervals (whole numbers when
    ``integer``, e.g. for counts of patients)."""
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    factors = (1, 2, 5, 10) if integer else (1, 2, 2.5, 5, 10)
    candidates = [f * m for f in factors for m in (magnitude / 10, magnitude, magnitude * 10)]
    if integer:
        candidates = [c for c in candidates if c >= 1] or [1]

    def intervals(step: float) -> int:
        return math.ceil(hi / step - 1e-9) - math.floor(lo / step + 1e-9)

    step = min(candidates, key=lambda c: (abs(intervals(c) - count), c))
    start = math.floor(lo / step + 1e-9) * step
    end = math.ceil(hi / step - 1e-9) * step
    n = round((end - start) / step)
    return [round(start + i * step, 10) for i in range(n + 1)]


def week_ticks(max_weeks: float) -> list[float]:
    """Ticks on the tumour-assessment grid (every 8 weeks), coarser for long follow-up."""
    cadence = protocol.TUMOUR_ASSESSMENT_INTERVAL_DAYS // WEEK
    step = cadence
    while max_weeks / step > 10:
        step += cadence
    end = max(step, math.ceil(max_weeks / step) * step)
    return [float(w) for w in range(0, end + 1, step)]


def cohort_order(codes: Iterable[str]) -> list[str]:
    """The cohorts among ``codes``, in protocol order, then any the protocol does not name."""
    present = set(codes)
    ordered = [c.code for c in protocol.COHORTS if c.code in present]
    return ordered + sorted(present - set(ordered))


def _weeks_axis(field: str, x_ticks: Sequence[float]) -> alt.X:
    """Weeks since C1D1 on the tumour-assessment grid (``week_ticks``)."""
    return alt.X(
        f"{field}:Q",
        title=_("Weeks since C1D1"),
        scale=alt.Scale(domain=[0, x_ticks[-1]], nice=False),
        axis=alt.Axis(values=x_ticks, format="d"),
    )


def _cohort_encodings(codes: Sequence[str], *, dashes: bool = True) -> dict:
    """Colour (and dash pattern) by cohort label, in protocol order, with one legend."""
    styles = cohort_styles()
    present = cohort_order(codes)
    for code in present:
        styles.setdefault(code, SeriesStyle(INK, ()))
    labels = [cohort_label(c) for c in present]
    scales = style_scales(labels, [styles[c] for c in present])
    legend = LINE_LEGEND if dashes else alt.Undefined
    encodings = {
        "color": alt.Color("cohort:N", title=_("Cohort"), scale=scales["colour"], legend=legend)
    }
    if dashes:
        encodings["strokeDash"] = alt.StrokeDash(
            "cohort:N", title=_("Cohort"), scale=scales["dash"], legend=legend
        )
    return encodings


def _pct_axis(values: Sequence[float], title: str, field: str = "pct") -> alt.Y:
    ticks = _pct_change_ticks(values)
    return alt.Y(
        f"{field}:Q",
        title=title,
        scale=alt.Scale(domain=[ticks[0], ticks[-1]], nice=False),
        axis=alt.Axis(values=ticks, format="d"),
    )


def _recist_references() -> alt.LayerChart:
    return reference_rules(
        [
            {"value": _pd_threshold(), "label": fmt_pct(_pd_threshold(), signed=True)},
            {"value": _pr_threshold(), "label": fmt_pct(_pr_threshold())},
        ]
    )


def _zero_line() -> alt.Chart:
    return alt.Chart(dataset([{"zero": 0}])).mark_rule(color=MUTED).encode(y=alt.Y("zero:Q"))


def _pr_threshold() -> float:
    return -float(protocol.RECIST.pr_decrease_pct)


def _pd_threshold() -> float:
    return float(protocol.RECIST.pd_increase_pct)


def _pct_change_ticks(values: Sequence[float]) -> list[float]:
    """Y ticks for % change: the data and both RECIST reference lines, with a margin."""
    return nice_ticks(min([*values, _pr_threshold() - 10]), max([*values, _pd_threshold() + 10]), 6)


def _not_shown_text(not_shown: int) -> str:
    if not not_shown:
        return ""
    return " " + ngettext(
        "%(count)s patient without a measured follow-up is not shown.",
        "%(count)s patients without a measured follow-up are not shown.",
        not_shown,
    ) % {"count": not_shown}


def _thresholds_text() -> str:
    pd = fmt_pct(_pd_threshold(), signed=True)
    pr = fmt_pct(_pr_threshold())
    return _(
        "Dashed reference lines at %(pd)s and %(pr)s (RECIST 1.1 thresholds: a %(pr)s decrease "
        "from baseline is a partial response; progression is a %(pd)s increase measured from "
        "the nadir)."
    ) % {"pd": pd, "pr": pr}


# --- Enrolment over time -------------------------------------------------------------------------
@dataclass(frozen=True)
class EnrolmentPoint:
    subject_id: str
    enrolled_on: dt.date
    site: str
    cohort: str


ENROLMENT_GROUPINGS = {"site": "site", "cohort": "cohort"}


def enrolment_chart(points: Sequence[EnrolmentPoint], *, by: str) -> Figure:
    """Cumulative enrolment, one step line per site (``by="site"``) or cohort (``"cohort"``)."""
    if by not in ENROLMENT_GROUPINGS:
        raise ValueError(f"Enrolment can be grouped by site or cohort, not {by!r}.")
    ident = f"enrolment-{by}"
    title = _("Enrolment over time by site") if by == "site" else _("Enrolment over time by cohort")
    groups: dict[str, list[dt.date]] = {}
    for p in sorted(points, key=lambda p: (p.enrolled_on, p.subject_id)):
        groups.setdefault(getattr(p, by), []).append(p.enrolled_on)
    keys = sorted(groups) if by == "site" else cohort_order(groups)
    labels = {k: cohort_label(k) if by == "cohort" else k for k in keys}
    styles = cohort_styles() if by == "cohort" else series_styles(keys)
    for key in keys:  # a cohort missing from the protocol still gets a style
        styles.setdefault(key, series_styles(keys)[key])
    if not points:
        caption = (
            _("Cumulative number of patients enrolled over time, one line per site: none yet.")
            if by == "site"
            else _(
                "Cumulative number of patients enrolled over time, one line per cohort: none yet."
            )
        )
        return figure(ident, title, caption, empty_chart(_("No patient enrolled yet.")))
    first = min(p.enrolled_on for p in points)
    last = max(p.enrolled_on for p in points)
    counts = "; ".join(
        # Translators: enrolment of a cohort, e.g. "Cohort A: 4 of 10"
        _("%(label)s: %(count)s of %(capacity)s")
        % {
            "label": labels[k],
            "count": len(groups[k]),
            "capacity": protocol.COHORTS_BY_CODE[k].capacity,
        }
        if by == "cohort" and k in protocol.COHORTS_BY_CODE
        # Translators: enrolment of a site, e.g. "FR01: 4"
        else _("%(label)s: %(count)s") % {"label": labels[k], "count": len(groups[k])}
        for k in keys
    )
    values = {
        "count": len(points),
        "first": first.isoformat(),
        "last": last.isoformat(),
        "counts": counts,
    }
    caption = (
        ngettext(
            "Cumulative number of patients enrolled over time, one line per site: "
            "%(count)s patient enrolled from %(first)s to %(last)s (%(counts)s).",
            "Cumulative number of patients enrolled over time, one line per site: "
            "%(count)s patients enrolled from %(first)s to %(last)s (%(counts)s).",
            len(points),
        )
        if by == "site"
        else ngettext(
            "Cumulative number of patients enrolled over time, one line per cohort: "
            "%(count)s patient enrolled from %(first)s to %(last)s (%(counts)s).",
            "Cumulative number of patients enrolled over time, one line per cohort: "
            "%(count)s patients enrolled from %(first)s to %(last)s (%(counts)s).",
            len(points),
        )
    ) % values
    end = (last if last > first else first + dt.timedelta(days=30)) + dt.timedelta(days=7)
    rows = []
    for key in keys:
        dates = groups[key]
        series = f"{labels[key]} ({len(dates)})"
        rows.append({"series": series, "date": _day(dates[0]), "patients": 0, "tip": ""})
        # One point per day with enrolments (its count at the end of that day).
        for n, day in enumerate(dates, start=1):
            if n < len(dates) and dates[n] == day:
                continue
            tip = _("%(label)s: %(count)s enrolled by %(date)s") % {
                "label": labels[key],
                "count": n,
                "date": day.isoformat(),
            }
            rows.append({"series": series, "date": _day(day), "patients": n, "tip": tip})
        rows.append({"series": series, "date": _day(end), "patients": len(dates), "tip": ""})
    months = (end.year - first.year) * 12 + end.month - first.month + 1
    every = max(1, math.ceil(months / 8))
    y_ticks = nice_ticks(0, max(len(v) for v in groups.values()), 5, integer=True)
    series_labels = [f"{labels[k]} ({len(groups[k])})" for k in keys]
    scales = style_scales(series_labels, [styles[k] for k in keys])
    legend_title = _("Site") if by == "site" else _("Cohort")
    chart = (
        alt.Chart(dataset(rows))
        .mark_line(interpolate="step-after", strokeWidth=2.5)
        .encode(
            x=alt.X(
                "date:T",
                title=_("Date of enrolment"),
                axis=alt.Axis(format="%b %Y", tickCount={"interval": "month", "step": every}),
            ),
            y=alt.Y(
                "patients:Q",
                title=_("Patients enrolled (cumulative)"),
                scale=alt.Scale(domain=[0, y_ticks[-1]], nice=False),
                axis=alt.Axis(values=y_ticks, format="d"),
            ),
            color=alt.Color(
                "series:N", title=legend_title, scale=scales["colour"], legend=LINE_LEGEND
            ),
            strokeDash=alt.StrokeDash(
                "series:N", title=legend_title, scale=scales["dash"], legend=LINE_LEGEND
            ),
            tooltip=alt.Tooltip("tip:N", title=_("Enrolment")),
        )
        .properties(width=WIDTH, height=220)
    )
    return figure(ident, title, caption, chart)


def _day(day: dt.date) -> str:
    """A date as local midnight, so every browser draws it on that day."""
    return f"{day.isoformat()}T00:00:00"


def enrolment_table(points: Sequence[EnrolmentPoint]) -> tuple[list[str], list[list]]:
    header = [
        "subject_id",
        "enrolled_on",
        "site",
        "cohort",
        "cumulative_site",
        "cumulative_cohort",
        "cumulative_total",
    ]
    by_site: dict[str, int] = {}
    by_cohort: dict[str, int] = {}
    rows = []
    for total, p in enumerate(sorted(points, key=lambda p: (p.enrolled_on, p.subject_id)), 1):
        by_site[p.site] = by_site.get(p.site, 0) + 1
        by_cohort[p.cohort] = by_cohort.get(p.cohort, 0) + 1
        rows.append(
            [
                p.subject_id,
                p.enrolled_on.isoformat(),
                p.site,
                p.cohort,
                by_site[p.site],
                by_cohort[p.cohort],
                total,
            ]
        )
    return header, rows


# --- Endpoints with confidence intervals --------------------------------------------------------
@dataclass(frozen=True)
class EndpointEstimate:
    """One endpoint of one group; ``p_value`` tests it against ``reference_rate`` (ORR only).

    ``p_value`` is the exact one-sided binomial test of H0: rate ≤ ``reference_rate`` (the
    historical control rate of ``protocol.HISTORICAL_CONTROL_RESPONSE_RATE``).
    """

    measure: str  # "Objective response rate", ...
    numerator: int
    denominator: int
    rate: float | None
    ci_low: float
    ci_high: float
    reference_rate: float | None = None
    p_value: float | None = None

    @property
    def above_reference(self) -> bool:
        """The test shows a rate above the reference (p below the protocol's alpha)."""
        alpha = float(protocol.HISTORICAL_CONTROL_ALPHA)
        return self.p_value is not None and self.p_value < alpha


@dataclass(frozen=True)
class EndpointGroup:
    key: str  # cohort code or "overall"
    label: str
    estimates: tuple[EndpointEstimate, ...]


def confidence_text() -> str:
    """The protocol's confidence level as text: "95 %"."""
    return fmt_pct(float(protocol.CONFIDENCE_LEVEL) * 100)


def ci_text(e: EndpointEstimate) -> str:
    """The interval in words: 95 % CI 31.3–68.7 %."""
    # Translators: a confidence interval, e.g. "95 % CI 31.3–68.7 %"
    return _("%(level)s CI %(low)s–%(high)s") % {
        "level": confidence_text(),
        "low": fmt_number(e.ci_low * 100),
        "high": fmt_pct(e.ci_high * 100),
    }


def estimate_text(e: EndpointEstimate) -> str:
    """Counts, rate and interval, e.g. 15/30 = 50 % (95 % CI 31.3–68.7 %), and the comparison
    with the historical rate when there is one."""
    rate = fmt_pct(None if e.rate is None else e.rate * 100)
    comparison = comparison_text(e)
    return f"{e.numerator}/{e.denominator} = {rate} ({ci_text(e)})" + (
        f"; {comparison}" if comparison else ""
    )


def fmt_p(p_value: float) -> str:
    """p = 0.0027: two significant digits, more when rounding would cross the protocol's
    alpha (0.0498 is "p = 0.0498", never "p = 0.05"); "p < 0.001" below 0.001."""
    if p_value < 0.001:
        return f"p < {_decimal('0.001')}"
    alpha = float(protocol.HISTORICAL_CONTROL_ALPHA)
    for digits in (2, 3, 4, 6):
        text = f"{p_value:.{digits}g}"
        if (float(text) < alpha) == (p_value < alpha):
            break
    return f"p = {_decimal(text)}"


def comparison_text(e: EndpointEstimate) -> str:
    """The test in words: "above the historical 25 %, p = 0.0027" or "not different from the
    historical 25 %, p = 0.078"; empty without a test (other endpoints, no patient yet)."""
    if e.p_value is None or e.reference_rate is None or not e.denominator:
        return ""
    values = {"rate": fmt_pct(e.reference_rate * 100), "p": fmt_p(e.p_value)}
    if e.above_reference:
        # Translators: the objective response rate compared with the historical control's
        return _("above the historical %(rate)s, %(p)s") % values
    return _("not different from the historical %(rate)s, %(p)s") % values


def response_sentence(e: EndpointEstimate) -> str:
    """The objective response in words: "15/30 responders, 50 % (95 % CI 31.3–68.7 %); above
    the historical 25 %, p = 0.0027"."""
    if not e.denominator:
        return _("no patient yet")
    text = _("%(numerator)s/%(denominator)s responders, %(rate)s (%(ci)s)") % {
        "numerator": e.numerator,
        "denominator": e.denominator,
        "rate": fmt_pct(e.rate * 100),
        "ci": ci_text(e),
    }
    comparison = comparison_text(e)
    return f"{text}; {comparison}" if comparison else text


def endpoints_chart(groups: Sequence[EndpointGroup]) -> Figure:
    """Dot (observed proportion) and whisker (exact CI) per group, one panel per endpoint."""
    measures = [e.measure for e in groups[0].estimates] if groups else []
    reference = next(
        (e.reference_rate for g in groups for e in g.estimates if e.reference_rate is not None),
        None,
    )
    caption = _(
        "%(measures)s per cohort and overall: the dot is the observed proportion, the whisker "
        "its exact (Clopper–Pearson) %(level)s confidence interval; the numbers are in the "
        "table above."
    ) % {"measures": ", ".join(measures) or _("Endpoints"), "level": confidence_text()}
    if reference is not None:
        caption += " " + _(
            "The dashed line marks the historical control's %(rate)s objective response."
        ) % {"rate": fmt_pct(reference * 100)}
    details = " ".join(
        f"{g.label}: " + "; ".join(f"{e.measure} {estimate_text(e)}" for e in g.estimates) + "."
        for g in groups
    )
    title = _("Endpoints with confidence intervals")
    if not groups:
        return figure("endpoints", title, caption, empty_chart(_("No enrolled patient yet.")))
    colours = {
        g.key: INK
        if g.key == "overall"
        else cohort_styles().get(g.key, SeriesStyle(INK, ())).colour
        for g in groups
    }
    order = [g.label for g in groups]
    gap = 24
    panel_w = (WIDTH + 60 - gap * (len(measures) - 1)) / len(measures)
    panels = []
    for m, measure in enumerate(measures):
        rows = [
            {
                "group": g.label,
                "colour": colours[g.key],
                "low": g.estimates[m].ci_low * 100,
                "high": g.estimates[m].ci_high * 100,
                "rate": None if g.estimates[m].rate is None else g.estimates[m].rate * 100,
                "rate_text": fmt_pct(
                    None if g.estimates[m].rate is None else g.estimates[m].rate * 100
                ),
                "estimate": f"{g.label}, {measure}: {estimate_text(g.estimates[m])}",
            }
            for g in groups
        ]
        base = alt.Chart(dataset(rows))
        x = alt.X(
            "low:Q",
            title=_("Proportion of patients (%)"),
            scale=alt.Scale(domain=[0, 100], nice=False),
            axis=alt.Axis(values=[0, 25, 50, 75, 100]),
        )
        y = alt.Y(
            "group:N",
            sort=order,
            title=None,
            axis=alt.Axis(labelFontSize=11, labelLimit=150) if m == 0 else None,
        )
        colour = alt.Color("colour:N", scale=None)
        tip = alt.Tooltip("estimate:N", title=_("Estimate"))
        whisker = base.mark_rule(strokeWidth=2).encode(
            x=x, x2=alt.X2("high"), y=y, color=colour, tooltip=tip
        )
        caps = [
            base.mark_tick(thickness=2, size=10, opacity=1).encode(
                x=alt.X(f"{end}:Q"), y=y, color=colour, tooltip=tip
            )
            for end in ("low", "high")
        ]
        dots = base.mark_circle(size=80, opacity=1).encode(
            x=alt.X("rate:Q"), y=y, color=colour, tooltip=tip
        )
        labels = base.mark_text(dy=-11, fontSize=10).encode(
            x=alt.X("rate:Q"), y=y, text=alt.Text("rate_text:N")
        )
        layers = [whisker, *caps, dots, labels]
        panel_reference = groups[0].estimates[m].reference_rate
        if panel_reference is not None:
            layers.insert(
                0,
                reference_rules(
                    [
                        {
                            "value": panel_reference * 100,
                            "label": _("historical %(rate)s")
                            % {"rate": fmt_pct(panel_reference * 100)},
                        }
                    ],
                    axis="x",
                ),
            )
        panels.append(
            alt.layer(*layers).properties(
                width=panel_w, height=34 * len(groups), title=alt.Title(measure, fontSize=12)
            )
        )
    chart = alt.hconcat(*panels, spacing=gap)
    return figure("endpoints", title, caption, chart, details=details)


def endpoints_table(groups: Sequence[EndpointGroup]) -> tuple[list[str], list[list]]:
    header = [
        "group",
        "endpoint",
        "numerator",
        "denominator",
        "rate",
        "ci_low",
        "ci_high",
        "confidence_level",
        "historical_rate",
        "p_value_one_sided",
    ]
    level = str(protocol.CONFIDENCE_LEVEL)
    rows = [
        [
            g.key,
            e.measure,
            e.numerator,
            e.denominator,
            "" if e.rate is None else f"{e.rate:.4f}",
            f"{e.ci_low:.4f}",
            f"{e.ci_high:.4f}",
            level,
            "" if e.reference_rate is None else f"{e.reference_rate:.4f}",
            "" if e.p_value is None else f"{e.p_value:.6g}",
        ]
        for g in groups
        for e in g.estimates
    ]
    return header, rows


# --- Spider plot ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class SpiderPoint:
    """One tumour assessment: ``day`` since C1D1 (the baseline is drawn at day 0)."""

    day: int
    assessment_date: dt.date
    sum_mm: Decimal | None
    pct_change: Decimal  # from baseline, in percent (0 at baseline)
    response: str = ""  # overall timepoint response ("" at baseline)


@dataclass(frozen=True)
class SpiderLine:
    patient: str
    cohort: str
    points: tuple[SpiderPoint, ...]


def spider_chart(
    lines: Sequence[SpiderLine], *, not_shown: int = 0, limit: int | None = None
) -> Figure:
    """% change of the sum of diameters over time, one line per patient, styled by cohort
    (above ``limit`` patients, each cohort's median and interquartile range)."""
    limit = PATIENT_MARKS_UP_TO if limit is None else limit
    if len(lines) > limit:
        return _spider_summary(lines, not_shown=not_shown, limit=limit)
    caption = ngettext(
        "Percent change from baseline in the sum of target-lesion diameters at each tumour "
        "assessment, over weeks since C1D1: one line per patient (%(count)s patient), colour "
        "and dash pattern by cohort; the baseline is drawn at week 0. %(thresholds)s "
        "Non-evaluable assessments are not drawn.",
        "Percent change from baseline in the sum of target-lesion diameters at each tumour "
        "assessment, over weeks since C1D1: one line per patient (%(count)s patients), colour "
        "and dash pattern by cohort; the baseline is drawn at week 0. %(thresholds)s "
        "Non-evaluable assessments are not drawn.",
        len(lines),
    ) % {"count": len(lines), "thresholds": _thresholds_text()} + _not_shown_text(not_shown)
    title = _("Spider plot: change in tumour size over time")
    if not lines:
        return figure(
            "spider", title, caption, empty_chart(_("No tumour measurements after baseline yet."))
        )
    rows = []
    for line in lines:
        for i, p in enumerate(sorted(line.points, key=lambda p: p.day)):
            week = p.day / WEEK
            rows.append(
                {
                    "patient": line.patient,
                    "cohort": cohort_label(line.cohort),
                    "week": week,
                    "pct": float(p.pct_change),
                    "baseline": i == 0,
                    "assessment": _("%(patient)s %(date)s (week %(week)s): %(change)s")
                    % {
                        "patient": line.patient,
                        "date": p.assessment_date.isoformat(),
                        "week": fmt_number(week),
                        "change": fmt_pct(p.pct_change, signed=True),
                    }
                    + (f", {p.response}" if p.response else ""),
                }
            )
    x_ticks = week_ticks(max(r["week"] for r in rows))
    x = _weeks_axis("week", x_ticks)
    y = _pct_axis([r["pct"] for r in rows], _("Change in sum of diameters (%)"))
    cohorts = _cohort_encodings([line.cohort for line in lines])
    tip = alt.Tooltip("assessment:N", title=_("Assessment"))
    paths = (
        alt.Chart(dataset(rows))
        .mark_line(strokeWidth=2)
        .encode(x=x, y=y, detail=alt.Detail("patient:N"), tooltip=tip, **cohorts)
    )
    dots = (
        alt.Chart(dataset([r for r in rows if not r["baseline"]]))
        .mark_circle(size=30, opacity=1)
        .encode(x=x, y=y, color=cohorts["color"], tooltip=tip)
    )
    chart = alt.layer(_zero_line(), _recist_references(), paths, dots).properties(
        width=WIDTH, height=280
    )
    return figure("spider", title, caption, chart)


def _spider_summary(lines: Sequence[SpiderLine], *, not_shown: int, limit: int) -> Figure:
    """Per cohort and 2-week interval since C1D1: the median % change of the assessments in
    it (line) and their interquartile range (band), with the number of assessments."""
    groups: dict[tuple[str, int], list[float]] = {}
    for line in lines:
        for p in line.points[1:]:
            interval = round(p.day / WEEK / SPIDER_BIN_WEEKS) * SPIDER_BIN_WEEKS
            groups.setdefault((line.cohort, interval), []).append(float(p.pct_change))
    codes = cohort_order(line.cohort for line in lines)
    rows = [
        {"cohort": cohort_label(c), "week": 0, "pct": 0.0, "q1": 0.0, "q3": 0.0, "tip": ""}
        for c in codes
    ]
    for (code, week), values in sorted(groups.items()):
        values.sort()
        median, q1, q3 = (quantile(values, q) for q in (0.5, 0.25, 0.75))
        tip = ngettext(
            "%(cohort)s, week %(week)s: median %(median)s (interquartile range %(q1)s to "
            "%(q3)s), %(count)s assessment",
            "%(cohort)s, week %(week)s: median %(median)s (interquartile range %(q1)s to "
            "%(q3)s), %(count)s assessments",
            len(values),
        ) % {
            "cohort": cohort_label(code),
            "week": week,
            "median": fmt_pct(median, signed=True),
            "q1": fmt_pct(q1, signed=True),
            "q3": fmt_pct(q3, signed=True),
            "count": len(values),
        }
        row = {"cohort": cohort_label(code), "week": week, "pct": median, "q1": q1, "q3": q3}
        rows.append(row | {"tip": tip})
    caption = _(
        "Percent change from baseline in the sum of target-lesion diameters at the tumour "
        "assessments, over weeks since C1D1. With %(count)s patients, more than %(limit)s, the "
        "figure shows for each cohort the median change of the assessments in each %(bin)s-week "
        "interval (line) and their interquartile range (band) instead of one line per patient; "
        "every patient's values are in the data (CSV). %(thresholds)s"
    ) % {
        "count": len(lines),
        "limit": limit,
        "bin": SPIDER_BIN_WEEKS,
        "thresholds": _thresholds_text(),
    } + _not_shown_text(not_shown)
    title = _("Spider plot: change in tumour size over time")
    x_ticks = week_ticks(max(r["week"] for r in rows) or 1)
    x = _weeks_axis("week", x_ticks)
    spread = [v for r in rows for v in (r["q1"], r["q3"])]
    y_title = _("Change in sum of diameters (%)")
    y = _pct_axis(spread, y_title)
    cohorts = _cohort_encodings(codes)
    band = (
        alt.Chart(dataset(rows))
        .mark_area(opacity=0.15)
        .encode(
            x=x,
            y=_pct_axis(spread, y_title, field="q1"),
            y2=alt.Y2("q3:Q"),
            color=cohorts["color"],
        )
    )
    tip = alt.Tooltip("tip:N", title=_("Assessments"))
    medians = (
        alt.Chart(dataset(rows))
        .mark_line(strokeWidth=2, point=alt.OverlayMarkDef(size=30))
        .encode(x=x, y=y, tooltip=tip, **cohorts)
    )
    chart = alt.layer(_zero_line(), _recist_references(), band, medians).properties(
        width=WIDTH, height=280
    )
    return figure("spider", title, caption, chart)


def spider_table(lines: Sequence[SpiderLine]) -> tuple[list[str], list[list]]:
    header = [
        "subject_id",
        "cohort",
        "assessment_date",
        "study_day",
        "week",
        "sum_mm",
        "pct_change_from_baseline",
        "overall_response",
    ]
    rows = []
    for line in lines:
        for i, p in enumerate(sorted(line.points, key=lambda p: p.day)):
            rows.append(
                [
                    line.patient,
                    line.cohort,
                    p.assessment_date.isoformat(),
                    "baseline" if i == 0 else p.day,
                    f"{p.day / WEEK:.1f}",
                    "" if p.sum_mm is None else f"{p.sum_mm}",
                    f"{p.pct_change:.1f}",
                    p.response,
                ]
            )
    return header, rows


# --- Waterfall plot ------------------------------------------------------------------------------
@dataclass(frozen=True)
class WaterfallBar:
    patient: str
    cohort: str
    best_pct_change: Decimal  # smallest % change from baseline over the follow-ups
    best_response: str  # RECIST best overall response ("" when not assessed)


def _waterfall_order(bars: Sequence[WaterfallBar]) -> list[WaterfallBar]:
    return sorted(bars, key=lambda b: (-b.best_pct_change, b.patient))


def waterfall_chart(
    bars: Sequence[WaterfallBar], *, not_shown: int = 0, limit: int | None = None
) -> Figure:
    """Best % change per patient, sorted from the largest increase to the largest decrease
    (above ``limit`` patients, one sorted curve per cohort)."""
    limit = PATIENT_MARKS_UP_TO if limit is None else limit
    if len(bars) > limit:
        return _waterfall_summary(bars, not_shown=not_shown, limit=limit)
    caption = ngettext(
        "Best percent change from baseline in the sum of target-lesion diameters, one bar per "
        "patient (%(count)s patient), sorted from the largest increase to the largest "
        "decrease; colour shows the cohort and the letters above or below each bar the RECIST "
        "best overall response. %(thresholds)s",
        "Best percent change from baseline in the sum of target-lesion diameters, one bar per "
        "patient (%(count)s patients), sorted from the largest increase to the largest "
        "decrease; colour shows the cohort and the letters above or below each bar the RECIST "
        "best overall response. %(thresholds)s",
        len(bars),
    ) % {"count": len(bars), "thresholds": _thresholds_text()} + _not_shown_text(not_shown)
    title = _("Waterfall plot: best change in tumour size")
    if not bars:
        return figure(
            "waterfall",
            title,
            caption,
            empty_chart(_("No tumour measurements after baseline yet.")),
        )
    ordered = _waterfall_order(bars)
    rows = [
        {
            "patient": b.patient,
            "cohort": cohort_label(b.cohort),
            "pct": float(b.best_pct_change),
            "response": b.best_response or "–",
            "above": b.best_pct_change >= 0,
            "bar": _(
                "%(patient)s (%(cohort)s): best change %(change)s, best overall response "
                "%(response)s"
            )
            % {
                "patient": b.patient,
                "cohort": cohort_label(b.cohort),
                "change": fmt_pct(b.best_pct_change, signed=True),
                "response": b.best_response or str(NOT_ASSESSED),
            },
        }
        for b in ordered
    ]
    x = alt.X(
        "patient:N",
        sort=[b.patient for b in ordered],
        title=_("Patients, sorted by best change"),
        axis=alt.Axis(labels=False, ticks=False, titlePadding=16),
        scale=alt.Scale(paddingInner=0.25),
    )
    y = _pct_axis([r["pct"] for r in rows], _("Best change in sum of diameters (%)"))
    cohorts = _cohort_encodings([b.cohort for b in ordered], dashes=False)
    columns = (
        alt.Chart(dataset(rows))
        .mark_bar()
        .encode(x=x, y=y, tooltip=alt.Tooltip("bar:N", title=_("Patient")), **cohorts)
    )
    up = [r for r in rows if r["above"]]
    down = [r for r in rows if not r["above"]]
    letters = [
        alt.Chart(dataset(part))
        .mark_text(fontSize=9, baseline="bottom" if above else "top", dy=-3 if above else 3)
        .encode(x=x, y=y, text=alt.Text("response:N"))
        for part, above in ((up, True), (down, False))
        if part
    ]
    chart = alt.layer(columns, _zero_line(), _recist_references(), *letters).properties(
        width=WIDTH, height=270
    )
    return figure("waterfall", title, caption, chart)


def _response_counts(responses: Sequence[str]) -> str:
    counts: dict[str, int] = {}
    for response in responses:
        key = response or str(NOT_ASSESSED)
        counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{key} {n}" for key, n in sorted(counts.items(), key=lambda kv: -kv[1]))


def _waterfall_summary(bars: Sequence[WaterfallBar], *, not_shown: int, limit: int) -> Figure:
    """Each cohort's best % changes sorted from the largest increase to the largest decrease,
    drawn as one curve over the patients' rank (percent of the cohort): the outline of the
    cohort's waterfall, at 101 points."""
    by_cohort: dict[str, list[float]] = {}
    for b in bars:
        by_cohort.setdefault(b.cohort, []).append(float(b.best_pct_change))
    codes = cohort_order(by_cohort)
    rows = []
    for code in codes:
        ordered = sorted(by_cohort[code], reverse=True)
        for rank in range(101):
            value = quantile(ordered, rank / 100)
            tip = _(
                "%(cohort)s (%(count)s patients): at %(rank)s %% of the cohort, best change "
                "%(change)s"
            ) % {
                "cohort": cohort_label(code),
                "count": len(ordered),
                "rank": rank,
                "change": fmt_pct(value, signed=True),
            }
            rows.append({"cohort": cohort_label(code), "rank": rank, "pct": value, "tip": tip})
    caption = _(
        "Best percent change from baseline in the sum of target-lesion diameters. With %(count)s "
        "patients, more than %(limit)s, the figure draws each cohort's patients, sorted from the "
        "largest increase to the largest decrease, as one curve over their rank (percent of the "
        "cohort) instead of one bar per patient; every patient's value is in the data (CSV). "
        "Best overall responses: %(responses)s. %(thresholds)s"
    ) % {
        "count": len(bars),
        "limit": limit,
        "responses": _response_counts([b.best_response for b in bars]),
        "thresholds": _thresholds_text(),
    } + _not_shown_text(not_shown)
    title = _("Waterfall plot: best change in tumour size")
    x = alt.X(
        "rank:Q",
        title=_("Patients, sorted by best change (percent of the cohort)"),
        scale=alt.Scale(domain=[0, 100], nice=False),
        axis=alt.Axis(values=[0, 25, 50, 75, 100], format="d"),
    )
    y = _pct_axis([r["pct"] for r in rows], _("Best change in sum of diameters (%)"))
    curves = (
        alt.Chart(dataset(rows))
        .mark_line(strokeWidth=2.5)
        .encode(
            x=x, y=y, tooltip=alt.Tooltip("tip:N", title=_("Patients")), **_cohort_encodings(codes)
        )
    )
    chart = alt.layer(_zero_line(), _recist_references(), curves).properties(
        width=WIDTH, height=270
    )
    return figure("waterfall", title, caption, chart)


def waterfall_table(bars: Sequence[WaterfallBar]) -> tuple[list[str], list[list]]:
    header = [
        "rank",
        "subject_id",
        "cohort",
        "best_pct_change_from_baseline",
        "best_overall_response",
    ]
    return header, [
        [i, b.patient, b.cohort, f"{b.best_pct_change:.1f}", b.best_response]
        for i, b in enumerate(_waterfall_order(bars), start=1)
    ]


# --- Swimmer plot --------------------------------------------------------------------------------
@dataclass(frozen=True)
class SwimmerLane:
    """One patient's time on treatment, in days from C1D1 (day 0) to the last dose."""

    patient: str
    cohort: str
    treatment_days: int
    ongoing: bool
    best_response: str = ""
    response_day: int | None = None  # first objective response (confirmed CR/PR)
    progression_day: int | None = None
    end_reason: str = ""


def _swimmer_order(lanes: Sequence[SwimmerLane]) -> list[SwimmerLane]:
    return sorted(lanes, key=lambda s: (-s.treatment_days, s.patient))


MARKERS = {
    "first response (CR/PR)": ("triangle-up", "#ffffff"),
    "progression": ("diamond", INK),
    "still on treatment": ("triangle-right", INK),
}
# The markers' names as the legend shows them, in the active language.
MARKER_LABELS = {
    "first response (CR/PR)": gettext_lazy("first response (CR/PR)"),
    "progression": gettext_lazy("progression"),
    "still on treatment": gettext_lazy("still on treatment"),
}


def swimmer_chart(lanes: Sequence[SwimmerLane], *, limit: int | None = None) -> Figure:
    """Time on treatment per patient (bars by cohort) with response and progression markers
    (above ``limit`` patients, the share of each cohort treated for at least each week)."""
    limit = PATIENT_MARKS_UP_TO if limit is None else limit
    if len(lanes) > limit:
        return _swimmer_summary(lanes, limit=limit)
    ongoing = sum(1 for s in lanes if s.ongoing)
    caption = ngettext(
        "Time on treatment for each patient (%(count)s patient, %(ongoing)s still on "
        "treatment), from C1D1 to the last dose given or the recorded end of treatment, in "
        "weeks, sorted by duration; bar colour shows the cohort. Markers: triangle = first "
        "objective response (confirmed CR or PR), diamond = first progression (RECIST 1.1), "
        "arrow = still on treatment.",
        "Time on treatment for each patient (%(count)s patients, %(ongoing)s still on "
        "treatment), from C1D1 to the last dose given or the recorded end of treatment, in "
        "weeks, sorted by duration; bar colour shows the cohort. Markers: triangle = first "
        "objective response (confirmed CR or PR), diamond = first progression (RECIST 1.1), "
        "arrow = still on treatment.",
        len(lanes),
    ) % {"count": len(lanes), "ongoing": ongoing}
    title = _("Swimmer plot: time on treatment")
    if not lanes:
        return figure(
            "swimmer", title, caption, empty_chart(_("No patient has started treatment yet."))
        )
    markers = {key: str(label) for key, label in MARKER_LABELS.items()}
    ordered = _swimmer_order(lanes)
    rows, marks = [], []
    for lane in ordered:
        weeks = max(lane.treatment_days, 0) / WEEK
        rows.append(
            {
                "patient": lane.patient,
                "cohort": cohort_label(lane.cohort),
                "start": 0,
                "weeks": weeks,
                "lane": _lane_text(lane),
            }
        )
        if lane.ongoing:
            marks.append(
                {
                    "patient": lane.patient,
                    "week": weeks,
                    "marker": markers["still on treatment"],
                    "what": _("%(patient)s still on treatment") % {"patient": lane.patient},
                }
            )
        if lane.response_day is not None:
            marks.append(
                {
                    "patient": lane.patient,
                    "week": lane.response_day / WEEK,
                    "marker": markers["first response (CR/PR)"],
                    "what": _("%(patient)s first response (%(response)s) on day %(day)s")
                    % {
                        "patient": lane.patient,
                        "response": lane.best_response,
                        "day": lane.response_day,
                    },
                }
            )
        if lane.progression_day is not None:
            marks.append(
                {
                    "patient": lane.patient,
                    "week": lane.progression_day / WEEK,
                    "marker": markers["progression"],
                    "what": _("%(patient)s progression on day %(day)s")
                    % {"patient": lane.patient, "day": lane.progression_day},
                }
            )
    days = [
        d
        for s in ordered
        for d in (s.treatment_days, s.response_day, s.progression_day)
        if d is not None
    ]
    x_ticks = week_ticks(max(days) / WEEK + 1)
    x = _weeks_axis("start", x_ticks)
    y = alt.Y(
        "patient:N", sort=[s.patient for s in ordered], title=None, axis=alt.Axis(labelFontSize=10)
    )
    cohorts = _cohort_encodings([s.cohort for s in ordered], dashes=False)
    bars = (
        alt.Chart(dataset(rows))
        .mark_bar(height=10)
        .encode(
            x=x,
            x2=alt.X2("weeks"),
            y=y,
            tooltip=alt.Tooltip("lane:N", title=_("Patient")),
            **cohorts,
        )
    )
    layers = [bars]
    if marks:
        kinds = [markers[key] for key in MARKERS]
        layers.append(
            alt.Chart(dataset(marks))
            .mark_point(size=90, opacity=1, stroke=INK, strokeWidth=1.5)
            .encode(
                x=alt.X("week:Q"),
                y=y,
                shape=alt.Shape(
                    "marker:N",
                    title=_("Markers"),
                    scale=alt.Scale(domain=kinds, range=[s for s, _ in MARKERS.values()]),
                ),
                fill=alt.Fill(
                    "marker:N",
                    title=_("Markers"),
                    scale=alt.Scale(domain=kinds, range=[f for _, f in MARKERS.values()]),
                ),
                tooltip=alt.Tooltip("what:N", title=_("Event")),
            )
        )
    chart = (
        alt.layer(*layers)
        .resolve_scale(color="independent")
        .properties(width=WIDTH - 80, height=18 * len(ordered))
    )
    return figure("swimmer", title, caption, chart)


def _swimmer_summary(lanes: Sequence[SwimmerLane], *, limit: int) -> Figure:
    """Per cohort, the percentage of its patients whose time on treatment so far is at least
    each number of weeks (a step line from 100 % at week 0)."""
    by_cohort: dict[str, list[int]] = {}
    for lane in lanes:
        by_cohort.setdefault(lane.cohort, []).append(max(lane.treatment_days, 0))
    codes = cohort_order(by_cohort)
    last_week = math.ceil(max(max(days) for days in by_cohort.values()) / WEEK)
    rows = []
    for code in codes:
        days = sorted(by_cohort[code])
        remaining, i = len(days), 0
        for week in range(last_week + 1):
            while i < len(days) and days[i] < week * WEEK:
                i, remaining = i + 1, remaining - 1
            share = remaining / len(days) * 100
            tip = _(
                "%(cohort)s: %(share)s of %(count)s patients treated for %(week)s weeks or more"
            ) % {
                "cohort": cohort_label(code),
                "share": fmt_pct(share),
                "count": len(days),
                "week": week,
            }
            rows.append({"cohort": cohort_label(code), "week": week, "share": share, "tip": tip})
    caption = _(
        "Time on treatment, from C1D1 to the last dose given or the recorded end of treatment. "
        "With %(count)s patients, more than %(limit)s, the figure shows for each cohort the "
        "percentage of its patients treated for at least each number of weeks instead of one bar "
        "per patient (patients still on treatment count up to their last dose so far: this is "
        "not a survival estimate); every patient is in the data (CSV). %(ongoing)s still on "
        "treatment; %(responses)s with a first objective response; %(progressions)s with a "
        "progression."
    ) % {
        "count": len(lanes),
        "limit": limit,
        "ongoing": sum(1 for s in lanes if s.ongoing),
        "responses": sum(1 for s in lanes if s.response_day is not None),
        "progressions": sum(1 for s in lanes if s.progression_day is not None),
    }
    title = _("Swimmer plot: time on treatment")
    x_ticks = week_ticks(last_week + 1)
    chart = (
        alt.Chart(dataset(rows))
        .mark_line(interpolate="step-after", strokeWidth=2.5)
        .encode(
            x=_weeks_axis("week", x_ticks),
            y=alt.Y(
                "share:Q",
                title=_("Patients treated this long or longer (%)"),
                scale=alt.Scale(domain=[0, 100], nice=False),
                axis=alt.Axis(values=[0, 25, 50, 75, 100], format="d"),
            ),
            tooltip=alt.Tooltip("tip:N", title=_("Patients")),
            **_cohort_encodings(codes),
        )
        .properties(width=WIDTH, height=260)
    )
    return figure("swimmer", title, caption, chart)


def _lane_text(lane: SwimmerLane) -> str:
    """A patient's bar in words, for its tooltip."""
    values = {
        "patient": lane.patient,
        "cohort": cohort_label(lane.cohort),
        "days": lane.treatment_days,
        "reason": lane.end_reason,
        "response": lane.best_response or str(NOT_ASSESSED),
    }
    text = ngettext(
        "%(patient)s (%(cohort)s): %(days)s day on treatment",
        "%(patient)s (%(cohort)s): %(days)s days on treatment",
        lane.treatment_days,
    )
    if lane.ongoing:
        text += _(", ongoing")
    if lane.end_reason:
        text += " " + _("(ended: %(reason)s)")
    text += _("; best overall response %(response)s")
    return text % values


def swimmer_table(lanes: Sequence[SwimmerLane]) -> tuple[list[str], list[list]]:
    header = [
        "subject_id",
        "cohort",
        "days_on_treatment",
        "ongoing",
        "best_overall_response",
        "first_response_day",
        "progression_day",
        "end_of_treatment_reason",
    ]
    return header, [
        [
            s.patient,
            s.cohort,
            s.treatment_days,
            "yes" if s.ongoing else "no",
            s.best_response,
            "" if s.response_day is None else s.response_day,
            "" if s.progression_day is None else s.progression_day,
            s.end_reason,
        ]
        for s in _swimmer_order(lanes)
    ]


# --- Immune panel per cohort (labs' bar chart and change-from-baseline summaries) --------------
def _population_name(code: str) -> str:
    analyte = ANALYTES_BY_CODE.get(code)
    return analyte.name if analyte else code


def immune_chart(cohort: str, summaries: Sequence[ChangeFromBaseline]) -> Figure:
    """Mean % change from baseline of each immune population at the post-injection draws."""
    ident = f"immune-{cohort.lower()}"
    title = _("%(cohort)s: immune panel, change from baseline") % {"cohort": cohort_label(cohort)}
    mine = {(s.event_code, s.analyte): s for s in summaries if s.cohort == cohort}
    patients = max((s.n for s in mine.values()), default=0)
    caption = _(
        "%(cohort)s: mean change from each patient's baseline, in percent, of the absolute "
        "counts of %(populations)s, %(draws)s (bars in series order, blue then orange; up to "
        "%(patients)s patients with both draws). Bars above zero are increases; “n/a” when no "
        "patient has both draws."
    ) % {
        "cohort": cohort_label(cohort),
        "populations": ", ".join(str(_population_name(p)) for p in POPULATIONS),
        # Translators: joins the names of two blood draws, e.g. "C2D1 and C4D1"
        "draws": (" " + _("and") + " ").join(str(DrawEvent(code).label) for code in FOLLOW_UPS),
        "patients": patients,
    }
    if not mine:
        return figure(
            ident,
            title,
            caption,
            empty_chart(_("No immune-monitoring values with a baseline yet.")),
        )
    groups = []
    for population in POPULATIONS:
        bars = []
        for code in FOLLOW_UPS:
            s = mine.get((code, population))
            value = s.mean_pct_change if s else None
            label = (
                f"{_population_name(population)}, {DrawEvent(code).label}: "
                f"{fmt_pct(value, signed=True)} (n = {s.n_pct})"
                if s is not None and value is not None
                else ""
            )
            bars.append(lab_charts.Bar(series=code, value=value, label=label))
        groups.append((str(_population_name(population)), bars))
    return lab_charts.bar_chart(
        ident=ident,
        title=title,
        y_label=_("Mean change from baseline (%)"),
        groups=groups,
        series=[(code, str(DrawEvent(code).label)) for code in FOLLOW_UPS],
        caption=caption,
    )


def immune_table(cohort: str | None, summaries: Sequence[ChangeFromBaseline]):
    header = [
        "cohort",
        "draw",
        "analyte",
        "n",
        "mean_baseline",
        "mean_value",
        "mean_change",
        "mean_pct_change",
        "n_pct",
    ]
    return header, [
        [
            s.cohort,
            s.event_code,
            s.analyte,
            s.n,
            s.mean_baseline,
            s.mean_value,
            s.mean_change,
            "" if s.mean_pct_change is None else s.mean_pct_change,
            s.n_pct,
        ]
        for s in summaries
        if cohort is None or s.cohort == cohort
    ]
