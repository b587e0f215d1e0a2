"""CDISC Dataset-JSON 1.1 of every domain (JSON and NDJSON): valid against the official
schemas, the Define-XML's OIDs and lengths, CDISC's own example files' shape, as of a past
time, from the page and the API, in flat memory.

The official NDJSON schema (``dataset-ndjson-schema.json``) refers to ``#/$defs/Column`` at its
root, which it does not define; its ``$defs/DatasetMetadata`` is what the first line of an
NDJSON file is, so the first line is checked against that definition and against the JSON
schema (the metadata alone is a valid Dataset-JSON document), and every other line must be one
row array as wide as the columns.
"""

import io
import json
import zipfile
from pathlib import Path

import jsonschema
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from edc.exports import datasetjson, define, package
from edc.exports.context import ExportContext, in_read_transaction
from edc.exports.domains import DOMAINS, domain
from edc.exports.models import ExportLog
from tests.conftest import require_real_service

from .conftest import content

SCHEMAS = Path(datasetjson.__file__).resolve().parent / "schema" / "dataset-json-1.1"
SHARED = Path(settings.BASE_DIR).parent / "shared" / "standards" / "dataset-json-1.1"
NS = {"odm": define.ODM_NS}
PYTHON_TYPES = {
    "string": (str,),
    "date": (str,),
    "datetime": (str,),
    "integer": (int,),
    "double": (int, float),
}


def load_schema(name: str) -> dict:
    data = (SCHEMAS / name).read_bytes()
    encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"
    return json.loads(data.decode(encoding))


def json_validator() -> jsonschema.Draft201909Validator:
    return jsonschema.Draft201909Validator(load_schema("dataset.schema.json"))


def ndjson_metadata_validator() -> jsonschema.Draft201909Validator:
    schema = load_schema("dataset-ndjson-schema.json")
    return jsonschema.Draft201909Validator({**schema["$defs"]["DatasetMetadata"]})


def check_rows(document: dict, rows: list) -> None:
    """Each row as wide as the columns, each value of its column's type (missing: "" for
    text, dates and date-times, null for numbers, as in CDISC's examples)."""
    columns = document["columns"]
    assert document["records"] == len(rows)
    for row in rows:
        assert isinstance(row, list) and len(row) == len(columns)
        for column, value in zip(columns, row, strict=True):
            kind = column["dataType"]
            if kind in ("integer", "double"):
                assert value is None or (
                    isinstance(value, PYTHON_TYPES[kind]) and not isinstance(value, bool)
                ), (column["name"], value)
            else:
                assert isinstance(value, str), (column["name"], value)
                if "length" in column:
                    assert len(value.encode()) <= column["length"], column["name"]


def build(user, **kwargs) -> zipfile.ZipFile:
    out = io.BytesIO()
    package.write_package(out, ctx=ExportContext(user=user, **kwargs))
    return zipfile.ZipFile(io.BytesIO(out.getvalue()))


def test_the_vendored_schemas_are_byte_for_byte_cdisc_ones():
    require_real_service(SHARED.exists(), f"the Dataset-JSON 1.1 standards at {SHARED}")
    for name in ("dataset.schema.json", "dataset-ndjson-schema.json", "LICENSE"):
        assert (SCHEMAS / name).read_bytes() == (SHARED / name).read_bytes(), name


def test_cdisc_examples_pass_the_schema_these_tests_use():
    require_real_service(SHARED.exists(), f"the Dataset-JSON 1.1 examples at {SHARED}")
    validator = json_validator()
    for name in ("dm.json", "ae.json", "cm.json"):
        example = json.loads((SHARED / "examples" / name).read_text())
        assert list(validator.iter_errors(example)) == [], name


@pytest.mark.django_db
def test_every_domain_of_the_package_is_valid_dataset_json_with_the_define_xml_oids(
    trial, statistician
):
    archive = build(statistician)
    validator, meta_validator = json_validator(), ndjson_metadata_validator()
    mdv = etree.fromstring(archive.read("define.xml")).find("odm:Study/odm:MetaDataVersion", NS)
    item_defs = {e.get("OID"): e for e in mdv.findall("odm:ItemDef", NS)}
    manifest = {f["name"]: f for f in json.loads(archive.read("manifest.json"))["files"]}
    for found in DOMAINS:
        stem = found.filename_stem
        document = json.loads(archive.read(f"dataset-json/{stem}.json"))
        assert list(validator.iter_errors(document)) == [], found.code
        check_rows(document, document["rows"])
        assert manifest[f"dataset-json/{stem}.json"]["rows"] == document["records"]
        # The Define-XML describes this file: same group, same items, same lengths.
        assert document["itemGroupOID"] == f"IG.{found.code}"
        assert mdv.find(f"odm:ItemGroupDef[@OID='IG.{found.code}']", NS) is not None
        assert document["metaDataVersionOID"] == mdv.get("OID")
        assert document["studyOID"] == define.STUDY_OID
        for column in document["columns"]:
            item = item_defs[column["itemOID"]]
            assert item.get("Name") == column["name"]
            assert (
                item.findtext("odm:Description/odm:TranslatedText", namespaces=NS)
                == (column["label"])
            )
            if "length" in column:
                assert int(item.get("Length")) == column["length"]
        # NDJSON: the same metadata on line 1, then the same rows.
        lines = archive.read(f"dataset-ndjson/{stem}.ndjson").decode().splitlines()
        head = json.loads(lines[0])
        assert list(meta_validator.iter_errors(head)) == [], found.code
        assert list(validator.iter_errors(head)) == [], found.code
        rows = [json.loads(line) for line in lines[1:]]
        check_rows(head, rows)
        assert rows == document["rows"]
        assert head["columns"] == document["columns"]
    dm = json.loads(archive.read("dataset-json/dm.json"))
    assert dm["records"] == 4 and [c["name"] for c in dm["columns"]][:3] == [
        "STUDYID",
        "DOMAIN",
        "USUBJID",
    ]
    assert "BRTHDTC" not in [c["name"] for c in dm["columns"]]  # de-identified reader


