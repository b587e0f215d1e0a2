from decimal import Decimal

import pytest

from labs.catalogue import ANALYTES, UnknownAnalyteError
from labs.grading import (
    CTCAE_SCALES,
    FLAG_HIGH,
    FLAG_LOW,
    FLAG_NORMAL,
    LLN_REQUIRED_MESSAGE,
    ULN_REQUIRED_MESSAGE,
    DecreasedScale,
    GradingError,
    IncreasedScale,
    ctcae_grade,
    range_flag,
)
from labs.units import to_standard

D = Decimal

# Typical adult normal limits, in each analyte's standard unit.
LLN = {"ANC": D("1.8"), "PLT": D("150"), "WBC": D("4.0"), "LYM": D("1.0"), "HGB": D("12.0")}
ULN = {"BILI": D("17"), "ALT": D("40"), "AST": D("35"), "CREAT": D("90")}

# Both sides of every CTCAE v5.0 cut-off: the value on a cut-off is the milder grade.
DECREASED_CASES = [
    # Neutrophil count decreased (x 10^9/L): <LLN-1.5, <1.5-1.0, <1.0-0.5, <0.5
    ("ANC", "1.8", 0), ("ANC", "1.79", 1), ("ANC", "1.5", 1), ("ANC", "1.49", 2),
    ("ANC", "1.0", 2), ("ANC", "0.99", 3), ("ANC", "0.5", 3), ("ANC", "0.49", 4),
    ("ANC", "0", 4),
    # Platelet count decreased (x 10^9/L): <LLN-75, <75-50, <50-25, <25
    ("PLT", "150", 0), ("PLT", "149", 1), ("PLT", "75", 1), ("PLT", "74.9", 2),
    ("PLT", "50", 2), ("PLT", "49.9", 3), ("PLT", "25", 3), ("PLT", "24.9", 4),
    # White blood cell decreased (x 10^9/L): <LLN-3.0, <3.0-2.0, <2.0-1.0, <1.0
    ("WBC", "4.0", 0), ("WBC", "3.99", 1), ("WBC", "3.0", 1), ("WBC", "2.99", 2),
    ("WBC", "2.0", 2), ("WBC", "1.99", 3), ("WBC", "1.0", 3), ("WBC", "0.99", 4),
    # Lymphocyte count decreased (x 10^9/L): <LLN-0.8, <0.8-0.5, <0.5-0.2, <0.2
    ("LYM", "1.0", 0), ("LYM", "0.99", 1), ("LYM", "0.8", 1), ("LYM", "0.79", 2),
    ("LYM", "0.5", 2), ("LYM", "0.49", 3), ("LYM", "0.2", 3), ("LYM", "0.19", 4),
    # Anemia (g/dL): <LLN-10.0, <10.0-8.0, <8.0; grades 4-5 are clinical
    ("HGB", "12.0", 0), ("HGB", "11.99", 1), ("HGB", "10.0", 1), ("HGB", "9.99", 2),
    ("HGB", "8.0", 2), ("HGB", "7.99", 3), ("HGB", "1.0", 3),
]  # fmt: skip

INCREASED_CASES = [
    # Blood bilirubin increased (ULN 17 µmol/L): >ULN-1.5, >1.5-3.0, >3.0-10.0, >10.0 x ULN
    ("BILI", "17", 0), ("BILI", "17.01", 1), ("BILI", "25.5", 1), ("BILI", "25.51", 2),
    ("BILI", "51", 2), ("BILI", "51.01", 3), ("BILI", "170", 3), ("BILI", "170.01", 4),
    # ALT increased (ULN 40 U/L): >ULN-3.0, >3.0-5.0, >5.0-20.0, >20.0 x ULN
    ("ALT", "40", 0), ("ALT", "40.01", 1), ("ALT", "120", 1), ("ALT", "120.01", 2),
    ("ALT", "200", 2), ("ALT", "200.01", 3), ("ALT", "800", 3), ("ALT", "800.01", 4),
    # AST increased (ULN 35 U/L): same multiples as ALT
    ("AST", "35", 0), ("AST", "35.01", 1), ("AST", "105", 1), ("AST", "105.01", 2),
    ("AST", "175", 2), ("AST", "175.01", 3), ("AST", "700", 3), ("AST", "700.01", 4),
    # Creatinine increased (ULN 90 µmol/L): >ULN-1.5, >1.5-3.0, >3.0-6.0, >6.0 x ULN
    ("CREAT", "90", 0), ("CREAT", "90.01", 1), ("CREAT", "135", 1), ("CREAT", "135.01", 2),
    ("CREAT", "270", 2), ("CREAT", "270.01", 3), ("CREAT", "540", 3), ("CREAT", "540.01", 4),
]  # fmt: skip


@pytest.mark.parametrize(("code", "value", "grade"), DECREASED_CASES)
def test_decreased_terms_are_graded_on_both_sides_of_every_cutoff(code, value, grade):
    assert ctcae_grade(code, D(value), lln=LLN[code]) == grade


@pytest.mark.parametrize(("code", "value", "grade"), INCREASED_CASES)
def test_increased_terms_are_graded_on_both_sides_of_every_cutoff(code, value, grade):
    assert ctcae_grade(code, D(value), uln=ULN[code]) == grade


