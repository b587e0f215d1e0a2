"""The dashboard's figures are pure functions: plain values in, a Vega-Lite figure (drawn in
the page, rendered to SVG/PNG for downloads) and CSV rows out."""

import datetime as dt
from decimal import Decimal

import pytest
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema import load_schema

from edc import charts as theme
from edc import protocol
from edc.dashboard import charts
from labs.immune import ChangeFromBaseline

D = Decimal
C1D1 = dt.date(2025, 4, 1)
SCHEMA = load_schema()


def marks(spec: dict, node: dict | None = None, data=None) -> list[tuple[str, list, dict, dict]]:
    """Every mark of a (layered, concatenated) spec: (type, its data rows, encoding, mark)."""
    node = spec if node is None else node
    data = theme.data_rows(spec, node) if "data" in node else data
    found = []
    if "mark" in node:
        mark = node["mark"] if isinstance(node["mark"], dict) else {"type": node["mark"]}
        found.append((mark["type"], data or [], node.get("encoding", {}), mark))
    for key in ("layer", "hconcat", "vconcat", "concat"):
        for child in node.get(key, []):
            found += marks(spec, child, data)
    return found


def of_type(figure: theme.Figure, mark_type: str) -> list[tuple[list, dict, dict]]:
    return [(rows, enc, mark) for t, rows, enc, mark in marks(figure.spec) if t == mark_type]


def assert_valid(figure: theme.Figure) -> None:
    """A Vega-Lite v6 spec with the site's theme, titled and described by the caption."""
    validate_jsonschema(figure.spec, SCHEMA)
    assert figure.spec["title"] == figure.title
    assert figure.spec["description"].startswith(figure.caption)
    assert figure.spec["config"]["range"]["category"] == list(theme.PALETTE)


def assert_accessible_svg(figure: theme.Figure) -> str:
    """The SVG download is an image labelled by the title and described by the caption."""
    svg = figure.svg()
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert 'role="img"' in svg
    assert f'aria-labelledby="{figure.ident}-title {figure.ident}-desc"' in svg
    assert f'<title id="{figure.ident}-title">' in svg
    assert f'<desc id="{figure.ident}-desc">' in svg
    assert figure.caption.split(":")[0] in svg.replace("&#x27;", "'")
    return svg


def spider_line(patient: str, cohort: str, changes: list[tuple[int, str]]) -> charts.SpiderLine:
    points = [charts.SpiderPoint(0, C1D1 - dt.timedelta(days=5), D("70"), D("0"))]
    for day, pct in changes:
        points.append(charts.SpiderPoint(day, C1D1 + dt.timedelta(days=day), D("50"), D(pct), "PR"))
    return charts.SpiderLine(patient, cohort, tuple(points))


LINES = [
    spider_line("FR01-001", "A", [(56, "-35"), (112, "-50")]),
    spider_line("FR01-002", "B", [(56, "-10"), (112, "25")]),
    spider_line("FR02-001", "C", [(56, "5")]),
]


def reference_values(figure: theme.Figure) -> list[tuple[float, str]]:
    return sorted(
        (row["value"], row["label"])
        for rows, _, mark in of_type(figure, "text")
        for row in rows
        if "label" in row and mark.get("color") == theme.MUTED
    )


def test_spider_plot_draws_one_line_per_patient_with_axes_thresholds_and_caption():
    figure = charts.spider_chart(LINES, not_shown=2)
    assert_valid(figure)
    [(rows, encoding, _)] = of_type(figure, "line")
    assert encoding["detail"]["field"] == "patient"
    assert sorted({r["patient"] for r in rows}) == ["FR01-001", "FR01-002", "FR02-001"]
    assert len(rows) == 3 + 3 + 2  # every assessment, the baseline at week 0
    assert encoding["x"]["title"] == "Weeks since C1D1"
    assert encoding["y"]["title"] == "Change in sum of diameters (%)"
    assert encoding["x"]["axis"]["values"] == [0, 8, 16]  # the 8-weekly assessment grid
    # RECIST thresholds come from the protocol, as labelled reference lines.
    assert reference_values(figure) == [
        (-float(protocol.RECIST.pr_decrease_pct), f"\u2212{protocol.RECIST.pr_decrease_pct} %"),
        (float(protocol.RECIST.pd_increase_pct), f"+{protocol.RECIST.pd_increase_pct} %"),
    ]
    assert "one line per patient (3 patients)" in figure.caption
    assert "2 patients without a measured follow-up are not shown" in figure.caption
    svg = assert_accessible_svg(figure)
    assert "Weeks since C1D1" in svg and "Change in sum of diameters (%)" in svg


