"""One patient's casebook as it stood at a chosen moment, ready for the PDF and print view.

Every form (``sections.form_sections``) with its values as of the moment (django-simple-history
through ``edc.exports.snapshots.Snapshot``, the exports' as-of machinery), the audit trail of
each record up to that moment (who, when, old → new, reason), the data queries with their
messages, the signatures with their meaning, and the locks. Visits are the patient's calendar
events; a form recorded for a visit is shown under it (a PDF bookmark per visit), the others
(registry, consent, eligibility, adverse events…) in a part of their own.

The cost is one query per form plus a fixed handful, whatever the number of records.

A casebook is written in the language of the user who asks for it (``language_of``; for an
archive job, the user who requested the job): headings, captions and the field labels. The
audit trail's values (old → new, the reasons given) are shown as they were recorded.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.selectors import endpoint_courses
from edc import protocol
from edc.access.language import language_of
from edc.audit.display import (
    EMPTY,
    EntryView,
    entry_views,
    field_label,
    in_language,
    person_label,
    record_names,
    value_text,
)
from edc.audit.models import AuditEntry
from edc.audit.records import data_fields
from edc.dashboard.charts import spider_chart
from edc.dashboard.selectors import spider_lines
from edc.exports.snapshots import Snapshot, patient_lookup
from edc.monitoring.constants import CASEBOOK, LockScope
from edc.monitoring.models import DataQuery, Lock, QueryMessage, Signature
from patients.models import Patient

from .sections import FormSection, form_sections

PATIENT_NOT_YET_REGISTERED = gettext_lazy("The patient was not registered yet at that moment.")
VISIT_FORM = "patients.calendarevent"


@dataclass
class RecordBlock:
    key: tuple[str, int]  # (model label, id)
    title: str
    values: list[tuple[str, str]]
    audit: list[EntryView] = field(default_factory=list)
    queries: list[QueryView] = field(default_factory=list)
    locked: bool = False


@dataclass
class FormBlock:
    section: FormSection
    records: list[RecordBlock]

    @property
    def title(self) -> str:
        return self.section.title


@dataclass
class VisitBlock:
    code: str
    label: str
    visit: RecordBlock | None
    forms: list[FormBlock]


@dataclass(frozen=True)
class MessageView:
    at: str
    who: str
    kind: str
    text: str


@dataclass
class QueryView:
    record: str
    field: str
    question: str
    status: str
    raised: str
    messages: list[MessageView]


@dataclass(frozen=True)
class SignatureView:
    scope: str
    signer: str
    signed_at: str
    meaning: str
    status: str


@dataclass(frozen=True)
class LockView:
    scope: str
    reason: str
    locked: str
    unlocked: str


@dataclass
class Casebook:
    patient: Patient
    patient_label: str
    site: str
    as_of: dt.datetime | None
    moment: dt.datetime
    generated_at: dt.datetime
    generated_by: str
    patient_forms: list[FormBlock]
    visits: list[VisitBlock]
    other_forms: list[FormBlock]
    queries: list[QueryView]
    signatures: list[SignatureView]
    locks: list[LockView]
    chart_svg: str = ""
    audit_count: int = 0
    # The language it is written in: the requesting user's (``language_of``).
    language: str = "en"

    @property
    def header(self) -> str:
        return _("%(trial)s · Site %(site)s · Patient %(patient)s") % {
            "trial": protocol.TRIAL_ID,
            "site": self.site,
            "patient": self.patient_label,
        }

    @property
    def moment_text(self) -> str:
        return _when(self.moment)


def _when(moment: dt.datetime | None) -> str:
    if moment is None:
        return EMPTY
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return date_format(moment, "DATETIME_FORMAT")


def _rows(snapshot: Snapshot, section: FormSection, patient_id: int) -> list:
    lookup = patient_lookup(section.model)
    return list(snapshot.rows(section.model).filter(**{lookup: patient_id}).order_by("id"))


def _event_codes(section: FormSection, rows: list) -> dict[int, str]:
    """Each row's calendar event code. A lookup through a relation reads the live tables:
    the link from a detail row to its visit is fixed at creation (see ``snapshots``)."""
    lookup = section.event_lookup
    if not rows or lookup is None:
        return {}
    if "__" not in lookup:
        return {row.id: getattr(row, lookup) or "" for row in rows}
    found = section.model._base_manager.filter(pk__in=[r.id for r in rows]).values_list(
        "pk", lookup
    )
    return {pk: code or "" for pk, code in found}


def _shown_fields(section: FormSection) -> list:
    """The form's fields, without the link to the patient every record carries."""
    return [f for f in data_fields(section.model) if f.name != "patient"]


