"""A small trial for the API tests, written once per module through the real services.

The fuzz tests send thousands of requests; building the data per test would cost more than the
requests. ``api_world`` builds it once per test module inside a transaction that is rolled back
when the module is done, and every test (``django_db``, non-transactional) runs in a savepoint
inside it, so what a test writes is undone after that test, as usual.
"""

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.test import Client
from rest_framework.authtoken.models import Token

from assessments import services as assessment_services
from assessments.models import AdverseEvent, TumourAssessment, VitalSigns
from dosing.models import Imp321Injection, PaclitaxelAdministration
from edc.access.constants import Role
from edc.access.services import roles_sync, staff_assign, training_setup
from edc.deviations.models import Deviation
from edc.deviations.services import deviations_sweep
from edc.exports import services as export_services
from edc.exports.constants import Channel
from edc.exports.models import ExportJob
from edc.exports.validators import export_params
from edc.monitoring import services as monitoring_services
from edc.monitoring.constants import CASEBOOK, SIGNATURE_MEANINGS, LockScope
from edc.monitoring.models import DataQuery, Lock, SdvMark, Signature
from edc.monitoring.records import record_ref
from labs import imports
from labs.models import ImmuneDraw, ImportBatch, Laboratory, LabResult, ReferenceRange
from patients import services as patient_services
from patients.models import Patient
from tests.conftest import all_eligible
from tests.exports.conftest import treat
from tests.factories import PatientFactory, SiteFactory, UserFactory
from tests.labs.conftest import make_lab

PASSWORD = "pw-for-tests-1"  # tests.factories.UserFactory


@dataclass
class ApiWorld:
    """Who calls the API, and the ids of real rows behind every detail route."""

    investigator: object
    statistician: object
    data_manager: object
    monitor: object
    token: str  # the investigator's API token
    session: str  # the statistician's session cookie
    ids: dict[str, list] = field(default_factory=dict)  # path prefix → real ids


def _user(role: str, username: str, sites=()):
    user = UserFactory(username=username)
    training_setup(user=user, role=role)
    staff_assign(user=user, role=role, sites=list(sites))
    return user


def _screened(*, site, user, days_ago: int):
    patient = PatientFactory(site=site, screening_date=dt.date.today() - dt.timedelta(days_ago))
    patient_services.consent_record(
        user=user, patient=patient, consent_date=patient.screening_date, form_version="1.0"
    )
    patient_services.eligibility_record(
        user=user, patient=patient, answers=all_eligible(), source_date=patient.screening_date
    )
    return patient


def _enrolled(*, site, user, c1d1_days_ago: int):
    patient = _screened(site=site, user=user, days_ago=c1d1_days_ago + 5)
    c1d1 = dt.date.today() - dt.timedelta(days=c1d1_days_ago)
    return patient_services.patient_enrol(
        user=user, patient=patient, enrolled_on=c1d1, c1d1_date=c1d1
    )


def lab_csv(patient, lab) -> bytes:
    day = dt.date.today() - dt.timedelta(days=3)
    rows = [
        "subject_id,collected_at,analyte,value,unit,lab",
        f"{patient.subject_id},{day:%Y-%m-%d} 08:00,ANC,1.9,10^9/L,{lab.code}",
        f"NOPE-999,{day:%Y-%m-%d} 08:00,ANC,1.5,10^9/L,{lab.code}",
    ]
    return ("\n".join(rows) + "\n").encode()


