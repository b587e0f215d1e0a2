"""Adverse events graded by CTCAE v5.0: every rule run at once, an SAE reported late flagged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from edc.audit.services import audited_create
from edc.checks import enqueue_patient_check
from edc.outbox.services import outbox_enqueue
from patients.models import Patient

from .. import constants as msg
from .. import rules, validators
from ..models import AdverseEvent
from ..validators import collect_errors
from .common import check_study_date, update_whole_record

# The SAE report an SAE's save owes (edc.safety, a floor above: named, never imported).
SAE_REPORT_TASK = "edc.safety.report_adverse_event"


def enqueue_sae_report(adverse_event: AdverseEvent) -> None:
    """Call in the saving transaction: the report is made and sent once the save commits."""
    outbox_enqueue(
        task=SAE_REPORT_TASK,
        args=[adverse_event.pk],
        key=str(adverse_event.pk),
        what=f"the SAE report of adverse event {adverse_event.pk}",
    )


AE_FIELDS = (
    "meddra_code",
    "term_specify",
    "grade",
    "start_date",
    "stop_date",
    "serious",
    "sae_criteria",
    "sae_aware_at",
    "sae_reported_at",
    "relation_paclitaxel",
    "relation_imp321",
    "action_taken",
    "outcome",
    "death_date",
    "comments",
)


def _clean_adverse_event(*, patient: Patient, values: Mapping[str, Any]) -> dict:
    """Run every AE rule; return the values to save (term from CTCAE, late-report flag)."""
    collector = collect_errors()
    meddra_code = str(values.get("meddra_code") or "").strip()
    grade = values.get("grade")
    start = values.get("start_date")
    stop = values.get("stop_date")
    death = values.get("death_date")
    serious = bool(values.get("serious"))
    criteria = list(values.get("sae_criteria") or [])
    term = collector.check(validators.validate_ctcae_term, meddra_code)
    if term is not None:
        collector.check(validators.validate_ctcae_grade, grade, term=term)
        collector.check(validators.validate_term_specify, values.get("term_specify", ""), term=term)
    if start is None:
        collector.add("start_date", gettext("Give the start date of the event."))
    for field, value in (("start_date", start), ("stop_date", stop), ("death_date", death)):
        check_study_date(collector, value, field, patient=patient)
    if start is not None:
        collector.check(validators.validate_stop_not_before_start, start, stop)
        collector.check(
            validators.validate_fatal_event,
            grade=grade,
            outcome=values.get("outcome", ""),
            death_date=death,
            start_date=start,
        )
        collector.check(
            validators.validate_sae,
            serious=serious,
            grade=grade,
            criteria=criteria,
            aware_at=values.get("sae_aware_at"),
            reported_at=values.get("sae_reported_at"),
            start_date=start,
        )
    collector.check(
        validators.validate_resolved_has_stop, outcome=values.get("outcome", ""), stop_date=stop
    )
    collector.raise_if_any()
    cleaned = {field: values.get(field) for field in AE_FIELDS}
    order = list(msg.SAECriterion.values)
    cleaned.update(
        meddra_code=meddra_code,
        term=term["term"],
        term_specify=(values.get("term_specify") or "").strip(),
        serious=serious,
        sae_criteria=sorted(set(criteria), key=order.index),
        comments=(values.get("comments") or "").strip(),
        reported_late=serious
        and rules.sae_reported_late(values.get("sae_aware_at"), values.get("sae_reported_at")),
    )
    return cleaned


@transaction.atomic
def adverse_event_create(
    *,
    user,
    patient: Patient,
    meddra_code: str,
    grade: int,
    start_date: dt.date,
    relation_paclitaxel: str,
    relation_imp321: str,
    action_taken: str,
    outcome: str,
    stop_date: dt.date | None = None,
    serious: bool = False,
    sae_criteria: Sequence[str] = (),
    sae_aware_at: dt.datetime | None = None,
    sae_reported_at: dt.datetime | None = None,
    death_date: dt.date | None = None,
    term_specify: str = "",
    comments: str = "",
) -> AdverseEvent:
    """Record an adverse event graded by CTCAE v5.0 (an SAE reported > 24 h late is flagged)."""
    values = {
        "meddra_code": meddra_code,
        "term_specify": term_specify,
        "grade": grade,
        "start_date": start_date,
        "stop_date": stop_date,
        "serious": serious,
        "sae_criteria": list(sae_criteria),
        "sae_aware_at": sae_aware_at,
        "sae_reported_at": sae_reported_at,
        "relation_paclitaxel": relation_paclitaxel,
        "relation_imp321": relation_imp321,
        "action_taken": action_taken,
        "outcome": outcome,
        "death_date": death_date,
        "comments": comments,
    }
    cleaned = _clean_adverse_event(patient=patient, values=values)
    adverse_event = audited_create(AdverseEvent(patient=patient, **cleaned), user=user)
    enqueue_patient_check(patient.pk)
    if adverse_event.serious:
        enqueue_sae_report(adverse_event)
    return adverse_event


@transaction.atomic
def adverse_event_update(
    *,
    user,
    adverse_event: AdverseEvent,
    changes: Mapping[str, Any],
    reason: str,
    expected_version: int | None,
) -> AdverseEvent:
    """Correct or follow up an AE (e.g. its stop date and outcome) with a reason."""
    was_serious = adverse_event.serious
    updated = update_whole_record(
        adverse_event,
        fields=AE_FIELDS,
        clean=lambda locked, values: _clean_adverse_event(patient=locked.patient, values=values),
        user=user,
        changes=changes,
        reason=reason,
        expected_version=expected_version,
    )
    if updated.serious or was_serious:
        enqueue_sae_report(updated)  # a follow-up when a reported item changed
    return updated
