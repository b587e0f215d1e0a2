"""Writes of tumour assessments, adverse events and vital signs — the one write path, one
module per noun (``tumours``, ``adverse_events``, ``vital_signs``,
``concomitant_medications``; ``common`` is what they
share). ``from assessments.services import X`` keeps working for every service and input.

Each service is atomic, keyword-only, runs the clinical validators (every broken rule is
reported at once), saves through ``edc.audit.services`` (history with user, time and reason;
locks refused there) and enqueues the patient's deviation check after commit
(``edc.checks``). Services trust the caller for *access*: views and API views fetch the
patient or record through the scoped selectors first.
"""

from .adverse_events import AE_FIELDS, adverse_event_create, adverse_event_update
from .concomitant_medications import CM_FIELDS, conmed_create, conmed_update
from .tumours import (
    BASELINE_EVENT_CODE,
    FOLLOW_UP_MATCH_DAYS,
    MeasurementInput,
    NonTargetLesionInput,
    TargetLesionInput,
    tumour_baseline_create,
    tumour_baseline_update,
    tumour_followup_create,
    tumour_followup_update,
)
from .vital_signs import VITALS_FIELDS, VITALS_LIMITS, vital_signs_create, vital_signs_update

__all__ = [
    "AE_FIELDS",
    "CM_FIELDS",
    "BASELINE_EVENT_CODE",
    "FOLLOW_UP_MATCH_DAYS",
    "VITALS_FIELDS",
    "VITALS_LIMITS",
    "MeasurementInput",
    "NonTargetLesionInput",
    "TargetLesionInput",
    "adverse_event_create",
    "adverse_event_update",
    "conmed_create",
    "conmed_update",
    "tumour_baseline_create",
    "tumour_baseline_update",
    "tumour_followup_create",
    "tumour_followup_update",
    "vital_signs_create",
    "vital_signs_update",
]
