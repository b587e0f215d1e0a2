"""Pure lab maths without a database: range choice, judgement, draw timing, change from
baseline, CSV reading and the SVG pictures."""

import datetime as dt
import io
import xml.etree.ElementTree as ET
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from edc.charts import data_rows
from labs import charts, importing
from labs.immune import ChangeSums, change_from_baseline, days_outside_window
from labs.ranges import RangeRow, judge, select_range

D = Decimal
PARIS = ZoneInfo("Europe/Paris")


def row(sex="", start=dt.date(2020, 1, 1), low="1.8", high="7.5", lab=1, analyte="ANC"):
    return RangeRow(
        lab_id=lab, analyte=analyte, sex=sex, effective_from=start, low=D(low), high=D(high)
    )


@pytest.mark.parametrize(
    ("on", "sex", "expected_low"),
    [
        (dt.date(2019, 12, 31), "F", None),  # nothing valid yet
        (dt.date(2020, 1, 1), "F", "1.8"),  # effective date included
        (dt.date(2022, 6, 1), "F", "2.0"),  # the newer version
        (dt.date(2022, 6, 1), "M", "2.0"),
        (dt.date(2024, 1, 1), "F", "2.2"),  # a later female range beats the older "any"
        (dt.date(2024, 1, 1), "M", "2.0"),  # ... and does not apply to men
        (dt.date(2025, 1, 1), "F", "2.5"),  # a later "any" range replaces the female one
    ],
)
def test_the_range_valid_on_the_collection_date_and_for_the_sex_is_chosen(on, sex, expected_low):
    ranges = [
        row(),
        row(start=dt.date(2022, 1, 1), low="2.0"),
        row(sex="F", start=dt.date(2024, 1, 1), low="2.2"),
        row(start=dt.date(2025, 1, 1), low="2.5"),
        row(lab=2, start=dt.date(2019, 1, 1), low="9"),  # another lab
        row(analyte="PLT", start=dt.date(2019, 1, 1), low="9"),  # another analyte
    ]
    chosen = select_range(ranges, lab_id=1, analyte_code="ANC", sex=sex, on=on)
    assert (chosen.low if chosen else None) == (D(expected_low) if expected_low else None)


def test_on_the_same_date_a_sex_specific_range_beats_any_sex():
    ranges = [row(low="1.0"), row(sex="F", low="1.5")]
    assert select_range(
        ranges, lab_id=1, analyte_code="ANC", sex="F", on=dt.date(2021, 1, 1)
    ).low == D("1.5")
    assert select_range(
        ranges, lab_id=1, analyte_code="ANC", sex="M", on=dt.date(2021, 1, 1)
    ).low == D("1.0")


def test_judgement_flags_grades_and_leaves_ungraded_analytes_empty():
    assert judge("ANC", D("0.4"), row()) == judge("ANC", D("0.4"), row())
    anc = judge("ANC", D("0.4"), row())
    assert (anc.flag, anc.grade, anc.low, anc.high) == ("L", 4, D("1.8"), D("7.5"))
    mono = judge("MONO", D("900"), row(analyte="MONO", low="200", high="800"))
    assert (mono.flag, mono.grade) == ("H", None)
    assert judge("ANC", D("0.4"), None).grade is None


@pytest.mark.parametrize(
    ("drawn", "expected"), [(9, -2), (10, -1), (11, 0), (15, 0), (16, 1), (18, 3)]
)
def test_days_outside_the_draw_window(drawn, expected):
    injection = dt.date(2026, 3, 1)
    drawn_on = injection + dt.timedelta(days=drawn)
    earliest, latest = injection + dt.timedelta(days=11), injection + dt.timedelta(days=15)
    assert days_outside_window(drawn_on, earliest=earliest, latest=latest) == expected


def test_change_from_baseline_means_are_rounded_half_up_and_percent_needs_a_nonzero_baseline():
    sums = [
        ChangeSums("B", "IMM-INJ12", "NK", 1, D("200"), D("100"), 1, D("-50")),
        ChangeSums("A", "IMM-INJ6", "NK", 2, D("100"), D("160"), 0, None),  # baselines of 0
        ChangeSums("A", "IMM-INJ6", "CD8", 2, D("0.01"), D("0.02"), 2, D("100.01")),
    ]
    cd8, nk_a, nk_b = change_from_baseline(sums)
    assert (cd8.analyte, nk_a.analyte, nk_b.cohort) == ("CD8", "NK", "B")  # cohort, draw, analyte
    assert (nk_a.n, nk_a.mean_baseline, nk_a.mean_value, nk_a.mean_change) == (
        2,
        D("50.00"),
        D("80.00"),
        D("30.00"),
    )
    assert (nk_a.mean_pct_change, nk_a.n_pct) == (None, 0)
    # 0.005 and 50.005 are rounded half up, not to even.
    assert (cd8.mean_baseline, cd8.mean_value, cd8.mean_pct_change) == (
        D("0.01"),
        D("0.01"),
        D("50.01"),
    )
    assert (nk_b.mean_change, nk_b.mean_pct_change) == (D("-100.00"), D("-50.00"))


