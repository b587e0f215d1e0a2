"""The one chart theme of the site: Vega-Lite specs built with Altair, drawn in the page by the
vendored vega-embed (``static/js/charts.js``) and rendered to SVG/PNG for downloads by
vl-convert. Imports nothing of ours, so every app may use it (dashboard and labs do).

Colours are the Okabe–Ito colour-blind-safe palette restricted to the hues with ≥ 3:1 contrast
on white (WCAG 1.4.11); series also differ by dash pattern or a text label, so no information
is carried by colour alone.

A ``Figure`` is a title, a caption (plain text, the figure's description for screen readers)
and the Vega-Lite spec. The page embeds the spec as JSON (``json_script``; no inline code, the
CSP forbids it) and draws it with vega-interpreter; ``Figure.svg()``/``png()`` render the same
spec on the server, on request (≈0.1 s a chart, too slow to do for every page view).
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

import altair as alt
import vl_convert

WIDTH = 640  # plot width in pixels; the page lets the figure scroll on narrow screens
INK = "#1b1f24"
MUTED = "#555e69"
GRID = "#d0d7de"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
# Okabe & Ito (2008) colours with at least 3:1 contrast on white: blue, vermillion, bluish
# green, reddish purple, black.
PALETTE: tuple[str, ...] = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000")
# Dash patterns (Vega strokeDash arrays) varying alongside the colours; [] is a solid line.
DASHES: tuple[tuple[int, ...], ...] = ((), (8, 4), (2, 3), (10, 3, 2, 3), (5, 2))
REFERENCE_DASH = (6, 4)
BAND = "#cdeee3"  # a light tint of the palette's bluish green: normal ranges
MINUS = "\u2212"


@dataclass(frozen=True)
class SeriesStyle:
    colour: str
    dash: tuple[int, ...]


def series_styles(keys: Sequence[str]) -> dict[str, SeriesStyle]:
    """A colour and a dash pattern per key, in order; unique pairs for up to 25 keys."""
    styles = {}
    for i, key in enumerate(keys):
        dash = DASHES[(i + i // len(PALETTE)) % len(DASHES)]
        styles[key] = SeriesStyle(PALETTE[i % len(PALETTE)], dash)
    return styles


def style_scales(labels: Sequence[str], styles: Sequence[SeriesStyle]) -> dict[str, alt.Scale]:
    """Vega-Lite colour and dash scales giving each label its style."""
    return {
        "colour": alt.Scale(domain=list(labels), range=[s.colour for s in styles]),
        "dash": alt.Scale(domain=list(labels), range=[list(s.dash) for s in styles]),
    }


def config() -> dict[str, Any]:
    """Fonts, axes, legends and palette shared by every figure."""
    return {
        "font": FONT,
        "background": "#ffffff",
        "padding": 8,
        "aria": False,  # the page labels the whole figure (role="img", title and caption)
        "view": {"stroke": None},
        "title": {
            "anchor": "start",
            "fontSize": 14,
            "fontWeight": 600,
            "color": INK,
            "offset": 12,
        },
        "axis": {
            "labelColor": INK,
            "labelFontSize": 11,
            "titleColor": INK,
            "titleFontSize": 12,
            "titleFontWeight": "normal",
            "gridColor": GRID,
            "domainColor": MUTED,
            "tickColor": MUTED,
            "labelLimit": 220,
        },
        "legend": {
            "orient": "bottom",
            "direction": "horizontal",
            "labelColor": INK,
            "labelFontSize": 11,
            "titleColor": INK,
            "titleFontSize": 11,
            "titleFontWeight": "normal",
            "labelLimit": 320,
            "symbolStrokeWidth": 3,
            "columns": 3,
        },
        "header": {"labelFontSize": 12, "labelFontWeight": 600, "labelColor": INK},
        "range": {"category": list(PALETTE)},
        "text": {"color": INK, "fontSize": 11},
        "axisX": {"labelAngle": 0},
    }


def empty_chart(message: str, *, height: int = 160) -> alt.Chart:
    """A blank plot that says why it is blank ("No patient enrolled yet.")."""
    return (
        alt.Chart(dataset([{"message": message}]))
        .mark_text(fontSize=13, color=MUTED)
        .encode(text=alt.Text("message:N"))
        .properties(width=WIDTH, height=height)
    )


def reference_rules(values: Sequence[dict], *, axis: str = "y") -> alt.LayerChart:
    """Dashed grey lines at fixed values, each labelled at the plot's right (or top) edge;
    ``values`` are ``{"value": 20, "label": "+20 %"}``."""
    base = alt.Chart(dataset(list(values)))
    rule = base.mark_rule(color=MUTED, strokeDash=list(REFERENCE_DASH)).encode(
        **{axis: alt.Y("value:Q") if axis == "y" else alt.X("value:Q")}
    )
    if axis == "y":
        label = base.mark_text(align="left", dx=4, fontSize=10, color=MUTED).encode(
            y=alt.Y("value:Q"), x=alt.XValue(WIDTH), text=alt.Text("label:N")
        )
    else:
        label = base.mark_text(
            align="left", baseline="top", dx=4, dy=2, fontSize=10, color=MUTED
        ).encode(x=alt.X("value:Q"), y=alt.YValue(0), text=alt.Text("label:N"))
    return alt.layer(rule, label)


# Rows waiting for ``figure()``, per thread: Altair deep-copies inline data at every step of
# building a chart, so charts name their data (``dataset``) and ``figure()`` puts the rows
# into the spec's top-level ``datasets`` once. Rows of a chart whose building failed are
# dropped once too many wait.
_LOCAL = threading.local()
_MAX_PENDING = 200


def _pending() -> dict[str, list]:
    if not hasattr(_LOCAL, "pending") or len(_LOCAL.pending) > _MAX_PENDING:
        _LOCAL.pending = {}
    return _LOCAL.pending


def dataset(values) -> alt.Data:
    """A chart's data rows, by a unique name (see ``_pending``)."""
    name = f"data-{uuid.uuid4().hex[:12]}"
    _pending()[name] = list(values)
    return alt.Data(name=name)


