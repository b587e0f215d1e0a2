"""The casebook's form statuses: every form of one patient with its status (pure precedence in
``formstatus``), and what the site should enter next.

Here, on the top floor, because a casebook form is a record of the apps below (dosing,
assessments, labs) and its status is monitoring's (queries, SDV, signatures, locks): this module
reads both, so none of them has to import the other. The casebook page
(``views.PatientCasebookView``, served as ``patients:detail``) shows it.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import BooleanField, ExpressionWrapper, F, IntegerField, Model, Q, Value
from django.utils.translation import gettext_lazy as _

from assessments.constants import AssessmentKind
from assessments.models import (
    ConcomitantMedication,
    LesionMeasurement,
    NonTargetLesion,
    TargetLesion,
    TumourAssessment,
)
from dosing.constants import AdministrationStatus, InjectionStatus
from dosing.models import Imp321Injection, PaclitaxelAdministration
from edc import protocol
from labs.models import ImmuneDraw, LabResult
from patients.models import CalendarEvent, Consent, MedicalHistory, Patient, PriorTherapy
from patients.schedule import EventStatus
from patients.selectors import TimelineRow

from .constants import CASEBOOK, LockScope, QueryStatus, SignatureStatus
from .formstatus import FormFacts, FormStatus, form_status
from .models import DataQuery, Lock, SdvMark, Signature
from .records import event_code_lookup


@dataclass(frozen=True)
class EventRecords:
    """Rows of one model that belong to a calendar event's form.

    ``event`` is the lookup from a row to the code of the event it fulfils, ``patient`` the
    lookup to its patient. ``missing`` selects saved rows whose required values are not all
    entered (the form is then in progress).
    """

    model: type[Model]
    event: str
    patient: str = "patient"
    missing: Q | None = None

    @property
    def label(self) -> str:
        return self.model._meta.label


@dataclass(frozen=True)
class EventForm:
    """The record that fulfils one kind of event, and the detail rows entered with it."""

    record: EventRecords
    details: tuple[EventRecords, ...] = ()
    # In progress until at least one detail row is entered (a draw without any panel value).
    needs_details: bool = False

    @property
    def parts(self) -> tuple[EventRecords, ...]:
        return (self.record, *self.details)


# What each kind of calendar event records, and what must be filled for its form to be complete
# (the entry forms let these be saved blank, to be completed later).
EVENT_FORM_RECORDS: dict[str, EventForm] = {
    # A dose given needs its infusion start and stop times and its premedication stated.
    protocol.PACLITAXEL: EventForm(
        EventRecords(
            PaclitaxelAdministration,
            event="event__code",
            missing=Q(status=AdministrationStatus.GIVEN)
            & (
                Q(infusion_start=None)
                | Q(infusion_stop=None)
                | Q(premed_dexamethasone=None)
                | Q(premed_antihistamine=None)
                | Q(premed_h2_blocker=None)
            ),
        )
    ),
    # An injection given needs the kit and lot (drug accountability) and the injection site.
    protocol.IMP321: EventForm(
        EventRecords(
            Imp321Injection,
            event="event__code",
            missing=Q(status=InjectionStatus.GIVEN)
            & (Q(kit_number="") | Q(lot_number="") | Q(injection_site="")),
        )
    ),
    # A follow-up needs the investigator's own timepoint response beside the computed one.
    protocol.TUMOUR: EventForm(
        EventRecords(
            TumourAssessment,
            event="calendar_code",
            missing=Q(kind=AssessmentKind.FOLLOW_UP, investigator_response=""),
        ),
        details=tuple(
            EventRecords(model, event="assessment__calendar_code", patient="assessment__patient")
            for model in (TargetLesion, NonTargetLesion, LesionMeasurement)
        ),
    ),
    # A draw is in progress until its immune-panel values are entered.
    protocol.IMMUNE: EventForm(
        EventRecords(ImmuneDraw, event="event_code"),
        details=(EventRecords(LabResult, event="immune_draw__event_code"),),
        needs_details=True,
    ),
}


# Patient-level forms made of any number of rows of one model: (key, label, model). Their rows
# are read with the event forms' (one query).
PATIENT_FORM_RECORDS: tuple[tuple[str, str, type[Model]], ...] = (
    ("medical_history", _("Medical history"), MedicalHistory),
    ("prior_therapy", _("Prior cancer therapy"), PriorTherapy),
    ("conmeds", _("Concomitant medications"), ConcomitantMedication),
)


@dataclass(frozen=True)
class CasebookForm:
    """One form of the casebook with its status; ``record_id`` is its main record's id."""

    key: str
    label: str
    facts: FormFacts
    record_id: int | None = None

    @property
    def status(self) -> FormStatus:
        return form_status(self.facts)


@dataclass(frozen=True)
class FormStatuses:
    """Forms of calendar events by event code, and the patient-level forms in page order."""

    events: dict[str, CasebookForm]
    patient_forms: list[CasebookForm]


RecordKey = tuple[int, int]  # (content type id, object id), as monitoring names a record


