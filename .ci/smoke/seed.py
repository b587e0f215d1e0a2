"""Seed the production smoke database through the real services (run by `manage.py shell`).

Creates a site, an investigator and a statistician with a password given in the environment
(the investigator's role requires two-step sign-in, on under production settings: they get an
authenticator app whose key both this script and the client derive from that password), and
one patient screened, consented, enrolled on an eligibility waiver (which the deviation
check must flag, through the outbox and a real worker) and dosed on C1D1. Prints one line of
JSON for the smoke client: the patient's id and the users' names.
"""

import datetime as dt
import hashlib
import json
import os
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from dosing import services as dosing_services
from edc import protocol
from edc.access.constants import Role
from edc.access.models import Site
from edc.access.services import roles_sync, staff_assign, training_setup
from patients import services as patient_services

password = os.environ["SMOKE_PASSWORD"]
User = get_user_model()
roles_sync()
patient_services.cohorts_ensure()
with transaction.atomic():
    site = Site.objects.create(code="SM01", name="Smoke site", country="FR")
    investigator = User.objects.create_user("smoke.investigator", password=password)
    training_setup(user=investigator, role=Role.INVESTIGATOR)  # needed for the role
    staff_assign(user=investigator, role=Role.INVESTIGATOR, sites=[site])
    # The authenticator app of the investigator (.ci/smoke/client.py computes its codes).
    TOTPDevice.objects.create(
        user=investigator,
        name="Authenticator app",
        key=hashlib.sha256(f"smoke-totp:{password}".encode()).hexdigest()[:40],
        confirmed=True,
    )
    statistician = User.objects.create_user("smoke.statistician", password=password)
    staff_assign(user=statistician, role=Role.STATISTICIAN)

today = dt.date.today()
screened_on = today - dt.timedelta(days=3)
patient = patient_services.patient_screen(
    user=investigator,
    site=site,
    screening_number="SMOKE-1",
    screening_date=screened_on,
    year_of_birth=1961,
    sex="F",
)
patient_services.consent_record(
    user=investigator, patient=patient, consent_date=screened_on, form_version="1.0"
)
answers = {c.code: c.required_answer for c in protocol.ELIGIBILITY_CRITERIA}
answers["IN04"] = not answers["IN04"]
patient_services.eligibility_record(
    user=investigator, patient=patient, answers=answers, source_date=screened_on, reason="ECOG 2"
)
patient = patient_services.patient_enrol(
    user=investigator,
    patient=patient,
    enrolled_on=today,
    c1d1_date=today,
    waiver_reason="Sponsor approval",
)
dosing_services.paclitaxel_record(
    user=investigator,
    patient=patient,
    event_code="PAC-C1D1",
    data={
        "administration_date": today,
        "status": "given",
        "height_cm": Decimal("170"),
        "weight_kg": Decimal("70"),
        "dose_level_mg_m2": Decimal("80"),
        "actual_dose_mg": Decimal("145.6"),
    },
)
print(
    json.dumps(
        {
            "patient": patient.pk,
            "subject": patient.subject_id,
            "investigator": investigator.username,
            "statistician": statistician.username,
        }
    )
)
