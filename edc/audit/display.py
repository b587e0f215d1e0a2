"""How an audit entry reads to a reviewer: form and field labels, readable values, and the
de-identified view statisticians get (the role instead of the person, identifying values
withheld, subject ids instead of screening numbers).
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone

from edc.access.constants import Role

from .models import AuditEntry
from .privacy import withheld_fields_of

EMPTY = "—"
WITHHELD = "(withheld)"
SYSTEM = "system"


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class EntryView:
    entry: AuditEntry
    form: str
    patient: str
    site: str
    who: str
    role: str
    changes: tuple[FieldChange, ...]
    reason: str  # the reason for change; withheld from a de-identified reader (free text)


@lru_cache(maxsize=512)
def model_of(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


@lru_cache(maxsize=4096)
def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def form_name(label: str) -> str:
    model = model_of(label)
    return str(model._meta.verbose_name).capitalize() if model else label


def role_label(role: str) -> str:
    return Role(role).label if role in Role.values else (role or SYSTEM)


def patient_label(patient, *, deidentified: bool) -> str:
    if patient is None:
        return EMPTY
    if deidentified:
        return patient.subject_id or f"Patient {patient.pk}"
    return str(patient)


def person_label(user) -> str:
    if user is None:
        return SYSTEM
    full = user.get_full_name()
    return f"{full} ({user.get_username()})" if full else user.get_username()


def value_text(model: type[models.Model] | None, name: str, value: Any) -> str:
    """A stored value as the reviewer reads it (choice labels, Yes/No, ids of relations)."""
    if value is None or value == "":
        return EMPTY
    field = _field(model, name)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field is not None and field.is_relation:
        return f"{field.related_model._meta.verbose_name} #{value}"
    return str(value)


def field_label(model: type[models.Model] | None, name: str) -> str:
    field = _field(model, name)
    return str(field.verbose_name).capitalize() if field is not None else name


def entry_view(entry: AuditEntry, *, deidentified: bool) -> EntryView:
    model = model_of(entry.model_label)
    hidden = withheld_fields_of(entry.model_label) if deidentified else frozenset()
    changes = tuple(
        FieldChange(
            field=c["field"],
            label=field_label(model, c["field"]),
            old=WITHHELD if c["field"] in hidden else value_text(model, c["field"], c["old"]),
            new=WITHHELD if c["field"] in hidden else value_text(model, c["field"], c["new"]),
        )
        for c in entry.changes
    )
    return EntryView(
        entry=entry,
        form=str(model._meta.verbose_name).capitalize() if model else entry.model_label,
        patient=patient_label(entry.patient, deidentified=deidentified),
        site=entry.site.code if entry.site else EMPTY,
        who=role_label(entry.user_role) if deidentified else person_label(entry.user),
        role=role_label(entry.user_role),
        changes=changes,
        reason=WITHHELD if deidentified and entry.reason else entry.reason,
    )


def entry_views(entries: Iterable[AuditEntry], *, deidentified: bool) -> list[EntryView]:
    return [entry_view(entry, deidentified=deidentified) for entry in entries]


CSV_HEADER = (
    "entry",
    "at",
    "action",
    "form",
    "record",
    "patient",
    "site",
    "user",
    "role",
    "version",
    "reason",
    "field",
    "old",
    "new",
)

# The columns the CSV export reads (plain values, not model instances: a full export streams
# a million rows).
EXPORT_COLUMNS = (
    "id",
    "at",
    "action",
    "model_label",
    "object_id",
    "version",
    "reason",
    "changes",
    "user_role",
    "user__username",
    "user__first_name",
    "user__last_name",
    "patient_id",
    "patient__subject_id",
    "patient__screening_number",
    "patient__site__code",
    "site__code",
)


def _export_patient(row: dict, *, deidentified: bool) -> str:
    if row["patient_id"] is None:
        return EMPTY
    if row["patient__subject_id"]:
        return row["patient__subject_id"]
    if deidentified:
        return f"Patient {row['patient_id']}"
    # As patients.models.Patient.__str__ reads before enrolment.
    return f"{row['patient__site__code']} screening {row['patient__screening_number']}"


def _export_person(row: dict, *, deidentified: bool) -> str:
    if deidentified:
        return role_label(row["user_role"])
    if row["user__username"] is None:
        return SYSTEM
    full = f"{row['user__first_name']} {row['user__last_name']}".strip()
    return f"{full} ({row['user__username']})" if full else row["user__username"]


def csv_rows(rows: Iterable[dict], *, deidentified: bool) -> Iterator[list[str]]:
    """The CSV export of ``.values(*EXPORT_COLUMNS)`` rows: one line per changed field (one
    line for a write that changed none)."""
    yield list(CSV_HEADER)
    for row in rows:
        label = row["model_label"]
        model = model_of(label)
        hidden = withheld_fields_of(label) if deidentified else frozenset()
        head = [
            str(row["id"]),
            timezone.localtime(row["at"]).isoformat(),
            row["action"],
            label,
            str(row["object_id"]),
            _export_patient(row, deidentified=deidentified),
            row["site__code"] or EMPTY,
            _export_person(row, deidentified=deidentified),
            role_label(row["user_role"]),
            "" if row["version"] is None else str(row["version"]),
            WITHHELD if deidentified and row["reason"] else row["reason"],
        ]
        if not row["changes"]:
            yield [*head, "", "", ""]
        for change in row["changes"]:
            name = change["field"]
            if name in hidden:
                yield [*head, name, WITHHELD, WITHHELD]
            else:
                old = value_text(model, name, change["old"])
                yield [*head, name, old, value_text(model, name, change["new"])]