@dataclass
class _MonitoringFacts:
    open_queries: Counter = field(default_factory=Counter)
    verified: set[RecordKey] = field(default_factory=set)
    record_locks: set[RecordKey] = field(default_factory=set)
    casebook_locked: bool = False  # a database lock or a lock of this patient's casebook
    signed_scopes: set[str] = field(default_factory=set)


def _monitoring_facts(patient_id: int) -> _MonitoringFacts:
    """Unresolved queries, whole-record SDV marks, active locks and valid signatures of one
    patient: one query (a UNION ALL of the four tables), whatever the number of records."""

    def facts(qs, kind: str, *, ct=None, oid=None, scope=None):
        no_id = Value(None, output_field=IntegerField())
        return (
            qs.order_by()
            .annotate(
                m_kind=Value(kind),
                m_ct=ct if ct is not None else no_id,
                m_id=oid if oid is not None else no_id,
                m_scope=scope if scope is not None else Value(""),
            )
            .values_list("m_kind", "m_ct", "m_id", "m_scope")
        )

    record = {"ct": F("content_type_id"), "oid": F("object_id")}
    rows = facts(
        DataQuery.objects.filter(patient_id=patient_id).exclude(status=QueryStatus.CLOSED),
        "query",
        **record,
    ).union(
        facts(
            SdvMark.objects.filter(patient_id=patient_id, field="", cleared_at__isnull=True),
            "sdv",
            **record,
        ),
        facts(
            Lock.objects.filter(unlocked_at__isnull=True).filter(
                Q(scope=LockScope.DATABASE) | Q(patient_id=patient_id)
            ),
            "lock",
            scope=F("scope"),
            **record,
        ),
        facts(
            Signature.objects.filter(patient_id=patient_id, status=SignatureStatus.VALID),
            "signature",
            scope=F("scope"),
        ),
        all=True,
    )
    found = _MonitoringFacts()
    for kind, ct, oid, scope in rows:
        if kind == "query":
            found.open_queries[(ct, oid)] += 1
        elif kind == "sdv":
            found.verified.add((ct, oid))
        elif kind == "lock" and scope == LockScope.RECORD:
            found.record_locks.add((ct, oid))
        elif kind == "lock":
            found.casebook_locked = True
        elif kind == "signature":
            found.signed_scopes.add(scope)
    return found


@dataclass(frozen=True)
class _Row:
    key: RecordKey
    missing: bool


def _event_form_rows(patient_id: int) -> dict[tuple[str, str], list[_Row]]:
    """(model label, event code) → rows of every event form of one patient: one query."""
    parts = []
    for form in EVENT_FORM_RECORDS.values():
        for spec in form.parts:
            missing = (
                ExpressionWrapper(spec.missing, output_field=BooleanField())
                if spec.missing is not None
                else Value(False)
            )
            parts.append(
                spec.model.objects.filter(**{spec.patient: patient_id})
                .exclude(**{f"{spec.event}__isnull": True})
                .exclude(**{spec.event: ""})
                .order_by()
                .annotate(
                    r_model=Value(spec.label),
                    r_id=F("pk"),
                    r_event=F(spec.event),
                    r_missing=missing,
                )
                .values_list("r_model", "r_id", "r_event", "r_missing")
            )
    # The patient-level forms of many rows ride along, under their form's key as the "event".
    for key, _label, model in PATIENT_FORM_RECORDS:
        parts.append(
            model.objects.filter(patient_id=patient_id)
            .order_by()
            .annotate(
                r_model=Value(model._meta.label),
                r_id=F("pk"),
                r_event=Value(key),
                r_missing=Value(False),
            )
            .values_list("r_model", "r_id", "r_event", "r_missing")
        )
    content_types = {
        spec.label: ContentType.objects.get_for_model(spec.model).pk
        for form in EVENT_FORM_RECORDS.values()
        for spec in form.parts
    } | {
        model._meta.label: ContentType.objects.get_for_model(model).pk
        for _key, _label, model in PATIENT_FORM_RECORDS
    }
    found: dict[tuple[str, str], list[_Row]] = defaultdict(list)
    for label, pk, code, missing in parts[0].union(*parts[1:], all=True):
        found[(label, code)].append(_Row((content_types[label], pk), bool(missing)))
    return found


def _key(instance) -> RecordKey:
    return ContentType.objects.get_for_model(type(instance)).pk, instance.pk


def _facts(
    monitoring: _MonitoringFacts,
    *,
    records: list[RecordKey],
    also_queried: Iterable[RecordKey] = (),
    exists: bool,
    complete: bool,
    signed: bool,
) -> FormFacts:
    queried = set(records) | set(also_queried)
    return FormFacts(
        exists=exists,
        complete=exists and complete,
        open_queries=sum(monitoring.open_queries[k] for k in queried),
        verified=bool(records) and all(k in monitoring.verified for k in records),
        signed=signed,
        locked=monitoring.casebook_locked
        or (bool(records) and all(k in monitoring.record_locks for k in records)),
    )


def _event_signature_covers(form: EventForm) -> bool:
    """Does a signature of one event sign this form? Only when every model of the form
    reaches its event for ``edc.monitoring`` (else only the casebook signature covers it)."""
    return all(event_code_lookup(spec.model) for spec in form.parts)