def test_every_cutoff_of_every_graded_analyte_is_tested_on_both_sides():
    cases = DECREASED_CASES + INCREASED_CASES
    for a in ANALYTES:
        if a.ctcae_term is None:
            continue
        scale = CTCAE_SCALES[a.ctcae_term]
        grades = {grade for code, _, grade in cases if code == a.code}
        assert grades == set(range(scale.max_grade + 1)), a.code


def test_fixed_cutoffs_apply_even_when_the_site_lln_is_lower():
    # CTCAE grade 2 neutropenia is "<1.5 x 10^9/L", not qualified by LLN.
    assert ctcae_grade("ANC", D("1.45"), lln=D("1.4")) == 2
    assert ctcae_grade("ANC", D("1.6"), lln=D("1.4")) == 0


def test_anaemia_is_never_graded_above_3_from_the_value():
    assert CTCAE_SCALES["Anemia"].max_grade == 3
    assert ctcae_grade("HGB", D("2.5"), lln=D("12")) == 3


def test_a_value_in_a_site_unit_is_graded_after_conversion():
    assert ctcae_grade("ANC", to_standard("ANC", D("1499"), "cells/µL"), lln=D("1.8")) == 2
    assert ctcae_grade("PLT", to_standard("PLT", D("75000"), "/mm3"), lln=D("150")) == 1
    assert ctcae_grade("HGB", to_standard("HGB", D("79"), "g/L"), lln=D("12")) == 3
    assert ctcae_grade("BILI", to_standard("BILI", D("1.6"), "mg/dL"), uln=D("17.1")) == 2
    assert ctcae_grade("ALT", to_standard("ALT", D("3.4"), "µkat/L"), uln=D("40")) == 3


def test_missing_lln_for_a_decreased_term_is_an_error_not_grade_0():
    with pytest.raises(GradingError) as excinfo:
        ctcae_grade("ANC", D("1.7"), uln=D("7.5"))
    assert str(excinfo.value) == LLN_REQUIRED_MESSAGE.format(term="Neutrophil count decreased")


@pytest.mark.parametrize("uln", [None, D("0")])
def test_missing_or_zero_uln_for_an_increased_term_is_an_error(uln):
    with pytest.raises(GradingError) as excinfo:
        ctcae_grade("ALT", D("50"), lln=D("5"), uln=uln)
    assert str(excinfo.value) == ULN_REQUIRED_MESSAGE.format(
        term="Alanine aminotransferase increased"
    )


@pytest.mark.parametrize("code", ["MONO", "MDC_PCT", "CD8_EM", "MONO_CD86_PCT"])
def test_immune_panel_is_not_graded(code):
    assert ctcae_grade(code, D("50")) == 0


def test_unknown_analyte_cannot_be_graded():
    with pytest.raises(UnknownAnalyteError):
        ctcae_grade("K", D("6.5"), uln=D("5.0"))


def _optional(number: str | None) -> Decimal | None:
    return None if number is None else D(number)


def _one_decimal(number: Decimal) -> str:
    return f"{number:.1f}"


@pytest.mark.parametrize("term", sorted(CTCAE_SCALES))
def test_cutoffs_match_the_committed_ctcae_v5_text(term):
    """The transcribed numbers are the ones the NCI workbook prints, grade by grade."""
    from assessments.ctcae import load_terms

    grades = next(t for t in load_terms() if t["term"] == term)["grades"]
    scale = CTCAE_SCALES[term]
    if isinstance(scale, DecreasedScale):
        edges = ["LLN", *map(_one_decimal, scale.cutoffs)]
        expected = [f"<{hi} - {lo}" for hi, lo in zip(edges, edges[1:], strict=False)]
        expected.append(f"<{edges[-1]}")
    else:
        assert isinstance(scale, IncreasedScale)
        edges = ["ULN", *map(_one_decimal, scale.uln_multiples)]
        expected = [f">{lo} - {hi} x ULN" for lo, hi in zip(edges, edges[1:], strict=False)]
        expected.append(f">{edges[-1]} x ULN")
    for grade, text in enumerate(expected, start=1):
        assert text in grades[str(grade)], (term, grade)
    # Grades above max_grade are clinical (Anemia 4-5) or do not exist (the others).
    beyond = [grades[str(g)] for g in range(scale.max_grade + 1, 6)]
    if term == "Anemia":
        assert beyond == ["Life-threatening consequences; urgent intervention indicated", "Death"]
    else:
        assert beyond == [""]


@pytest.mark.parametrize(
    ("value", "low", "high", "flag"),
    [
        ("3.49", "3.5", "5.0", FLAG_LOW),
        ("3.5", "3.5", "5.0", FLAG_NORMAL),
        ("4.2", "3.5", "5.0", FLAG_NORMAL),
        ("5.0", "3.5", "5.0", FLAG_NORMAL),
        ("5.01", "3.5", "5.0", FLAG_HIGH),
        ("0", None, "5.0", FLAG_NORMAL),  # only an upper limit reported
        ("5.01", None, "5.0", FLAG_HIGH),
        ("999", "3.5", None, FLAG_NORMAL),  # only a lower limit reported
        ("3.49", "3.5", None, FLAG_LOW),
        ("1", None, None, FLAG_NORMAL),
    ],
)
def test_range_flag_marks_values_outside_the_normal_range(value, low, high, flag):
    assert range_flag(D(value), _optional(low), _optional(high)) == flag


def test_range_flag_refuses_an_inverted_normal_range():
    with pytest.raises(GradingError, match="inverted"):
        range_flag(D("4"), D("5"), D("3"))
