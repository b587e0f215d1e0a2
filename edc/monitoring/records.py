"""A reference to any audited record by content type and id, and the records of a casebook.

Queries, SDV marks, locks and signatures name records this way, so they work for every form
of every app (patients, dosing, assessments, labs) without importing any of them.
"""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext

from edc.audit.display import in_language
from edc.audit.models import AuditedModel
from edc.audit.records import (
    clinical_models,
    data_fields,
    follow_lookup,
    is_trial_data,
    record_version,
    site_id_of,
)
from patients.models import CalendarEvent


@dataclass(frozen=True)
class RecordRef:
    model: type[AuditedModel]
    content_type: ContentType
    object_id: int
    instance: AuditedModel | None  # None once the record has been deleted
    patient_id: int | None
    site_id: int | None

    @property
    def is_trial_data(self) -> bool:
        return is_trial_data(self.model)

    @property
    def form(self) -> str:
        return in_language(self.model._meta.verbose_name)

    @property
    def label(self) -> str:
        """The record as people name it: its form and visit and the patient's study number
        (the model's ``__str__``), e.g. "Paclitaxel C2 D8 — FR01-003"."""
        if self.instance is None:
            return gettext("%(form)s (deleted)") % {"form": self.form}
        return str(self.instance)

    @property
    def version(self) -> int | None:
        return record_version(self.instance) if self.instance is not None else None

    def field_names(self) -> list[str]:
        return [field.name for field in data_fields(self.model)]

    def field_label(self, name: str) -> str:
        if not name:
            return gettext("whole record")
        try:
            return in_language(self.model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            return name.replace("_", " ").capitalize()


def record_ref(instance: AuditedModel) -> RecordRef:
    """The reference of a record already fetched (no access check: services trust callers)."""
    model = type(instance)
    return RecordRef(
        model=model,
        content_type=ContentType.objects.get_for_model(model),
        object_id=instance.pk,
        instance=instance,
        patient_id=follow_lookup(instance, model.PATIENT_LOOKUP),
        site_id=site_id_of(instance),
    )


def patient_lookup_filter(model: type[AuditedModel], patient_id: int) -> dict | None:
    """Keyword filter selecting a patient's rows of ``model`` (None: not patient data)."""
    return {model.PATIENT_LOOKUP: patient_id} if model.PATIENT_LOOKUP else None


def casebook_models() -> list[type[AuditedModel]]:
    """Models whose rows belong to a patient's casebook, in a stable order."""
    return sorted(
        (model for model in clinical_models() if model.PATIENT_LOOKUP),
        key=lambda model: model._meta.label_lower,
    )


def event_code_lookup(model: type[models.Model]) -> str | None:
    """How a model's rows reach the calendar event code they were recorded for.

    A model may declare ``EVENT_LOOKUP`` (e.g. ``"event_code"``); otherwise a foreign key to
    ``patients.CalendarEvent`` is followed, and calendar events are their own event.
    """
    declared = getattr(model, "EVENT_LOOKUP", None)
    if declared:
        return declared
    if model is CalendarEvent:
        return "code"
    for field in model._meta.concrete_fields:
        if field.is_relation and field.related_model is CalendarEvent:
            return f"{field.name}__code"
    return None


def record_in_event(instance: AuditedModel, code: str) -> bool:
    lookup = event_code_lookup(type(instance))
    return lookup is not None and follow_lookup(instance, lookup) == code
