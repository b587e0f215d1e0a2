"""Every main page costs the same SQL queries for one patient or many (issue 9 §5).

For each trial role, every main page is requested once a first patient has every kind of
record (doses, labs, an immune draw, vital signs, an AE, tumour assessments, a deviation, a
query, an SDV mark, a lock, a signature), and again after three more such patients and more
records for the first one: the number of queries must not change. The casebook page
(``patients:detail``) has its own test in tests/patients.
"""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments import services as assessment_services
from assessments.constants import ImagingMethod, Organ
from dosing import services as dosing_services
from dosing.models import PaclitaxelAdministration
from edc.access.constants import Role
from edc.deviations.models import Deviation
from edc.deviations.services import deviations_sweep
from edc.monitoring import services as monitoring
from edc.monitoring.constants import CASEBOOK, SIGNATURE_MEANINGS, LockScope
from edc.monitoring.models import DataQuery
from edc.monitoring.records import record_ref
from labs import services as lab_services
from tests.assessments.conftest import ae_values, non_target, scaled, target, vitals_values
from tests.factories import paclitaxel_data
from tests.labs.conftest import immune_values, make_lab

PASSWORD = "pw-for-tests-1"  # tests.factories.UserFactory
SITE_STAFF = (Role.INVESTIGATOR, Role.COORDINATOR)
EVERY_ROLE = (*SITE_STAFF, Role.MONITOR, Role.STATISTICIAN, Role.DATA_MANAGER)


