"""Controlled terms shared by several domains, built from the protocol and the model choices.

Domain-specific codelists are declared in their domain module (``Domain.codelists``); the data
dictionary lists both. Terms follow CDISC Controlled Terminology where one exists (NY, SEX,
AGEU, EPOCH…); codes that are this trial's own (cohorts, visits) come from ``edc.protocol``.
"""

from edc import protocol
from patients.constants import Sex

from .context import NOT_ASSIGNED_ARMCD, NOT_TREATED_ARMCD, SCREEN_FAILURE_ARMCD
from .spec import TEXT

Codelist = tuple[tuple[str, str], ...]

SCREENING = "SCREENING"
UNSCHEDULED = "UNSCHEDULED"
EPOCH_SCREENING = "SCREENING"
EPOCH_TREATMENT = "TREATMENT"
EPOCH_FOLLOW_UP = "FOLLOW-UP"

NY: Codelist = (("Y", "Yes"), ("N", "No"))
SEX: Codelist = tuple((value, label) for value, label in Sex.choices)
AGEU: Codelist = (("YEARS", "Years"),)
ARMCD: Codelist = (
    *((c.code, c.label) for c in protocol.COHORTS),
    (SCREEN_FAILURE_ARMCD, "Screen Failure"),
    (NOT_ASSIGNED_ARMCD, "Not Assigned"),
)
ACTARMCD: Codelist = (*ARMCD, (NOT_TREATED_ARMCD, "Not Treated"))
# Visits: the protocol's planned events, then screening and unscheduled visits.
VISIT: Codelist = (
    *((e.code, e.label) for e in protocol.PLANNED_EVENTS),
    (SCREENING, "Screening"),
    (UNSCHEDULED, "Unscheduled"),
)
VISITNUM = {code: number for number, (code, _label) in enumerate(VISIT, start=1)}
EPOCH: Codelist = (
    (EPOCH_SCREENING, "Screening"),
    (EPOCH_TREATMENT, "Treatment"),
    (EPOCH_FOLLOW_UP, "Follow-up"),
)
TOXGR: Codelist = tuple((str(g), f"CTCAE v5.0 grade {g}") for g in (1, 2, 3, 4, 5))

SHARED: dict[str, Codelist] = {
    "NY": NY,
    "SEX": SEX,
    "AGEU": AGEU,
    "ARMCD": ARMCD,
    "ACTARMCD": ACTARMCD,
    "VISIT": VISIT,
    "EPOCH": EPOCH,
    "TOXGR": TOXGR,
}


def visit_of(code: str) -> str:
    """A calendar or vital-signs visit code as a VISIT term ("" and "UNS" are unscheduled)."""
    if not code or code == "UNS":
        return UNSCHEDULED
    if code == "SCR":
        return SCREENING
    return code


def visit_sql(columns, name: str) -> str:
    """``visit_of`` of the text column ``name``, as the cell SQL of an ``edc.exports.pgcsv``
    ``Columns`` (tests/exports/test_pgcsv.py holds the two)."""
    code = columns.ref(name)
    unscheduled, screening = (
        columns.constant(UNSCHEDULED, TEXT),
        columns.constant(SCREENING, TEXT),
    )
    return (
        f"CASE WHEN {code} IS NULL OR {code} IN ('', 'UNS') THEN {unscheduled} "
        f"WHEN {code} = 'SCR' THEN {screening} ELSE {columns.cell(name, TEXT)} END"
    )


def epoch_of(code: str) -> str:
    event = protocol.PLANNED_EVENTS_BY_CODE.get(code)
    if event is None:
        return EPOCH_SCREENING if code in ("SCR", SCREENING) else ""
    if event.study_day < 1:
        return EPOCH_SCREENING
    return EPOCH_TREATMENT