def test_spider_lines_are_coloured_and_dashed_by_cohort_not_by_patient():
    [(rows, encoding, _)] = of_type(charts.spider_chart(LINES), "line")
    assert encoding["color"]["field"] == encoding["strokeDash"]["field"] == "cohort"
    labels = [protocol.cohort(c).label for c in ("A", "B", "C")]
    assert encoding["color"]["scale"] == {"domain": labels, "range": list(charts.PALETTE[:3])}
    dashes = encoding["strokeDash"]["scale"]["range"]
    assert dashes[0] == [] and dashes[1] and dashes[2] and dashes[1] != dashes[2]
    assert {r["cohort"] for r in rows} == set(labels)


def test_spider_csv_has_a_row_per_assessment_including_baseline():
    header, rows = charts.spider_table(LINES)
    assert header[0] == "subject_id" and "pct_change_from_baseline" in header
    assert len(rows) == 3 + 3 + 2
    first = dict(zip(header, rows[0], strict=True))
    assert first["study_day"] == "baseline" and first["pct_change_from_baseline"] == "0.0"


def test_waterfall_sorts_patients_from_largest_increase_to_largest_decrease():
    bars = [
        charts.WaterfallBar("P1", "A", D("-50"), "PR"),
        charts.WaterfallBar("P2", "B", D("30"), "PD"),
        charts.WaterfallBar("P3", "C", D("-5"), "SD"),
    ]
    figure = charts.waterfall_chart(bars)
    assert_valid(figure)
    [(rows, encoding, _)] = of_type(figure, "bar")
    assert [r["patient"] for r in rows] == ["P2", "P3", "P1"]
    assert encoding["x"]["sort"] == ["P2", "P3", "P1"]
    assert encoding["y"]["title"] == "Best change in sum of diameters (%)"
    assert rows[0]["bar"] == f"P2 ({protocol.cohort('B').label}): best change +30 %, best " + (
        "overall response PD"
    )
    letters = sorted(
        r["response"] for rows, _, _ in of_type(figure, "text") for r in rows if "response" in r
    )
    assert letters == ["PD", "PR", "SD"]
    assert len(reference_values(figure)) == 2
    header, rows = charts.waterfall_table(bars)
    assert [r[1] for r in rows] == ["P2", "P3", "P1"]
    assert rows[0] == [1, "P2", "B", "30.0", "PD"]


def test_swimmer_shows_time_on_treatment_with_response_progression_and_ongoing_markers():
    lanes = [
        charts.SwimmerLane("P1", "A", 156, False, "PR", response_day=56, progression_day=None),
        charts.SwimmerLane("P2", "B", 100, True, "SD"),
        charts.SwimmerLane("P3", "C", 60, False, "PD", progression_day=55, end_reason="Death"),
    ]
    figure = charts.swimmer_chart(lanes)
    assert_valid(figure)
    [(rows, encoding, _)] = of_type(figure, "bar")
    assert [(r["patient"], round(r["weeks"], 1)) for r in rows] == [
        ("P1", 22.3),
        ("P2", 14.3),
        ("P3", 8.6),
    ]
    assert encoding["x"]["title"] == "Weeks since C1D1"
    [(markers, encoding, _)] = of_type(figure, "point")
    assert sorted((m["patient"], m["marker"]) for m in markers) == [
        ("P1", "first response (CR/PR)"),
        ("P2", "still on treatment"),
        ("P3", "progression"),
    ]
    shapes = dict(zip(*encoding["shape"]["scale"].values(), strict=True))
    assert shapes == {
        "first response (CR/PR)": "triangle-up",
        "progression": "diamond",
        "still on treatment": "triangle-right",
    }
    assert "1 still on treatment" in figure.caption
    assert "Weeks since C1D1" in assert_accessible_svg(figure)
    header, rows = charts.swimmer_table(lanes)
    assert [r[0] for r in rows] == ["P1", "P2", "P3"]
    assert dict(zip(header, rows[2], strict=True))["end_of_treatment_reason"] == "Death"


