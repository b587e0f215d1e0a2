"""LB — Laboratory results: haematology, chemistry and the immune-monitoring panel.

Values in the analyte's standard unit (``labs.catalogue``), with the normal range and the
L/H flag and CTCAE grade stored as judged at entry. The immune panel (flow cytometry counts
and percentages of the three immune draws) is here too, ``LBCAT = IMMUNE MONITORING``, with
the draw as VISIT. Sorted by subject, test, then collection time (SDTMIG LB sort order).
"""

from django.db.models import F

from labs.catalogue import ANALYTES, ANALYTES_BY_CODE, CHEMISTRY, HAEMATOLOGY, IMMUNE
from labs.constants import Flag, Source
from labs.models import ImmuneDraw, LabResult
from patients.models import Patient

from ..codelists import UNSCHEDULED
from ..spec import (
    DATETIME,
    FLOAT,
    INTEGER,
    TEXT,
    Domain,
    Part,
    Rec,
    Stream,
    Variable,
    col,
    identifiers,
    mapped,
    origin,
)

R = LabResult
FIELDS = (
    "id",
    "analyte",
    "collected_at",
    "original_value",
    "original_unit",
    "standard_value",
    "standard_unit",
    "normal_low",
    "normal_high",
    "flag",
    "ctcae_grade",
    "comment",
    "source",
)
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
            FIELDS,
            expressions={
                "lab_code": F("lab__code"),
                "draw_event": F("immune_draw__event_code"),
                "sample_id": F("immune_draw__sample_id"),
            },
        ),
    ),
    order_by=("analyte", "collected_at", "id"),
)


def _nrind(rec: Rec):
    row = rec.data
    if row["normal_low"] is None and row["normal_high"] is None:
        return None
    return NRIND.get(row["flag"])


# Catalogue lookups by analyte code, built once (the export reads them on every row).
TEST_NAME: dict[str, str] = {a.code: a.name for a in ANALYTES}
TEST_CATEGORY: dict[str, str | None] = {a.code: CATEGORY.get(a.panel) for a in ANALYTES}
SOURCE_TERM: dict[str, str] = {value: value.upper() for value in Source.values}


def _nrind_sql(c) -> str:
    unjudged = f"{c.ref('normal_low')} IS NULL AND {c.ref('normal_high')} IS NULL"
    return f"CASE WHEN {unjudged} THEN NULL ELSE {c.lookup('flag', NRIND)} END"


def _toxicity(rec: Rec):
    analyte = ANALYTES_BY_CODE.get(rec.data["analyte"])
    return analyte.ctcae_term if analyte and rec.data["ctcae_grade"] is not None else None


TOXICITY: dict[str, str] = {a.code: a.ctcae_term for a in ANALYTES}


def _toxicity_sql(c) -> str:
    graded = c.case("analyte", TOXICITY, None)
    return f"CASE WHEN {c.ref('ctcae_grade')} IS NULL THEN NULL ELSE {graded} END"


def _visit(rec: Rec):
    return rec.data["draw_event"] or UNSCHEDULED


def _visit_sql(c) -> str:
    event = c.ref("draw_event")
    unscheduled, drawn = c.constant(UNSCHEDULED, TEXT), c.cell("draw_event", TEXT)
    return f"CASE WHEN {event} IS NULL OR {event} = '' THEN {unscheduled} ELSE {drawn} END"


DOMAIN = Domain(
    code="LB",
    records=STREAM.records,
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
            _nrind,
            sql=_nrind_sql,
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
            _toxicity,
            sql=_toxicity_sql,
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
            _visit,
            sql=_visit_sql,
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
            lambda r: r.data["comment"] or None,
            sql=lambda c: c.cell("comment", TEXT),
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
