from collections import defaultdict
from decimal import Decimal

import pytest

from labs import catalogue
from labs.catalogue import ANALYTES, UnknownAnalyteError, analyte, analytes_for_panel
from labs.units import (
    PHYSIOLOGICAL_LIMIT_MESSAGE,
    UNKNOWN_UNIT_MESSAGE,
    PhysiologicalLimitError,
    UnitError,
    canonical_unit,
    check_physiological,
    to_standard,
    unit_key,
)

D = Decimal
BLOOD_COUNTS = ("ANC", "PLT", "WBC", "LYM")
IMMUNE_COUNTS = ("MONO", "MDC", "PDC", "NK", "CD8", "CD8_EM")


# --- Catalogue ------------------------------------------------------------------------------
def test_catalogue_covers_the_protocol_haematology_and_chemistry():
    haematology = {a.code for a in analytes_for_panel(catalogue.HAEMATOLOGY)}
    chemistry = {a.code for a in analytes_for_panel(catalogue.CHEMISTRY)}
    assert haematology == {"ANC", "PLT", "HGB", "WBC", "LYM"}
    assert chemistry == {"BILI", "ALT", "AST", "CREAT"}


def test_catalogue_covers_the_immune_panel_as_counts_and_percentages():
    immune = {a.code: a for a in analytes_for_panel(catalogue.IMMUNE)}
    for population in IMMUNE_COUNTS:
        assert immune[population].unit == catalogue.CELLS_PER_UL
        assert immune[f"{population}_PCT"].unit == catalogue.PERCENT
    markers = {code for code in immune if code.count("_") == 2 and code.endswith("_PCT")}
    assert {"MONO_CD86_PCT", "MDC_CD83_PCT"} <= markers
    assert all(immune[m].unit == catalogue.PERCENT for m in markers)
    assert all(a.ctcae_term is None for a in immune.values())


def test_analyte_codes_are_unique_and_panels_known():
    assert len({a.code for a in ANALYTES}) == len(ANALYTES)
    assert {a.panel for a in ANALYTES} == set(catalogue.PANELS)


def test_no_unit_spelling_means_two_units_for_the_same_analyte():
    for a in ANALYTES:
        meanings = defaultdict(set)
        for spelling in (a.unit, *a.unit_aliases):
            meanings[unit_key(spelling)].add(a.unit)
        for alt in a.alternative_units:
            for spelling in (alt.unit, *alt.aliases):
                meanings[unit_key(spelling)].add(alt.unit)
        assert {k: v for k, v in meanings.items() if len(v) > 1} == {}, a.code


def test_physiological_limits_are_ordered_and_percentages_bounded():
    for a in ANALYTES:
        assert D(0) <= a.physiological_min < a.physiological_max, a.code
        if a.unit == catalogue.PERCENT:
            assert (a.physiological_min, a.physiological_max) == (D(0), D(100))


def test_every_graded_analyte_names_a_real_ctcae_v5_term():
    from assessments.ctcae import load_terms

    terms = {t["term"] for t in load_terms()}
    graded = [a for a in ANALYTES if a.ctcae_term]
    assert {a.code for a in graded} == {
        "ANC", "PLT", "HGB", "WBC", "LYM", "BILI", "ALT", "AST", "CREAT"
    }  # fmt: skip
    assert all(a.ctcae_term in terms for a in graded)


def test_unknown_analyte_code_is_a_clear_error():
    with pytest.raises(UnknownAnalyteError, match="Unknown analyte code 'XYZ'"):
        analyte("XYZ")


# --- Conversions ----------------------------------------------------------------------------
CONVERSIONS = [
    # blood counts, standard 10^9/L
    *[(code, "1.5", "10^9/L", "1.5") for code in BLOOD_COUNTS],
    *[(code, "1.5", "10^3/µL", "1.5") for code in BLOOD_COUNTS],
    *[(code, "1500", "cells/µL", "1.500") for code in BLOOD_COUNTS],
    *[(code, "1500", "/mm3", "1.500") for code in BLOOD_COUNTS],
    ("PLT", "75000", "/mm3", "75.000"),
    ("PLT", "150", "10^3/µL", "150"),
    ("ANC", "1234.5", "cells/µL", "1.235"),  # rounded half-up to 3 places
    # haemoglobin, standard g/dL
    ("HGB", "12.3", "g/dL", "12.3"),
    ("HGB", "123", "g/L", "12.30"),
    ("HGB", "80", "g/L", "8.00"),
    ("HGB", "6.2", "mmol/L", "9.99"),  # CTCAE's 6.2 mmol/L is its approximation of 10 g/dL
    ("HGB", "7.5", "mmol/L", "12.09"),
    ("HGB", "0.6206", "mmol/L", "1.00"),
    # bilirubin, standard µmol/L
    ("BILI", "17", "µmol/L", "17"),
    ("BILI", "1.0", "mg/dL", "17.10"),
    ("BILI", "0.35", "mg/dL", "5.99"),  # 5.985 rounded half-up
    # creatinine, standard µmol/L
    ("CREAT", "80", "µmol/L", "80"),
    ("CREAT", "1.0", "mg/dL", "88.40"),
    ("CREAT", "0.85", "mg/dL", "75.14"),
    # transaminases, standard U/L; 1 µkat/L = 60 U/L
    ("ALT", "40", "U/L", "40"),
    ("ALT", "0.5", "µkat/L", "30.00"),
    ("AST", "35", "U/L", "35"),
    ("AST", "0.75", "µkat/L", "45.00"),
    # immune panel, standard cells/µL
    *[(code, "25", "cells/µL", "25") for code in IMMUNE_COUNTS],
    *[(code, "25", "/mm3", "25") for code in IMMUNE_COUNTS],
    *[(code, "0.025", "10^9/L", "25.0") for code in IMMUNE_COUNTS],
    ("MONO_CD86_PCT", "42.5", "%", "42.5"),
]


