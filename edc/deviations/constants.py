from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy


class DeviationStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("deviation status", "Open")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("deviation status", "Acknowledged")
    RESOLVED = "resolved", pgettext_lazy("deviation status", "Resolved")
    WITHDRAWN = "withdrawn", pgettext_lazy("deviation status", "Withdrawn — data corrected")


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

ILLEGAL_TRANSITION = gettext_noop("A deviation cannot go from {old} to {new}.")
COMMENT_REQUIRED = gettext_noop("Resolving a deviation needs a comment.")
# Stored with the deviation by the sweep (its status comment): English, not translated.
WITHDRAWN_REASON = "Withdrawn — data corrected: the finding no longer holds."
REOPENED_REASON = "Re-opened: the finding holds again."

# Each rule (edc.protocol.DEVIATION_SEVERITY, edc/deviations/rules/) as people call it.
RULE_LABELS: dict[str, str] = {
    "missed_visit": _("Missed visit"),
    "visit_out_of_window": _("Visit outside its window"),
    "paclitaxel_dose_off_plan": _("Paclitaxel dose differs from the planned dose"),
    "imp321_dose_not_cohort": _("IMP321 dose differs from the cohort dose"),
    "imp321_not_day_after_paclitaxel": _("IMP321 not injected the day after paclitaxel"),
    "dosed_despite_hold": _("Dosed although the hold criteria were met"),
    "immune_draw_out_of_window": _("Immune draw outside its window"),
    "tumour_assessment_overdue": _("Tumour assessment overdue"),
    "dosed_after_end_of_treatment": _("Dosed after the end of treatment"),
    "eligibility_waiver": _("Enrolled with an eligibility waiver"),
    "sae_reported_late": _("Serious adverse event reported late"),
}

# The evidence a rule stores with a finding, labelled for the deviation page.
EVIDENCE_LABELS: dict[str, str] = {
    "actual": _("Actual date"),
    "actual_mg": _("Actual dose (mg)"),
    "anc": _("ANC (10⁹/L)"),
    "aware_at": _("Site aware of the event"),
    "checked_on": _("Checked on"),
    "cohort_dose_mg": _("Cohort dose (mg)"),
    "days_after": _("Days after"),
    "days_from_plan": _("Days from the planned date"),
    "days_overdue": _("Days overdue"),
    "difference_pct": _("Difference (%)"),
    "dose_mg": _("Dose (mg)"),
    "dosed_on": _("Dosed on"),
    "drawn": _("Drawn"),
    "due": _("Due"),
    "earliest": _("Window opens"),
    "end_of_treatment": _("End of treatment"),
    "enrolled_on": _("Enrolled on"),
    "hours": _("Hours"),
    "injected_at": _("Injected at"),
    "injected_on": _("Injected on"),
    "latest": _("Window closes"),
    "limit_hours": _("Limit (hours)"),
    "offset_days": _("Days after the injection"),
    "paclitaxel_on": _("Paclitaxel given on"),
    "planned": _("Planned date"),
    "planned_mg": _("Planned dose (mg)"),
    "platelets": _("Platelets (10⁹/L)"),
    "reason": _("Reason"),
    "reported_at": _("Reported at"),
    "tolerance_pct": _("Tolerance (%)"),
    "waiver": _("Waiver"),
}