def _claim_datasets(node, found: dict[str, list]) -> None:
    if isinstance(node, dict):
        name = node.get("data", {}).get("name") if isinstance(node.get("data"), dict) else None
        if name in _pending():
            found[name] = _pending().pop(name)
        for value in node.values():
            _claim_datasets(value, found)
    elif isinstance(node, list):
        for value in node:
            _claim_datasets(value, found)


def data_rows(spec: dict, node: dict) -> list[dict]:
    """The rows a mark of ``spec`` draws (its own ``data``, by value or by name)."""
    data = node.get("data", {})
    if "values" in data:
        return data["values"]
    return spec.get("datasets", {}).get(data.get("name"), [])


@dataclass(frozen=True)
class Figure:
    """One figure: ``caption`` is plain text; ``details`` more text for screen readers (the
    numbers drawn); ``spec`` the Vega-Lite spec (theme included)."""

    ident: str
    title: str
    caption: str
    spec: dict = field(repr=False, compare=False)
    details: str = ""

    @property
    def description(self) -> str:
        return " ".join(filter(None, [self.caption, self.details]))

    def svg(self) -> str:
        return to_svg(self.spec, ident=self.ident, title=self.title, caption=self.description)

    def png(self, *, scale: float = 2) -> bytes:
        return vl_convert.vegalite_to_png(self.spec, scale=scale)


def figure(
    ident: str, title: str, caption: str, chart: alt.TopLevelMixin, *, details: str = ""
) -> Figure:
    """The chart with the site's theme, its title, and its caption as description."""
    spec = chart.to_dict(validate=False)
    datasets: dict[str, list] = {}
    _claim_datasets(spec, datasets)
    spec["datasets"] = datasets
    spec["title"] = title
    spec["config"] = config()
    made = Figure(ident, title, caption, spec, details)
    spec["description"] = made.description
    return made


_SVG_OPEN = re.compile(r"<svg\b[^>]*>")


def to_svg(spec: dict, *, ident: str, title: str, caption: str) -> str:
    """The spec drawn by vl-convert, as an image labelled by its title and described by its
    caption (``role="img"``, ``<title>``, ``<desc>``), for downloads and print."""
    svg = vl_convert.vegalite_to_svg(spec)
    opening = _SVG_OPEN.search(svg)
    if opening is None:  # pragma: no cover - vl-convert always returns an <svg> document
        raise ValueError("The chart could not be drawn.")
    tag = opening.group(0)
    labelled = tag[:-1] + (
        f' role="img" aria-labelledby="{ident}-title {ident}-desc" id="{ident}-svg">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(caption)}</desc>'
    )
    return svg[: opening.start()] + labelled + svg[opening.end() :]