def test_enrolment_is_a_cumulative_step_line_per_site_or_cohort():
    points = [
        charts.EnrolmentPoint("FR01-001", dt.date(2025, 4, 1), "FR01", "A"),
        charts.EnrolmentPoint("FR02-001", dt.date(2025, 5, 1), "FR02", "A"),
        charts.EnrolmentPoint("FR01-002", dt.date(2025, 9, 1), "FR01", "B"),
    ]
    by_site = charts.enrolment_chart(points, by="site")
    by_cohort = charts.enrolment_chart(points, by="cohort")
    for figure in (by_site, by_cohort):
        assert_valid(figure)
        [(rows, encoding, mark)] = of_type(figure, "line")
        assert mark["interpolate"] == "step-after"
        assert len({r["series"] for r in rows}) == 2
        assert encoding["y"]["title"] == "Patients enrolled (cumulative)"
        assert encoding["x"]["title"] == "Date of enrolment"
    [(rows, _, _)] = of_type(by_site, "line")
    fr01 = [(r["date"][:10], r["patients"]) for r in rows if r["series"] == "FR01 (2)"]
    assert fr01 == [("2025-04-01", 0), ("2025-04-01", 1), ("2025-09-01", 2), ("2025-09-08", 2)]
    assert "FR01: 2; FR02: 1" in by_site.caption
    assert f"{protocol.cohort('A').label}: 2 of {protocol.cohort('A').capacity}" in (
        by_cohort.caption
    )
    header, rows = charts.enrolment_table(points)
    assert rows[-1] == ["FR01-002", "2025-09-01", "FR01", "B", 2, 1, 3]
    with pytest.raises(ValueError):
        charts.enrolment_chart(points, by="country")


def test_enrolment_draws_one_point_per_day_with_that_days_count():
    points = [
        charts.EnrolmentPoint(f"FR01-00{n}", dt.date(2025, 4, 1), "FR01", "A") for n in range(3)
    ] + [charts.EnrolmentPoint("FR01-009", dt.date(2025, 4, 2), "FR01", "A")]
    [(rows, _, _)] = of_type(charts.enrolment_chart(points, by="site"), "line")
    assert [(r["date"][:10], r["patients"]) for r in rows] == [
        ("2025-04-01", 0),
        ("2025-04-01", 3),
        ("2025-04-02", 4),
        ("2025-04-09", 4),  # the line runs on a week past the last enrolment
    ]


# Above ``limit`` patients, the tumour figures draw summaries per cohort, not a mark each.
MANY = [
    spider_line(f"P{n:03}", "AB"[n % 2], [(56, str(-n)), (112 + n % 3, str(-2 * n))])
    for n in range(1, 11)
]


def test_a_large_spider_plot_draws_each_cohorts_median_and_interquartile_range():
    small = charts.spider_chart(MANY, limit=10)
    assert [enc["detail"]["field"] for rows, enc, _ in of_type(small, "line")] == ["patient"]
    figure = charts.spider_chart(MANY, not_shown=1, limit=9)
    assert_valid(figure)
    [(rows, encoding, _)] = of_type(figure, "line")
    assert "detail" not in encoding and encoding["color"]["field"] == "cohort"
    a = protocol.cohort("A").label
    # Cohort A: patients 2, 4, 6, 8, 10 (odd n are cohort B); week 8: -2, -4, -6, -8, -10.
    week8 = next(r for r in rows if r["cohort"] == a and r["week"] == 8)
    assert (week8["pct"], week8["q1"], week8["q3"]) == (-6.0, -8.0, -4.0)
    assert (
        week8["tip"]
        == f"{a}, week 8: median \u22126 % (interquartile range \u22128 % to \u22124 %), "
        "5 assessments"
    )
    # Days 112-114 all fall in the 2-week interval of week 16.
    assert [r["week"] for r in rows if r["cohort"] == a] == [0, 8, 16]
    [(band, band_encoding, _)] = of_type(figure, "area")
    assert (band_encoding["y"]["field"], band_encoding["y2"]["field"]) == ("q1", "q3")
    assert "With 10 patients, more than 9, the figure shows" in figure.caption
    assert "every patient's values are in the data (CSV)" in figure.caption
    assert "1 patient without a measured follow-up is not shown" in figure.caption
    header, table = charts.spider_table(MANY)
    assert len(table) == 10 * 3  # the CSV keeps every assessment


