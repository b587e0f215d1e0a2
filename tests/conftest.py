"""Fixtures: a user of every role, two sites, and patients through the real services."""

import datetime as dt
import os

import pytest
from django.db import connection
from django.utils import translation
from rest_framework.test import APIClient

from dosing import services as dosing_services
from edc import protocol
from edc.access.constants import Role
from edc.access.services import roles_sync, staff_assign, training_setup
from patients import services as patient_services

from .factories import PatientFactory, SiteFactory, UserFactory, paclitaxel_data

IN_CI = bool(os.environ.get("CI"))


def require_real_service(available: bool, what: str) -> None:
    """Skip locally when a real service is missing; under CI that is a failure, never a skip."""
    if available:
        return
    message = f"{what} is not available"
    if IN_CI:
        pytest.fail(f"{message}, and CI must test against it.")
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A request activates its reader's language for the rest of its thread (Django's
    LocaleMiddleware, as every server request does); the next test starts in the default."""
    yield
    translation.deactivate()


@pytest.fixture
def require_postgres():
    require_real_service(connection.vendor == "postgresql", "PostgreSQL (set DATABASE_URL)")


@pytest.fixture
def site(db):
    return SiteFactory(code="FR01", name="Paris", country="FR")


@pytest.fixture
def other_site(db):
    return SiteFactory(code="FR02", name="Lyon", country="FR")


@pytest.fixture
def make_user(db):
    roles_sync()

    def make(role: str, sites=(), username: str | None = None):
        user = UserFactory(username=username) if username else UserFactory()
        training_setup(user=user, role=role)  # data-entry and signing roles need it
        staff_assign(user=user, role=role, sites=list(sites))
        return user

    return make


@pytest.fixture
def investigator(make_user, site):
    return make_user(Role.INVESTIGATOR, [site], username="inv_fr01")


@pytest.fixture
def coordinator(make_user, site):
    return make_user(Role.COORDINATOR, [site], username="crc_fr01")


@pytest.fixture
def other_investigator(make_user, other_site):
    return make_user(Role.INVESTIGATOR, [other_site], username="inv_fr02")


@pytest.fixture
def monitor(make_user, site):
    return make_user(Role.MONITOR, [site], username="monitor_fr01")


@pytest.fixture
def statistician(make_user):
    return make_user(Role.STATISTICIAN, username="stat")


@pytest.fixture
def data_manager(make_user):
    return make_user(Role.DATA_MANAGER, username="dm")


@pytest.fixture
def cohorts(db):
    patient_services.cohorts_ensure()


@pytest.fixture
def api():
    def client_for(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return client_for


@pytest.fixture
def web(client):
    def client_for(user):
        client.force_login(user)
        return client

    return client_for


def all_eligible() -> dict[str, bool]:
    return {c.code: c.required_answer for c in protocol.ELIGIBILITY_CRITERIA}


@pytest.fixture
def screened(site, investigator, cohorts):
    """A consented, fully eligible patient still in screening, at FR01."""

    def make(*, site=site, user=investigator, days_ago: int = 20, number: str | None = None):
        kwargs = {"site": site, "screening_date": dt.date.today() - dt.timedelta(days=days_ago)}
        if number:
            kwargs["screening_number"] = number
        patient = PatientFactory(**kwargs)
        patient_services.consent_record(
            user=user, patient=patient, consent_date=patient.screening_date, form_version="1.0"
        )
        patient_services.eligibility_record(
            user=user, patient=patient, answers=all_eligible(), source_date=patient.screening_date
        )
        return patient

    return make


def waived(screened, investigator):
    """A screened patient who fails IN04 (ECOG 2): enrolling her needs a waiver, a deviation."""
    patient = screened()
    patient_services.eligibility_record(
        user=investigator,
        patient=patient,
        answers={"IN04": False},
        source_date=patient.screening_date,
        reason="ECOG 2",
    )
    return patient


@pytest.fixture
def enrolled(screened, investigator):
    """An enrolled patient whose C1D1 was ``c1d1_days_ago`` days ago."""

    def make(*, c1d1_days_ago: int = 10, **kwargs):
        user = kwargs.pop("user", investigator)
        patient = screened(days_ago=c1d1_days_ago + 5, user=user, **kwargs)
        c1d1 = dt.date.today() - dt.timedelta(days=c1d1_days_ago)
        return patient_services.patient_enrol(
            user=user, patient=patient, enrolled_on=c1d1, c1d1_date=c1d1
        )

    return make


@pytest.fixture
def on_treatment(enrolled):
    """An enrolled patient whose C1D1 was ``days`` days ago (default 40)."""

    def make(days: int = 40):
        return enrolled(c1d1_days_ago=days)

    return make


@pytest.fixture
def give_paclitaxel(investigator):
    def give(patient, code: str, **overrides):
        event = patient.calendar.get(code=code)
        return dosing_services.paclitaxel_record(
            user=investigator,
            patient=patient,
            event_code=code,
            data=paclitaxel_data(overrides.pop("on", event.planned_date), **overrides),
        )

    return give


@pytest.fixture
def blood_counts(data_manager):
    """Record ANC and platelets (10⁹/L) for a patient through the lab services."""
    from decimal import Decimal

    from django.utils import timezone

    from labs import services as lab_services

    def record(patient, *, on, anc: str, platelets: str):
        from labs.models import Laboratory

        lab = Laboratory.objects.filter(site=patient.site).first() or (
            lab_services.laboratory_create(
                user=data_manager,
                site=patient.site,
                code=f"{patient.site.code}-LAB",
                name="Site lab",
            )
        )
        if not lab.ranges.exists():
            for analyte, low, high in (("ANC", "1.8", "7.5"), ("PLT", "150", "400")):
                lab_services.reference_range_create(
                    user=data_manager,
                    lab=lab,
                    analyte=analyte,
                    sex="",
                    low=Decimal(low),
                    high=Decimal(high),
                    effective_from=dt.date(2000, 1, 1),
                )
        collected = timezone.make_aware(dt.datetime.combine(on, dt.time(8, 0)))
        for analyte, value in (("ANC", anc), ("PLT", platelets)):
            lab_services.lab_result_create(
                user=data_manager,
                patient=patient,
                lab=lab,
                analyte=analyte,
                collected_at=collected,
                value=Decimal(value),
                unit="10^9/L",
            )

    return record
