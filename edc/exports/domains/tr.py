"""TR — Tumor/Lesion Results: diameters of the target lesions at each assessment (longest
diameter; short axis for lymph nodes), the sum of diameters and its change from baseline and
from the nadir as computed by the RECIST 1.1 engine, and non-target lesions at baseline."""

from collections.abc import Iterator

from assessments.models import LesionMeasurement, TargetLesion, TumourAssessment
from assessments.rules import is_nodal
from edc.protocol import RECIST

from ..context import ExportContext
from ..spec import DATE, FLOAT, TEXT, Domain, Rec, Variable, col, const, identifiers, origin
from . import tumours

MM = "mm"
PCT = "%"
TESTS: dict[str, str] = {
    "LDIAM": "Longest Diameter",
    "SAXIS": "Short Axis",
    "TUMSTATE": "Tumor State",
    "SUMDIAM": "Sum of Diameter",
    "PCBSD": "Percent Change From Baseline in Sum of Diameters",
    "PCNSD": "Percent Change From Nadir in Sum of Diameters",
}
TOO_SMALL = "TOO SMALL TO MEASURE"
NOT_EVALUABLE = "NOT EVALUABLE"


def _row(visit: str, date, lnkid, testcd: str, value, unit, stat=None, reasnd=None) -> dict:
    """One TR record; ``visit``/``date`` of its assessment, ``lnkid`` None for sums."""
    return {
        "lnkid": lnkid,
        "testcd": testcd,
        "test": TESTS[testcd],
        "orres": value,
        "stresn": value,
        "unit": unit if value is not None else None,
        "stat": stat,
        "reasnd": reasnd,
        "visit": visit,
        "date": date,
    }


def _diameter_test(organ: str) -> str:
    return "SAXIS" if is_nodal(organ) else "LDIAM"


def _rows(course: tumours.Course) -> list[dict]:
    """The subject's records: baseline lesions and sum, then each follow-up's measurements,
    sum and changes (the sums and changes as the engine computed them)."""
    rows: list[dict] = []
    append = rows.append
    result = course.result
    base = course.baseline
    if base:
        visit, date = base["visit_term"], base["assessment_date"]
        for t in course.targets:
            append(
                _row(
                    visit,
                    date,
                    t["label"] or None,
                    _diameter_test(t["organ"]),
                    t["diameter_mm"],
                    MM,
                )
            )
        for t in course.non_targets:
            row = _row(visit, date, t["label"] or None, "TUMSTATE", None, None)
            row["orres"] = "PRESENT"
            append(row)
        if result and result.baseline_sum_mm is not None:
            append(_row(visit, date, None, "SUMDIAM", result.baseline_sum_mm, MM))
    # Each baseline target once: its link id and test (the measurements refer to it by id).
    lesions = {t["id"]: (t["label"] or None, _diameter_test(t["organ"])) for t in course.targets}
    measurements = course.measurements
    for followup in course.followups:
        visit, date = followup["visit_term"], followup["assessment_date"]
        for m in measurements.get(followup["id"], ()):
            lesion = lesions.get(m["lesion_id"])
            if lesion is None:
                continue
            lnkid, testcd = lesion
            if m["too_small"]:
                row = _row(visit, date, lnkid, testcd, RECIST.too_small_to_measure_mm, MM)
                row["orres"] = TOO_SMALL
            elif m["not_evaluable"]:
                row = _row(visit, date, lnkid, testcd, None, MM, "NOT DONE", NOT_EVALUABLE)
            else:
                row = _row(visit, date, lnkid, testcd, m["diameter_mm"], MM)
            append(row)
        timepoint = result.result_for(str(followup["id"])) if result else None
        if timepoint is not None:
            if timepoint.sum_mm is not None:
                append(_row(visit, date, None, "SUMDIAM", timepoint.sum_mm, MM))
            for testcd, value in (
                ("PCBSD", timepoint.pct_change_from_baseline),
                ("PCNSD", timepoint.pct_change_from_nadir),
            ):
                if value is not None:
                    append(_row(visit, date, None, testcd, round(value, 1), PCT))
    return rows


def records(ctx: ExportContext) -> Iterator[Rec]:
    for course in tumours.courses(ctx):
        subject = course.subject
        for seq, row in enumerate(_rows(course), start=1):
            yield Rec(subject, seq, row)


DOMAIN = Domain(
    code="TR",
    records=records,
    label="Tumor/Lesion Results",
    description=(
        "RECIST 1.1 measurements: each target lesion at each assessment, the sum of diameters "
        "and its percent change from baseline and from the nadir (computed by the EDC's RECIST "
        "engine from the stored measurements)."
    ),
    keys=("STUDYID", "USUBJID", "TRDTC", "TRLNKID", "TRTESTCD"),
    models=tumours.MODELS,
    variables=(
        *identifiers("TR", "TRSEQ"),
        Variable(
            "TRLNKID",
            "Link ID (lesion label; empty for sums)",
            TEXT,
            col("lnkid"),
            origin=origin(TargetLesion, "label"),
        ),
        Variable(
            "TRTESTCD",
            "Tumor/Lesion Assessment Short Name",
            TEXT,
            col("testcd"),
            codelist="TRTESTCD",
        ),
        Variable("TRTEST", "Tumor/Lesion Assessment Test Name", TEXT, col("test")),
        Variable(
            "TRORRES",
            "Result or Finding in Original Units",
            TEXT,
            col("orres"),
            origin=origin(LesionMeasurement, "diameter_mm"),
        ),
        Variable("TRORRESU", "Original Units", TEXT, col("unit")),
        Variable(
            "TRSTRESN",
            "Numeric Result/Finding in Standard Units",
            FLOAT,
            col("stresn"),
            origin="assessments measurements; sums and changes: assessments.recist",
        ),
        Variable("TRSTRESU", "Standard Units", TEXT, col("unit")),
        Variable("TRSTAT", "Completion Status", TEXT, col("stat")),
        Variable("TRREASND", "Reason Not Done", TEXT, col("reasnd")),
        Variable("TREVAL", "Evaluator", TEXT, const("INVESTIGATOR")),
        Variable(
            "VISIT",
            "Visit Name",
            TEXT,
            col("visit"),
            codelist="VISIT",
            origin=origin(TumourAssessment, "calendar_code"),
        ),
        Variable(
            "TRDTC",
            "Date/Time of Tumor/Lesion Measurement",
            DATE,
            col("date"),
            origin=origin(TumourAssessment, "assessment_date"),
        ),
    ),
    codelists={"TRTESTCD": tuple(TESTS.items())},
)