def build_world() -> ApiWorld:
    roles_sync()
    patient_services.cohorts_ensure()
    site = SiteFactory(code="FR01", name="Paris", country="FR")
    other_site = SiteFactory(code="FR02", name="Lyon", country="FR")
    investigator = _user(Role.INVESTIGATOR, "inv_fr01", [site])
    other_investigator = _user(Role.INVESTIGATOR, "inv_fr02", [other_site])
    monitor = _user(Role.MONITOR, "monitor_fr01", [site])
    statistician = _user(Role.STATISTICIAN, "stat")
    data_manager = _user(Role.DATA_MANAGER, "dm")

    lab = make_lab(user=data_manager, site=site, code="FR01-LAB")
    make_lab(user=data_manager, site=other_site, code="FR02-LAB")
    treated = _enrolled(site=site, user=investigator, c1d1_days_ago=70)
    treat(treated, user=investigator, lab=lab)
    plain = _enrolled(site=site, user=investigator, c1d1_days_ago=20)
    _screened(site=site, user=investigator, days_ago=10)  # still in screening
    failed = _screened(site=site, user=investigator, days_ago=15)
    patient_services.patient_screen_fail(user=investigator, patient=failed, reason="Brain mets")
    other = _enrolled(site=other_site, user=other_investigator, c1d1_days_ago=30)
    assessment_services.adverse_event_create(
        user=other_investigator,
        patient=other,
        meddra_code="10029366",
        grade=2,
        start_date=other.c1d1_date + dt.timedelta(days=3),
        relation_paclitaxel="possible",
        relation_imp321="unlikely",
        action_taken="none",
        outcome="recovering",
    )
    deviations_sweep()

    # The monitor workspace: a query (answered), an SDV mark, a signature, a lock.
    query = monitoring_services.query_raise(
        user=monitor, record=record_ref(treated), field="year_of_birth", question="Please check."
    )
    monitoring_services.query_answer(query=query, user=investigator, text="Checked: correct.")
    monitoring_services.query_raise(
        user=monitor, record=record_ref(plain), field="", question="Source missing?"
    )
    monitoring_services.sdv_mark(user=monitor, record=record_ref(treated))
    monitoring_services.signature_sign(
        user=investigator,
        patient=plain,
        scope=CASEBOOK,
        username=investigator.get_username(),
        password=PASSWORD,
        meaning=SIGNATURE_MEANINGS[0],
    )
    monitoring_services.lock_create(
        user=data_manager, scope=LockScope.PATIENT, reason="Closed out", patient=failed
    )

    # A central-lab file checked (dry run) and an export package requested and built.
    imports.import_batch_upload(
        user=data_manager, filename="central.csv", chunks=[lab_csv(treated, lab)]
    )
    job = export_services.export_job_request(
        user=statistician, params=export_params(as_of="", updated_since=""), channel=Channel.API
    )
    export_services.export_package_build(job_id=job.pk)
    export_services.export_job_request(
        user=investigator, params=export_params(as_of="", updated_since=""), channel=Channel.API
    )

    client = Client()
    client.force_login(statistician)
    prefix = "/api/v1/"
    ids = {
        "sites": [site.pk, other_site.pk],
        "patients": list(Patient.objects.values_list("pk", flat=True)),
        "paclitaxel": list(PaclitaxelAdministration.objects.values_list("pk", flat=True)),
        "imp321": list(Imp321Injection.objects.values_list("pk", flat=True)),
        "tumour-assessments": list(TumourAssessment.objects.values_list("pk", flat=True)),
        "recist-results": list(Patient.objects.values_list("pk", flat=True)),
        "adverse-events": list(AdverseEvent.objects.values_list("pk", flat=True)),
        "vital-signs": list(VitalSigns.objects.values_list("pk", flat=True)),
        "ctcae-terms": ["10029366", "10002272"],
        "lab-results": list(LabResult.objects.values_list("pk", flat=True)),
        "immune-draws": list(ImmuneDraw.objects.values_list("pk", flat=True)),
        "laboratories": list(Laboratory.objects.values_list("pk", flat=True)),
        "reference-ranges": list(ReferenceRange.objects.values_list("pk", flat=True)[:5]),
        "lab-imports": list(ImportBatch.objects.values_list("pk", flat=True)),
        "deviations": list(Deviation.objects.values_list("pk", flat=True)[:5]),
        "queries": list(DataQuery.objects.values_list("pk", flat=True)),
        "sdv-marks": list(SdvMark.objects.values_list("pk", flat=True)),
        "signatures": list(Signature.objects.values_list("pk", flat=True)),
        "locks": list(Lock.objects.values_list("pk", flat=True)),
        "exports/jobs": list(ExportJob.objects.values_list("pk", flat=True)),
        "exports/domains": ["DM", "AE", "LB", "EX", "dm"],
    }
    return ApiWorld(
        investigator=investigator,
        statistician=statistician,
        data_manager=data_manager,
        monitor=monitor,
        token=Token.objects.create(user=investigator).key,
        session=client.cookies["sessionid"].value,
        ids={prefix + key: value for key, value in ids.items()},
    )


@pytest.fixture(scope="module")
def api_world(django_db_setup, django_db_blocker):
    """The trial, built once per module and rolled back at its end (see the module docstring)."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        yield world
        transaction.set_rollback(True)


@pytest.fixture
def world(api_world, db):
    """``api_world`` inside this test's own savepoint."""
    return api_world
