"""The demo's central-monitoring story: one site (FR02, Lyon) enters unscheduled vital signs
weeks late, on Saturdays, with blood pressures rounded to the nearest 10 — so the site-risk
page shows a flagged site (late entries, digit preference, weekend entry) next to clean ones.

Written through the vital-signs service (audited), back-entered at the late time, then the
indicators are computed once.
"""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from assessments import services as assessment_services
from assessments.constants import UNSCHEDULED_VISIT
from edc.audit.clock import back_entry_on
from patients.models import Patient

from .services import risk_refresh

SITE = "FR02"
READINGS_PER_PATIENT = 5
LATE_BY_DAYS = 21


def _saturday_on_or_after(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=(5 - day.weekday()) % 7)


def build(*, users: dict, rng) -> str:
    today = timezone.localdate()
    user = users["investigator.lyon"]
    planted = 0
    patients = Patient.objects.filter(site__code=SITE, subject_id__isnull=False).exclude(
        c1d1_date=None
    )
    for patient in patients.order_by("subject_id"):
        for k in range(1, READINGS_PER_PATIENT + 1):
            measured = patient.c1d1_date + dt.timedelta(days=10 * k + 3)
            entered = _saturday_on_or_after(measured + dt.timedelta(days=LATE_BY_DAYS))
            if entered >= today or (
                patient.end_of_study_date and measured > patient.end_of_study_date
            ):
                break
            systolic = rng.choice((110, 120, 120, 130, 130, 140))
            with back_entry_on(entered, 10, rng.randint(0, 50)):
                assessment_services.vital_signs_create(
                    user=user,
                    patient=patient,
                    visit=UNSCHEDULED_VISIT,
                    measured_on=measured,
                    weight_kg=Decimal(str(rng.randint(55, 80))) + Decimal("0.0"),
                    systolic_bp=systolic,
                    diastolic_bp=rng.choice((70, 80, 80)),
                    heart_rate=rng.choice((70, 80, 80, 90)),
                    temperature_c=Decimal("36.8"),
                    ecog=rng.choice((0, 1)),
                )
            planted += 1
    run = risk_refresh()
    flagged = run.sites.exclude(findings=[]).count()
    return f"{planted} late vital signs at {SITE}; {flagged} site(s) flagged"
