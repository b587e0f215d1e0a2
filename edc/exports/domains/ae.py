"""AE — Adverse Events: CTCAE v5.0 term (a MedDRA term) and grade, seriousness, relation to
each drug, action taken and outcome in CDISC terms."""

from functools import cache

from django.db.models import Case, CharField, F, Q, Value, When
from django.db.models.functions import Coalesce

from assessments import ctcae
from assessments.constants import ActionTaken, AEOutcome, Relation, SAECriterion
from assessments.models import AdverseEvent
from edc import protocol
from edc.access.constants import Role
from patients.models import Patient

from ..context import SYSTEM_USER, ExportContext
from ..expressions import JsonHas, Terms
from ..spec import (
    DATE,
    DATETIME,
    INTEGER,
    TEXT,
    Domain,
    Part,
    ReaderExpression,
    Stream,
    Variable,
    col,
    identifiers,
    mapped,
    nonblank,
    origin,
    yes_no,
)

AE = AdverseEvent

RELATION_TERMS: dict[str, str] = {
    Relation.NOT_RELATED: "NOT RELATED",
    Relation.UNLIKELY: "UNLIKELY RELATED",
    Relation.POSSIBLE: "POSSIBLY RELATED",
    Relation.PROBABLE: "PROBABLY RELATED",
    Relation.DEFINITE: "RELATED",
}
# Causality counted as "related" for AEREL (ICH E2A: a reasonable possibility).
RELATED = frozenset({Relation.POSSIBLE, Relation.PROBABLE, Relation.DEFINITE})
ACTION_TERMS: dict[str, str] = {
    ActionTaken.NONE: "DOSE NOT CHANGED",
    ActionTaken.DOSE_REDUCED: "DOSE REDUCED",
    ActionTaken.HELD: "DRUG INTERRUPTED",
    ActionTaken.DISCONTINUED: "DRUG WITHDRAWN",
}
OUTCOME_TERMS: dict[str, str] = {
    AEOutcome.RECOVERED: "RECOVERED/RESOLVED",
    AEOutcome.RECOVERING: "RECOVERING/RESOLVING",
    AEOutcome.NOT_RECOVERED: "NOT RECOVERED/NOT RESOLVED",
    AEOutcome.SEQUELAE: "RECOVERED/RESOLVED WITH SEQUELAE",
    AEOutcome.FATAL: "FATAL",
    AEOutcome.UNKNOWN: "UNKNOWN",
}
# ICH E2A seriousness criteria → SDTM flags.
CRITERIA_FLAGS: dict[str, tuple[str, str]] = {
    SAECriterion.DEATH: ("AESDTH", "Results in Death"),
    SAECriterion.LIFE_THREATENING: ("AESLIFE", "Is Life Threatening"),
    SAECriterion.HOSPITALISATION: ("AESHOSP", "Requires or Prolongs Hospitalization"),
    SAECriterion.DISABILITY: ("AESDISAB", "Persist or Signif Disability/Incapacity"),
    SAECriterion.CONGENITAL_ANOMALY: ("AESCONG", "Congenital Anomaly or Birth Defect"),
    SAECriterion.MEDICALLY_IMPORTANT: ("AESMIE", "Other Medically Important Serious Event"),
}


@cache
def _soc_by_code() -> dict[str, str]:
    return {t["meddra_code"]: t["soc"] for t in ctcae.load_terms()}


STREAM = Stream(parts=(Part(AE),), order_by=("start_date", "id"))


def _entered_by(ctx: ExportContext, path: str):
    """Who entered the record as ``ctx.person`` names them: the user name, or only the role
    for a de-identified reader; ``SYSTEM_USER`` for no user."""
    if not ctx.deidentified:
        return Coalesce(F("created_by__username"), Value(SYSTEM_USER))
    return Terms(
        "created_by__staff_profile__role",
        {role: Role(role).label for role in Role.values},
        default=SYSTEM_USER,
    )


def _if_serious(condition) -> Case:
    """Y/N by ``condition`` for a serious event; empty for a non-serious one."""
    return Case(
        When(~Q(serious=True), then=Value(None)),
        When(condition, then=Value("Y")),
        default=Value("N"),
        output_field=CharField(),
    )


def _criterion_flags() -> tuple[Variable, ...]:
    return tuple(
        Variable(
            name,
            label,
            TEXT,
            _if_serious(JsonHas("sae_criteria", code)),
            codelist="NY",
            origin=origin(AE, "sae_criteria"),
        )
        for code, (name, label) in CRITERIA_FLAGS.items()
    )


