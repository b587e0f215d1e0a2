"""Generic facts about any audited record: its patient, its site, its field values.

Every audited model declares how to reach its patient and site (``PATIENT_LOOKUP`` /
``SITE_LOOKUP``, e.g. ``"patient"`` and ``"patient__site"``); these helpers follow those paths
on an instance, so the audit trail, queries, SDV, signatures and locks work for any model of
any app without importing it.
"""

from functools import cache
from typing import Any

from django.apps import apps
from django.db import models

from edc.access.roles import CLINICAL_APPS

from .models import AuditedModel

# Bookkeeping every audited row carries; a change to them is not a change of the data.
BOOKKEEPING_FIELDS = frozenset({"version", "created_at", "updated_at", "created_by"})


def follow_lookup(instance: models.Model, lookup: str | None) -> Any:
    """The value at ``lookup`` ("patient__site") from ``instance``; ids for relations.

    The last hop of a relation reads its ``*_id`` attribute, so no row is fetched for it.
    Returns None when the path is None or passes through an empty relation.
    """
    if not lookup:
        return None
    obj: Any = instance
    parts = lookup.split("__")
    for position, part in enumerate(parts):
        if obj is None:
            return None
        if part == "pk":
            return obj.pk
        field = obj._meta.get_field(part)
        if position == len(parts) - 1:
            return getattr(obj, field.attname) if field.is_relation else getattr(obj, part)
        obj = getattr(obj, part)
    return None


def patient_id_of(instance: AuditedModel) -> int | None:
    return follow_lookup(instance, type(instance).PATIENT_LOOKUP)


def site_id_of(instance: AuditedModel) -> int | None:
    return follow_lookup(instance, type(instance).SITE_LOOKUP)


def audited_models() -> list[type[AuditedModel]]:
    """Every concrete audited model of the project (history models excluded)."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, AuditedModel) and not model._meta.abstract
    ]


def is_trial_data(model: type[models.Model]) -> bool:
    """Records of the clinical apps, which locks freeze, monitors verify and investigators sign.

    Audited records of the trial-wide layer (queries, locks, deviations…) are not, nor are
    clinical models that opt out with ``CLINICAL_DATA = False``.
    """
    return (
        issubclass(model, AuditedModel)
        and model.CLINICAL_DATA
        and model._meta.app_label in CLINICAL_APPS
    )


def clinical_models() -> list[type[AuditedModel]]:
    """Audited models holding trial data."""
    return [model for model in audited_models() if is_trial_data(model)]


def _is_bookkeeping(field: models.Field) -> bool:
    # Only the non-editable fields AuditedModel declares are bookkeeping: a model that reused
    # a bookkeeping name for data would keep that data in the record.
    return field.name in BOOKKEEPING_FIELDS and not field.editable


@cache
def _data_fields(model: type[models.Model]) -> tuple[models.Field, ...]:
    named_by = getattr(model, "AUDIT_NAMED_BY", {})
    return tuple(
        field
        for field in model._meta.concrete_fields
        if not field.primary_key and not _is_bookkeeping(field) and field.name not in named_by
    )


def data_fields(model: type[models.Model]) -> list[models.Field]:
    """The fields whose values make up a record (no primary key, no bookkeeping).

    A model may name a person by text rather than by a user id: ``AUDIT_NAMED_BY = {"user":
    "person"}`` leaves the ``user`` relation out, its ``person`` field ("Inès Martin
    (investigator)") being what the trail shows (edc.access.models.StaffProfile).
    """
    return list(_data_fields(model))  # the model's fields do not change: read them once


def record_version(instance: models.Model) -> int | None:
    """The record's optimistic-locking version (None when a model shadows the field)."""
    value = getattr(instance, "version", None)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def record_values(instance: models.Model) -> dict[str, Any]:
    """Field name → stored value (relations as ids) of the record's data fields."""
    return {field.name: getattr(instance, field.attname) for field in _data_fields(type(instance))}


def diff_values(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """Field-by-field ``{"field", "old", "new"}`` for every value that differs."""
    names = list(after) + [name for name in before if name not in after]
    return [
        {"field": name, "old": before.get(name), "new": after.get(name)}
        for name in names
        if before.get(name) != after.get(name)
    ]
