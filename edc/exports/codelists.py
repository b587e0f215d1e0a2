"""Controlled terms shared by several domains, built from the protocol and the model choices.

Domain-specific codelists are declared in their domain module (``Domain.codelists``); the data
dictionary lists both. Terms follow CDISC Controlled Terminology where one exists (NY, SEX,
AGEU, EPOCH…); codes that are this trial's own (cohorts, visits) come from ``edc.protocol``.
"""

from django.db.models import Case, CharField, F, Q, Value, When

from edc import protocol
from patients.constants import Sex, TherapySetting

from .context import NOT_ASSIGNED_ARMCD, NOT_TREATED_ARMCD, SCREEN_FAILURE_ARMCD

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

# --- Medications (CM) and medical history (MH) ---------------------------------------------------
# Categories of CM and MH records (CMCAT, MHCAT).
CONCOMITANT_MEDICATION = "CONCOMITANT MEDICATION"
PREMEDICATION = "PREMEDICATION"
PRIOR_CANCER_THERAPY = "PRIOR CANCER THERAPY"
GENERAL_MEDICAL_HISTORY = "GENERAL MEDICAL HISTORY"
# End relative to reference time point: the record's end is after its anchor (--ENTPT).
ONGOING = "ONGOING"
ENRTPT: Codelist = ((ONGOING, "Ongoing"),)
# Disease setting of a prior cancer therapy (CMSCAT, MHTHSET).
SETTING_TERMS: dict[str, str] = {
    TherapySetting.EARLY: "EARLY BREAST CANCER",
    TherapySetting.LOCALLY_ADVANCED: "LOCALLY ADVANCED DISEASE",
    TherapySetting.METASTATIC: "METASTATIC DISEASE",
}
THSET: Codelist = tuple((term, TherapySetting(code).label) for code, term in SETTING_TERMS.items())
# CDISC ROUTE, UNIT and FREQ terms of the medication form's choices (assessments.constants).
ROUTE_TERMS: dict[str, str] = {
    "oral": "ORAL",
    "iv": "INTRAVENOUS",
    "sc": "SUBCUTANEOUS",
    "im": "INTRAMUSCULAR",
    "topical": "TOPICAL",
    "inhaled": "RESPIRATORY (INHALATION)",
    "transdermal": "TRANSDERMAL",
    "rectal": "RECTAL",
    "other": "OTHER",
}
UNIT_TERMS: dict[str, str] = {
    "mg": "mg",
    "ug": "ug",
    "g": "g",
    "mL": "mL",
    "IU": "IU",
    "mmol": "mmol",
    "tablet": "TABLET",
    "puff": "PUFF",
    "drop": "DROP",
    "application": "APPLICATION",
}
FREQ_TERMS: dict[str, str] = {
    "once": "ONCE",
    "daily": "QD",
    "bid": "BID",
    "tid": "TID",
    "qid": "QID",
    "every_other_day": "QOD",
    "weekly": "QW",
    "every_3_weeks": "Q3W",
    "monthly": "QM",
    "prn": "PRN",
}

SHARED: dict[str, Codelist] = {
    "NY": NY,
    "SEX": SEX,
    "AGEU": AGEU,
    "ARMCD": ARMCD,
    "ACTARMCD": ACTARMCD,
    "VISIT": VISIT,
    "EPOCH": EPOCH,
    "TOXGR": TOXGR,
    "ENRTPT": ENRTPT,
    "THSET": THSET,
}


def visit_of(code: str) -> str:
    """A calendar or vital-signs visit code as a VISIT term ("" and "UNS" are unscheduled)."""
    if not code or code == "UNS":
        return UNSCHEDULED
    if code == "SCR":
        return SCREENING
    return code


def visit_term(name: str) -> Case:
    """``visit_of`` of the text field ``name``, as a query expression (VS's visit)."""
    return Case(
        When(
            Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__in": ("", "UNS")}),
            then=Value(UNSCHEDULED),
        ),
        When(**{name: "SCR"}, then=Value(SCREENING)),
        default=F(name),
        output_field=CharField(),
    )


def epoch_of(code: str) -> str:
    event = protocol.PLANNED_EVENTS_BY_CODE.get(code)
    if event is None:
        return EPOCH_SCREENING if code in ("SCR", SCREENING) else ""
    if event.study_day < 1:
        return EPOCH_SCREENING
    return EPOCH_TREATMENT
