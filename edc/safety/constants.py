"""Words of the SAE reporting pages, e-mails and PDF (tests import them).

What a service stores stays English (the labels of ``TRACKED_FIELDS`` saved in a report's
``changed``, the audit reasons); the pages, e-mails and PDF translate them when they show them.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# What a follow-up reports as changed, by adverse-event field (the order of the report). Stored
# in English in ``SaeReport.changed``; translated where shown (``SaeReport.changed_display``).
TRACKED_FIELDS: dict[str, str] = {
    "serious": gettext_noop("Seriousness"),
    "sae_criteria": gettext_noop("Seriousness criteria"),
    "meddra_code": gettext_noop("Event term"),
    "grade": gettext_noop("CTCAE grade"),
    "outcome": gettext_noop("Outcome"),
    "death_date": gettext_noop("Date of death"),
    "relation_paclitaxel": gettext_noop("Causality to paclitaxel"),
    "relation_imp321": gettext_noop("Causality to IMP321"),
}

ALREADY_ACKNOWLEDGED = _("This report was already acknowledged on %(at)s.")
NOT_SENT_YET = _("This report has not been sent yet; it can be acknowledged once it is sent.")
# Audit reasons: stored, never translated.
ACKNOWLEDGED_REASON = "SAE report acknowledged by the safety desk"
SENT_REASON = "SAE report sent to the safety desk and the principal investigator"
ESCALATED_REASON = "SAE report escalated: not acknowledged within {hours} hours"
CREATED_REASON = "SAE report made from the adverse event (version {version})"

INITIAL = _("Initial report")
# Translators: the title of the n-th follow-up of a serious adverse event report.
FOLLOW_UP = _("Follow-up report %(number)s")
