import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from assessments import services as ae_services
from assessments.constants import Relation
from tests.smtp import smtp, smtp_down  # noqa: F401 — fixtures

DESK = ["desk@sponsor.example", "pv@sponsor.example"]


@pytest.fixture
def desk():
    with override_settings(SAFETY_DESK_EMAILS=DESK, SAE_ESCALATE_AFTER_HOURS=24):
        yield DESK


@pytest.fixture
def emails(investigator, coordinator, other_investigator, data_manager, monitor):
    for user in (investigator, coordinator, other_investigator, data_manager, monitor):
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])


@pytest.fixture
def dosed(enrolled, give_paclitaxel):
    """An enrolled patient (C1D1 10 days ago) who was given paclitaxel on C1D1."""
    patient = enrolled(c1d1_days_ago=10)
    give_paclitaxel(patient, "PAC-C1D1")
    return patient


def sae_values(patient, **overrides) -> dict:
    now = timezone.now()
    values = {
        "meddra_code": "10016288",  # Febrile neutropenia
        "grade": 3,
        "start_date": patient.c1d1_date + dt.timedelta(days=3),
        "relation_paclitaxel": Relation.PROBABLE,
        "relation_imp321": Relation.UNLIKELY,
        "action_taken": "held",
        "outcome": "recovering",
        "serious": True,
        "sae_criteria": ["hospitalisation"],
        "sae_aware_at": now - dt.timedelta(hours=3),
        "sae_reported_at": now - dt.timedelta(hours=2),
        "comments": "Admitted to Hopital Saint-Louis, Mme Dupont's daughter called",
    }
    return values | overrides


@pytest.fixture
def save_ae(investigator, django_capture_on_commit_callbacks):
    """Save an AE as the site does; the work its save owes runs at commit (eager outbox)."""

    def save(patient, **overrides):
        with django_capture_on_commit_callbacks(execute=True):
            return ae_services.adverse_event_create(
                user=investigator, patient=patient, **sae_values(patient, **overrides)
            )

    return save


@pytest.fixture
def update_ae(investigator, django_capture_on_commit_callbacks):
    def update(ae, reason="Follow-up from the site", **changes):
        ae.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            return ae_services.adverse_event_update(
                user=investigator,
                adverse_event=ae,
                changes=changes,
                reason=reason,
                expected_version=ae.version,
            )

    return update
