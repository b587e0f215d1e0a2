"""The dashboard's figures are pure functions: plain values in, accessible SVG and CSV rows out."""

import datetime as dt
import re
from decimal import Decimal

import pytest

from edc import protocol
from edc.dashboard import charts
from labs.immune import ChangeFromBaseline

D = Decimal
C1D1 = dt.date(2025, 4, 1)


def paths(svg: str) -> int:
    return len(re.findall(r"<path\b", svg))


def assert_accessible(figure: charts.Figure) -> None:
    svg = figure.svg
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert 'role="img"' in svg
    assert f'aria-labelledby="{figure.ident}-title {figure.ident}-desc"' in svg
    assert f'<title id="{figure.ident}-title">' in svg
    assert f'<desc id="{figure.ident}-desc">' in svg
    assert figure.caption and figure.caption.split(":")[0] in svg.replace("&#x27;", "'")


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


def test_spider_plot_draws_one_line_per_patient_with_axes_thresholds_and_caption():
    figure = charts.spider_chart(LINES, not_shown=2)
    assert_accessible(figure)
    assert paths(figure.svg) == len(LINES)
    assert "Weeks since C1D1" in figure.svg
    assert "Change in sum of diameters (%)" in figure.svg
    # RECIST thresholds come from the protocol, as reference lines.
    assert figure.svg.count('class="reference"') == 2
    assert f"+{protocol.RECIST.pd_increase_pct} %" in figure.svg
    assert f"\u2212{protocol.RECIST.pr_decrease_pct} %" in figure.svg
    assert "one line per patient (3 patients)" in figure.caption
    assert "2 patients without a measured follow-up are not shown" in figure.caption


def test_spider_lines_are_coloured_and_dashed_by_cohort_not_by_patient():
    svg = charts.spider_chart(LINES).svg
    strokes = re.findall(r'<path class="patient"[^>]*stroke="(#[0-9A-Fa-f]{6})"', svg)
    assert strokes == list(charts.PALETTE[:3])
    dashed = re.findall(r'<path class="patient"[^>]*?(stroke-dasharray="[^"]+")?>', svg)
    assert dashed[0] == "" and dashed[1] and dashed[2] and dashed[1] != dashed[2]


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
    assert_accessible(figure)
    assert paths(figure.svg) == 3
    titles = re.findall(r'<path class="patient"[^>]*><title>(P\d)', figure.svg)
    assert titles == ["P2", "P3", "P1"]
    assert "Best change in sum of diameters (%)" in figure.svg
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
    assert_accessible(figure)
    assert paths(figure.svg) == 3
    assert figure.svg.count('class="response"') == 1
    assert figure.svg.count('class="progression"') == 1
    assert figure.svg.count('class="ongoing"') == 1
    assert "Weeks since C1D1" in figure.svg
    assert "1 still on treatment" in figure.caption
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
        assert_accessible(figure)
        assert paths(figure.svg) == 2
        assert "Patients enrolled (cumulative)" in figure.svg
        assert "Date of enrolment" in figure.svg
    assert "FR01: 2; FR02: 1" in by_site.caption
    assert f"{protocol.cohort('A').label}: 2 of {protocol.cohort('A').capacity}" in (
        by_cohort.caption
    )
    header, rows = charts.enrolment_table(points)
    assert rows[-1] == ["FR01-002", "2025-09-01", "FR01", "B", 2, 1, 3]
    with pytest.raises(ValueError):
        charts.enrolment_chart(points, by="country")


def test_endpoint_figure_shows_each_group_with_its_interval():
    estimate = charts.EndpointEstimate("Objective response rate", 15, 30, 0.5, 0.313, 0.687)
    groups = [charts.EndpointGroup("overall", "All cohorts", (estimate,))]
    figure = charts.endpoints_chart(groups)
    assert_accessible(figure)
    assert "15/30 = 50 % (95 % CI 31.3–68.7 %)" in figure.svg  # in the desc and the tooltip
    assert "Proportion of patients (%)" in figure.svg
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
    assert_accessible(figure)
    assert "above the historical 25 %, p = 0.0027" in figure.svg
    assert 'class="reference"' in figure.svg and "historical 25 %" in figure.svg
    assert "historical control" in figure.caption
    header, rows = charts.endpoints_table(groups)
    assert rows[0][-2:] == ["0.2500", "0.00274953"]


def test_immune_figure_reuses_the_lab_bars_per_cohort():
    summaries = [
        ChangeFromBaseline("A", "IMM-INJ6", "NK", 4, D("100"), D("130"), D("30"), D("30"), 4),
        ChangeFromBaseline("B", "IMM-INJ6", "NK", 3, D("100"), D("90"), D("-10"), D("-10"), 3),
    ]
    figure = charts.immune_chart("A", summaries)
    assert_accessible(figure)
    assert figure.svg.count('class="bar"') == 1
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
        assert_accessible(figure)
        assert paths(figure.svg) == 0
        assert "yet" in figure.svg


def test_text_from_data_is_escaped():
    line = spider_line("<script>x</script>", "A", [(56, "-40")])
    svg = charts.spider_chart([line]).svg
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_palette_is_colour_blind_safe_with_enough_contrast_on_white():
    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    for colour in charts.PALETTE:
        assert (1.05) / (luminance(colour) + 0.05) >= 3.0, colour  # WCAG 1.4.11
    styles = charts.series_styles([f"S{i}" for i in range(12)])
    assert len({(s.colour, s.dash) for s in styles.values()}) == 12


def test_number_formatting_uses_true_minus_and_drops_trailing_zeros():
    assert charts.fmt_pct(50) == "50 %"
    assert charts.fmt_pct(D("-44.93")) == "\u221244.9 %"
    assert charts.fmt_pct(12, signed=True) == "+12 %"
    assert charts.nice_ticks(0, 11, integer=True) == [0, 2, 4, 6, 8, 10, 12]
