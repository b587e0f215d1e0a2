"""Demo medical history and prior cancer therapy: what patients with metastatic breast cancer
bring to a first-line trial.

Each patient screened gets the conditions of her medical history (hypertension,
hypothyroidism, lymphoedema after axillary surgery, type 2 diabetes…), coded to the CTCAE v5.0
MedDRA term where the list has one, the condition as written otherwise; and the treatment of
her early breast cancer (surgery, radiotherapy, adjuvant or neoadjuvant chemotherapy, hormonal
therapy), years before the metastatic relapse. None of the enrolled patients had chemotherapy
for metastatic disease (an exclusion); one screen failure had, which her casebook shows.

Entered on the screening day (``edc.audit.clock.back_entry_on``) by the site's investigator.
A private random stream (``SEED``): the shared one, which later modules draw from, is not
touched, so the rest of the demo is the same with or without this module.
"""

from __future__ import annotations

import datetime as dt
import random

from edc.audit.clock import back_entry_on

from . import services
from .constants import PatientStatus, PriorTherapyType, TherapySetting
from .models import Patient

SEED = 20251203

# (condition as written, MedDRA code when the CTCAE list has the term, ongoing at screening)
CONDITIONS: tuple[tuple[str, str, bool], ...] = (
    ("Essential hypertension", "10020772", True),
    ("Hypothyroidism (Hashimoto), on levothyroxine", "10021114", True),
    ("Type 2 diabetes mellitus, diet-controlled", "", True),
    ("Gastro-oesophageal reflux", "10066874", True),
    ("Lymphoedema of the left arm after axillary dissection", "10025233", True),
    ("Osteoporosis", "10031282", True),
    ("Hot flushes on tamoxifen", "10020407", False),
    ("Reactive depression after diagnosis", "10012378", False),
    ("Osteoarthritis of both knees", "", True),
    ("Appendicectomy", "", False),
    ("Insomnia", "10022437", True),
    ("Cholecystectomy for gallstones", "", False),
)
INVESTIGATORS = {
    "FR01": "investigator",
    "FR02": "investigator.lyon",
    "BE01": "investigator.brussels",
}


def _years_before(day: dt.date, years: float, rng: random.Random) -> dt.date:
    return day - dt.timedelta(days=int(years * 365) + rng.randint(0, 200))


def _history(patient: Patient, *, user, rng: random.Random) -> int:
    screened = patient.screening_date
    picked = rng.sample(range(len(CONDITIONS)), k=rng.randint(1, 3))
    for index in sorted(picked):
        condition, code, ongoing = CONDITIONS[index]
        start = _years_before(screened, rng.uniform(1, 15), rng)
        end = None if ongoing else min(screened, start + dt.timedelta(days=rng.randint(30, 900)))
        services.medical_history_create(
            user=user,
            patient=patient,
            condition=condition,
            meddra_code=code,
            start_date=start,
            ongoing=ongoing,
            end_date=end,
        )
    return len(picked)


def _early_disease_treatment(patient: Patient, *, user, rng: random.Random) -> int:
    """Surgery, then chemotherapy (adjuvant, or neoadjuvant before it), radiotherapy and
    hormonal therapy for a hormone-receptor-positive tumour, 2 to 8 years before screening."""
    diagnosed = _years_before(patient.screening_date, rng.uniform(2, 8), rng)
    neoadjuvant = rng.random() < 0.3
    steps: list[tuple[str, int, int, str]] = []  # (type, start offset, length in days, text)
    if neoadjuvant:
        steps.append(
            (PriorTherapyType.NEOADJUVANT_CHEMO, 14, 140, "4 × EC then 12 × weekly paclitaxel")
        )
        steps.append((PriorTherapyType.SURGERY, 175, 0, "Mastectomy and axillary dissection"))
    else:
        steps.append((PriorTherapyType.SURGERY, 21, 0, "Lumpectomy and sentinel node biopsy"))
        steps.append((PriorTherapyType.ADJUVANT_CHEMO, 60, 126, "6 × FEC100"))
    steps.append((PriorTherapyType.RADIOTHERAPY, 220, 35, "Breast and boost, 50 Gy + 16 Gy"))
    if rng.random() < 0.7:
        drug = rng.choice(("Tamoxifen 20 mg daily", "Letrozole 2.5 mg daily"))
        steps.append((PriorTherapyType.HORMONAL, 260, 365 * rng.randint(1, 5), drug))
    count = 0
    for kind, offset, length, text in steps:
        start = diagnosed + dt.timedelta(days=offset)
        if start >= patient.screening_date:
            continue
        end = min(start + dt.timedelta(days=length), patient.screening_date)
        services.prior_therapy_create(
            user=user,
            patient=patient,
            therapy_type=kind,
            setting=TherapySetting.EARLY,
            start_date=start,
            end_date=end,
            description=text,
        )
        count += 1
    return count


def build(*, users: dict, rng) -> str:
    """Add the medical history and prior cancer therapy of every screened patient."""
    own = random.Random(SEED)
    conditions = therapies = 0
    patients = Patient.objects.select_related("site").order_by("screening_date", "id")
    excluded = None
    for patient in patients:
        user = users[INVESTIGATORS[patient.site.code]]
        with back_entry_on(patient.screening_date, 11, own.randint(0, 59)):
            conditions += _history(patient, user=user, rng=own)
            therapies += _early_disease_treatment(patient, user=user, rng=own)
            if excluded is None and patient.status == PatientStatus.SCREEN_FAILED:
                excluded = patient
                start = patient.screening_date - dt.timedelta(days=120)
                services.prior_therapy_create(
                    user=user,
                    patient=patient,
                    therapy_type=PriorTherapyType.METASTATIC_CHEMO,
                    setting=TherapySetting.METASTATIC,
                    start_date=start,
                    end_date=start + dt.timedelta(days=84),
                    description="Capecitabine for liver metastases, 4 cycles (outside the trial)",
                )
                therapies += 1
    return f"{conditions} conditions, {therapies} prior therapies"
