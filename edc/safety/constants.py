"""Words of the SAE reporting pages, e-mails and PDF (tests import them)."""

# What a follow-up reports as changed, by adverse-event field (the order of the report).
TRACKED_FIELDS: dict[str, str] = {
    "serious": "Seriousness",
    "sae_criteria": "Seriousness criteria",
    "meddra_code": "Event term",
    "grade": "CTCAE grade",
    "outcome": "Outcome",
    "death_date": "Date of death",
    "relation_paclitaxel": "Causality to paclitaxel",
    "relation_imp321": "Causality to IMP321",
}

ALREADY_ACKNOWLEDGED = "This report was already acknowledged on {at}."
NOT_SENT_YET = "This report has not been sent yet; it can be acknowledged once it is sent."
ACKNOWLEDGED_REASON = "SAE report acknowledged by the safety desk"
SENT_REASON = "SAE report sent to the safety desk and the principal investigator"
ESCALATED_REASON = "SAE report escalated: not acknowledged within {hours} hours"
CREATED_REASON = "SAE report made from the adverse event (version {version})"

INITIAL = "Initial report"
FOLLOW_UP = "Follow-up report {number}"