@pytest.mark.parametrize(("code", "value", "unit", "expected"), CONVERSIONS)
def test_to_standard_converts_each_accepted_unit(code, value, unit, expected):
    result = to_standard(code, D(value), unit)
    assert result == D(expected)
    assert str(result) == expected  # the documented precision, not just the value


def test_every_declared_unit_is_covered_by_a_conversion_test():
    tested = {(code, canonical_unit(code, unit)) for code, _, unit, _ in CONVERSIONS}
    declared = {(a.code, u) for a in ANALYTES for u in a.units if a.unit != catalogue.PERCENT}
    assert declared - tested == set()


@pytest.mark.parametrize(
    ("code", "spelling", "canonical"),
    [
        ("ANC", "x10^9/L", "10^9/L"),
        ("ANC", "x 10e9 /L", "10^9/L"),
        ("ANC", "10*9/l", "10^9/L"),
        ("ANC", "×10⁹/L", "10^9/L"),
        ("ANC", "G/L", "10^9/L"),
        ("ANC", "giga/l", "10^9/L"),
        ("PLT", "K/uL", "10^3/µL"),
        ("PLT", "x10^3/µl", "10^3/µL"),
        ("WBC", "cells/uL", "cells/µL"),
        ("WBC", "cells/\u03bcL", "cells/µL"),  # Greek mu
        ("WBC", "cells/\u00b5L", "cells/µL"),  # micro sign
        ("LYM", "/mm³", "/mm3"),
        ("LYM", "cells/mm3", "/mm3"),
        ("HGB", "G/L", "g/L"),  # grams per litre for haemoglobin
        ("HGB", "G/DL", "g/dL"),
        ("HGB", "mmol/l", "mmol/L"),
        ("BILI", "umol/L", "µmol/L"),
        ("BILI", "MG/DL", "mg/dL"),
        ("CREAT", "μmol/L", "µmol/L"),
        ("ALT", "IU/L", "U/L"),
        ("AST", "ukat/L", "µkat/L"),
        ("NK", "/µL", "cells/µL"),
        ("CD8_EM", "x10e9/L", "10^9/L"),
        ("MDC_CD83_PCT", " % ", "%"),
    ],
)
def test_unit_spellings_are_normalised(code, spelling, canonical):
    assert canonical_unit(code, spelling) == canonical


@pytest.mark.parametrize(
    ("code", "unit"),
    [
        ("ANC", "mg/dL"),
        ("ANC", "g/dL"),
        ("HGB", "10^9/L"),  # a count unit for haemoglobin
        ("BILI", "U/L"),
        ("ALT", "mmol/L"),
        ("MONO_PCT", "cells/µL"),
        ("PLT", ""),
    ],
)
def test_unknown_unit_is_refused_with_the_accepted_units(code, unit):
    a = analyte(code)
    expected = UNKNOWN_UNIT_MESSAGE.format(unit=unit, name=a.name, accepted=", ".join(a.units))
    with pytest.raises(UnitError) as excinfo:
        to_standard(code, D(1), unit)
    assert str(excinfo.value) == expected


def test_unknown_analyte_is_a_unit_error():
    with pytest.raises(UnitError, match="Unknown analyte code 'NA'"):
        to_standard("NA", D(140), "mmol/L")


@pytest.mark.parametrize("value", [D("NaN"), D("Infinity"), "abc"])
def test_a_value_that_is_not_a_finite_number_is_refused(value):
    with pytest.raises(UnitError, match="is not a number"):
        to_standard("ANC", value, "10^9/L")


def test_a_value_in_the_standard_unit_keeps_the_labs_precision():
    assert str(to_standard("ANC", D("1.23456"), "x10^9/L")) == "1.23456"


# --- Physiological limits -------------------------------------------------------------------
EPSILON = D("0.001")


@pytest.mark.parametrize("a", ANALYTES, ids=lambda a: a.code)
def test_physiological_limits_are_inclusive_and_refuse_beyond(a):
    check_physiological(a.code, a.physiological_min)
    check_physiological(a.code, a.physiological_max)
    for impossible in (a.physiological_min - EPSILON, a.physiological_max + EPSILON):
        with pytest.raises(PhysiologicalLimitError):
            check_physiological(a.code, impossible)


@pytest.mark.parametrize(
    ("code", "value"),
    [
        ("ANC", D("-0.1")),
        ("PLT", D("150000")),  # platelets per mm3 entered as 10^9/L
        ("HGB", D("120")),  # g/L entered as g/dL
        ("HGB", D("0.5")),
        ("CREAT", D("0")),
        ("MONO_CD86_PCT", D("100.5")),
    ],
)
def test_impossible_values_are_refused_with_the_message_constant(code, value):
    a = analyte(code)
    expected = PHYSIOLOGICAL_LIMIT_MESSAGE.format(
        name=a.name, value=value, unit=a.unit, low=a.physiological_min, high=a.physiological_max
    )
    with pytest.raises(PhysiologicalLimitError) as excinfo:
        check_physiological(code, value)
    assert str(excinfo.value) == expected


@pytest.mark.parametrize(
    ("code", "value", "unit"),
    [("ANC", "0", "10^9/L"), ("HGB", "4.5", "mmol/L"), ("CREAT", "12.0", "mg/dL")],
)
def test_extreme_but_possible_values_are_accepted(code, value, unit):
    check_physiological(code, to_standard(code, D(value), unit))
