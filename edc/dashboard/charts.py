"""Figures of the trial dashboard: plain values in, SVG text (and the data as table rows) out.

Pure: no Django, no ORM, no JavaScript, no CDN. The views wrap the SVG in a ``<figure>`` with
the caption and offer the same picture as an ``.svg`` download and its data as ``.csv``.

Accessibility: every figure is an ``<svg role="img">`` labelled by its ``<title>`` and described
by its ``<desc>`` (the caption); every line, bar and marker carries its own ``<title>`` (a
tooltip, read by screen readers on focus). Colours are the Okabe–Ito colour-blind-safe
palette, restricted to the hues with ≥ 3:1 contrast on white (WCAG 1.4.11), and every series
also differs by dash pattern or by a text label, so no information is carried by colour alone.

Every text coming from data is escaped here, so the returned markup is safe to embed.

Conventions: a per-patient figure draws exactly one ``<path>`` per patient (the line or bar of
that patient); axes, grid and markers use other elements. Time is in weeks since C1D1 (study
day 1), the protocol's tumour-assessment cadence (8 weeks) spacing the ticks.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from edc import protocol
from labs import charts as lab_charts
from labs.catalogue import ANALYTES_BY_CODE
from labs.constants import DrawEvent
from labs.immune import FOLLOW_UPS, POPULATIONS, ChangeFromBaseline

WIDTH = 760
INK = "#1b1f24"
MUTED = "#555e69"
GRID = "#d0d7de"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
# Okabe & Ito (2008) colours with at least 3:1 contrast on white: blue, vermillion, bluish
# green, reddish purple, black. Dash patterns vary alongside so series stay distinct in grey.
PALETTE: tuple[str, ...] = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000")
DASHES: tuple[str, ...] = ("", "8 4", "2 3", "10 3 2 3", "5 2")
MINUS = "\u2212"
WEEK = 7
PLOT_RIGHT = 52.0  # right margin of plots with labelled reference lines


# --- Shared pieces -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Figure:
    """One figure: ``svg`` is safe markup; ``caption`` is plain text (also the SVG's desc)."""

    ident: str
    title: str
    caption: str
    svg: str


@dataclass(frozen=True)
class SeriesStyle:
    colour: str
    dash: str


def series_styles(keys: Sequence[str]) -> dict[str, SeriesStyle]:
    """A colour and a dash pattern per key, in order; unique pairs for up to 25 keys."""
    styles = {}
    for i, key in enumerate(keys):
        dash = DASHES[(i + i // len(PALETTE)) % len(DASHES)]
        styles[key] = SeriesStyle(PALETTE[i % len(PALETTE)], dash)
    return styles


def cohort_label(code: str) -> str:
    declared = protocol.COHORTS_BY_CODE.get(code)
    return declared.label if declared else f"Cohort {code}"


def cohort_styles() -> dict[str, SeriesStyle]:
    return series_styles([c.code for c in protocol.COHORTS])


def fmt_number(value: float | Decimal, digits: int = 1) -> str:
    """1 decimal at most, trailing ".0" dropped, a true minus sign: -30.0 → "−30"."""
    text = f"{float(value):.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text.replace("-", MINUS)


def fmt_pct(value: float | Decimal | None, digits: int = 1, *, signed: bool = False) -> str:
    """A value already in percent: 50 → "50 %", -44.93 → "−44.9 %" ("+12 %" when signed)."""
    if value is None:
        return "—"
    text = fmt_number(value, digits)
    if signed and float(value) > 0:
        text = "+" + text
    return f"{text} %"


def _attr(value: float) -> str:
    return f"{value:.1f}"


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


@dataclass(frozen=True)
class Scale:
    """Linear map of the domain [lo, hi] onto the pixel range [start, end]."""

    lo: float
    hi: float
    start: float
    end: float

    def __call__(self, value: float | Decimal) -> float:
        span = (self.hi - self.lo) or 1.0
        return self.start + (float(value) - self.lo) / span * (self.end - self.start)


class Canvas:
    """Collects the SVG parts of one figure; ``details`` adds data to the desc only."""

    def __init__(self, *, ident: str, title: str, caption: str, height: float, details: str = ""):
        self.ident = ident
        self.title = title
        self.caption = caption
        self.height = height
        self.parts: list[str] = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {_attr(height)}" '
            f'width="{WIDTH}" height="{_attr(height)}" role="img" '
            f'aria-labelledby="{ident}-title {ident}-desc" class="chart" id="{ident}-svg" '
            f'font-family="{FONT}" font-size="12" fill="{INK}">',
            f'<title id="{ident}-title">{escape(title)}</title>',
            f'<desc id="{ident}-desc">{escape(" ".join(filter(None, [caption, details])))}</desc>',
            f'<rect x="0" y="0" width="{WIDTH}" height="{_attr(height)}" fill="#ffffff"/>',
            f'<text x="12" y="20" font-size="14" font-weight="600">{escape(title)}</text>',
        ]

    def add(self, markup: str) -> None:
        self.parts.append(markup)

    def text(
        self,
        x: float,
        y: float,
        text: str,
        *,
        anchor: str = "start",
        size: int = 12,
        fill: str = INK,
        extra: str = "",
    ) -> None:
        self.parts.append(
            f'<text x="{_attr(x)}" y="{_attr(y)}" text-anchor="{anchor}" font-size="{size}" '
            f'fill="{fill}"{extra}>{escape(text)}</text>'
        )

    def empty(self, message: str) -> None:
        self.text(WIDTH / 2, self.height / 2, message, anchor="middle", fill=MUTED)

    def figure(self) -> Figure:
        return Figure(self.ident, self.title, self.caption, "".join([*self.parts, "</svg>"]))


def _y_axis(
    canvas: Canvas,
    scale: Scale,
    ticks: Sequence[float],
    *,
    x0: float,
    x1: float,
    label: str,
    fmt: Callable[[float], str],
    zero_line: bool = False,
) -> None:
    for tick in ticks:
        y = scale(tick)
        stroke = MUTED if zero_line and tick == 0 else GRID
        canvas.add(
            f'<line x1="{_attr(x0)}" x2="{_attr(x1)}" y1="{_attr(y)}" y2="{_attr(y)}" '
            f'stroke="{stroke}"/>'
        )
        canvas.text(x0 - 6, y + 4, fmt(tick), anchor="end", size=11)
    middle = (scale.start + scale.end) / 2
    canvas.text(
        14,
        middle,
        label,
        anchor="middle",
        size=12,
        extra=f' transform="rotate(-90 14 {_attr(middle)})" class="axis-label"',
    )


def _x_axis(
    canvas: Canvas,
    scale: Scale,
    ticks: Sequence[float],
    *,
    y: float,
    label: str,
    fmt: Callable[[float], str],
    grid_top: float | None = None,
) -> None:
    canvas.add(
        f'<line x1="{_attr(scale.start)}" x2="{_attr(scale.end)}" y1="{_attr(y)}" '
        f'y2="{_attr(y)}" stroke="{MUTED}"/>'
    )
    for tick in ticks:
        x = scale(tick)
        if grid_top is not None:
            canvas.add(
                f'<line x1="{_attr(x)}" x2="{_attr(x)}" y1="{_attr(grid_top)}" y2="{_attr(y)}" '
                f'stroke="{GRID}"/>'
            )
        canvas.text(x, y + 16, fmt(tick), anchor="middle", size=11)
    canvas.text(
        (scale.start + scale.end) / 2, y + 34, label, anchor="middle", extra=' class="axis-label"'
    )


def _legend(
    canvas: Canvas,
    items: Sequence[tuple[str, SeriesStyle]],
    *,
    y: float,
    x0: float = 64,
    kind: str = "line",
) -> None:
    """One row (wrapping) of swatches: a dashed line sample or a filled square."""
    x = x0
    for label, style in items:
        width = 34 + 7 * len(label)
        if x + width > WIDTH - 8 and x > x0:
            x = x0
            y += 18
        if kind == "line":
            dash = f' stroke-dasharray="{style.dash}"' if style.dash else ""
            canvas.add(
                f'<line x1="{_attr(x)}" x2="{_attr(x + 24)}" y1="{_attr(y - 4)}" '
                f'y2="{_attr(y - 4)}" stroke="{style.colour}" stroke-width="3"{dash}/>'
            )
        else:
            canvas.add(
                f'<rect x="{_attr(x + 6)}" y="{_attr(y - 10)}" width="12" height="12" '
                f'fill="{style.colour}"/>'
            )
        canvas.text(x + 30, y, label, size=11)
        x += width


def _reference_line(canvas: Canvas, y: float, *, x0: float, x1: float, label: str) -> None:
    canvas.add(
        f'<line class="reference" x1="{_attr(x0)}" x2="{_attr(x1)}" y1="{_attr(y)}" '
        f'y2="{_attr(y)}" stroke="{MUTED}" stroke-dasharray="6 4"/>'
    )
    canvas.text(x1 + 4, y + 4, label, size=10, fill=MUTED)


def _pr_threshold() -> float:
    return -float(protocol.RECIST.pr_decrease_pct)


def _pd_threshold() -> float:
    return float(protocol.RECIST.pd_increase_pct)


def _pct_change_ticks(values: Sequence[float]) -> list[float]:
    """Y ticks for % change: the data and both RECIST reference lines, with a margin."""
    return nice_ticks(min([*values, _pr_threshold() - 10]), max([*values, _pd_threshold() + 10]), 6)


def _not_shown_text(not_shown: int) -> str:
    return f" {not_shown} patients without a measured follow-up are not shown." if not_shown else ""


def _thresholds_text() -> str:
    pd = fmt_pct(_pd_threshold(), signed=True)
    pr = fmt_pct(_pr_threshold())
    return (
        f"Dashed reference lines at {pd} and {pr} (RECIST 1.1 thresholds: a {pr} decrease "
        f"from baseline is a partial response; progression is a {pd} increase measured from "
        "the nadir)."
    )


# --- Enrolment over time -------------------------------------------------------------------------
@dataclass(frozen=True)
class EnrolmentPoint:
    subject_id: str
    enrolled_on: dt.date
    site: str
    cohort: str


ENROLMENT_GROUPINGS = {"site": "site", "cohort": "cohort"}


def _month_ticks(start: dt.date, end: dt.date) -> list[dt.date]:
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    every = max(1, math.ceil(months / 8))
    ticks = []
    year, month = start.year, start.month
    for i in range(months + 1):
        tick = dt.date(year, month, 1)
        if start <= tick <= end and i % every == 0:
            ticks.append(tick)
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return ticks or [start]


def enrolment_chart(points: Sequence[EnrolmentPoint], *, by: str) -> Figure:
    """Cumulative enrolment, one step line per site (``by="site"``) or cohort (``"cohort"``)."""
    if by not in ENROLMENT_GROUPINGS:
        raise ValueError(f"Enrolment can be grouped by site or cohort, not {by!r}.")
    ident = f"enrolment-{by}"
    title = f"Enrolment over time by {by}"
    groups: dict[str, list[dt.date]] = {}
    for p in sorted(points, key=lambda p: (p.enrolled_on, p.subject_id)):
        groups.setdefault(getattr(p, by), []).append(p.enrolled_on)
    keys = (
        sorted(groups)
        if by == "site"
        else [
            *[c.code for c in protocol.COHORTS if c.code in groups],
            *sorted(k for k in groups if k not in protocol.COHORTS_BY_CODE),
        ]
    )
    labels = {k: cohort_label(k) if by == "cohort" else k for k in keys}
    styles = cohort_styles() if by == "cohort" else series_styles(keys)
    for key in keys:  # a cohort missing from the protocol still gets a style
        styles.setdefault(key, series_styles(keys)[key])

    if points:
        first = min(p.enrolled_on for p in points)
        last = max(p.enrolled_on for p in points)
        counts = "; ".join(
            f"{labels[k]}: {len(groups[k])}"
            + (
                f" of {protocol.COHORTS_BY_CODE[k].capacity}"
                if by == "cohort" and k in protocol.COHORTS_BY_CODE
                else ""
            )
            for k in keys
        )
        caption = (
            f"Cumulative number of patients enrolled over time, one line per {by}: "
            f"{len(points)} patients enrolled from {first.isoformat()} to {last.isoformat()} "
            f"({counts})."
        )
    else:
        caption = f"Cumulative number of patients enrolled over time, one line per {by}: none yet."
    legend_rows = 1 + len(keys) // 4
    height = 330 + 18 * legend_rows
    canvas = Canvas(ident=ident, title=title, caption=caption, height=height)
    if not points:
        canvas.empty("No patient enrolled yet.")
        return canvas.figure()

    end = last if last > first else first + dt.timedelta(days=30)
    end += dt.timedelta(days=7)
    top, bottom = 40.0, 260.0
    x = Scale(first.toordinal(), end.toordinal(), 56.0, WIDTH - 20.0)
    y_max = max(len(v) for v in groups.values())
    y_ticks = nice_ticks(0, y_max, 5, integer=True)
    y = Scale(0, y_ticks[-1], bottom, top)
    _y_axis(
        canvas,
        y,
        y_ticks,
        x0=x.start,
        x1=x.end,
        label="Patients enrolled (cumulative)",
        fmt=lambda v: fmt_number(v, 0),
    )
    _x_axis(
        canvas,
        Scale(first.toordinal(), end.toordinal(), x.start, x.end),
        [t.toordinal() for t in _month_ticks(first, end)],
        y=bottom,
        label="Date of enrolment",
        fmt=lambda v: dt.date.fromordinal(int(v)).strftime("%b %Y"),
    )
    for key in keys:
        dates = groups[key]
        style = styles[key]
        d = [f"M{_attr(x(dates[0].toordinal()))},{_attr(y(0))}"]
        for n, day in enumerate(dates, start=1):
            d.append(f"H{_attr(x(day.toordinal()))}V{_attr(y(n))}")
        d.append(f"H{_attr(x(end.toordinal()))}")
        dash = f' stroke-dasharray="{style.dash}"' if style.dash else ""
        canvas.add(
            f'<path class="series" d="{"".join(d)}" fill="none" stroke="{style.colour}" '
            f'stroke-width="2.5"{dash}><title>{escape(labels[key])}: {len(dates)} enrolled, '
            f"the last on {dates[-1].isoformat()}</title></path>"
        )
    _legend(canvas, [(f"{labels[k]} ({len(groups[k])})", styles[k]) for k in keys], y=bottom + 62)
    return canvas.figure()


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
    return f"{fmt_number(float(protocol.CONFIDENCE_LEVEL) * 100)} %"


def ci_text(e: EndpointEstimate) -> str:
    """The interval in words: 95 % CI 31.3–68.7 %."""
    return f"{confidence_text()} CI {fmt_number(e.ci_low * 100)}–{fmt_pct(e.ci_high * 100)}"


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
        return "p < 0.001"
    alpha = float(protocol.HISTORICAL_CONTROL_ALPHA)
    for digits in (2, 3, 4, 6):
        text = f"{p_value:.{digits}g}"
        if (float(text) < alpha) == (p_value < alpha):
            break
    return f"p = {text}"


def comparison_text(e: EndpointEstimate) -> str:
    """The test in words: "above the historical 25 %, p = 0.0027" or "not different from the
    historical 25 %, p = 0.078"; empty without a test (other endpoints, no patient yet)."""
    if e.p_value is None or e.reference_rate is None or not e.denominator:
        return ""
    reference = fmt_pct(e.reference_rate * 100)
    verdict = "above" if e.above_reference else "not different from"
    return f"{verdict} the historical {reference}, {fmt_p(e.p_value)}"


def response_sentence(e: EndpointEstimate) -> str:
    """The objective response in words: "15/30 responders, 50 % (95 % CI 31.3–68.7 %); above
    the historical 25 %, p = 0.0027"."""
    if not e.denominator:
        return "no patient yet"
    text = f"{e.numerator}/{e.denominator} responders, {fmt_pct(e.rate * 100)} ({ci_text(e)})"
    comparison = comparison_text(e)
    return f"{text}; {comparison}" if comparison else text


def endpoints_chart(groups: Sequence[EndpointGroup]) -> Figure:
    """Dot (observed proportion) and whisker (exact CI) per group, one panel per endpoint."""
    measures = [e.measure for e in groups[0].estimates] if groups else []
    reference = next(
        (e.reference_rate for g in groups for e in g.estimates if e.reference_rate is not None),
        None,
    )
    caption = (
        f"{', '.join(measures) or 'Endpoints'} per cohort and overall: the dot is the observed "
        f"proportion, the whisker its exact (Clopper–Pearson) {confidence_text()} confidence "
        "interval; the numbers are in the table above."
    )
    if reference is not None:
        caption += (
            f" The dashed line marks the historical control's {fmt_pct(reference * 100)} "
            "objective response."
        )
    details = " ".join(
        f"{g.label}: " + "; ".join(f"{e.measure} {estimate_text(e)}" for e in g.estimates) + "."
        for g in groups
    )
    row_h = 34
    top = 62.0
    height = top + row_h * max(len(groups), 1) + 48
    canvas = Canvas(
        ident="endpoints",
        title="Endpoints with confidence intervals",
        caption=caption,
        height=height,
        details=details,
    )
    if not groups:
        canvas.empty("No enrolled patient yet.")
        return canvas.figure()
    label_w = 150.0
    gap = 24.0
    panel_w = (WIDTH - label_w - 16 - gap * (len(measures) - 1)) / max(len(measures), 1)
    bottom = top + row_h * len(groups)
    for m, measure in enumerate(measures):
        x0 = label_w + m * (panel_w + gap)
        x = Scale(0, 100, x0, x0 + panel_w)
        canvas.text(
            x0 + panel_w / 2,
            top - 14,
            measure,
            anchor="middle",
            size=12,
            extra=' font-weight="600"',
        )
        _x_axis(
            canvas,
            x,
            [0, 25, 50, 75, 100],
            y=bottom,
            label="",
            fmt=lambda v: fmt_number(v, 0) if v % 50 == 0 else "",
            grid_top=top - 6,
        )
        panel_reference = groups[0].estimates[m].reference_rate
        if panel_reference is not None:
            rx = x(panel_reference * 100)
            canvas.add(
                f'<line class="reference" x1="{_attr(rx)}" x2="{_attr(rx)}" '
                f'y1="{_attr(top - 6)}" y2="{_attr(bottom)}" stroke="{MUTED}" '
                f'stroke-dasharray="6 4"><title>Historical control: '
                f"{escape(fmt_pct(panel_reference * 100))}</title></line>"
            )
            canvas.text(
                rx,
                bottom + 30,
                f"historical {fmt_pct(panel_reference * 100)}",
                size=10,
                anchor="middle",
                fill=MUTED,
            )
        for g, group in enumerate(groups):
            e = group.estimates[m]
            cy = top + row_h * g + row_h / 2
            lo, hi = x(e.ci_low * 100), x(e.ci_high * 100)
            colour = (
                INK
                if group.key == "overall"
                else cohort_styles().get(group.key, SeriesStyle(INK, "")).colour
            )
            tip = escape(f"{group.label}, {measure}: {estimate_text(e)}")
            canvas.add(
                f'<g class="estimate"><title>{tip}</title>'
                f'<line x1="{_attr(lo)}" x2="{_attr(hi)}" y1="{_attr(cy)}" y2="{_attr(cy)}" '
                f'stroke="{colour}" stroke-width="2"/>'
                f'<line x1="{_attr(lo)}" x2="{_attr(lo)}" y1="{_attr(cy - 5)}" '
                f'y2="{_attr(cy + 5)}" stroke="{colour}" stroke-width="2"/>'
                f'<line x1="{_attr(hi)}" x2="{_attr(hi)}" y1="{_attr(cy - 5)}" '
                f'y2="{_attr(cy + 5)}" stroke="{colour}" stroke-width="2"/>'
            )
            if e.rate is not None:
                canvas.add(
                    f'<circle cx="{_attr(x(e.rate * 100))}" cy="{_attr(cy)}" r="5" '
                    f'fill="{colour}"/>'
                )
            canvas.add("</g>")
            label = fmt_pct(None if e.rate is None else e.rate * 100)
            canvas.text(
                x(e.rate * 100 if e.rate is not None else 0),
                cy - 8,
                label,
                anchor="middle",
                size=10,
            )
    for g, group in enumerate(groups):
        cy = top + row_h * g + row_h / 2
        weight = ' font-weight="600"' if group.key == "overall" else ""
        canvas.text(8, cy + 4, group.label, size=11, extra=weight)
    canvas.text(
        WIDTH / 2,
        bottom + 34,
        "Proportion of patients (%)",
        anchor="middle",
        extra=' class="axis-label"',
    )
    return canvas.figure()


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


def spider_chart(lines: Sequence[SpiderLine], *, not_shown: int = 0) -> Figure:
    """% change of the sum of diameters over time, one line per patient, styled by cohort."""
    caption = (
        "Percent change from baseline in the sum of target-lesion diameters at each tumour "
        f"assessment, over weeks since C1D1: one line per patient ({len(lines)} patients), "
        "colour and dash pattern by cohort; the baseline is drawn at week 0. "
        f"{_thresholds_text()} Non-evaluable assessments are not drawn."
        + _not_shown_text(not_shown)
    )
    height = 400.0
    canvas = Canvas(
        ident="spider",
        title="Spider plot: change in tumour size over time",
        caption=caption,
        height=height,
    )
    if not lines:
        canvas.empty("No tumour measurements after baseline yet.")
        return canvas.figure()
    top, bottom = 40.0, 320.0
    values = [float(p.pct_change) for line in lines for p in line.points]
    y_ticks = _pct_change_ticks(values)
    y = Scale(y_ticks[0], y_ticks[-1], bottom, top)
    max_weeks = max(p.day for line in lines for p in line.points) / WEEK
    x_ticks = week_ticks(max_weeks)
    x = Scale(0, x_ticks[-1], 64.0, WIDTH - PLOT_RIGHT)
    _y_axis(
        canvas,
        y,
        y_ticks,
        x0=x.start,
        x1=x.end,
        label="Change in sum of diameters (%)",
        fmt=lambda v: fmt_number(v, 0),
        zero_line=True,
    )
    _x_axis(canvas, x, x_ticks, y=bottom, label="Weeks since C1D1", fmt=lambda v: fmt_number(v, 0))
    _reference_line(
        canvas,
        y(_pd_threshold()),
        x0=x.start,
        x1=x.end,
        label=fmt_pct(_pd_threshold(), signed=True),
    )
    _reference_line(
        canvas, y(_pr_threshold()), x0=x.start, x1=x.end, label=fmt_pct(_pr_threshold())
    )
    styles = cohort_styles()
    for line in lines:
        style = styles.get(line.cohort, SeriesStyle(INK, ""))
        pts = sorted(line.points, key=lambda p: p.day)
        d = "".join(
            f"{'M' if i == 0 else 'L'}{_attr(x(p.day / WEEK))},{_attr(y(p.pct_change))}"
            for i, p in enumerate(pts)
        )
        last = pts[-1]
        tip = (
            f"{line.patient} ({cohort_label(line.cohort)}): "
            f"{fmt_pct(last.pct_change, signed=True)} at week {fmt_number(last.day / WEEK)}"
            + (f" ({last.response})" if last.response else "")
        )
        dash = f' stroke-dasharray="{style.dash}"' if style.dash else ""
        canvas.add(
            f'<path class="patient" d="{d}" fill="none" stroke="{style.colour}" '
            f'stroke-width="2"{dash}><title>{escape(tip)}</title></path>'
        )
        for p in pts[1:]:
            point_tip = (
                f"{line.patient} {p.assessment_date.isoformat()} (week "
                f"{fmt_number(p.day / WEEK)}): {fmt_pct(p.pct_change, signed=True)}"
                + (f", {p.response}" if p.response else "")
            )
            canvas.add(
                f'<circle cx="{_attr(x(p.day / WEEK))}" cy="{_attr(y(p.pct_change))}" r="3" '
                f'fill="{style.colour}"><title>{escape(point_tip)}</title></circle>'
            )
    present = [c.code for c in protocol.COHORTS if any(ln.cohort == c.code for ln in lines)]
    _legend(canvas, [(cohort_label(code), styles[code]) for code in present], y=bottom + 62)
    return canvas.figure()


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


def waterfall_chart(bars: Sequence[WaterfallBar], *, not_shown: int = 0) -> Figure:
    """Best % change per patient, sorted from the largest increase to the largest decrease."""
    caption = (
        "Best percent change from baseline in the sum of target-lesion diameters, one bar per "
        f"patient ({len(bars)} patients), sorted from the largest increase to the largest "
        "decrease; colour shows the cohort and the letters above or below each bar the RECIST "
        f"best overall response. {_thresholds_text()}" + _not_shown_text(not_shown)
    )
    height = 400.0
    canvas = Canvas(
        ident="waterfall",
        title="Waterfall plot: best change in tumour size",
        caption=caption,
        height=height,
    )
    if not bars:
        canvas.empty("No tumour measurements after baseline yet.")
        return canvas.figure()
    ordered = _waterfall_order(bars)
    top, bottom = 40.0, 310.0
    values = [float(b.best_pct_change) for b in ordered]
    y_ticks = _pct_change_ticks(values)
    y = Scale(y_ticks[0], y_ticks[-1], bottom, top)
    x0, x1 = 64.0, WIDTH - PLOT_RIGHT
    _y_axis(
        canvas,
        y,
        y_ticks,
        x0=x0,
        x1=x1,
        label="Best change in sum of diameters (%)",
        fmt=lambda v: fmt_number(v, 0),
        zero_line=True,
    )
    slot = (x1 - x0) / len(ordered)
    bar_w = max(slot * 0.75, 1.0)
    styles = cohort_styles()
    zero = y(0)
    for i, bar in enumerate(ordered):
        style = styles.get(bar.cohort, SeriesStyle(INK, ""))
        left = x0 + i * slot + (slot - bar_w) / 2
        end = y(bar.best_pct_change)
        tip = (
            f"{bar.patient} ({cohort_label(bar.cohort)}): best change "
            f"{fmt_pct(bar.best_pct_change, signed=True)}, best overall response "
            f"{bar.best_response or 'not assessed'}"
        )
        canvas.add(
            f'<path class="patient" d="M{_attr(left)},{_attr(zero)}V{_attr(end)}'
            f'H{_attr(left + bar_w)}V{_attr(zero)}Z" fill="{style.colour}">'
            f"<title>{escape(tip)}</title></path>"
        )
        label_y = end - 4 if bar.best_pct_change > 0 else end + 12
        if bar.best_pct_change == 0:
            label_y = zero - 4
        canvas.text(left + bar_w / 2, label_y, bar.best_response or "–", anchor="middle", size=9)
    canvas.text(
        (x0 + x1) / 2,
        bottom + 22,
        "Patients, sorted by best change",
        anchor="middle",
        extra=' class="axis-label"',
    )
    _reference_line(
        canvas, y(_pd_threshold()), x0=x0, x1=x1, label=fmt_pct(_pd_threshold(), signed=True)
    )
    _reference_line(canvas, y(_pr_threshold()), x0=x0, x1=x1, label=fmt_pct(_pr_threshold()))
    present = [c.code for c in protocol.COHORTS if any(b.cohort == c.code for b in ordered)]
    _legend(
        canvas, [(cohort_label(code), styles[code]) for code in present], y=bottom + 50, kind="box"
    )
    return canvas.figure()


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


def _triangle(cx: float, cy: float, r: float = 6) -> str:
    return (
        f"{_attr(cx)},{_attr(cy - r)} {_attr(cx + r)},{_attr(cy + r * 0.8)} "
        f"{_attr(cx - r)},{_attr(cy + r * 0.8)}"
    )


def _diamond(cx: float, cy: float, r: float = 6) -> str:
    return (
        f"{_attr(cx)},{_attr(cy - r)} {_attr(cx + r)},{_attr(cy)} "
        f"{_attr(cx)},{_attr(cy + r)} {_attr(cx - r)},{_attr(cy)}"
    )


def _arrow(x: float, cy: float, r: float = 5) -> str:
    return f"{_attr(x)},{_attr(cy - r)} {_attr(x + r * 1.6)},{_attr(cy)} {_attr(x)},{_attr(cy + r)}"


def swimmer_chart(lanes: Sequence[SwimmerLane]) -> Figure:
    """Time on treatment per patient (bars by cohort) with response and progression markers."""
    ongoing = sum(1 for s in lanes if s.ongoing)
    caption = (
        f"Time on treatment for each patient ({len(lanes)} patients, {ongoing} still on "
        "treatment), from C1D1 to the last dose given or the recorded end of treatment, in "
        "weeks, sorted by duration; bar colour shows the cohort. Markers: triangle = first "
        "objective response (confirmed CR or PR), diamond = first progression (RECIST 1.1), "
        "arrow = still on treatment."
    )
    lane_h = 18.0
    top = 44.0
    bottom = top + lane_h * max(len(lanes), 1)
    height = bottom + 96
    canvas = Canvas(
        ident="swimmer", title="Swimmer plot: time on treatment", caption=caption, height=height
    )
    if not lanes:
        canvas.empty("No patient has started treatment yet.")
        return canvas.figure()
    ordered = _swimmer_order(lanes)
    days = [
        d
        for s in ordered
        for d in (s.treatment_days, s.response_day, s.progression_day)
        if d is not None
    ]
    x_ticks = week_ticks(max(days) / WEEK + 1)
    x = Scale(0, x_ticks[-1], 90.0, WIDTH - 24.0)
    _x_axis(
        canvas,
        x,
        x_ticks,
        y=bottom,
        label="Weeks since C1D1",
        fmt=lambda v: fmt_number(v, 0),
        grid_top=top,
    )
    styles = cohort_styles()
    for i, lane in enumerate(ordered):
        cy = top + lane_h * i + lane_h / 2
        style = styles.get(lane.cohort, SeriesStyle(INK, ""))
        canvas.text(84, cy + 4, lane.patient, anchor="end", size=10)
        end = x(max(lane.treatment_days, 0) / WEEK)
        start = x(0)
        tip = (
            f"{lane.patient} ({cohort_label(lane.cohort)}): {lane.treatment_days} days on "
            f"treatment{', ongoing' if lane.ongoing else ''}"
            + (f" (ended: {lane.end_reason})" if lane.end_reason else "")
            + f"; best overall response {lane.best_response or 'not assessed'}"
        )
        canvas.add(
            f'<path class="patient" d="M{_attr(start)},{_attr(cy - 5)}H{_attr(max(end, start + 1))}'
            f'V{_attr(cy + 5)}H{_attr(start)}Z" fill="{style.colour}">'
            f"<title>{escape(tip)}</title></path>"
        )
        if lane.ongoing:
            canvas.add(
                f'<polygon class="ongoing" points="{_arrow(end + 2, cy)}" fill="{INK}">'
                f"<title>{escape(lane.patient)} still on treatment</title></polygon>"
            )
        if lane.response_day is not None:
            rx = x(lane.response_day / WEEK)
            canvas.add(
                f'<polygon class="response" points="{_triangle(rx, cy)}" fill="#ffffff" '
                f'stroke="{INK}" stroke-width="1.5"><title>{escape(lane.patient)} first '
                f"response ({escape(lane.best_response)}) on day {lane.response_day}"
                "</title></polygon>"
            )
        if lane.progression_day is not None:
            px = x(lane.progression_day / WEEK)
            canvas.add(
                f'<polygon class="progression" points="{_diamond(px, cy)}" fill="{INK}" '
                f'stroke="#ffffff" stroke-width="1"><title>{escape(lane.patient)} progression '
                f"on day {lane.progression_day}</title></polygon>"
            )
    legend_y = bottom + 58
    canvas.add(
        f'<polygon points="{_triangle(70, legend_y - 4)}" fill="#ffffff" stroke="{INK}" '
        f'stroke-width="1.5"/>'
    )
    canvas.text(82, legend_y, "first response (CR/PR)", size=11)
    canvas.add(f'<polygon points="{_diamond(240, legend_y - 4)}" fill="{INK}"/>')
    canvas.text(252, legend_y, "progression", size=11)
    canvas.add(f'<polygon points="{_arrow(340, legend_y - 4)}" fill="{INK}"/>')
    canvas.text(354, legend_y, "still on treatment", size=11)
    present = [c.code for c in protocol.COHORTS if any(s.cohort == c.code for s in ordered)]
    _legend(
        canvas,
        [(cohort_label(code), styles[code]) for code in present],
        y=legend_y + 22,
        kind="box",
    )
    return canvas.figure()


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
    title = f"{cohort_label(cohort)}: immune panel, change from baseline"
    mine = {(s.event_code, s.analyte): s for s in summaries if s.cohort == cohort}
    patients = max((s.n for s in mine.values()), default=0)
    caption = (
        f"{cohort_label(cohort)}: mean change from each patient's baseline, in percent, of the "
        f"absolute counts of {', '.join(_population_name(p) for p in POPULATIONS)}, "
        + " and ".join(DrawEvent(code).label for code in FOLLOW_UPS)
        + f" (bars in series order, blue then orange; up to {patients} patients with both "
        "draws). Bars above zero are increases; “n/a” when no patient has both draws."
    )
    if not mine:
        canvas = Canvas(ident=ident, title=title, caption=caption, height=200)
        canvas.empty("No immune-monitoring values with a baseline yet.")
        return canvas.figure()
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
        groups.append((population, bars))
    height = 260
    inner = lab_charts.bar_chart(
        ident=f"{ident}-bars",
        title=title,
        y_label="Mean change from baseline (%)",
        groups=groups,
        series=[(code, DrawEvent(code).label) for code in FOLLOW_UPS],
        height=height,
    )
    # labs' grouped bars, framed like the other figures (size, font, background, caption).
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" class="chart" id="{ident}-svg" '
        f'font-family="{FONT}" font-size="12" fill="{INK}">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(caption)}</desc>'
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>'
        f"{inner}</svg>"
    )
    return Figure(ident, title, caption, svg)


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