def test_a_large_waterfall_draws_each_cohort_as_one_sorted_curve_with_response_counts():
    bars = [
        charts.WaterfallBar(f"P{n}", "A", D(str(40 - 10 * n)), "PR" if n > 6 else "SD")
        for n in range(9)
    ]
    figure = charts.waterfall_chart(bars, limit=8)
    assert_valid(figure)
    assert not of_type(figure, "bar")
    [(rows, encoding, _)] = of_type(figure, "line")
    assert encoding["x"]["field"] == "rank" and len(rows) == 101
    # From the largest increase (+40 %) to the largest decrease (-40 %), linearly between.
    assert (rows[0]["pct"], rows[50]["pct"], rows[100]["pct"]) == (40.0, 0.0, -40.0)
    assert "Best overall responses: SD 7, PR 2." in figure.caption
    assert len(charts.waterfall_table(bars)[1]) == 9


def test_a_large_swimmer_plot_shows_the_share_of_each_cohort_treated_at_least_so_long():
    lanes = [
        charts.SwimmerLane(f"P{n}", "A", 7 * n, n == 4, "PR", response_day=14) for n in range(1, 5)
    ]
    figure = charts.swimmer_chart(lanes, limit=3)
    assert_valid(figure)
    [(rows, encoding, mark)] = of_type(figure, "line")
    assert mark["interpolate"] == "step-after" and encoding["y"]["field"] == "share"
    assert [(r["week"], r["share"]) for r in rows] == [
        (0, 100.0),
        (1, 100.0),
        (2, 75.0),
        (3, 50.0),
        (4, 25.0),
    ]
    assert "1 still on treatment; 4 with a first objective response; 0 with a progression" in (
        figure.caption
    )
    assert "not a survival estimate" in figure.caption


def test_endpoint_figure_shows_each_group_with_its_interval():
    estimate = charts.EndpointEstimate("Objective response rate", 15, 30, 0.5, 0.313, 0.687)
    groups = [charts.EndpointGroup("overall", "All cohorts", (estimate,))]
    figure = charts.endpoints_chart(groups)
    assert_valid(figure)
    assert "15/30 = 50 % (95 % CI 31.3–68.7 %)" in figure.description
    [(rows, encoding, _)] = of_type(figure, "rule")
    assert (rows[0]["low"], rows[0]["high"]) == pytest.approx((31.3, 68.7))
    assert "15/30 = 50 % (95 % CI 31.3–68.7 %)" in rows[0]["estimate"]  # the tooltip
    assert encoding["x"]["title"] == "Proportion of patients (%)"
    assert "15/30 = 50 % (95 % CI 31.3–68.7 %)" in assert_accessible_svg(figure)  # its desc
    header, rows = charts.endpoints_table(groups)
    assert header[-2:] == ["historical_rate", "p_value_one_sided"]
    assert rows == [
        ["overall", "Objective response rate", 15, 30, "0.5000", "0.3130", "0.6870", "0.95", "", ""]
    ]


ORR_15_OF_30 = charts.EndpointEstimate(
    "Objective response rate", 15, 30, 0.5, 0.31297, 0.68703, 0.25, 0.0027495341641403867
)


def test_objective_response_is_compared_with_the_historical_rate_in_words():
    assert charts.response_sentence(ORR_15_OF_30) == (
        "15/30 responders, 50 % (95 % CI 31.3–68.7 %); above the historical 25 %, p = 0.0027"
    )
    cohort = charts.EndpointEstimate(
        "Objective response rate", 5, 10, 0.5, 0.18709, 0.81291, 0.25, 0.07812690734863281
    )
    assert charts.response_sentence(cohort) == (
        "5/10 responders, 50 % (95 % CI 18.7–81.3 %); "
        "not different from the historical 25 %, p = 0.078"
    )
    nobody = charts.EndpointEstimate("Objective response rate", 0, 0, None, 0.0, 1.0, 0.25, 1.0)
    assert charts.response_sentence(nobody) == "no patient yet"
    assert charts.comparison_text(nobody) == ""


