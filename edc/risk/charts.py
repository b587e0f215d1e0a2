"""The site-risk trend figure, drawn with the site's one chart theme (edc.charts)."""

from __future__ import annotations

import datetime as dt

import altair as alt
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from edc import charts


def _mean(lag_sum: int, entered: int) -> float | None:
    return round(lag_sum / entered, 1) if entered else None


def _month_label(key: str) -> str:
    year, month = key.split("-")
    return date_format(dt.date(int(year), int(month), 1), "M Y")


def trend_figure(*, site_code: str, own: dict | None, others: dict | None) -> charts.Figure:
    """Mean data-entry lag by month of first save: the site, and the other sites pooled."""
    ident = f"risk-trend-{site_code.lower()}"
    title = _("Data-entry lag by month, site %(site)s") % {"site": site_code}
    series = [(_("Site %(site)s") % {"site": site_code}, own)]
    if others:
        series.append((_("Other sites (pooled)"), others))
    rows, sentences = [], []
    for name, trend in series:
        if not trend:
            continue
        points = []
        for key, lag_sum, entered in zip(
            trend["months"], trend["lag_sum"], trend["entered"], strict=True
        ):
            mean = _mean(lag_sum, entered)
            if mean is None:
                continue
            label = _month_label(key)
            rows.append(
                {
                    "series": name,
                    "month": f"{key}-01T00:00:00",
                    "lag": mean,
                    "tip": _("%(series)s, %(month)s: %(mean)s days on average, %(n)s records")
                    % {"series": name, "month": label, "mean": mean, "n": entered},
                }
            )
            points.append(f"{label} {mean}")
        if points:
            sentences.append(
                _("%(series)s: %(points)s days") % {"series": name, "points": ", ".join(points)}
            )
    if not rows:
        caption = _("Mean days from the clinical date to the first save, by month: no records yet.")
        return charts.figure(
            ident, title, caption, charts.empty_chart(_("No records entered yet."))
        )
    caption = _(
        "Mean days from a record's visit, dose, sample or event date to its first save, by "
        "month of first save; the other sites are pooled, never shown one by one."
    )
    labels = [name for name, trend in series if trend]
    scales = charts.style_scales(labels, list(charts.series_styles(labels).values()))
    chart = (
        alt.Chart(charts.dataset(rows))
        .mark_line(point=True, strokeWidth=2.5)
        .encode(
            x=alt.X("month:T", title=_("Month of first save"), axis=alt.Axis(format="%b %Y")),
            y=alt.Y("lag:Q", title=_("Mean entry lag (days)")),
            color=alt.Color("series:N", title="", scale=scales["colour"]),
            strokeDash=alt.StrokeDash("series:N", title="", scale=scales["dash"]),
            tooltip=alt.Tooltip("tip:N", title=_("Entry lag")),
        )
        .properties(width=charts.WIDTH, height=200)
    )
    return charts.figure(ident, title, caption, chart, details="; ".join(sentences) + ".")