def local(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


class Trial:
    """Patients of FR01 written through the real services, and the records pages link to."""

    def __init__(self, *, enrolled, investigator, monitor, data_manager, lab):
        self.enrolled = enrolled
        self.investigator = investigator
        self.monitor = monitor
        self.data_manager = data_manager
        self.lab = lab
        self.patients = []

    @property
    def first(self):
        return self.patients[0]

    def add_patient(self):
        """An enrolled patient (C1D1 130 days ago) with every kind of record."""
        user = self.investigator
        patient = self.enrolled(c1d1_days_ago=130)
        c1d1 = patient.c1d1_date
        self.patients.append(patient)
        dose = dosing_services.paclitaxel_record(
            user=user, patient=patient, event_code="PAC-C1D1", data=paclitaxel_data(c1d1)
        )
        dosing_services.imp321_record(
            user=user,
            patient=patient,
            event_code="IMP-C1D2",
            data={
                "local_reaction": "none",
                "injected_at": local(c1d1 + dt.timedelta(days=1)),
                "status": "given",
                "dose_mg": patient.cohort.declaration.imp321_dose_mg,
                "injection_site": "abdomen",
                "lot_number": "L-042",
            },
        )
        self.blood_counts(patient, c1d1 - dt.timedelta(days=1))
        lab_services.immune_draw_record(
            user=user,
            patient=patient,
            event_code="IMM-BL",
            drawn_at=local(c1d1 - dt.timedelta(days=2)),
            sample_id=f"SMP-{patient.pk}-BL",
            processing_minutes=60,
            lab=self.lab,
            values={code: immune_values()[code] for code in ("MONO", "MONO_PCT")},
        )
        assessment_services.vital_signs_create(user=user, patient=patient, **vitals_values(patient))
        ae = assessment_services.adverse_event_create(
            user=user, patient=patient, **ae_values(patient)
        )
        baseline = assessment_services.tumour_baseline_create(
            user=user,
            patient=patient,
            assessment_date=c1d1 - dt.timedelta(days=3),
            method=ImagingMethod.CT,
            target_lesions=[
                target("T1", Organ.LIVER, "30"),
                target("T2", Organ.LYMPH_NODE, "20"),
            ],
            non_target_lesions=[non_target("NT1", Organ.BONE)],
        )
        self.followup(patient, baseline, day=57, factor="0.6")
        monitoring.query_raise(
            user=self.monitor,
            record=record_ref(patient),
            field="year_of_birth",
            question="Please check.",
        )
        monitoring.sdv_mark(user=self.monitor, record=record_ref(dose))
        monitoring.lock_create(
            user=self.data_manager, scope=LockScope.RECORD, record=record_ref(ae), reason="Done"
        )
        monitoring.signature_sign(
            user=user,
            patient=patient,
            scope=CASEBOOK,
            username=user.get_username(),
            password=PASSWORD,
            meaning=SIGNATURE_MEANINGS[0],
        )
        deviations_sweep()
        return patient

    def add_to_first(self):
        """More records of the first patient: a dose, labs, a follow-up, an AE, a query, SDV."""
        patient, user = self.first, self.investigator
        c1d1 = patient.c1d1_date
        dose = dosing_services.paclitaxel_record(
            user=user,
            patient=patient,
            event_code="PAC-C1D8",
            data=paclitaxel_data(c1d1 + dt.timedelta(days=7)),
        )
        self.blood_counts(patient, c1d1 + dt.timedelta(days=6))
        baseline = patient.tumour_assessments.get(kind="baseline")
        self.followup(patient, baseline, day=113, factor="0.5")
        ae = assessment_services.adverse_event_create(
            user=user, patient=patient, **ae_values(patient, meddra_code="10016256", grade=1)
        )
        monitoring.query_raise(
            user=self.monitor, record=record_ref(dose), field="", question="Source?"
        )
        monitoring.sdv_mark(user=self.monitor, record=record_ref(ae))
        deviations_sweep()

    def blood_counts(self, patient, day: dt.date) -> None:
        for analyte, value in (("ANC", "3.0"), ("PLT", "250")):
            lab_services.lab_result_create(
                user=self.investigator,
                patient=patient,
                lab=self.lab,
                analyte=analyte,
                collected_at=local(day, 8),
                value=Decimal(value),
                unit="10^9/L",
            )

    def followup(self, patient, baseline, *, day: int, factor: str) -> None:
        assessment_services.tumour_followup_create(
            user=self.investigator,
            patient=patient,
            assessment_date=patient.c1d1_date + dt.timedelta(days=day - 1),
            method=ImagingMethod.CT,
            measurements=scaled(baseline, factor),
            non_target_status="present",
            new_lesion="none",
        )


def _dose_record(trial: Trial) -> list:
    dose = PaclitaxelAdministration.objects.filter(patient=trial.first).order_by("pk").first()
    return [ContentType.objects.get_for_model(PaclitaxelAdministration).pk, dose.pk]


def _first_of(model) -> Callable[[Trial], list]:
    return lambda trial: [model.objects.filter(patient=trial.first).order_by("pk").first().pk]


def _patient(trial: Trial) -> list:
    return [trial.first.pk]


# Page name → (URL arguments from the trial, roles that may open it).
PAGES: dict[str, tuple[Callable[[Trial], list], tuple[str, ...]]] = {
    "home": (lambda t: [], EVERY_ROLE),
    "patients:list": (lambda t: [], EVERY_ROLE),
    "patients:cohorts": (lambda t: [], EVERY_ROLE),
    "dosing:exposure": (_patient, EVERY_ROLE),
    "dosing:paclitaxel": (lambda t: [t.first.pk, "PAC-C1D1"], SITE_STAFF),
    "dosing:imp321": (lambda t: [t.first.pk, "IMP-C1D2"], SITE_STAFF),
    "labs:index": (lambda t: [], EVERY_ROLE),
    "labs:patient_results": (_patient, EVERY_ROLE),
    "labs:trend": (_patient, EVERY_ROLE),
    "labs:draws": (_patient, EVERY_ROLE),
    "labs:panel_enter": (lambda t: [t.first.pk, "haematology"], SITE_STAFF),
    "labs:immune_cohorts": (lambda t: [], EVERY_ROLE),
    "labs:laboratories": (lambda t: [], EVERY_ROLE),
    "labs:imports": (lambda t: [], (*SITE_STAFF, Role.DATA_MANAGER)),
    "assessments:ae_list": (lambda t: [], EVERY_ROLE),
    "assessments:tumour_list": (lambda t: [], EVERY_ROLE),
    "assessments:patient": (_patient, EVERY_ROLE),
    "assessments:followup_new": (_patient, SITE_STAFF),
    "assessments:endpoints": (lambda t: [], EVERY_ROLE),
    "deviations:list": (lambda t: [], EVERY_ROLE),
    "deviations:detail": (_first_of(Deviation), EVERY_ROLE),
    "monitoring:home": (lambda t: [], EVERY_ROLE),
    "monitoring:audit": (lambda t: [], EVERY_ROLE),
    "monitoring:queries": (lambda t: [], EVERY_ROLE),
    "monitoring:query": (_first_of(DataQuery), EVERY_ROLE),
    "monitoring:record": (_dose_record, EVERY_ROLE),
    "monitoring:sdv": (lambda t: [], EVERY_ROLE),
    "monitoring:patient": (_patient, EVERY_ROLE),
    "monitoring:signatures": (_patient, EVERY_ROLE),
    "monitoring:locks": (lambda t: [], EVERY_ROLE),
    "dashboard:index": (lambda t: [], EVERY_ROLE),
    "exports:index": (lambda t: [], EVERY_ROLE),
}


@pytest.fixture
def users(investigator, coordinator, monitor, statistician, data_manager):
    return {
        Role.INVESTIGATOR: investigator,
        Role.COORDINATOR: coordinator,
        Role.MONITOR: monitor,
        Role.STATISTICIAN: statistician,
        Role.DATA_MANAGER: data_manager,
    }


@pytest.fixture
def trial(enrolled, site, investigator, monitor, data_manager):
    lab = make_lab(user=data_manager, site=site, code="FR01-LAB")
    return Trial(
        enrolled=enrolled,
        investigator=investigator,
        monitor=monitor,
        data_manager=data_manager,
        lab=lab,
    )


def _count(client, url: str) -> int:
    client.get(url)  # warm the per-process and per-user caches (content types, the user's sites)
    cache.clear()  # but count pages computed, not served from a cache of results (edc.caching)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    return len(captured)


@pytest.mark.parametrize("role", EVERY_ROLE)
def test_every_main_page_costs_the_same_queries_for_one_patient_or_four(
    role, users, web, trial, django_assert_num_queries
):
    client = web(users[role])
    trial.add_patient()
    pages = {
        name: reverse(name, args=arguments(trial))
        for name, (arguments, roles) in PAGES.items()
        if role in roles
    }
    expected = {name: _count(client, url) for name, url in pages.items()}
    for _ in range(3):
        trial.add_patient()
    trial.add_to_first()
    for name, url in pages.items():
        with django_assert_num_queries(expected[name], info=f"{name} as {role}"):
            assert client.get(url).status_code == 200


def test_the_data_entry_pages_are_refused_to_readers(users, web, trial):
    """The pages above that only some roles may open really are refused to the others."""
    trial.add_patient()
    for name, (arguments, roles) in PAGES.items():
        url = reverse(name, args=arguments(trial))
        for role in set(EVERY_ROLE) - set(roles):
            assert web(users[role]).get(url).status_code == 403, (name, role)
