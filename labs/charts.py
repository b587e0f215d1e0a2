"""Server-rendered SVG pictures of lab data. Pure: plain values in, SVG text out; no JS.

Every text that comes from data is escaped here, so the returned markup is safe to embed.
Each chart is an ``<svg role="img">`` with a ``<title>`` and ``<desc>`` for screen readers;
each data point carries a ``<title>`` (the browser shows it as a tooltip).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

WIDTH = 760
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 64, 16, 28, 40
LINE_COLOUR = "#0b5cad"
BAND_COLOUR = "#d7ecd9"
DOSE_COLOUR = "#a40e26"
SERIES_COLOURS = ("#0b5cad", "#e07b00", "#116329", "#6f42c1")


@dataclass(frozen=True)
class TrendPoint:
    at: dt.datetime
    value: Decimal
    low: Decimal | None  # normal range valid on that day (as stored with the result)
    high: Decimal | None
    flag: str = ""
    grade: int | None = None


def _nice_step(span: float, ticks: int = 5) -> float:
    raw = span / max(ticks, 1)
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _fmt(number: float) -> str:
    return f"{number:g}"


def _svg_open(height: int, title: str, desc: str, ident: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-labelledby="{ident}-t {ident}-d" class="chart">',
        f'<title id="{ident}-t">{escape(title)}</title>',
        f'<desc id="{ident}-d">{escape(desc)}</desc>',
    ]


def trend_chart(
    *,
    ident: str,
    title: str,
    unit: str,
    points: Sequence[TrendPoint],
    dose_dates: Sequence[dt.date] = (),
    height: int = 240,
) -> str:
    """A value over time with the normal-range band and vertical marks on dose dates."""
    desc = (
        f"{title} in {unit}: {len(points)} results"
        + (f", {len(dose_dates)} paclitaxel doses marked" if dose_dates else "")
        + ". The shaded band is the laboratory's normal range."
    )
    parts = _svg_open(height, title, desc, ident)
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = height - MARGIN_TOP - MARGIN_BOTTOM
    if not points:
        parts.append(
            f'<text x="{WIDTH / 2}" y="{height / 2}" text-anchor="middle">No results yet.</text>'
        )
        parts.append("</svg>")
        return "".join(parts)

    times = [p.at for p in points]
    # A day of margin each side keeps the first and last points off the frame.
    start = min([*(t.date() for t in times), *dose_dates]) - dt.timedelta(days=1)
    end = max([*(t.date() for t in times), *dose_dates]) + dt.timedelta(days=1)
    t0 = dt.datetime.combine(start, dt.time.min).timestamp()
    t1 = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min).timestamp()

    def x_of_ts(ts: float) -> float:
        return MARGIN_LEFT + (ts - t0) / (t1 - t0) * plot_w

    def x_of(at: dt.datetime) -> float:
        return x_of_ts(dt.datetime.combine(at.date(), at.time()).timestamp())

    def x_of_date(d: dt.date) -> float:
        return x_of_ts(dt.datetime.combine(d, dt.time(12)).timestamp())

    values = [float(p.value) for p in points]
    limits = [float(v) for p in points for v in (p.low, p.high) if v is not None]
    y_max = max([*values, *limits]) * 1.1 or 1.0
    step = _nice_step(y_max)
    y_max = math.ceil(y_max / step) * step

    def y_of(v: float) -> float:
        return MARGIN_TOP + plot_h - v / y_max * plot_h

    # Axes and horizontal grid.
    tick = 0.0
    while tick <= y_max + 1e-9:
        y = y_of(tick)
        parts.append(
            f'<line x1="{MARGIN_LEFT}" x2="{WIDTH - MARGIN_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#e3e7eb"/>'
            f'<text x="{MARGIN_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'font-size="11">{_fmt(tick)}</text>'
        )
        tick += step
    parts.append(
        f'<text x="14" y="{MARGIN_TOP + plot_h / 2:.1f}" font-size="11" text-anchor="middle" '
        f'transform="rotate(-90 14 {MARGIN_TOP + plot_h / 2:.1f})">{escape(unit)}</text>'
    )
    # Date ticks: about six, on whole days.
    days = (end - start).days + 1
    every = max(1, math.ceil(days / 6))
    for n in range(0, days, every):
        d = start + dt.timedelta(days=n)
        x = x_of_date(d)
        parts.append(
            f'<text x="{x:.1f}" y="{height - MARGIN_BOTTOM + 16}" text-anchor="middle" '
            f'font-size="11">{d:%d %b %y}</text>'
        )
    # Normal-range band: a step per result, since ranges are versioned by date.
    band = [p for p in points if p.low is not None and p.high is not None]
    if band:
        upper, lower = [], []
        for i, p in enumerate(band):
            xa = MARGIN_LEFT if i == 0 else (x_of(band[i - 1].at) + x_of(p.at)) / 2
            xb = (
                WIDTH - MARGIN_RIGHT
                if i == len(band) - 1
                else (x_of(p.at) + x_of(band[i + 1].at)) / 2
            )
            upper += [(xa, y_of(float(p.high))), (xb, y_of(float(p.high)))]
            lower += [(xa, y_of(float(p.low))), (xb, y_of(float(p.low)))]
        polygon = " ".join(f"{x:.1f},{y:.1f}" for x, y in upper + lower[::-1])
        parts.append(f'<polygon points="{polygon}" fill="{BAND_COLOUR}" class="normal-band"/>')
    # Dose dates.
    for d in dose_dates:
        x = x_of_date(d)
        parts.append(
            f'<line class="dose" x1="{x:.1f}" x2="{x:.1f}" y1="{MARGIN_TOP}" '
            f'y2="{MARGIN_TOP + plot_h}" stroke="{DOSE_COLOUR}" stroke-dasharray="4 3">'
            f"<title>Paclitaxel {d.isoformat()}</title></line>"
        )
    # The series.
    path = " ".join(f"{x_of(p.at):.1f},{y_of(float(p.value)):.1f}" for p in points)
    parts.append(f'<polyline points="{path}" fill="none" stroke="{LINE_COLOUR}" stroke-width="2"/>')
    for p in points:
        label = f"{p.at:%Y-%m-%d %H:%M} {p.value.normalize():f} {unit}"
        if p.flag:
            label += f" ({p.flag})"
        if p.grade:
            label += f" CTCAE grade {p.grade}"
        fill = DOSE_COLOUR if p.flag else LINE_COLOUR
        parts.append(
            f'<circle class="point" cx="{x_of(p.at):.1f}" cy="{y_of(float(p.value)):.1f}" r="4" '
            f'fill="{fill}"><title>{escape(label)}</title></circle>'
        )
    parts.append(
        f'<rect x="{MARGIN_LEFT}" y="{MARGIN_TOP}" width="{plot_w}" height="{plot_h}" '
        'fill="none" stroke="#8c959f"/>'
        f'<text x="{MARGIN_LEFT}" y="18" font-size="13" font-weight="600">{escape(title)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


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
    height: int = 260,
) -> str:
    """Grouped bars around a zero line (changes can be negative); ``series`` = (key, label)."""
    desc = f"{title}. " + "; ".join(
        f"{group}: "
        + ", ".join(
            f"{dict(series).get(b.series, b.series)} "
            + ("no data" if b.value is None else f"{b.value:+}")
            for b in bars
        )
        for group, bars in groups
    )
    parts = _svg_open(height, title, desc, ident)
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = height - MARGIN_TOP - MARGIN_BOTTOM - 18
    values = [float(b.value) for _, bars in groups for b in bars if b.value is not None]
    top = max([0.0, *values])
    bottom = min([0.0, *values])
    if top == bottom:
        top = 1.0
    step = _nice_step(top - bottom)
    top = math.ceil(top / step) * step
    bottom = math.floor(bottom / step) * step

    def y_of(v: float) -> float:
        return MARGIN_TOP + (top - v) / (top - bottom) * plot_h

    tick = bottom
    while tick <= top + 1e-9:
        y = y_of(tick)
        parts.append(
            f'<line x1="{MARGIN_LEFT}" x2="{WIDTH - MARGIN_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{"#555e69" if tick == 0 else "#e3e7eb"}"/>'
            f'<text x="{MARGIN_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'font-size="11">{_fmt(tick)}</text>'
        )
        tick += step
    parts.append(
        f'<text x="14" y="{MARGIN_TOP + plot_h / 2:.1f}" font-size="11" text-anchor="middle" '
        f'transform="rotate(-90 14 {MARGIN_TOP + plot_h / 2:.1f})">{escape(y_label)}</text>'
    )
    slot = plot_w / max(len(groups), 1)
    bar_w = slot * 0.7 / max(len(series), 1)
    colours = {key: SERIES_COLOURS[i % len(SERIES_COLOURS)] for i, (key, _) in enumerate(series)}
    order = {key: i for i, (key, _) in enumerate(series)}
    for g, (group, bars) in enumerate(groups):
        x0 = MARGIN_LEFT + g * slot + slot * 0.15
        for b in bars:
            x = x0 + order.get(b.series, 0) * bar_w
            if b.value is None:
                parts.append(
                    f'<text x="{x + bar_w / 2:.1f}" y="{y_of(0) - 4:.1f}" font-size="10" '
                    'text-anchor="middle" fill="#555e69">n/a</text>'
                )
                continue
            v = float(b.value)
            y = min(y_of(v), y_of(0))
            h = abs(y_of(v) - y_of(0))
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" '
                f'height="{h:.1f}" fill="{colours.get(b.series, LINE_COLOUR)}">'
                f"<title>{escape(b.label or f'{group} {b.value:+}')}</title></rect>"
            )
        parts.append(
            f'<text x="{x0 + slot * 0.35:.1f}" y="{MARGIN_TOP + plot_h + 16:.1f}" '
            f'text-anchor="middle" font-size="11">{escape(group)}</text>'
        )
    legend_y = height - 10
    for i, (key, label) in enumerate(series):
        lx = MARGIN_LEFT + i * 240
        parts.append(
            f'<rect x="{lx}" y="{legend_y - 10}" width="12" height="12" fill="{colours[key]}"/>'
            f'<text x="{lx + 16}" y="{legend_y}" font-size="11">{escape(label)}</text>'
        )
    parts.append(
        f'<text x="{MARGIN_LEFT}" y="18" font-size="13" font-weight="600">{escape(title)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
