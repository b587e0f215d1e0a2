"""CDISC Dataset-JSON 1.1 of one domain, as one JSON document or as NDJSON, streamed.

The metadata (``itemGroupOID``, each column's ``itemOID``, label, type and length) is the
Define-XML's (``edc.exports.define``): the same OIDs, the same lengths. The rows are arrays in
column order. As in CDISC's own examples, a missing text, date or date-time is ``""`` and a
missing number ``null``; dates and date-times are ISO 8601 text in the trial's time zone.

Both writers are generators of ``bytes`` pieces of about ``STREAM_BUFFER_BYTES``: memory stays
flat whatever the row count. They first measure the domain (row count for ``records``, the
lengths) unless the package hands them its measure, so run them inside
``in_read_transaction``: both passes then read the same snapshot.

NDJSON (Dataset-JSON 1.1's streaming form): line 1 is the metadata object, each next line one
row array.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from django.utils import timezone

from edc import protocol

from . import tabular
from .constants import STREAM_BUFFER_BYTES
from .context import ExportContext
from .define import MDV_OID, STUDY_OID, DomainMeta, item_group_oid, item_oid, sas_label
from .spec import Domain

VERSION = "1.1.0"
JSON_FILE_EXT = "json"
NDJSON_FILE_EXT = "ndjson"
# Where the package keeps them (``dm.json`` is the SDTM-like rows array already).
JSON_DIR = "dataset-json"
NDJSON_DIR = "dataset-ndjson"
CONTENT_TYPES = {
    "dsjson": "application/json; charset=utf-8",
    "ndjson": "application/x-ndjson; charset=utf-8",
}
DATA_TYPES = {
    tabular.TEXT: "string",
    tabular.INTEGER: "integer",
    tabular.FLOAT: "double",
    tabular.DATE: "date",
    tabular.DATETIME: "datetime",
}
_EMPTY_AS_TEXT = frozenset({tabular.TEXT, tabular.DATE, tabular.DATETIME})


class RowCount:
    def __init__(self):
        self.rows = 0


def metadata(meta: DomainMeta, *, ctx: ExportContext) -> dict:
    """The dataset's Dataset-JSON metadata (everything but the rows)."""
    domain, profile = meta.domain, meta.profile
    keys = tabular.keys(domain)
    columns = []
    for variable in meta.variables:
        column = {
            "itemOID": item_oid(domain, variable),
            "name": variable.name,
            "label": sas_label(variable.label),
            "dataType": DATA_TYPES[variable.type],
        }
        if variable.type == tabular.TEXT:
            column["length"] = profile.length(variable.name)
        if variable.name in keys:
            column["keySequence"] = keys.index(variable.name) + 1
        columns.append(column)
    created = timezone.localtime().replace(microsecond=0)
    document = {
        "datasetJSONCreationDateTime": created.isoformat(),
        "datasetJSONVersion": VERSION,
        "fileOID": f"{protocol.TRIAL_ID}.{domain.code}.{created:%Y%m%dT%H%M%S}",
        "originator": f"{protocol.TRIAL_ID} EDC",
        "sourceSystem": {"name": "EDC", "version": protocol.PROTOCOL_VERSION},
        "studyOID": STUDY_OID,
        "metaDataVersionOID": MDV_OID,
        "metaDataRef": "define.xml",
        "itemGroupOID": item_group_oid(domain),
        "records": profile.records,
        "name": domain.code,
        "label": sas_label(domain.label),
        "columns": columns,
    }
    if ctx.as_of is not None:
        document["dbLastModifiedDateTime"] = (
            timezone.localtime(ctx.as_of).replace(microsecond=0).isoformat()
        )
    return document


def _measure(domain: Domain, ctx: ExportContext) -> DomainMeta:
    return DomainMeta(domain, tabular.variables(domain, ctx), tabular.profile(domain, ctx))


def _row_texts(meta: DomainMeta, ctx: ExportContext, counter: RowCount) -> Iterator[str]:
    empty = ["" if variable.type in _EMPTY_AS_TEXT else None for variable in meta.variables]
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    for row in tabular.rows(meta.domain, ctx):
        counter.rows += 1
        yield dumps([empty[i] if value is None else value for i, value in enumerate(row)])


def json_bytes(
    domain: Domain,
    ctx: ExportContext,
    counter: RowCount | None = None,
    *,
    meta: DomainMeta | None = None,
) -> Iterator[bytes]:
    """One Dataset-JSON document: the metadata, then ``"rows": [[…], …]``, streamed."""
    counter = counter if counter is not None else RowCount()
    meta = meta if meta is not None else _measure(domain, ctx)
    head = json.dumps(metadata(meta, ctx=ctx), ensure_ascii=False, separators=(",", ":"))
    parts, size = [head[:-1], ',"rows":['], 0
    for index, line in enumerate(_row_texts(meta, ctx, counter)):
        parts.append(",\n" if index else "\n")
        parts.append(line)
        size += len(line)
        if size >= STREAM_BUFFER_BYTES:
            yield "".join(parts).encode("utf-8")
            parts.clear()
            size = 0
    parts.append("\n]}\n")
    yield "".join(parts).encode("utf-8")


def ndjson_bytes(
    domain: Domain,
    ctx: ExportContext,
    counter: RowCount | None = None,
    *,
    meta: DomainMeta | None = None,
) -> Iterator[bytes]:
    """Dataset-JSON as NDJSON: the metadata line, then one row array per line, streamed."""
    counter = counter if counter is not None else RowCount()
    meta = meta if meta is not None else _measure(domain, ctx)
    parts = [json.dumps(metadata(meta, ctx=ctx), ensure_ascii=False, separators=(",", ":"))]
    parts.append("\n")
    size = 0
    for line in _row_texts(meta, ctx, counter):
        parts.append(line)
        parts.append("\n")
        size += len(line)
        if size >= STREAM_BUFFER_BYTES:
            yield "".join(parts).encode("utf-8")
            parts.clear()
            size = 0
    yield "".join(parts).encode("utf-8")
