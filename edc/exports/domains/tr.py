"""TR — Tumor/Lesion Results: diameters of the target lesions at each assessment (longest
diameter; short axis for lymph nodes), the sum of diameters and its change from baseline and
from the nadir as computed by the RECIST 1.1 engine, and non-target lesions at baseline."""

from collections.abc import Iterator

from assessments.models import LesionMeasurement, TargetLesion, TumourAssessment
from assessments.rules import is_nodal
from edc.protocol import RECIST

from ..codelists import visit_of
from ..context import ExportContext
from ..spec import DATE, FLOAT, TEXT, Domain, Rec, Variable, col, identifiers, origin
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


def _row(assessment: dict, lnkid: str, testcd: str, value, *, unit=MM, **extra) -> dict:
    return {
        "lnkid": lnkid,
        "testcd": testcd,
        "orres": value,
        "stresn": value,
        "unit": unit if value is not None else None,
        "stat": None,
        "reasnd": None,
        "visit": visit_of(assessment["calendar_code"]),
        "date": assessment["assessment_date"],
        **extra,
    }


def _diameter_test(organ: str) -> str:
    return "SAXIS" if is_nodal(organ) else "LDIAM"


def _baseline_rows(course: tumours.Course) -> list[dict]:
    base = course.baseline
    rows = [
        _row(base, t["label"], _diameter_test(t["organ"]), t["diameter_mm"]) for t in course.targets
    ]
    rows += [
        _row(base, t["label"], "TUMSTATE", None, orres="PRESENT", unit=None)
        for t in course.non_targets
    ]
    if course.result and course.result.baseline_sum_mm is not None:
        rows.append(_row(base, "", "SUMDIAM", course.result.baseline_sum_mm))
    return rows


def _followup_rows(course: tumours.Course, followup: dict) -> list[dict]:
    targets = {t["id"]: t for t in course.targets}
    rows = []
    for m in course.measurements.get(followup["id"], []):
        lesion = targets.get(m["lesion_id"])
        if lesion is None:
            continue
        testcd = _diameter_test(lesion["organ"])
        if m["too_small"]:
            rows.append(
                _row(
                    followup,
                    lesion["label"],
                    testcd,
                    RECIST.too_small_to_measure_mm,
                    orres=TOO_SMALL,
                )
            )
        elif m["not_evaluable"]:
            rows.append(
                _row(followup, lesion["label"], testcd, None, stat="NOT DONE", reasnd=NOT_EVALUABLE)
            )
        else:
            rows.append(_row(followup, lesion["label"], testcd, m["diameter_mm"]))
    result = course.result.result_for(str(followup["id"])) if course.result else None
    if result is not None:
        if result.sum_mm is not None:
            rows.append(_row(followup, "", "SUMDIAM", result.sum_mm))
        for testcd, value in (
            ("PCBSD", result.pct_change_from_baseline),
            ("PCNSD", result.pct_change_from_nadir),
        ):
            if value is not None:
                rows.append(_row(followup, "", testcd, round(value, 1), unit=PCT))
    return rows


def records(ctx: ExportContext) -> Iterator[Rec]:
    for course in tumours.courses(ctx):
        rows = _baseline_rows(course) if course.baseline else []
        for followup in course.followups:
            rows += _followup_rows(course, followup)
        for seq, row in enumerate(rows, start=1):
            yield Rec(course.subject, seq, row)


def _orres(rec: Rec):
    return rec.data["orres"]


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
            lambda r: r.data["lnkid"] or None,
            origin=origin(TargetLesion, "label"),
        ),
        Variable(
            "TRTESTCD",
            "Tumor/Lesion Assessment Short Name",
            TEXT,
            col("testcd"),
            codelist="TRTESTCD",
        ),
        Variable(
            "TRTEST", "Tumor/Lesion Assessment Test Name", TEXT, lambda r: TESTS[r.data["testcd"]]
        ),
        Variable(
            "TRORRES",
            "Result or Finding in Original Units",
            TEXT,
            _orres,
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
        Variable("TREVAL", "Evaluator", TEXT, lambda r: "INVESTIGATOR"),
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
