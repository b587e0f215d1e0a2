"""A deterministic demo trial: 3 sites, the 3 cohorts, 30 patients at different stages.

Everything is written through the same services the browser and API use, so the demo data
carries a full audit trail. Dates are fixed (the trial ran from spring 2025), so two builds
produce the same trial.
"""

import datetime as dt
import random
from dataclasses import dataclass
from importlib import import_module

from django.contrib.auth import get_user_model
from django.db import transaction

from edc import protocol
from edc.access.constants import Role
from edc.access.models import Site
from edc.access.services import (
    roles_sync,
    staff_assign,
    training_acknowledge,
    training_is_current,
)
from edc.access.training import current_version
from patients import services as patient_services
from patients.constants import EndReason
from patients.models import Patient

DEMO_MODULES = (
    "dosing.demo",
    "labs.demo",
    "assessments.demo",
    "edc.monitoring.demo",
    "edc.deviations.demo",
)
SEED = 20100071  # J Transl Med 2010;8:71
FIRST_SCREENING = dt.date(2025, 3, 3)
DEMO_PASSWORD = "demo-trial-2025"

SITES = (
    ("FR01", "Institut Curie, Paris", "FR"),
    ("FR02", "Centre Léon Bérard, Lyon", "FR"),
    ("BE01", "Institut Jules Bordet, Brussels", "BE"),
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    sites: tuple[str, ...]


USERS = (
    DemoUser("investigator", "Inès", "Martin", Role.INVESTIGATOR, ("FR01",)),
    DemoUser("coordinator", "Claire", "Dubois", Role.COORDINATOR, ("FR01",)),
    DemoUser("investigator.lyon", "Luc", "Bernard", Role.INVESTIGATOR, ("FR02",)),
    DemoUser("investigator.brussels", "Bram", "Peeters", Role.INVESTIGATOR, ("BE01",)),
    DemoUser("monitor", "Marc", "Laurent", Role.MONITOR, ("FR01", "FR02")),
    DemoUser("statistician", "Sofia", "Rossi", Role.STATISTICIAN, ()),
    DemoUser("datamanager", "Diane", "Moreau", Role.DATA_MANAGER, ()),
)


def _users(sites: dict[str, Site]):
    User = get_user_model()
    made = {}
    for spec in USERS:
        user, created = User.objects.get_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "email": f"{spec.username}@demo.invalid",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.is_staff = spec.role == Role.DATA_MANAGER
            user.save()
        # Every demo user has read their role's guide (investigators and coordinators must).
        if not training_is_current(user, spec.role):
            training_acknowledge(
                user=user, role=spec.role, guide_version=current_version(spec.role)
            )
        staff_assign(user=user, role=spec.role, sites=[sites[c] for c in spec.sites])
        made[spec.username] = user
    return made


def _answers(eligible: bool, rng: random.Random) -> dict[str, bool]:
    answers = {c.code: c.required_answer for c in protocol.ELIGIBILITY_CRITERIA}
    if not eligible:
        failing = rng.choice(["IN03", "IN04", "IN06", "EX01", "EX02"])
        answers[failing] = not answers[failing]
    return answers


@transaction.atomic
def build_demo() -> dict:
    """Build the demo trial once; a second call finds it and changes nothing."""
    roles_sync()
    patient_services.cohorts_ensure()
    sites = {}
    for code, name, country in SITES:
        sites[code], _ = Site.objects.get_or_create(
            code=code, defaults={"name": name, "country": country}
        )
    users = _users(sites)
    if Patient.objects.exists():
        return {"created": False, "users": users}

    rng = random.Random(SEED)
    staff_for = {
        "FR01": users["investigator"],
        "FR02": users["investigator.lyon"],
        "BE01": users["investigator.brussels"],
    }
    site_cycle = ["FR01", "FR02", "BE01"]
    screening_date = FIRST_SCREENING
    enrolled = 0
    number = 0
    while enrolled < sum(c.capacity for c in protocol.COHORTS):
        number += 1
        site_code = site_cycle[number % 3]
        user = staff_for[site_code]
        screening_date += dt.timedelta(days=rng.randint(10, 22))
        patient = patient_services.patient_screen(
            user=user,
            site=sites[site_code],
            screening_number=f"S{number:03d}",
            screening_date=screening_date,
            year_of_birth=rng.randint(1948, 1985),
            sex="F",
        )
        patient_services.consent_record(
            user=user, patient=patient, consent_date=screening_date, form_version="1.0"
        )
        screen_fail = number in (4, 13, 22)
        patient_services.eligibility_record(
            user=user,
            patient=patient,
            answers=_answers(not screen_fail, rng),
            source_date=screening_date + dt.timedelta(days=1),
        )
        if screen_fail:
            patient_services.patient_screen_fail(
                user=user, patient=patient, reason="Eligibility criterion not met at screening"
            )
            continue
        # Sequential cohorts: the data manager opens the next one when the current is full.
        cohort_index = enrolled // protocol.COHORTS[0].capacity
        if enrolled and enrolled % protocol.COHORTS[0].capacity == 0:
            patient_services.cohort_open(
                user=users["datamanager"],
                code=protocol.COHORTS[cohort_index].code,
                reason="Safety review of the previous cohort completed",
            )
        enrolled_on = screening_date + dt.timedelta(days=rng.randint(7, 14))
        patient_services.patient_enrol(
            user=user,
            patient=patient,
            enrolled_on=enrolled_on,
            c1d1_date=enrolled_on + dt.timedelta(days=rng.randint(1, 5)),
        )
        enrolled += 1

    # Two patients still in screening.
    for extra in (1, 2):
        number += 1
        site_code = site_cycle[extra]
        patient = patient_services.patient_screen(
            user=staff_for[site_code],
            site=sites[site_code],
            screening_number=f"S{number:03d}",
            screening_date=dt.date(2026, 11, 2) + dt.timedelta(days=extra),
            year_of_birth=1970,
            sex="F",
        )
        patient_services.consent_record(
            user=staff_for[site_code],
            patient=patient,
            consent_date=patient.screening_date,
            form_version="1.0",
        )
    # One withdrawal of consent.
    withdrawn = Patient.objects.filter(subject_id__isnull=False).order_by("enrolled_on")[4]
    patient_services.patient_end_study(
        user=staff_for[withdrawn.site.code],
        patient=withdrawn,
        end_date=withdrawn.c1d1_date + dt.timedelta(days=150),
        reason_code=EndReason.WITHDRAWAL,
    )
    # Each app adds its data, in dependency order (doses before labs and assessments).
    for module in DEMO_MODULES:
        import_module(module).build(users=users, rng=rng)
    return {"created": True, "users": users}
