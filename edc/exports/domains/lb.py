"""LB — Laboratory results: haematology, chemistry and the immune-monitoring panel.

Values in the analyte's standard unit (``labs.catalogue``), with the normal range and the
L/H flag and CTCAE grade stored as judged at entry. The immune panel (flow cytometry counts
and percentages of the three immune draws) is here too, ``LBCAT = IMMUNE MONITORING``, with
the draw as VISIT. Sorted by subject, test, then collection time (SDTMIG LB sort order).
"""

from django.db.models import Case, CharField, F, Value, When
from django.db.models.functions import Coalesce, NullIf

from labs.catalogue import ANALYTES, CHEMISTRY, HAEMATOLOGY, IMMUNE
from labs.constants import Flag, Source
from labs.models import ImmuneDraw, LabResult
from patients.models import Patient

from ..codelists import UNSCHEDULED
from ..expressions import Terms
from ..spec import (
    DATETIME,
    FLOAT,
    INTEGER,
    TEXT,
    Domain,
    Part,
    Stream,
    Variable,
    col,
    identifiers,
    mapped,
    nonblank,
    origin,
)

R = LabResult
# Catalogue codes → CDISC LBTESTCD where CDISC has one; immune-panel codes are the trial's own.
TESTCD: dict[str, str] = {"ANC": "NEUT", "PLT": "PLAT"}
CATEGORY: dict[str, str] = {
    HAEMATOLOGY: "HEMATOLOGY",
    CHEMISTRY: "CHEMISTRY",
    IMMUNE: "IMMUNE MONITORING",
}
NRIND: dict[str, str] = {Flag.LOW: "LOW", Flag.HIGH: "HIGH", Flag.NORMAL: "NORMAL"}


STREAM = Stream(
    parts=(
        Part(
            R,
            expressions={
                "lab_code": F("lab__code"),
                "draw_event": F("immune_draw__event_code"),
                "sample_id": F("immune_draw__sample_id"),
            },
        ),
    ),
    order_by=("analyte", "collected_at", "id"),
)


# Catalogue lookups by analyte code, built once (the export reads them on every row).
TEST_NAME: dict[str, str] = {a.code: a.name for a in ANALYTES}
TEST_CATEGORY: dict[str, str | None] = {a.code: CATEGORY.get(a.panel) for a in ANALYTES}
SOURCE_TERM: dict[str, str] = {value: value.upper() for value in Source.values}


# The flag as judged at entry, when a normal range was known.
NRIND_TERM = Case(
    When(normal_low__isnull=True, normal_high__isnull=True, then=Value(None)),
    default=Terms("flag", NRIND),
    output_field=CharField(),
)
TOXICITY: dict[str, str] = {a.code: a.ctcae_term for a in ANALYTES}
# The CTCAE term of a graded result.
TOXICITY_TERM = Case(
    When(ctcae_grade__isnull=True, then=Value(None)),
    default=Terms("analyte", TOXICITY, blank_is_null=True),
    output_field=CharField(),
)
# The immune draw's event; a result outside a draw is unscheduled.
DRAW_VISIT = Coalesce(
    NullIf(F("draw_event"), Value("")), Value(UNSCHEDULED), output_field=CharField()
)


