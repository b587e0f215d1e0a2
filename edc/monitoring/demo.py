"""The demo trial's monitoring: queries in every status, SDV, signed forms, one locked casebook.

Written through the services (the same path as the pages and API), so every step shows in the
audit trail. Runs after the clinical apps' demos, on the monitor's sites FR01 and FR02, and
is dated on the trial's timeline: a monitoring visit comes after the data it reviews
(``edc.audit.clock.back_entry``), a query is answered days after it was raised and closed
after that. The investigators' signing password is passed in by ``edc.demo`` (this floor
does not import it).
"""

import datetime as dt

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Max
from django.utils import timezone

from edc.audit.clock import back_entry
from edc.audit.models import AuditEntry
from patients import services as patient_services
from patients.models import CalendarEvent, Patient

from . import services
from .constants import CASEBOOK, SIGNATURE_MEANINGS, LockScope
from .records import record_ref

# What the monitor verifies against the source at a visit (record-level SDV): the registry
# records, the doses and injections, vital signs and adverse events (labs come from the
# laboratories' own reports; lesion rows are verified with their assessment).
VERIFIED_FORMS = (
    "patients.patient",
    "patients.consent",
    "dosing.paclitaxeladministration",
    "dosing.imp321injection",
    "assessments.vitalsigns",
    "assessments.adverseevent",
    "assessments.tumourassessment",
)


def _enrolled(site_code: str) -> list[Patient]:
    return list(
        Patient.objects.filter(site__code=site_code, subject_id__isnull=False)
        .select_related("site")
        .order_by("subject_id")
    )


def _done_events(patient: Patient) -> list[CalendarEvent]:
    return list(
        CalendarEvent.objects.filter(patient=patient, actual_date__isnull=False).order_by(
            "planned_date", "code"
        )
    )


def _last_entry(patient: Patient) -> dt.datetime:
    """When the patient's data were last written (the audit trail's newest entry)."""
    return AuditEntry.objects.filter(patient_id=patient.pk).aggregate(last=Max("at"))["last"]


def _after(start: dt.datetime, *, days: float, hour: int = 10) -> dt.datetime:
    """``hour`` o'clock ``days`` after ``start`` (local time), now at the latest."""
    day = timezone.localtime(start).date() + dt.timedelta(days=int(days))
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))
    return min(max(at, start), timezone.now())


def _recently(patient: Patient, days: int, hour: int = 10) -> dt.datetime:
    """``hour`` o'clock ``days`` ago, but not before the patient's data were entered."""
    at = _after(timezone.now() - dt.timedelta(days=days + 1), days=1, hour=hour)
    return max(at, _last_entry(patient))


def _records(patient: Patient, label: str) -> list:
    model = apps.get_model(label)
    lookup = "pk" if label == "patients.patient" else model.PATIENT_LOOKUP
    return list(model.objects.filter(**{lookup: patient.pk}).order_by("pk"))


