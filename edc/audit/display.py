"""How an audit entry reads to a reviewer: form and field labels, readable values, and the
de-identified view statisticians get (the role instead of the person, identifying values
withheld, subject ids instead of screening numbers).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_noop, ngettext

from edc.access.constants import Role

from .models import AuditEntry
from .privacy import withheld_fields_of

# Plain English (the API and the CSV export give them as they are); the pages translate them
# when they show them (``gettext(WITHHELD)``).
EMPTY = "—"
# Translators: a value a de-identified reader (statistician) is not shown
WITHHELD = gettext_noop("(withheld)")
# Translators: who made a change when no person did (a scheduled task)
SYSTEM = gettext_noop("system")


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
    record: str  # the record by form and visit and the patient's study number (its __str__)
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
    return in_language(model._meta.verbose_name) if model else label


def role_label(role: str) -> str:
    return Role(role).label if role in Role.values else (role or gettext(SYSTEM))


def patient_label(patient, *, deidentified: bool) -> str:
    if patient is None:
        return EMPTY
    if deidentified:
        return patient.subject_id or gettext("Patient %(id)s") % {"id": patient.pk}
    return str(patient)


def person_label(user) -> str:
    if user is None:
        return gettext(SYSTEM)
    full = user.get_full_name()
    return f"{full} ({user.get_username()})" if full else user.get_username()


Names = dict[tuple[str, Any], str]  # (model label, pk) → the record's name


def record_names(pairs: Iterable[tuple[str, Any]]) -> Names:
    """The names (``__str__``) of records given as (model label, pk): one query per model."""
    wanted: dict[str, set] = defaultdict(set)
    for label, pk in pairs:
        if isinstance(pk, str | int) and pk != "":
            wanted[label].add(pk)
    names: Names = {}
    for label, pks in wanted.items():
        model = model_of(label)
        if model is None:
            continue
        rows = model._base_manager.filter(pk__in=pks)
        if _field(model, "patient") is not None:
            rows = rows.select_related("patient__site")
        for row in rows:
            names[(label, row.pk)] = str(row)
            names[(label, str(row.pk))] = str(row)
    return names


class KnownNames(dict):
    """Names already at hand (the entries' patients), for lists that must not read each
    record: another related record is named by its kind only."""


def _related_name(field: models.Field, value: Any, names: Names | None) -> str:
    model = field.related_model
    label = model._meta.label_lower
    if not isinstance(value, str | int):
        return in_language(model._meta.verbose_name)
    if names is None:
        names = record_names([(label, value)])
    name = names.get((label, value)) or names.get((label, str(value)))
    if name is None and isinstance(names, KnownNames):
        return in_language(model._meta.verbose_name)
    return name or _deleted(in_language(model._meta.verbose_name))


def _deleted(form: str) -> str:
    return gettext("%(form)s (deleted)") % {"form": form}


def _listed(value: list) -> str:
    if all(isinstance(v, str | int | float) for v in value):
        return ", ".join(str(v) for v in value) or EMPTY
    count = len(value)
    return ngettext("%(count)s record", "%(count)s records", count) % {"count": count}


def value_text(
    model: type[models.Model] | None,
    name: str,
    value: Any,
    names: Names | None = None,
    *,
    export: bool = False,
) -> str:
    """A stored value as the reviewer reads it (choice labels, Yes/No, dates as the pages
    print them, related records by name). ``export``: the CSV's plain values (ISO dates,
    related records by kind and id), read without any query."""
    if value is None or value == "":
        return EMPTY
    field = _field(model, name)
    if isinstance(value, bool):
        if export:
            return "Yes" if value else "No"
        return gettext("Yes") if value else gettext("No")
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field is not None and field.is_relation:
        if export:
            return f"{field.related_model._meta.verbose_name} #{value}"
        if isinstance(value, list | tuple):  # many-to-many: the related records' names
            if names is None:
                names = record_names((field.related_model._meta.label_lower, v) for v in value)
            return ", ".join(_related_name(field, v, names) for v in value) or EMPTY
        return _related_name(field, value, names)
    if export:
        return str(value)
    shown = getattr(model, "SHOWN_VALUES", {}).get(name)
    if shown is not None:
        return str(shown(value))
    if isinstance(value, list | tuple):
        return _listed(list(value))
    if isinstance(value, dict):
        count = len(value)
        return ngettext("%(count)s value", "%(count)s values", count) % {"count": count}
    if isinstance(field, models.DateTimeField) or isinstance(value, dt.datetime):
        parsed = value if isinstance(value, dt.datetime) else parse_datetime(str(value))
        if parsed is not None:
            if timezone.is_aware(parsed):
                parsed = timezone.localtime(parsed)
            return date_format(parsed, "DATETIME_FORMAT")
    if isinstance(field, models.DateField) or isinstance(value, dt.date):
        parsed = value if isinstance(value, dt.date) else parse_date(str(value))
        if parsed is not None:
            return date_format(parsed)
    return str(value)


def in_language(name) -> str:
    """A model's or field's English name in the reader's language when the catalogue has those
    words (the forms' labels are the same words: "Kit number", "Adverse event"), else as is."""
    english = capfirst(str(name))
    return gettext(english) if english else english


def field_label(model: type[models.Model] | None, name: str) -> str:
    field = _field(model, name)
    if field is not None:
        return in_language(field.verbose_name)
    return name.replace("_", " ").capitalize()


def _relation_pairs(entries: list[AuditEntry]) -> Iterator[tuple[str, Any]]:
    for entry in entries:
        yield entry.model_label, entry.object_id
        model = model_of(entry.model_label)
        for change in entry.changes or ():
            field = _field(model, change["field"])
            if field is not None and field.is_relation and field.related_model is not None:
                label = field.related_model._meta.label_lower
                for value in (change["old"], change["new"]):
                    for pk in value if isinstance(value, list | tuple) else [value]:
                        yield label, pk


def _record_name(entry: AuditEntry, form: str, names: Names, *, deidentified: bool) -> str:
    name = names.get((entry.model_label, entry.object_id)) or names.get(
        (entry.model_label, str(entry.object_id))
    )
    patient = entry.patient
    if name is None and isinstance(names, KnownNames):
        shown = patient_label(patient, deidentified=deidentified) if patient else ""
        return f"{form} — {shown}" if shown else form
    if name is None:
        name = _deleted(form)
    if deidentified and patient is not None and not patient.subject_id:
        # Before enrolment a patient is named by screening number: not for statisticians.
        name = f"{form} — {patient_label(patient, deidentified=True)}"
    return name


def entry_view(entry: AuditEntry, *, deidentified: bool, names: Names | None = None) -> EntryView:
    model = model_of(entry.model_label)
    if names is None:
        names = record_names(_relation_pairs([entry]))
    hidden = withheld_fields_of(entry.model_label) if deidentified else frozenset()

    withheld = gettext(WITHHELD)

    def shown(c: dict, key: str) -> str:
        if c["field"] in hidden:
            return withheld
        return value_text(model, c["field"], c[key], names)

    changes = tuple(
        FieldChange(
            field=c["field"],
            label=field_label(model, c["field"]),
            old=shown(c, "old"),
            new=shown(c, "new"),
        )
        for c in entry.changes
    )
    form = in_language(model._meta.verbose_name) if model else entry.model_label
    return EntryView(
        entry=entry,
        form=form,
        record=_record_name(entry, form, names, deidentified=deidentified),
        patient=patient_label(entry.patient, deidentified=deidentified),
        site=entry.site.code if entry.site else EMPTY,
        who=role_label(entry.user_role) if deidentified else person_label(entry.user),
        role=role_label(entry.user_role),
        changes=changes,
        reason=withheld if deidentified and entry.reason else entry.reason,
    )


def entry_views(
    entries: Iterable[AuditEntry], *, deidentified: bool, read_records: bool = True
) -> list[EntryView]:
    """The entries as a reviewer reads them; the records they name are read in one query per
    kind of record (not per entry). ``read_records=False`` (a long list whose cost must not
    grow with the kinds of records on it): records are named by form and patient, and related
    records by their kind (the patient by its study number)."""
    entries = list(entries)
    if read_records:
        names = record_names(_relation_pairs(entries))
    else:
        names = KnownNames()
        for entry in entries:
            if entry.patient is not None:
                shown = patient_label(entry.patient, deidentified=deidentified)
                names[("patients.patient", entry.patient_id)] = shown
                names[("patients.patient", str(entry.patient_id))] = shown
    return [entry_view(entry, deidentified=deidentified, names=names) for entry in entries]


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
    line for a write that changed none). Its contents are English whatever the reader's
    language (choice and role labels included): each row is made under English."""
    yield list(CSV_HEADER)
    for row in rows:
        with translation.override("en"):
            lines = [
                ["" if cell is None else str(cell) for cell in line]
                for line in _csv_lines(row, deidentified)
            ]
        yield from lines


def _csv_lines(row: dict, deidentified: bool) -> Iterator[list]:
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
            old = value_text(model, name, change["old"], export=True)
            yield [*head, name, old, value_text(model, name, change["new"], export=True)]
