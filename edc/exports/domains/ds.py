"""DS — Disposition: consent, enrolment, screen failure, end of treatment, end of study."""

from collections.abc import Iterator

from patients.constants import EndReason, PatientStatus
from patients.models import Consent, Patient

from ..context import ExportContext, merge_by_subject
from ..spec import DATE, TEXT, Domain, Rec, Variable, col, identifiers

MILESTONE = "PROTOCOL MILESTONE"
DISPOSITION = "DISPOSITION EVENT"
CONSENT_OBTAINED = "INFORMED CONSENT OBTAINED"
CONSENT_WITHDRAWN = "INFORMED CONSENT WITHDRAWN"
ENROLLED = "ENROLLED"
SCREEN_FAILURE = "SCREEN FAILURE"
END_OF_TREATMENT = "END OF TREATMENT"
END_OF_STUDY = "END OF STUDY"
STUDY_SCREENING = "STUDY SCREENING"

# End reasons (edc.protocol.END_OF_TREATMENT_REASONS / EndReason) → CDISC NCOMPLT terms.
END_REASON_TERMS: dict[str, str] = {
    EndReason.COMPLETED: "COMPLETED",
    EndReason.PROGRESSION: "PROGRESSIVE DISEASE",
    EndReason.TOXICITY: "ADVERSE EVENT",
    EndReason.WITHDRAWAL: "WITHDRAWAL BY SUBJECT",
    EndReason.INVESTIGATOR: "PHYSICIAN DECISION",
    EndReason.DEATH: "DEATH",
    EndReason.LOST: "LOST TO FOLLOW-UP",
}


def _event(category: str, subcategory: str, decod: str, date, *, term: str = "") -> dict:
    return {
        "cat": category,
        "scat": subcategory,
        "decod": decod,
        "term": term or decod,
        "date": date,
    }


def _events(patient: dict, consents: list[dict]) -> list[dict]:
    events = [_event(MILESTONE, "", CONSENT_OBTAINED, c["consent_date"]) for c in consents]
    if patient["enrolled_on"]:
        events.append(_event(MILESTONE, "", ENROLLED, patient["enrolled_on"]))
    if patient["status"] == PatientStatus.SCREEN_FAILED:
        # The patient record has no screen-failure date: DSSTDTC stays empty.
        events.append(
            _event(
                DISPOSITION,
                STUDY_SCREENING,
                SCREEN_FAILURE,
                None,
                term=patient["screen_failure_reason"] or SCREEN_FAILURE,
            )
        )
    for subcategory, date_key, reason_key in (
        (END_OF_TREATMENT, "end_of_treatment_date", "end_of_treatment_reason"),
        (END_OF_STUDY, "end_of_study_date", "end_of_study_reason"),
    ):
        if patient[date_key]:
            reason = patient[reason_key]
            events.append(
                _event(
                    DISPOSITION,
                    subcategory,
                    END_REASON_TERMS.get(reason, reason.upper()),
                    patient[date_key],
                    term=EndReason(reason).label if reason in EndReason.values else reason,
                )
            )
    if patient["consent_withdrawn_on"]:
        events.append(_event(MILESTONE, "", CONSENT_WITHDRAWN, patient["consent_withdrawn_on"]))
    # Dated events in date order; the undated screen failure last.
    return sorted(events, key=lambda e: (e["date"] is None, e["date"] or 0))


def records(ctx: ExportContext) -> Iterator[Rec]:
    consents = ctx.stream(
        Consent, ("consent_date", "form_version"), order_by=("consent_date", "id")
    )
    for subject, groups in merge_by_subject(ctx.subjects(), consent=consents):
        for seq, event in enumerate(_events(subject.row, groups["consent"]), start=1):
            yield Rec(subject, seq, event)


DOMAIN = Domain(
    code="DS",
    records=records,
    label="Disposition",
    description=(
        "Protocol milestones (consent, enrolment, consent withdrawal) and disposition events "
        "(screen failure, end of treatment, end of study) with their reasons."
    ),
    keys=("STUDYID", "USUBJID", "DSSEQ"),
    models=(Patient, Consent),
    variables=(
        *identifiers("DS", "DSSEQ"),
        Variable(
            "DSTERM",
            "Reported Term for the Disposition Event",
            TEXT,
            col("term"),
            origin="patients.patient.screen_failure_reason / end reasons",
            identifying=True,
        ),
        Variable(
            "DSDECOD",
            "Standardized Disposition Term",
            TEXT,
            col("decod"),
            codelist="DSDECOD",
            origin="derived: milestone or END_REASON_TERMS",
        ),
        Variable("DSCAT", "Category for Disposition Event", TEXT, col("cat"), codelist="DSCAT"),
        Variable(
            "DSSCAT",
            "Subcategory for Disposition Event",
            TEXT,
            lambda r: r.data["scat"] or None,
            codelist="DSSCAT",
        ),
        Variable(
            "DSSTDTC",
            "Start Date/Time of Disposition Event",
            DATE,
            col("date"),
            origin="patients.consent.consent_date, patients.patient dates",
        ),
    ),
    codelists={
        "DSDECOD": (
            (CONSENT_OBTAINED, "Informed consent obtained"),
            (ENROLLED, "Enrolled"),
            (CONSENT_WITHDRAWN, "Informed consent withdrawn"),
            (SCREEN_FAILURE, "Screen failure"),
            *((term, EndReason(code).label) for code, term in END_REASON_TERMS.items()),
        ),
        "DSCAT": ((MILESTONE, "Protocol milestone"), (DISPOSITION, "Disposition event")),
        "DSSCAT": (
            (STUDY_SCREENING, "Study screening"),
            (END_OF_TREATMENT, "End of treatment"),
            (END_OF_STUDY, "End of study"),
        ),
    },
)