def _relation_pairs(section: FormSection, rows: list):
    for f in _shown_fields(section):
        if f.is_relation and f.related_model is not None:
            label = f.related_model._meta.label_lower
            for row in rows:
                value = getattr(row, f.attname, None)
                if value is not None:
                    yield label, value


def _record(section: FormSection, row, names, title: str) -> RecordBlock:
    model = section.model
    return RecordBlock(
        key=(section.label, row.id),
        title=title,
        values=[
            (field_label(model, f.name), value_text(model, f.name, getattr(row, f.attname), names))
            for f in _shown_fields(section)
        ],
    )


def _titled(section: FormSection, rows: list, names, suffix: str = "") -> list[RecordBlock]:
    many = len(rows) > 1
    return [
        _record(section, row, names, f"{section.title}{f' {i}' if many else ''}{suffix}".strip())
        for i, row in enumerate(rows, start=1)
    ]


def _people(ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    users = get_user_model().objects.filter(pk__in=ids) if ids else []
    return {u.pk: person_label(u) for u in users}


def _chart(patient: Patient, as_of: dt.datetime | None) -> str:
    """The patient's tumour-size curve (the dashboard's spider plot, one line), as SVG.

    Drawn from the current data only: an as-of casebook shows the measurements in its tumour
    assessment forms instead."""
    if as_of is not None or not patient.subject_id or not patient.c1d1_date:
        return ""
    courses = endpoint_courses(
        Patient.objects.filter(pk=patient.pk).select_related("cohort", "site")
    )
    lines, _left_out = spider_lines(SimpleNamespace(courses=courses))
    if not lines:
        return ""
    return spider_chart(lines).svg()


def _by(moment: dt.datetime | None, person: str) -> str:
    # Translators: when and by whom, e.g. "06 Dec 2026 14:30 by Dr Anne Martin".
    return _("%(when)s by %(person)s") % {"when": _when(moment), "person": person}


def casebook_for(*, user, patient: Patient, as_of: dt.datetime | None = None) -> Casebook:
    """The casebook of ``patient`` (fetched through a scoping selector by the caller) as of
    ``as_of`` (None: now), in ``user``'s language."""
    language = language_of(user)
    with translation.override(language):
        cb = _casebook_for(user=user, patient=patient, as_of=as_of)
    cb.language = language
    return cb


def _casebook_for(*, user, patient: Patient, as_of: dt.datetime | None) -> Casebook:
    snapshot = Snapshot(as_of)
    moment = as_of or timezone.now()
    registry = patient
    if as_of is not None:
        registry = snapshot.rows(Patient).filter(id=patient.pk).first()
        if registry is None:
            raise ValidationError({"as_of": PATIENT_NOT_YET_REGISTERED})
    sections = form_sections()
    rows = {s.label: _rows(snapshot, s, patient.pk) for s in sections}
    names = record_names(pair for s in sections for pair in _relation_pairs(s, rows[s.label]))

    # Visits: the calendar as of the moment, each with the forms recorded for it.
    visit_section = next((s for s in sections if s.label == VISIT_FORM), None)
    calendar = sorted(
        rows.get(VISIT_FORM, []),
        key=lambda e: (e.planned_date or dt.date.max, e.sequence or 0, e.code),
    )
    visits = {
        e.code: VisitBlock(
            code=e.code,
            label=protocol.event_label_title(e.label),
            visit=_record(visit_section, e, names, _("Visit")) if visit_section else None,
            forms=[],
        )
        for e in calendar
    }
    patient_forms: list[FormBlock] = []
    other_forms: list[FormBlock] = []
    blocks: list[RecordBlock] = [v.visit for v in visits.values() if v.visit]
    for section in sections:
        if section.label == VISIT_FORM:
            continue
        section_rows = rows[section.label]
        if not section.per_visit:
            block = FormBlock(section, _titled(section, section_rows, names))
            patient_forms.append(block)
            blocks.extend(block.records)
            continue
        codes = _event_codes(section, section_rows)
        by_code: dict[str, list] = defaultdict(list)
        for row in section_rows:
            by_code[codes.get(row.id, "")].append(row)
        unscheduled = []
        for code, found in by_code.items():
            if code in visits:
                block = FormBlock(section, _titled(section, found, names))
                visits[code].forms.append(block)
                blocks.extend(block.records)
            else:
                unscheduled.extend(found)
        if unscheduled:
            block = FormBlock(section, _titled(section, unscheduled, names))
            other_forms.append(block)
            blocks.extend(block.records)
    by_key = {b.key: b for b in blocks}

    # The audit trail of each record, up to the moment.
    entries = list(
        AuditEntry.objects.filter(patient_id=patient.pk, at__lte=moment)
        .select_related("user", "patient__site", "site")
        .order_by("at", "id")
    )
    audit_count = 0
    for view in entry_views(entries, deidentified=False):
        block = by_key.get((view.entry.model_label, view.entry.object_id))
        if block is not None:
            block.audit.append(view)
            audit_count += 1

    content_types = {ct.pk: ct for ct in ContentType.objects.all()}

    def block_of(ct_id, object_id) -> RecordBlock | None:
        ct = content_types.get(ct_id)
        return by_key.get((f"{ct.app_label}.{ct.model}", object_id)) if ct else None

    # Queries and their messages, as of the moment.
    query_rows = list(snapshot.rows(DataQuery).filter(patient_id=patient.pk).order_by("id"))
    messages = list(
        QueryMessage.objects.filter(query_id__in=[q.id for q in query_rows], at__lte=moment)
        .select_related("author")
        .order_by("at", "id")
    )
    people = _people(q.raised_by_id for q in query_rows)
    by_query: dict[int, list[MessageView]] = defaultdict(list)
    for m in messages:
        by_query[m.query_id].append(
            MessageView(_when(m.at), person_label(m.author), m.get_kind_display(), m.text or EMPTY)
        )
    queries = []
    for q in query_rows:
        block = block_of(q.content_type_id, q.object_id)
        ct = content_types.get(q.content_type_id)
        model = ct.model_class() if ct else None
        view = QueryView(
            record=block.title if block else in_language(model._meta.verbose_name),
            field=field_label(model, q.field) if q.field else _("Whole record"),
            question=q.question,
            status=q.get_status_display(),
            raised=_by(q.raised_at, people.get(q.raised_by_id, EMPTY)),
            messages=by_query.get(q.id, []),
        )
        queries.append(view)
        if block is not None:
            block.queries.append(view)

    # Signatures and locks, as of the moment.
    signature_rows = list(snapshot.rows(Signature).filter(patient_id=patient.pk).order_by("id"))
    lock_rows = list(
        snapshot.rows(Lock)
        .filter(Q(patient_id=patient.pk) | Q(scope=LockScope.DATABASE))
        .order_by("id")
    )
    people = _people(
        [s.signer_id for s in signature_rows]
        + [lk.locked_by_id for lk in lock_rows]
        + [lk.unlocked_by_id for lk in lock_rows]
    )
    labels = {code: v.label for code, v in visits.items()}
    signatures = [
        SignatureView(
            scope=_("The whole casebook")
            if s.scope == CASEBOOK
            else _("Visit %(visit)s") % {"visit": labels.get(s.scope, s.scope)},
            signer=s.printed_name or people.get(s.signer_id, EMPTY),
            signed_at=_when(s.signed_at),
            meaning=s.meaning,
            status=s.get_status_display(),
        )
        for s in signature_rows
    ]
    locks = []
    for lk in lock_rows:
        unlocked = lk.unlocked_at is not None and lk.unlocked_at <= moment
        if lk.scope == LockScope.RECORD:
            block = block_of(lk.content_type_id, lk.object_id)
            scope = block.title if block else lk.get_scope_display()
            if block is not None and not unlocked:
                block.locked = True
        else:
            scope = lk.get_scope_display()
        locks.append(
            LockView(
                scope=scope,
                reason=lk.reason,
                locked=_by(lk.locked_at, people.get(lk.locked_by_id, EMPTY)),
                unlocked=(
                    f"{_by(lk.unlocked_at, people.get(lk.unlocked_by_id, EMPTY))}: "
                    f"{lk.unlock_reason}"
                    if unlocked
                    else _("Locked")
                ),
            )
        )

    return Casebook(
        patient=registry,
        patient_label=str(patient),
        site=patient.site.code,
        as_of=as_of,
        moment=moment,
        generated_at=timezone.now(),
        generated_by=person_label(user),
        patient_forms=patient_forms,
        visits=list(visits.values()),
        other_forms=other_forms,
        queries=queries,
        signatures=signatures,
        locks=locks,
        chart_svg=_chart(patient, as_of),
        audit_count=audit_count,
    )