def _event_form(
    event: CalendarEvent,
    form: EventForm | None,
    rows: Mapping[tuple[str, str], list[_Row]],
    monitoring: _MonitoringFacts,
) -> CasebookForm:
    main = rows.get((form.record.label, event.code), []) if form else []
    event_signature_covers = form is not None and _event_signature_covers(form)
    if main:
        details = [r for spec in form.details for r in rows.get((spec.label, event.code), [])]
        entered = main + details
        records = [r.key for r in entered]
        exists = True
        complete = not any(r.missing for r in entered) and (bool(details) or not form.needs_details)
    elif event.not_done_reason:
        # Documented as not done: the calendar row, with its reason, is the whole record.
        records, exists, complete = [_key(event)], True, True
        event_signature_covers = True
    else:
        records, exists, complete = [], False, False
    signed = CASEBOOK in monitoring.signed_scopes or (
        event_signature_covers and event.code in monitoring.signed_scopes
    )
    return CasebookForm(
        key=event.code,
        label=event.label,
        facts=_facts(
            monitoring,
            records=records,
            also_queried=[_key(event)],
            exists=exists,
            complete=complete,
            signed=signed and exists,
        ),
        record_id=main[0].key[1] if main else None,
    )


def patient_form_statuses(*, patient: Patient, events: Iterable[CalendarEvent]) -> FormStatuses:
    """The status of every form of one patient's casebook, in two queries whatever its size.

    The caller fetched ``patient`` through ``patients.selectors.patient_casebook`` (access
    checked, consents, eligibility and ``events`` — the calendar — prefetched). The
    patient-level forms of many rows (``PATIENT_FORM_RECORDS``: medical history, prior
    therapy, concomitant medications) are read with the event forms' rows. A calendar
    event's form is the record that fulfils it with its detail rows (``EVENT_FORM_RECORDS``);
    queries on the calendar row itself count too. A casebook signature signs every form; an
    event signature the forms whose records it covers (``records.event_code_lookup``).
    """
    monitoring = _monitoring_facts(patient.pk)
    rows = _event_form_rows(patient.pk)
    by_event = {
        e.code: _event_form(e, EVENT_FORM_RECORDS.get(e.kind), rows, monitoring) for e in events
    }
    casebook_signed = CASEBOOK in monitoring.signed_scopes
    consents = [_key(c) for c in patient.consents.all()]

    answers = list(patient.eligibility.all())
    answered = {a.criterion for a in answers}
    patient_forms = [
        CasebookForm(
            key="registry",
            label=_("Registry data"),
            facts=_facts(
                monitoring,
                records=[_key(patient)],
                exists=True,
                complete=True,
                signed=casebook_signed,
            ),
            record_id=patient.pk,
        ),
        CasebookForm(
            key="consent",
            label=str(Consent._meta.verbose_name).capitalize(),
            facts=_facts(
                monitoring,
                records=consents,
                exists=bool(consents),
                complete=True,
                signed=casebook_signed and bool(consents),
            ),
        ),
        CasebookForm(
            key="eligibility",
            label=_("Eligibility checklist"),
            facts=_facts(
                monitoring,
                records=[_key(a) for a in answers],
                exists=bool(answers),
                complete=answered >= {c.code for c in protocol.ELIGIBILITY_CRITERIA},
                signed=casebook_signed and bool(answers),
            ),
        ),
        *(
            CasebookForm(
                key=key,
                label=label,
                facts=_facts(
                    monitoring,
                    records=records,
                    exists=bool(records),
                    complete=True,
                    signed=casebook_signed and bool(records),
                ),
            )
            for key, label, model in PATIENT_FORM_RECORDS
            for records in ([r.key for r in rows.get((model._meta.label, key), [])],)
        ),
    ]
    return FormStatuses(events=by_event, patient_forms=patient_forms)


# --------------------------------------------------------------------------- forms to enter


@dataclass(frozen=True)
class FormsToEnter:
    """The casebook's quick links: the next due form, overdue ones, ones left unfinished."""

    next: TimelineRow | None
    overdue: list[TimelineRow]
    incomplete: list[TimelineRow]

    def __bool__(self) -> bool:
        return bool(self.next or self.overdue or self.incomplete)


def timeline_forms_to_enter(rows: Iterable[TimelineRow]) -> FormsToEnter:
    """Pure: from timeline rows with their forms, what the site should enter next.

    Overdue: the window closed with nothing recorded. Incomplete: saved with required values
    missing. A locked form is never offered for entry.
    """
    rows = [r for r in rows if r.form is None or not r.form.facts.locked]
    nxt = next((r for r in rows if r.is_next), None)
    overdue = [
        r
        for r in rows
        if r.status == EventStatus.MISSED and (r.form is None or not r.form.facts.exists)
    ]
    incomplete = [
        r for r in rows if r.form is not None and r.form.facts.exists and not r.form.facts.complete
    ]
    return FormsToEnter(next=nxt, overdue=overdue, incomplete=incomplete)
