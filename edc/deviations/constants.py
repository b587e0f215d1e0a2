from django.db import models


class DeviationStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"
    WITHDRAWN = "withdrawn", "Withdrawn — data corrected"


# The allowed moves (oscar's set_status idea): anything else raises.
TRANSITIONS: dict[str, frozenset[str]] = {
    DeviationStatus.OPEN: frozenset(
        {DeviationStatus.ACKNOWLEDGED, DeviationStatus.RESOLVED, DeviationStatus.WITHDRAWN}
    ),
    DeviationStatus.ACKNOWLEDGED: frozenset({DeviationStatus.RESOLVED, DeviationStatus.WITHDRAWN}),
    DeviationStatus.RESOLVED: frozenset(),
    DeviationStatus.WITHDRAWN: frozenset({DeviationStatus.OPEN}),
}
ACTIVE = (DeviationStatus.OPEN, DeviationStatus.ACKNOWLEDGED)

ILLEGAL_TRANSITION = "A deviation cannot go from {old} to {new}."
COMMENT_REQUIRED = "Resolving a deviation needs a comment."
WITHDRAWN_REASON = "Withdrawn — data corrected: the finding no longer holds."
REOPENED_REASON = "Re-opened: the finding holds again."

# Each rule (edc.protocol.DEVIATION_SEVERITY, edc/deviations/rules/) as people call it.
RULE_LABELS: dict[str, str] = {
    "missed_visit": "Missed visit",
    "visit_out_of_window": "Visit outside its window",
    "paclitaxel_dose_off_plan": "Paclitaxel dose differs from the planned dose",
    "imp321_dose_not_cohort": "IMP321 dose differs from the cohort dose",
    "imp321_not_day_after_paclitaxel": "IMP321 not injected the day after paclitaxel",
    "dosed_despite_hold": "Dosed although the hold criteria were met",
    "immune_draw_out_of_window": "Immune draw outside its window",
    "tumour_assessment_overdue": "Tumour assessment overdue",
    "dosed_after_end_of_treatment": "Dosed after the end of treatment",
    "eligibility_waiver": "Enrolled with an eligibility waiver",
    "sae_reported_late": "Serious adverse event reported late",
}

# The evidence a rule stores with a finding, labelled for the deviation page.
EVIDENCE_LABELS: dict[str, str] = {
    "actual": "Actual date",
    "actual_mg": "Actual dose (mg)",
    "anc": "ANC (10⁹/L)",
    "aware_at": "Site aware of the event",
    "checked_on": "Checked on",
    "cohort_dose_mg": "Cohort dose (mg)",
    "days_after": "Days after",
    "days_from_plan": "Days from the planned date",
    "days_overdue": "Days overdue",
    "difference_pct": "Difference (%)",
    "dose_mg": "Dose (mg)",
    "dosed_on": "Dosed on",
    "drawn": "Drawn",
    "due": "Due",
    "earliest": "Window opens",
    "end_of_treatment": "End of treatment",
    "enrolled_on": "Enrolled on",
    "hours": "Hours",
    "injected_at": "Injected at",
    "injected_on": "Injected on",
    "latest": "Window closes",
    "limit_hours": "Limit (hours)",
    "offset_days": "Days after the injection",
    "paclitaxel_on": "Paclitaxel given on",
    "planned": "Planned date",
    "planned_mg": "Planned dose (mg)",
    "platelets": "Platelets (10⁹/L)",
    "reason": "Reason",
    "reported_at": "Reported at",
    "tolerance_pct": "Tolerance (%)",
    "waiver": "Waiver",
}