DOMAIN = Domain(
    code="AE",
    stream=STREAM,
    label="Adverse Events",
    description=(
        "Adverse events graded by NCI CTCAE v5.0; AEDECOD is the CTCAE term (a MedDRA term) and "
        "AEPTCD its MedDRA code; relation to each study drug is given separately."
    ),
    keys=("STUDYID", "USUBJID", "AEDECOD", "AESTDTC"),
    models=(Patient, AdverseEvent),
    variables=(
        *identifiers("AE", "AESEQ"),
        Variable(
            "AESPID",
            "Sponsor-Defined Identifier (record id)",
            INTEGER,
            col("id"),
            origin=origin(AE, "id"),
        ),
        Variable(
            "AETERM",
            "Reported Term for the Adverse Event",
            TEXT,
            col("term"),
            origin=origin(AE, "term"),
        ),
        Variable(
            "AEDECOD",
            "Dictionary-Derived Term (CTCAE v5.0 / MedDRA)",
            TEXT,
            col("term"),
            origin=origin(AE, "term"),
        ),
        Variable(
            "AEPTCD",
            "MedDRA Code",
            TEXT,
            col("meddra_code"),
            origin=origin(AE, "meddra_code"),
        ),
        Variable(
            "AEBODSYS",
            "Body System or Organ Class (MedDRA SOC)",
            TEXT,
            Terms("meddra_code", _soc_by_code()),
            origin="assessments/data/ctcae_v5.json (MedDRA SOC of the term)",
        ),
        Variable(
            "AETOXGR",
            "Standard Toxicity Grade (CTCAE v5.0)",
            TEXT,
            col("grade"),
            codelist="TOXGR",
            origin=origin(AE, "grade"),
        ),
        Variable(
            "AESER",
            "Serious Event",
            TEXT,
            yes_no("serious"),
            codelist="NY",
            origin=origin(AE, "serious"),
        ),
        *_criterion_flags(),
        Variable(
            "AEREL",
            "Causality (to any study drug)",
            TEXT,
            Case(
                When(
                    Q(relation_paclitaxel__in=RELATED) | Q(relation_imp321__in=RELATED),
                    then=Value("RELATED"),
                ),
                default=Value("NOT RELATED"),
            ),
            codelist="AEREL",
            origin="derived: RELATED when related (possible/probable/definite) to either drug",
        ),
        Variable(
            "AERELPAC",
            "Causality to Paclitaxel",
            TEXT,
            mapped("relation_paclitaxel", RELATION_TERMS),
            codelist="AERELN",
            origin=origin(AE, "relation_paclitaxel"),
            supplementary=True,
        ),
        Variable(
            "AERELIMP",
            "Causality to IMP321",
            TEXT,
            mapped("relation_imp321", RELATION_TERMS),
            codelist="AERELN",
            origin=origin(AE, "relation_imp321"),
            supplementary=True,
        ),
        Variable(
            "AEACN",
            "Action Taken with Study Treatment",
            TEXT,
            mapped("action_taken", ACTION_TERMS),
            codelist="AEACN",
            origin=origin(AE, "action_taken"),
        ),
        Variable(
            "AEOUT",
            "Outcome of Adverse Event",
            TEXT,
            mapped("outcome", OUTCOME_TERMS),
            codelist="AEOUT",
            origin=origin(AE, "outcome"),
        ),
        Variable(
            "AESTDTC",
            "Start Date/Time of Adverse Event",
            DATE,
            col("start_date"),
            origin=origin(AE, "start_date"),
        ),
        Variable(
            "AEENDTC",
            "End Date/Time of Adverse Event",
            DATE,
            col("stop_date"),
            origin=origin(AE, "stop_date"),
        ),
        Variable(
            "AEENRF",
            "End Relative to Reference Period",
            TEXT,
            Case(When(stop_date__isnull=True, then=Value("ONGOING")), default=Value(None)),
            origin="derived: ONGOING when no stop date",
        ),
        Variable(
            "AESAEAWR",
            "Date/Time Site Became Aware of the SAE",
            DATETIME,
            col("sae_aware_at"),
            origin=origin(AE, "sae_aware_at"),
            supplementary=True,
        ),
        Variable(
            "AESAERPT",
            "Date/Time the SAE Was Reported",
            DATETIME,
            col("sae_reported_at"),
            origin=origin(AE, "sae_reported_at"),
            supplementary=True,
        ),
        Variable(
            "AESAELT",
            f"SAE Reported Later Than {protocol.SAE_REPORT_LIMIT}",
            TEXT,
            _if_serious(Q(reported_late=True)),
            codelist="NY",
            origin=origin(AE, "reported_late"),
            supplementary=True,
        ),
        Variable(
            "AETRMSPC",
            "Specify (CTCAE “Other, specify” terms)",
            TEXT,
            nonblank("term_specify"),
            origin=origin(AE, "term_specify"),
            identifying=True,
            supplementary=True,
        ),
        Variable(
            "AECOMM",
            "Comments",
            TEXT,
            nonblank("comments"),
            origin=origin(AE, "comments"),
            identifying=True,
            supplementary=True,
        ),
        Variable(
            "AEENTBY",
            "Entered By (user name; the role for de-identified readers)",
            TEXT,
            ReaderExpression(_entered_by),
            origin="audit: created_by (user name or trial role)",
            supplementary=True,
        ),
    ),
    codelists={
        "AEREL": (("RELATED", "Related"), ("NOT RELATED", "Not related")),
        "AERELN": tuple((term, Relation(code).label) for code, term in RELATION_TERMS.items()),
        "AEACN": tuple((term, ActionTaken(code).label) for code, term in ACTION_TERMS.items()),
        "AEOUT": tuple((term, AEOutcome(code).label) for code, term in OUTCOME_TERMS.items()),
    },
)
