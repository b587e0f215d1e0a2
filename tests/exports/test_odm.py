"""CDISC ODM 1.3.2: the file validates against the official schema, carries audit records
and signatures, and the schema vendored in the repository is the official one."""

import io
import os
from pathlib import Path

import pytest
from django.conf import settings
from lxml import etree

from edc.exports import odm
from edc.exports.context import ExportContext
from edc.monitoring import services as monitoring_services
from edc.monitoring.constants import SIGNATURE_MEANINGS
from tests.conftest import require_real_service

NS = {"odm": odm.NS}


def shared_schema_dir() -> Path:
    return odm.shared_xsd(settings.BASE_DIR).parent


@pytest.fixture
def shared_xsd():
    path = odm.shared_xsd(settings.BASE_DIR)
    require_real_service(path.exists(), f"the official ODM schema at {path}")
    return path


def document(user, **kwargs) -> bytes:
    return b"".join(odm.odm_bytes(ExportContext(user=user, **kwargs)))


def test_the_vendored_schema_is_byte_for_byte_the_official_one(shared_xsd):
    shared = shared_schema_dir()
    names = sorted(p.name for p in shared.iterdir() if p.is_file())
    assert "LICENSE" in names and "ODM1-3-2.xsd" in names
    for name in names:
        assert (odm.SCHEMA_DIR / name).read_bytes() == (shared / name).read_bytes(), name


@pytest.mark.django_db
def test_the_odm_file_validates_against_the_official_schema(trial, data_manager, shared_xsd):
    data = document(data_manager)
    schema = etree.XMLSchema(etree.parse(str(shared_xsd)))
    tree = etree.parse(io.BytesIO(data))
    assert schema.validate(tree), schema.error_log
    assert odm.validate(io.BytesIO(data), xsd=shared_xsd) == []


@pytest.mark.django_db
def test_every_reader_gets_a_schema_valid_file_checked_by_the_vendored_schema(
    trial, statistician, investigator, monitor
):
    for user in (statistician, investigator, monitor):
        assert odm.validate(io.BytesIO(document(user))) == [], user


def test_an_invalid_document_is_reported_not_accepted():
    broken = b'<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" FileType="Bogus"/>'
    assert odm.validate(io.BytesIO(broken)) != []


@pytest.mark.django_db
def test_metadata_is_built_from_the_protocol_and_the_model_fields(trial, data_manager):
    tree = etree.parse(io.BytesIO(document(data_manager)))
    events = tree.xpath("//odm:StudyEventDef/@OID", namespaces=NS)
    assert "SE.PAC-C6D15" in events and "SE.IMM-INJ12" in events and "SE.TUM-W24" in events
    forms = tree.xpath("//odm:FormDef/@OID", namespaces=NS)
    assert "F.DOSING_PACLITAXELADMINISTRATION" in forms and "F.ASSESSMENTS_ADVERSEEVENT" in forms
    grade = tree.xpath('//odm:ItemDef[@OID="IT.ADVERSEEVENT.GRADE"]', namespaces=NS)[0]
    assert grade.get("DataType") == "integer"
    dose = tree.xpath(
        '//odm:ItemDef[@OID="IT.PACLITAXELADMINISTRATION.ACTUAL_DOSE_MG"]', namespaces=NS
    )[0]
    assert (dose.get("DataType"), dose.get("SignificantDigits")) == ("float", "1")
    assert dose.find("odm:MeasurementUnitRef", NS).get("MeasurementUnitOID") == "MU.MG"
    codes = tree.xpath(
        '//odm:CodeList[@OID="CL.PATIENT.SEX"]/odm:CodeListItem/@CodedValue', namespaces=NS
    )
    assert codes == ["F", "M"]


@pytest.mark.django_db
def test_clinical_data_carries_the_audit_trail_and_signatures(trial, investigator, data_manager):
    patient = trial.treated
    signature = monitoring_services.signature_sign(
        user=investigator,
        patient=patient,
        scope="casebook",
        username=investigator.username,
        password="pw-for-tests-1",
        meaning=SIGNATURE_MEANINGS[0],
    )
    data = document(data_manager)
    assert odm.validate(io.BytesIO(data)) == []
    tree = etree.parse(io.BytesIO(data))
    subject = tree.xpath(
        f'//odm:SubjectData[@SubjectKey="NCT00349934-{patient.subject_id}"]', namespaces=NS
    )[0]
    dose = subject.xpath(
        './/odm:StudyEventData[@StudyEventOID="SE.PAC-C1D1"]'
        '/odm:FormData[@FormOID="F.DOSING_PACLITAXELADMINISTRATION"]/odm:ItemGroupData',
        namespaces=NS,
    )[0]
    audit = dose.find("odm:AuditRecord", NS)
    assert audit.find("odm:UserRef", NS).get("UserOID") == f"USR.{investigator.pk}"
    assert audit.find("odm:LocationRef", NS).get("LocationOID") == "LOC.FR01"
    assert audit.findtext("odm:ReasonForChange", namespaces=NS) == "Initial entry"
    assert dose.xpath(
        'odm:ItemData[@ItemOID="IT.PACLITAXELADMINISTRATION.ACTUAL_DOSE_MG"]/@Value',
        namespaces=NS,
    ) == ["145.6"]
    records = tree.xpath("//odm:ClinicalData/odm:AuditRecords/odm:AuditRecord", namespaces=NS)
    assert len(records) > 50 and all(r.get("ID").startswith("AR.") for r in records)
    signed = tree.xpath("//odm:ClinicalData/odm:Signatures/odm:Signature", namespaces=NS)
    assert [s.get("ID") for s in signed] == [f"SG.{signature.pk}"]
    assert signed[0].find("odm:SignatureRef", NS).get("SignatureOID") == "SD.1"
    assert tree.xpath('//odm:SignatureDef[@OID="SD.1"]/odm:Meaning/text()', namespaces=NS) == [
        SIGNATURE_MEANINGS[0]
    ]


def test_ci_knows_where_the_standards_folder_is():
    if os.environ.get("CI"):
        assert odm.shared_xsd(settings.BASE_DIR).exists()