DOMAIN = Domain(
    code="LB",
    stream=STREAM,
    label="Laboratory Test Results",
    description=(
        "Haematology, chemistry and immune-monitoring results in standard units with normal "
        "range, reference-range indicator and CTCAE v5.0 grade as judged at entry."
    ),
    keys=("STUDYID", "USUBJID", "LBTESTCD", "LBDTC"),
    models=(Patient, LabResult, ImmuneDraw),
    variables=(
        *identifiers("LB", "LBSEQ"),
        Variable(
            "LBREFID",
            "Specimen ID (immune draw sample)",
            TEXT,
            col("sample_id"),
            origin=origin(ImmuneDraw, "sample_id"),
            identifying=True,
        ),
        Variable(
            "LBTESTCD",
            "Lab Test or Examination Short Name",
            TEXT,
            mapped("analyte", TESTCD),
            codelist="LBTESTCD",
            origin=origin(R, "analyte"),
        ),
        Variable(
            "LBTEST",
            "Lab Test or Examination Name",
            TEXT,
            mapped("analyte", TEST_NAME),
            origin="labs.catalogue",
        ),
        Variable(
            "LBCAT",
            "Category for Lab Test",
            TEXT,
            mapped("analyte", TEST_CATEGORY, default=None),
            codelist="LBCAT",
        ),
        Variable(
            "LBORRES",
            "Result or Finding in Original Units",
            TEXT,
            col("original_value"),
            origin=origin(R, "original_value"),
        ),
        Variable(
            "LBORRESU",
            "Original Units",
            TEXT,
            col("original_unit"),
            origin=origin(R, "original_unit"),
        ),
        Variable(
            "LBSTRESC",
            "Character Result/Finding in Std Format",
            TEXT,
            col("standard_value"),
            origin=origin(R, "standard_value"),
        ),
        Variable(
            "LBSTRESN",
            "Numeric Result/Finding in Standard Units",
            FLOAT,
            col("standard_value"),
            origin=origin(R, "standard_value"),
        ),
        Variable(
            "LBSTRESU",
            "Standard Units",
            TEXT,
            col("standard_unit"),
            origin=origin(R, "standard_unit"),
        ),
        Variable(
            "LBSTNRLO",
            "Normal Range Lower Limit-Std Units",
            FLOAT,
            col("normal_low"),
            origin=origin(R, "normal_low"),
        ),
        Variable(
            "LBSTNRHI",
            "Normal Range Upper Limit-Std Units",
            FLOAT,
            col("normal_high"),
            origin=origin(R, "normal_high"),
        ),
        Variable(
            "LBNRIND",
            "Reference Range Indicator",
            TEXT,
            NRIND_TERM,
            codelist="NRIND",
            origin=origin(R, "flag"),
        ),
        Variable(
            "LBTOXGR",
            "Standard Toxicity Grade (CTCAE v5.0)",
            INTEGER,
            col("ctcae_grade"),
            origin=origin(R, "ctcae_grade"),
        ),
        Variable(
            "LBTOX",
            "Toxicity (CTCAE v5.0 term graded)",
            TEXT,
            TOXICITY_TERM,
            origin="labs.catalogue ctcae_term",
        ),
        Variable(
            "LBNAM",
            "Laboratory Code",
            TEXT,
            col("lab_code"),
            origin="labs.laboratory.code",
        ),
        Variable(
            "VISIT",
            "Visit Name (immune draw)",
            TEXT,
            DRAW_VISIT,
            codelist="VISIT",
            origin=origin(ImmuneDraw, "event_code"),
        ),
        Variable(
            "LBDTC",
            "Date/Time of Specimen Collection",
            DATETIME,
            col("collected_at"),
            origin=origin(R, "collected_at"),
        ),
        Variable(
            "LBSRC",
            "Source (site entry or central-lab import)",
            TEXT,
            mapped("source", SOURCE_TERM),
            codelist="LBSRC",
            origin=origin(R, "source"),
            supplementary=True,
        ),
        Variable(
            "LBCOMM",
            "Comment",
            TEXT,
            nonblank("comment"),
            origin=origin(R, "comment"),
            identifying=True,
            supplementary=True,
        ),
    ),
    codelists={
        "LBTESTCD": tuple((TESTCD.get(a.code, a.code), a.name) for a in ANALYTES),
        "LBCAT": tuple((term, panel.capitalize()) for panel, term in CATEGORY.items()),
        "NRIND": tuple((term, Flag(code).label) for code, term in NRIND.items()),
        "LBSRC": tuple((value.upper(), label) for value, label in Source.choices),
    },
)