@pytest.mark.parametrize(
    ("p_value", "text"),
    [
        (0.0027495, "p = 0.0027"),
        (0.078127, "p = 0.078"),
        (0.22412, "p = 0.22"),
        (1.0, "p = 1"),
        (0.0498, "p = 0.0498"),  # never rounded across alpha = 0.05 to "0.05"
        (0.05066, "p = 0.051"),
        (9.9e-14, "p < 0.001"),
    ],
)
def test_p_values_read_with_two_significant_digits(p_value, text):
    assert charts.fmt_p(p_value) == text


def test_endpoint_figure_and_table_carry_the_historical_comparison():
    groups = [charts.EndpointGroup("overall", "All cohorts", (ORR_15_OF_30,))]
    figure = charts.endpoints_chart(groups)
    assert_valid(figure)
    assert "above the historical 25 %, p = 0.0027" in figure.description
    assert reference_values(figure) == [(25.0, "historical 25 %")]
    assert "historical control" in figure.caption
    header, rows = charts.endpoints_table(groups)
    assert rows[0][-2:] == ["0.2500", "0.00274953"]


def test_immune_figure_reuses_the_lab_bars_per_cohort_with_n_a_where_nobody_has_both_draws():
    summaries = [
        ChangeFromBaseline("A", "IMM-INJ6", "NK", 4, D("100"), D("130"), D("30"), D("30"), 4),
        ChangeFromBaseline("B", "IMM-INJ6", "NK", 3, D("100"), D("90"), D("-10"), D("-10"), 3),
    ]
    figure = charts.immune_chart("A", summaries)
    assert_valid(figure)
    [(rows, encoding, _)] = of_type(figure, "bar")
    assert [(r["group"], r["value"]) for r in rows] == [("NK cells", 30.0)]
    assert rows[0]["text"] == "NK cells, 13 days after IMP321 injection 6: +30 % (n = 4)"
    assert encoding["color"]["scale"]["range"] == list(charts.PALETTE[:2])
    missing = [r for rows, _, _ in of_type(figure, "text") for r in rows if r.get("na") == "n/a"]
    assert len(missing) == 2 * 6 - 1  # every other population and draw
    header, rows = charts.immune_table("A", summaries)
    assert len(rows) == 1 and rows[0][0] == "A"


def test_empty_data_gives_a_valid_figure_that_says_so():
    for figure in (
        charts.spider_chart([]),
        charts.waterfall_chart([]),
        charts.swimmer_chart([]),
        charts.enrolment_chart([], by="site"),
        charts.endpoints_chart([]),
        charts.immune_chart("A", []),
    ):
        assert_valid(figure)
        [(kind, rows, _, _)] = marks(figure.spec)
        assert kind == "text" and "yet" in rows[0]["message"]
    assert "No patient has started treatment yet." in assert_accessible_svg(
        charts.swimmer_chart([])
    )


def test_text_from_data_stays_text_in_the_download():
    line = spider_line("<script>x</script>", "A", [(56, "-40")])
    figure = charts.spider_chart([line])
    [(rows, _, _)] = of_type(figure, "line")
    assert rows[0]["patient"] == "<script>x</script>"  # data, drawn as text by Vega
    svg = theme.to_svg(figure.spec, ident="x", title="<b>&", caption='"<i>"')
    assert "<b>" not in svg and "&lt;b&gt;&amp;" in svg and "&lt;i&gt;" in svg


def test_palette_is_colour_blind_safe_with_enough_contrast_on_white():
    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    for colour in charts.PALETTE:
        assert (1.05) / (luminance(colour) + 0.05) >= 3.0, colour  # WCAG 1.4.11
    styles = charts.series_styles([f"S{i}" for i in range(12)])
    assert len({(s.colour, s.dash) for s in styles.values()}) == 12
    # Labs draws with the same palette: one theme for every chart of the site.
    assert charts.PALETTE is theme.PALETTE


def test_number_formatting_uses_true_minus_and_drops_trailing_zeros():
    assert charts.fmt_pct(50) == "50 %"
    assert charts.fmt_pct(D("-44.93")) == "\u221244.9 %"
    assert charts.fmt_pct(12, signed=True) == "+12 %"
    assert charts.nice_ticks(0, 11, integer=True) == [0, 2, 4, 6, 8, 10, 12]