def test_our_files_have_the_shape_of_cdisc_example_files():
    """Top-level members and column members are among those of CDISC's DM/AE examples, and
    missing values follow them ("" for text and dates, null for numbers)."""
    require_real_service(SHARED.exists(), f"the Dataset-JSON 1.1 examples at {SHARED}")
    examples = [json.loads((SHARED / "examples" / n).read_text()) for n in ("dm.json", "ae.json")]
    example_keys = set().union(*(e.keys() for e in examples))
    example_column_keys = set().union(*(c.keys() for e in examples for c in e["columns"]))
    missing_text = {
        v
        for e in examples
        for r in e["rows"]
        for v, c in zip(r, e["columns"], strict=True)
        if c["dataType"] in ("string", "date") and not v
    }
    missing_number = {
        v
        for e in examples
        for r in e["rows"]
        for v, c in zip(r, e["columns"], strict=True)
        if c["dataType"] == "integer" and v in (None, "")
    }
    assert missing_text == {""} and missing_number == {None}
    found = domain("AE")
    meta = define.DomainMeta(found, found.variables, _profile(found))
    ours = datasetjson.metadata(meta, ctx=_Ctx())
    assert set(ours) | {"rows"} <= example_keys | {"rows"}
    assert set().union(*(c.keys() for c in ours["columns"])) <= example_column_keys
    assert ours["datasetJSONVersion"].startswith("1.1")


class _Ctx:
    as_of = None


def _profile(found):
    from edc.exports.tabular import Profile

    return Profile(code=found.code, records=0, lengths={v.name: 1 for v in found.variables})


@pytest.mark.django_db
def test_a_record_created_after_the_as_of_time_is_not_in_the_dataset_json(
    trial, data_manager, investigator
):
    from assessments import services as assessment_services
    from tests.assessments.conftest import ae_values

    moment = timezone.now()
    assessment_services.adverse_event_create(
        user=investigator, patient=trial.enrolled, **ae_values(trial.enrolled)
    )

    def records(**kwargs) -> int:
        ctx = ExportContext(user=data_manager, **kwargs)
        pieces = in_read_transaction(datasetjson.json_bytes(domain("AE"), ctx))
        document = json.loads(b"".join(pieces))
        assert list(json_validator().iter_errors(document)) == []
        return document["records"]

    assert records(as_of=moment) + 1 == records()


@pytest.mark.django_db
def test_a_domain_as_of_a_time_from_the_page_and_the_api(trial, data_manager, web, api):
    now = timezone.localtime()
    stamp = now.strftime("%Y-%m-%dT%H:%M")
    response = web(data_manager).get(
        reverse("exports:domain", args=["ae", "dsjson"]), {"as_of": stamp}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'-as-of-{now:%Y%m%dT%H%M}.json"')
    document = json.loads(content(response))
    assert list(json_validator().iter_errors(document)) == []
    assert document["records"] == 2
    assert document["dbLastModifiedDateTime"].startswith(stamp)
    log = ExportLog.objects.latest("pk")
    assert (log.what, log.format, log.row_count) == ("AE", "dsjson", 2)
    assert log.as_of is not None
    response = api(data_manager).get(reverse("exports-domain-ndjson", args=["DM"]))
    assert response.status_code == 200
    lines = content(response).decode().splitlines()
    assert json.loads(lines[0])["records"] == len(lines) - 1 == 4


@pytest.mark.django_db
def test_dataset_json_streams_pieces_as_rows_are_read(trial, data_manager, monkeypatch):
    """Memory stays flat: a piece leaves as soon as the buffer is full, never the whole file
    at the end (here with a tiny buffer, so a few rows fill it)."""
    monkeypatch.setattr(datasetjson, "STREAM_BUFFER_BYTES", 200)
    found = domain("LB")
    ctx = ExportContext(user=data_manager)
    for writer in (datasetjson.ndjson_bytes, datasetjson.json_bytes):
        counter = datasetjson.RowCount()
        pieces = list(in_read_transaction(writer(found, ctx, counter)))
        assert counter.rows >= 3 and len(pieces) >= counter.rows // 2
        rows = [len(p) for p in pieces[1:-1]]
        assert max(rows) < 2000  # a piece is a few rows, not the dataset
