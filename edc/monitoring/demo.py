"""The demo trial's monitoring: queries in every status, SDV marks, one signed casebook.

Written through the services (the same path as the pages and API), so every step shows in the
audit trail. Runs after the clinical apps' demos, on the monitor's sites FR01 and FR02.
"""

from django.contrib.contenttypes.models import ContentType

from edc.demo.builder import DEMO_PASSWORD
from patients import services as patient_services
from patients.models import CalendarEvent, Patient

from . import services
from .constants import CASEBOOK, SIGNATURE_MEANINGS, LockScope
from .records import record_ref


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


def build(*, users: dict, rng) -> None:
    """Add the monitoring data to the demo trial (called by edc.demo.builder)."""
    monitor, data_manager = users["monitor"], users["datamanager"]
    investigator, coordinator = users["investigator"], users["coordinator"]
    lyon = users["investigator.lyon"]
    paris, lyon_patients = _enrolled("FR01"), _enrolled("FR02")
    if len(paris) < 4 or len(lyon_patients) < 3:
        return

    def ask(patient, field, question, raised_by=monitor, instance=None):
        return services.query_raise(
            user=raised_by,
            record=record_ref(instance or patient),
            field=field,
            question=question,
        )

    # Open, waiting on the site.
    ask(
        paris[0], "year_of_birth", "The ID card copy shows a different year of birth; please check."
    )
    first_event = (_done_events(lyon_patients[0]) or [None])[0]
    if first_event is not None:
        ask(
            lyon_patients[0],
            "actual_date",
            "The infusion chart dates this visit one day later; please confirm the date.",
            instance=first_event,
        )

    # Answered by the site, waiting on the monitor; one with a correction citing the query.
    query = ask(paris[1], "year_of_birth", "Year of birth differs from the hospital record.")
    patient = Patient.objects.get(pk=paris[1].pk)
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
    query = ask(lyon_patients[1], "sex", "Please confirm sex against the consent form.")
    services.query_answer(query=query, user=lyon, text="Confirmed: female, as recorded.")

    # Closed: answered and accepted; and one withdrawn by the data manager.
    query = ask(paris[2], "screening_date", "Screening date precedes the referral letter?")
    services.query_answer(
        query=query, user=investigator, text="Referral letter is dated earlier; date correct."
    )
    services.query_close(query=query, user=monitor, note="Source document seen.")
    query = ask(lyon_patients[2], "", "Duplicate check raised in error.", raised_by=data_manager)
    services.query_close(query=query, user=data_manager, note="Raised in error.")

    # Re-opened after an unsatisfactory answer.
    query = ask(paris[3], "sex", "Sex not documented in the screening note.")
    services.query_answer(query=query, user=coordinator, text="See consent form.")
    services.query_reopen(
        query=query, user=monitor, reason="The consent form does not state it; see the note."
    )

    # Source-data verification of registry records and the first visits at both sites.
    for patient in paris[:3] + lyon_patients[:2]:
        patient = Patient.objects.get(pk=patient.pk)
        services.sdv_mark(user=monitor, record=record_ref(patient))
        for event in _done_events(patient)[:2]:
            services.sdv_mark(user=monitor, record=record_ref(event))

    # One signed casebook (21 CFR 11.50), signed with the investigator's ID and password.
    signed = Patient.objects.get(pk=paris[2].pk)
    services.signature_sign(
        user=investigator,
        patient=signed,
        scope=CASEBOOK,
        username=investigator.get_username(),
        password=DEMO_PASSWORD,
        meaning=SIGNATURE_MEANINGS[0],
    )
    # The signed casebook is frozen against further change.
    services.lock_create(
        user=data_manager,
        scope=LockScope.PATIENT,
        patient=signed,
        reason="Casebook signed by the investigator; frozen for the interim analysis.",
    )
    ContentType.objects.clear_cache()
