"""A deterministic demo trial: 3 sites, the 3 cohorts, 30 patients at different stages.

Everything is written through the same services the browser and API use, so the demo data
carries a full audit trail. Dates are fixed (the trial ran from spring 2025), so two builds
produce the same trial. Each write is recorded on the trial's own timeline — a patient screened
on the day of screening, a dose entered the day it was given (``edc.audit.clock``) — not at
the minute the demo is loaded.

This package is the top floor: it may import every app, nothing imports it. Each app's part
of the demo (``<app>/demo.py::build``) gets what it needs from here as arguments.
"""

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
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
from edc.audit.clock import back_entry_on
from edc.audit.models import AuditEntry
from patients import services as patient_services
from patients.constants import EndReason
from patients.models import Patient

# Each app's part, in dependency order (doses before labs and assessments), with its label.
DEMO_MODULES = (
    ("Medical history and prior cancer therapy", "patients.demo"),
    ("Doses, vital signs and adverse events", "dosing.demo"),
    ("Laboratories and results", "labs.demo"),
    ("Tumour assessments and SAEs", "assessments.demo"),
    ("Queries, SDV and signatures", "edc.monitoring.demo"),
    ("Deviations", "edc.deviations.demo"),
    ("Site-risk indicators (central monitoring)", "edc.risk.demo"),
)
SEED = 20100071  # J Transl Med 2010;8:71
FIRST_SCREENING = dt.date(2025, 3, 3)
SET_UP_ON = dt.date(2025, 2, 17)  # accounts and training, before the first screening
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
    # One hash for the one published password (hashing is deliberately slow: once, not 7 times).
    hashed = None
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
            hashed = hashed or make_password(DEMO_PASSWORD)
            user.password = hashed
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


class _Progress:
    """One line per step: what was built, how many audited writes it made, how long it took."""

    def __init__(self, report: Callable[[str], None] | None):
        self.report = report

    def step(self, label: str, run: Callable[[], str | None]) -> None:
        started = time.perf_counter()
        writes = AuditEntry.objects.count()
        detail = run()
        writes = AuditEntry.objects.count() - writes
        if self.report is not None:
            what = detail or f"{writes:,} audited writes"
            self.report(f"  {label:<40} {what:<24} {time.perf_counter() - started:5.1f} s")


def _patients(*, users: dict, sites: dict[str, Site], rng: random.Random) -> str:
    """Screen, consent, check eligibility and enrol until the three cohorts are full."""
    staff_for = {
        "FR01": users["investigator"],
        "FR02": users["investigator.lyon"],
        "BE01": users["investigator.brussels"],
    }
    site_cycle = ["FR01", "FR02", "BE01"]
    capacity = sum(c.capacity for c in protocol.COHORTS)
    screening_date = FIRST_SCREENING
    enrolled = 0
    number = 0
    while enrolled < capacity:
        number += 1
        site_code = site_cycle[number % 3]
        user = staff_for[site_code]
        screening_date += dt.timedelta(days=rng.randint(10, 22))
        with back_entry_on(screening_date, 10, rng.randint(0, 59)):
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
        checked_on = screening_date + dt.timedelta(days=1)
        with back_entry_on(checked_on, 16, rng.randint(0, 59)):
            patient_services.eligibility_record(
                user=user,
                patient=patient,
                answers=_answers(not screen_fail, rng),
                source_date=checked_on,
            )
            if screen_fail:
                patient_services.patient_screen_fail(
                    user=user,
                    patient=patient,
                    reason="Eligibility criterion not met at screening",
                )
        if screen_fail:
            continue
        cohort_index = enrolled // protocol.COHORTS[0].capacity
        enrolled_on = screening_date + dt.timedelta(days=rng.randint(7, 14))
        # Sequential cohorts: the data manager opens the next one when the current is full.
        if enrolled and enrolled % protocol.COHORTS[0].capacity == 0:
            with back_entry_on(enrolled_on, 8, 30):
                patient_services.cohort_open(
                    user=users["datamanager"],
                    code=protocol.COHORTS[cohort_index].code,
                    reason="Safety review of the previous cohort completed",
                )
        with back_entry_on(enrolled_on, 11, rng.randint(0, 59)):
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
        screened_on = dt.date(2026, 11, 2) + dt.timedelta(days=extra)
        with back_entry_on(screened_on, 10, 15):
            patient = patient_services.patient_screen(
                user=staff_for[site_code],
                site=sites[site_code],
                screening_number=f"S{number:03d}",
                screening_date=screened_on,
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
    end_date = withdrawn.c1d1_date + dt.timedelta(days=150)
    with back_entry_on(end_date, 15, 0):
        patient_services.patient_end_study(
            user=staff_for[withdrawn.site.code],
            patient=withdrawn,
            end_date=end_date,
            reason_code=EndReason.WITHDRAWAL,
        )
    return f"{enrolled}/{capacity} enrolled, {number - enrolled} others"


@transaction.atomic
def build_demo(progress: Callable[[str], None] | None = None) -> dict:
    """Build the demo trial once; a second call finds it and changes nothing.

    ``progress`` receives one line per step (label, what was built, seconds).
    """
    steps = _Progress(progress)
    sites: dict[str, Site] = {}
    users: dict = {}

    def accounts() -> str:
        roles_sync()
        patient_services.cohorts_ensure()
        for code, name, country in SITES:
            sites[code], _ = Site.objects.get_or_create(
                code=code, defaults={"name": name, "country": country}
            )
        with back_entry_on(SET_UP_ON, 9, 0):
            users.update(_users(sites))
        return f"{len(sites)} sites, {len(users)} logins"

    steps.step("Sites, logins and training", accounts)
    if Patient.objects.exists():
        return {"created": False, "users": users}

    rng = random.Random(SEED)
    steps.step("Patients", lambda: _patients(users=users, sites=sites, rng=rng))
    # Each app adds its data, in dependency order (doses before labs and assessments); what
    # an app needs from this floor is passed in (nothing below imports edc.demo).
    extra = {"edc.monitoring.demo": {"signing_password": DEMO_PASSWORD}}
    for label, module in DEMO_MODULES:
        build = import_module(module).build
        steps.step(label, lambda b=build, m=module: b(users=users, rng=rng, **extra.get(m, {})))
    return {"created": True, "users": users}