def test_collection_times_are_read_in_the_trial_time_zone_and_a_date_alone_is_refused():
    parse = importing.parse_collected_at
    assert parse("2026-03-01 08:30", tz=PARIS) == dt.datetime(2026, 3, 1, 8, 30, tzinfo=PARIS)
    assert parse("2026-03-01T08:30:15Z", tz=PARIS) == dt.datetime(
        2026, 3, 1, 8, 30, 15, tzinfo=dt.UTC
    )
    for bad in ("2026-03-01", "01/03/2026 08:30", "2026-02-30 08:00", ""):
        assert parse(bad, tz=PARIS) is None
    assert importing.parse_value(" 1.5 ") == D("1.5")
    assert importing.parse_value("NaN") is None and importing.parse_value("1,5") is None


def test_rows_are_read_one_at_a_time_with_their_line_numbers():
    content = (
        b"subject_id,collected_at,analyte,value,unit,lab,extra\n"
        b'"A","t","ANC","1","u","L","x"\n'
        b"\n"
        b"B,t,ANC\n"
        b"C,t,ANC,1,u,L,x,surplus\n"
    )
    rows = list(importing.read_rows(io.BytesIO(content)))
    assert [r.line for r in rows] == [2, 4, 5]
    assert (rows[1].subject_id, rows[1].value) == ("B", "")
    assert rows[2].extra_fields and not rows[0].extra_fields
    assert importing.column_key(" Collection Date/Time ") == "collected_at"


def test_lab_pictures_show_values_band_doses_and_n_a_and_download_as_labelled_svg():
    at = dt.datetime(2026, 3, 1, 8, tzinfo=PARIS)
    points = [
        charts.TrendPoint(at=at, value=D("1.2"), low=D("1.8"), high=D("7.5"), flag="L", grade=2),
        charts.TrendPoint(at=at + dt.timedelta(days=7), value=D("3"), low=D("2.0"), high=D("7.5")),
    ]
    trend = charts.trend_chart(
        ident="t", title="ANC <&>", unit="10^9/L", points=points, dose_dates=[dt.date(2026, 3, 2)]
    )
    layers = {layer["mark"]["type"]: data_rows(trend.spec, layer) for layer in trend.spec["layer"]}
    results = layers["point"]
    assert [(r["at"], r["value"], r["status"]) for r in results] == [
        ("2026-03-01T08:00:00", 1.2, "flagged"),  # the wall-clock time of the collection
        ("2026-03-08T08:00:00", 3.0, "within range"),
    ]
    assert results[0]["result"] == "2026-03-01 08:00 1.2 10^9/L (L) CTCAE grade 2"
    band = layers["area"]
    assert [(r["low"], r["high"]) for r in band] == [(1.8, 7.5), (2.0, 7.5)]
    assert layers["rule"] == [{"on": "2026-03-02T12:00:00", "dose": "Paclitaxel 2026-03-02"}]
    root = ET.fromstring(trend.svg())  # well-formed, the title escaped
    assert root.tag.endswith("svg") and root.get("role") == "img"
    assert root.find("{http://www.w3.org/2000/svg}title").text == "ANC <&>"
    bars = charts.bar_chart(
        ident="b",
        title="Cohort A",
        y_label="%",
        groups=[("MONO", [charts.Bar("IMM-INJ6", D("25")), charts.Bar("IMM-INJ12", None)])],
        series=[("IMM-INJ6", "Injection 6"), ("IMM-INJ12", "Injection 12")],
    )
    drawn = {layer["mark"]["type"]: data_rows(bars.spec, layer) for layer in bars.spec["layer"]}
    assert [(r["series"], r["value"]) for r in drawn["bar"]] == [("Injection 6", 25.0)]
    assert [(r["series"], r["na"]) for r in drawn["text"]] == [("Injection 12", "n/a")]
    empty = charts.trend_chart(ident="e", title="Empty", unit="u", points=[])
    assert data_rows(empty.spec, empty.spec) == [{"message": "No results yet."}]
