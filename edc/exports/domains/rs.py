"""RS — Disease Response: RECIST 1.1 responses per timepoint (target, non-target, new
lesions, overall — computed by the EDC's engine and as read by the investigator) and each
subject's best overall response with its confirmation."""

from collections.abc import Iterator

from assessments.constants import NonTargetStatus
from assessments.models import TumourAssessment
from assessments.recist import Response

from ..context import ExportContext
from ..spec import DATE, TEXT, Domain, Rec, Variable, col, const, identifiers, origin
from . import tumours

RECIST_CAT = "RECIST 1.1"
COMPUTED = "EDC RECIST 1.1 ENGINE"
INVESTIGATOR = "INVESTIGATOR"
TESTS: dict[str, str] = {
    "TRGRESP": "Target Response",
    "NTRGRESP": "Non-target Response",
    "NEWLIND": "New Lesion Indicator",
    "OVRLRESP": "Overall Response",
    "BESTRSP": "Best Overall Response",
}
# Non-target status as a RECIST non-target response (RECIST 1.1 Table 1).
NON_TARGET_RESPONSES: dict[str, str] = {
    NonTargetStatus.ABSENT: Response.CR.value,
    NonTargetStatus.PRESENT: Response.NON_CR_NON_PD.value,
    NonTargetStatus.UNEQUIVOCAL_PROGRESSION: Response.PD.value,
    NonTargetStatus.NOT_EVALUABLE: Response.NE.value,
}


def _row(testcd: str, value, evaluator: str, visit, date, confirmed=None) -> dict:
    return {
        "testcd": testcd,
        "test": TESTS[testcd],
        "orres": value,
        "eval": evaluator,
        "visit": visit,
        "date": date,
        "confirmed": confirmed,
        "stat": None,
        "reasnd": None,
    }


def _timepoint_rows(course: tumours.Course, followup: dict, rows: list[dict]) -> None:
    visit, date = followup["visit_term"], followup["assessment_date"]
    result = course.result.result_for(str(followup["id"])) if course.result else None
    if result is not None:
        if result.target_response is not None:
            rows.append(_row("TRGRESP", result.target_response.value, COMPUTED, visit, date))
        if result.non_target is not None:
            rows.append(
                _row("NTRGRESP", NON_TARGET_RESPONSES[result.non_target], COMPUTED, visit, date)
            )
        rows.append(_row("NEWLIND", tumours.new_lesion_flag(followup), COMPUTED, visit, date))
        rows.append(_row("OVRLRESP", result.overall_response.value, COMPUTED, visit, date))
    if followup["investigator_response"]:
        rows.append(_row("OVRLRESP", followup["investigator_response"], INVESTIGATOR, visit, date))


def _best_row(course: tumours.Course) -> dict | None:
    if course.error:
        row = _row("BESTRSP", None, COMPUTED, None, None)
        row["stat"], row["reasnd"] = "NOT DONE", course.error
        return row
    best = course.result.best if course.result else None
    if best is None:
        return None
    return _row(
        "BESTRSP",
        best.response.value,
        COMPUTED,
        None,
        best.date,
        confirmed="Y" if best.confirmed else "N",
    )


def records(ctx: ExportContext) -> Iterator[Rec]:
    for course in tumours.courses(ctx):
        rows: list[dict] = []
        for followup in course.followups:
            _timepoint_rows(course, followup, rows)
        best = _best_row(course)
        if best is not None:
            rows.append(best)
        subject = course.subject
        for seq, row in enumerate(rows, start=1):
            yield Rec(subject, seq, row)


DOMAIN = Domain(
    code="RS",
    records=records,
    label="Disease Response",
    description=(
        "RECIST 1.1 timepoint responses computed by the EDC's engine from the stored lesions "
        "(RSEVAL = EDC RECIST 1.1 ENGINE) beside the investigator's reading (RSEVAL = "
        "INVESTIGATOR), and the best overall response with confirmation (CR/PR confirmed ≥ 28 "
        "days later; SD from day 42)."
    ),
    keys=("STUDYID", "USUBJID", "RSDTC", "RSTESTCD", "RSEVAL"),
    models=tumours.MODELS,
    variables=(
        *identifiers("RS", "RSSEQ"),
        Variable("RSTESTCD", "Assessment Short Name", TEXT, col("testcd"), codelist="RSTESTCD"),
        Variable("RSTEST", "Assessment Name", TEXT, col("test")),
        Variable("RSCAT", "Category for Assessment", TEXT, const(RECIST_CAT)),
        Variable(
            "RSORRES",
            "Result or Finding in Original Units",
            TEXT,
            col("orres"),
            codelist="RSRESP",
            origin="assessments.recist (computed) / "
            + origin(TumourAssessment, "investigator_response"),
        ),
        Variable(
            "RSSTRESC",
            "Character Result/Finding in Std Format",
            TEXT,
            col("orres"),
            codelist="RSRESP",
        ),
        Variable("RSSTAT", "Completion Status", TEXT, col("stat")),
        Variable("RSREASND", "Reason Not Done (engine refusal)", TEXT, col("reasnd")),
        Variable("RSEVAL", "Evaluator", TEXT, col("eval"), codelist="RSEVAL"),
        Variable("VISIT", "Visit Name", TEXT, col("visit"), codelist="VISIT"),
        Variable("RSDTC", "Date/Time of Assessment (BOR: date first met)", DATE, col("date")),
        Variable(
            "RSCONF",
            "Best Response Confirmed",
            TEXT,
            col("confirmed"),
            codelist="NY",
            origin="assessments.recist.best_overall_response",
            supplementary=True,
        ),
    ),
    codelists={
        "RSTESTCD": tuple(TESTS.items()),
        "RSRESP": (*((r.value, r.value) for r in Response), ("Y", "Yes"), ("N", "No")),
        "RSEVAL": ((COMPUTED, "Computed by the EDC"), (INVESTIGATOR, "Investigator")),
    },
)
