"""SAS transport files (XPORT v5) of every domain, read back with pyreadstat and pandas: the
same rows as the Dataset-JSON, names ≤ 8, labels ≤ 40 and lengths from the Define-XML."""

import io
import json
import math
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from django.urls import reverse
from lxml import etree

from edc.exports import define, package, xpt
from edc.exports.context import ExportContext, in_read_transaction
from edc.exports.domains import DOMAINS, domain
from edc.exports.models import ExportLog

from .conftest import content

NS = {"odm": define.ODM_NS}


def build(user) -> zipfile.ZipFile:
    out = io.BytesIO()
    package.write_package(out, ctx=ExportContext(user=user))
    return zipfile.ZipFile(io.BytesIO(out.getvalue()))


def read_back(data: bytes, tmp: Path, name: str):
    """pyreadstat's and pandas' readings (pandas cannot read a file without rows: it raises
    StopIteration, so an empty dataset is pyreadstat's reading twice)."""
    path = tmp / name
    path.write_bytes(data)
    frame, meta = pyreadstat.read_xport(str(path))
    if not len(frame):
        return frame, meta, frame
    return frame, meta, pd.read_sas(str(path), format="xport", encoding="utf-8")


@pytest.mark.django_db
def test_every_domain_round_trips_through_a_sas_v5_transport_file(trial, data_manager, tmp_path):
    archive = build(data_manager)
    mdv = etree.fromstring(archive.read("define.xml")).find("odm:Study/odm:MetaDataVersion", NS)
    for found in DOMAINS:
        stem = found.filename_stem
        data = archive.read(f"{stem}.xpt")
        assert data.startswith(b"HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!")  # v5
        frame, meta, pandas_frame = read_back(data, tmp_path, f"{stem}.xpt")
        document = json.loads(archive.read(f"dataset-json/{stem}.json"))
        names = [c["name"] for c in document["columns"]]
        assert list(frame.columns) == names == list(pandas_frame.columns)
        assert meta.table_name == found.code and len(frame) == document["records"]
        assert len(pandas_frame) == document["records"]
        for column in document["columns"]:
            name = column["name"]
            item = mdv.find(f"odm:ItemDef[@OID='{column['itemOID']}']", NS)
            assert len(name) <= 8
            label = meta.column_names_to_labels[name]
            assert len(label) <= 40
            assert label == item.findtext("odm:Description/odm:TranslatedText", namespaces=NS)
            if column["dataType"] in ("integer", "double"):
                assert meta.readstat_variable_types[name] == "double"
            else:
                assert meta.readstat_variable_types[name] == "string"
                if column["dataType"] == "string" and document["records"]:
                    assert meta.variable_storage_width[name] == int(item.get("Length")), (
                        found.code,
                        name,
                    )
        for row, (_i, back) in zip(document["rows"], frame.iterrows(), strict=True):
            for column, value in zip(document["columns"], row, strict=True):
                read = back[column["name"]]
                if column["dataType"] in ("integer", "double"):
                    if value is None:
                        assert math.isnan(read), (found.code, column["name"])
                    else:
                        assert read == pytest.approx(value), (found.code, column["name"])
                else:
                    assert read == value, (found.code, column["name"])


@pytest.mark.django_db
def test_a_value_longer_than_sas_v5_allows_is_cut_and_named_in_the_result(
    trial, data_manager, monkeypatch
):
    monkeypatch.setattr(xpt, "TEXT_MAX_BYTES", 12)
    result = xpt.XptResult()
    ctx = ExportContext(user=data_manager)
    data = b"".join(in_read_transaction(xpt.xpt_bytes(domain("AE"), ctx, result=result)))
    assert "AETERM" in result.truncated and "STUDYID" not in result.truncated
    with tempfile.TemporaryDirectory() as tmp:
        frame, _meta, _p = read_back(data, Path(tmp), "ae.xpt")
    assert frame["AETERM"].str.len().max() <= 12


@pytest.mark.django_db
def test_xpt_download_from_the_page_and_the_api_is_logged(trial, statistician, web, api):
    response = web(statistician).get(reverse("exports:domain", args=["dm", "xpt"]))
    assert response.status_code == 200 and response["Content-Type"] == xpt.CONTENT_TYPE
    data = content(response)
    with tempfile.TemporaryDirectory() as tmp:
        frame, _meta, _p = read_back(data, Path(tmp), "dm.xpt")
    assert len(frame) == 4 and "BRTHDTC" not in frame.columns  # de-identified reader
    log = ExportLog.objects.latest("pk")
    assert (log.what, log.format, log.row_count) == ("DM", "xpt", 4)
    response = api(statistician).get(reverse("exports-domain-xpt", args=["AE"]))
    assert response.status_code == 200
    assert content(response).startswith(b"HEADER RECORD*******LIBRARY HEADER RECORD")
