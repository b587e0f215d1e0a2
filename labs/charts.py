"""Pictures of lab data as Vega-Lite figures (``edc.charts``): plain values in, a
``Figure`` (title, caption, spec) out. Pure: no ORM. The page draws the spec with the vendored
vega-embed; ``Figure.svg()`` renders it on the server.

Every text that comes from data goes into the spec as data: the page embeds it with
``json_script`` (escaped) and Vega draws it as text, never as markup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import altair as alt
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from edc import charts as theme

LINE_COLOUR = theme.PALETTE[0]  # results
FLAG_COLOUR = theme.PALETTE[1]  # flagged results and paclitaxel doses (vermillion)
BAND_COLOUR = theme.BAND  # normal range


@dataclass(frozen=True)
class TrendPoint:
    at: dt.datetime
    value: Decimal
    low: Decimal | None  # normal range valid on that day (as stored with the result)
    high: Decimal | None
    flag: str = ""
    grade: int | None = None


def _local(at: dt.datetime) -> str:
    """Wall-clock time without offset: the browser and vl-convert draw it as written."""
    return at.strftime("%Y-%m-%dT%H:%M:%S")


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def trend_chart(
    *,
    ident: str,
    title: str,
    unit: str,
    points: Sequence[TrendPoint],
    dose_dates: Sequence[dt.date] = (),
    height: int = 180,
) -> theme.Figure:
    """A value over time with the normal-range band and vertical marks on dose dates."""
    flagged = sum(1 for p in points if p.flag)
    parts = [
        ngettext(
            "%(title)s in %(unit)s: %(count)s result",
            "%(title)s in %(unit)s: %(count)s results",
            len(points),
        )
        % {"title": title, "unit": unit, "count": len(points)}
    ]
    if flagged:
        parts.append(_("%(count)s flagged") % {"count": flagged})
    if dose_dates:
        parts.append(
            ngettext(
                "%(count)s paclitaxel dose marked",
                "%(count)s paclitaxel doses marked",
                len(dose_dates),
            )
            % {"count": len(dose_dates)}
        )
    caption = (
        ", ".join(parts)
        + ". "
        + _("The shaded green band is the laboratory's normal range valid on each collection date.")
    )
    if not points:
        return theme.figure(ident, title, caption, theme.empty_chart(_("No results yet.")))
    # Translators: legend of a lab trend chart (a result outside its normal range, or not).
    flagged_status, normal_status = _("flagged"), _("within range")
    rows = []
    for p in points:
        label = f"{p.at:%Y-%m-%d %H:%M} {_number(p.value)} {unit}"
        if p.flag:
            label += f" ({p.flag})"
        if p.grade:
            label += " " + _("CTCAE grade %(grade)s") % {"grade": p.grade}
        rows.append(
            {
                "at": _local(p.at),
                "value": float(p.value),
                "low": None if p.low is None else float(p.low),
                "high": None if p.high is None else float(p.high),
                "status": flagged_status if p.flag else normal_status,
                "result": label,
            }
        )
    data = theme.dataset(rows)
    # A day of margin each side keeps the first and last points off the frame.
    days = [p.at.date() for p in points] + list(dose_dates)
    start, end = min(days) - dt.timedelta(days=1), max(days) + dt.timedelta(days=1)
    every = max(1, -(-((end - start).days + 1) // 6))  # about six ticks, on whole days
    span = alt.Scale(domain=[f"{start}T00:00:00", f"{end}T23:59:59"])
    x = alt.X(
        "at:T",
        title=None,
        scale=span,
        axis=alt.Axis(format="%d %b %y", tickCount={"interval": "day", "step": every}),
    )
    y = alt.Y("value:Q", title=unit, scale=alt.Scale(zero=True, nice=True))
    layers = []
    band = [r for r in rows if r["low"] is not None and r["high"] is not None]
    if band:
        layers.append(
            alt.Chart(theme.dataset(band))
            .mark_area(interpolate="step", color=BAND_COLOUR)
            .encode(x=x, y=alt.Y("low:Q"), y2=alt.Y2("high"))
        )
    if dose_dates:
        doses = [
            {
                "on": _local(dt.datetime.combine(d, dt.time(12))),
                "dose": _("Paclitaxel %(date)s") % {"date": d},
            }
            for d in dose_dates
        ]
        layers.append(
            alt.Chart(theme.dataset(doses))
            .mark_rule(color=FLAG_COLOUR, strokeDash=[4, 3])
            .encode(x=alt.X("on:T", scale=span), tooltip=alt.Tooltip("dose:N", title=_("Dose")))
        )
    line = alt.Chart(data).mark_line(color=LINE_COLOUR, strokeWidth=2).encode(x=x, y=y)
    dots = (
        alt.Chart(data)
        .mark_point(filled=True, size=50, opacity=1)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "status:N",
                title=None,
                scale=alt.Scale(
                    domain=[normal_status, flagged_status], range=[LINE_COLOUR, FLAG_COLOUR]
                ),
            ),
            shape=alt.Shape(
                "status:N",
                title=None,
                scale=alt.Scale(
                    domain=[normal_status, flagged_status], range=["circle", "diamond"]
                ),
            ),
            tooltip=alt.Tooltip("result:N", title=_("Result")),
        )
    )
    chart = alt.layer(*layers, line, dots).properties(width=theme.WIDTH, height=height)
    return theme.figure(ident, title, caption, chart)


@dataclass(frozen=True)
class Bar:
    series: str  # e.g. "IMM-INJ6"
    value: Decimal | None  # None: no patient with both values
    label: str = ""  # tooltip text


def bar_chart(
    *,
    ident: str,
    title: str,
    y_label: str,
    groups: Sequence[tuple[str, Sequence[Bar]]],
    series: Sequence[tuple[str, str]],
    caption: str = "",
    height: int = 200,
) -> theme.Figure:
    """Grouped bars around a zero line (changes can be negative); ``series`` = (key, label);
    "n/a" where a bar has no value."""
    names = dict(series)
    caption = caption or f"{title}. " + "; ".join(
        f"{group}: "
        + ", ".join(
            f"{names.get(b.series, b.series)} "
            + (_("no data") if b.value is None else f"{b.value:+}")
            for b in bars
        )
        for group, bars in groups
    )
    rows = [
        {
            "group": group,
            "series": names.get(b.series, b.series),
            "value": None if b.value is None else float(b.value),
            "text": b.label or (f"{group} {b.value:+}" if b.value is not None else ""),
        }
        for group, bars in groups
        for b in bars
    ]
    labels = [label for _, label in series]
    x = alt.X(
        "group:N",
        title=None,
        sort=[g for g, _ in groups],
        axis=alt.Axis(
            labelExpr="length(datum.label) > 12 ? split(datum.label, ' ') : datum.label",
            labelLineHeight=13,
        ),
    )
    offset = alt.XOffset("series:N", sort=labels, scale=alt.Scale(domain=labels))
    bars = (
        alt.Chart(theme.dataset([r for r in rows if r["value"] is not None]))
        .mark_bar()
        .encode(
            x=x,
            xOffset=offset,
            y=alt.Y("value:Q", title=y_label),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=labels, range=list(theme.PALETTE[: len(labels)])),
            ),
            tooltip=alt.Tooltip("text:N", title=_("Mean change")),
        )
    )
    # Translators: a bar without a value (no patient has both draws).
    missing = [{**r, "na": _("n/a")} for r in rows if r["value"] is None]
    zero = (
        alt.Chart(theme.dataset([{"zero": 0}]))
        .mark_rule(color=theme.MUTED)
        .encode(y=alt.Y("zero:Q"))
    )
    layers = [bars, zero]
    if missing:
        layers.append(
            alt.Chart(theme.dataset(missing))
            .mark_text(baseline="bottom", dy=-3, fontSize=10, color=theme.MUTED)
            .encode(x=x, xOffset=offset, y=alt.YDatum(0), text=alt.Text("na:N"))
        )
    chart = alt.layer(*layers).properties(width=theme.WIDTH, height=height)
    return theme.figure(ident, title, caption, chart)