def build(*, users: dict, rng, signing_password: str) -> None:
    """Add the monitoring data to the demo trial (called by edc.demo with its password)."""
    monitor, data_manager = users["monitor"], users["datamanager"]
    investigator, coordinator = users["investigator"], users["coordinator"]
    lyon = users["investigator.lyon"]
    paris, lyon_patients = _enrolled("FR01"), _enrolled("FR02")
    if len(paris) < 5 or len(lyon_patients) < 4:
        return

    def ask(patient, field, question, *, at, raised_by=monitor, instance=None):
        with back_entry(at):
            return services.query_raise(
                user=raised_by,
                record=record_ref(instance or patient),
                field=field,
                question=question,
            )

    # Open, waiting on the site (raised at the last visit, days ago).
    ask(
        paris[0],
        "year_of_birth",
        "The ID card copy shows a different year of birth; please check.",
        at=_recently(paris[0], 6),
    )
    first_event = (_done_events(lyon_patients[0]) or [None])[0]
    if first_event is not None:
        ask(
            lyon_patients[0],
            "actual_date",
            "The infusion chart dates this visit one day later; please confirm the date.",
            instance=first_event,
            at=_recently(lyon_patients[0], 3, hour=15),
        )

    # Answered by the site, waiting on the monitor; one with a correction citing the query.
    raised = max(_recently(paris[1], 12), _recently(lyon_patients[1], 12))
    query = ask(
        paris[1], "year_of_birth", "Year of birth differs from the hospital record.", at=raised
    )
    patient = Patient.objects.get(pk=paris[1].pk)
    with back_entry(_after(raised, days=2, hour=14)):
        patient_services.patient_update(
            user=coordinator,
            patient=patient,
            data={"year_of_birth": patient.year_of_birth - 1},
            reason=services.query_change_reason(query=query, text="corrected from the ID card"),
            expected_version=patient.version,
        )
        services.query_answer(
            query=query,
            user=coordinator,
            text="Corrected from the ID card copy in the source file.",
            linked_change_reason="corrected from the ID card",
        )
    query = ask(lyon_patients[1], "sex", "Please confirm sex against the consent form.", at=raised)
    with back_entry(_after(raised, days=4, hour=11)):
        services.query_answer(query=query, user=lyon, text="Confirmed: female, as recorded.")

    # Closed: answered and accepted, on registry and clinical forms; one withdrawn.
    def closed(patient, instance, field, question, answer, *, answerer, note, days_after=20):
        at = _after(_last_entry(patient), days=days_after)
        query = ask(patient, field, question, at=at, instance=instance)
        with back_entry(_after(at, days=3, hour=16)):
            services.query_answer(query=query, user=answerer, text=answer)
        with back_entry(_after(at, days=9, hour=10)):
            services.query_close(query=query, user=monitor, note=note)

    closed(
        paris[2],
        None,
        "screening_date",
        "Screening date precedes the referral letter?",
        "Referral letter is dated earlier; date correct.",
        answerer=investigator,
        note="Source document seen.",
    )
    doses = _records(paris[3], "dosing.paclitaxeladministration")
    if doses:
        closed(
            paris[3],
            doses[min(3, len(doses) - 1)],
            "weight_kg",
            "The nursing chart gives a weight 2 kg different on this day; please confirm.",
            "Weighed again before the infusion; the recorded weight is the one used.",
            answerer=coordinator,
            note="Second weighing found in the nursing notes.",
        )
    events = _records(lyon_patients[2], "assessments.adverseevent")
    if events:
        closed(
            lyon_patients[2],
            events[0],
            "grade",
            "Please confirm the grade against the source (CTCAE v5 definition).",
            "Grade confirmed from the consultation note.",
            answerer=lyon,
            note="Consultation note seen.",
        )
    at = _after(_last_entry(lyon_patients[3]), days=15)
    query = ask(
        lyon_patients[3], "", "Duplicate check raised in error.", raised_by=data_manager, at=at
    )
    with back_entry(_after(at, days=1)):
        services.query_close(query=query, user=data_manager, note="Raised in error.")

    # Re-opened after an unsatisfactory answer.
    raised = _recently(paris[3], 20)
    query = ask(paris[3], "sex", "Sex not documented in the screening note.", at=raised)
    with back_entry(_after(raised, days=2, hour=16)):
        services.query_answer(query=query, user=coordinator, text="See consent form.")
    with back_entry(_after(raised, days=5)):
        services.query_reopen(
            query=query, user=monitor, reason="The consent form does not state it; see the note."
        )

    # Source-data verification at a monitoring visit after each patient's data were entered.
    for patient in paris[:4] + lyon_patients[:3]:
        visit = _after(_last_entry(patient), days=14)
        with back_entry(visit):
            for label in VERIFIED_FORMS:
                for record in _records(patient, label):
                    services.sdv_mark(user=monitor, record=record_ref(record))

    # Signatures (21 CFR 11.50), with the investigator's ID and password: one casebook, and
    # visits of patients verified at both sites.
    def sign(user, patient, scope, meaning, *, days):
        with back_entry(_after(_last_entry(patient), days=days, hour=17)):
            services.signature_sign(
                user=user,
                patient=Patient.objects.get(pk=patient.pk),
                scope=scope,
                username=user.get_username(),
                password=signing_password,
                meaning=meaning,
            )

    sign(investigator, paris[2], CASEBOOK, SIGNATURE_MEANINGS[0], days=7)
    sign(investigator, paris[1], "PAC-C1D1", SIGNATURE_MEANINGS[1], days=5)
    sign(lyon, lyon_patients[1], "PAC-C1D1", SIGNATURE_MEANINGS[1], days=5)
    sign(lyon, lyon_patients[1], "TUM-W8", SIGNATURE_MEANINGS[3], days=5)
    # The signed casebook is frozen against further change.
    with back_entry(_after(_last_entry(paris[2]), days=3, hour=9)):
        services.lock_create(
            user=data_manager,
            scope=LockScope.PATIENT,
            patient=Patient.objects.get(pk=paris[2].pk),
            reason="Casebook signed by the investigator; frozen for the interim analysis.",
        )
    ContentType.objects.clear_cache()
