"""The submission-grade part of the package: Define-XML 2.1 (+ its HTML rendering and CDISC's
stylesheet), Dataset-JSON 1.1 (JSON and NDJSON) and SAS XPORT v5 of every domain, and the
annotated CRF when one is given.

Everything here is read in one read transaction (``in_read_transaction``): the lengths and
row counts the Define-XML and the Dataset-JSON headers state are those of the rows written
beside them. Members (paths inside the zip)::

    define.xml, define.html, define2-1.xsl
    dm.xpt … dv.xpt                        (the Define-XML's def:leaf links point here)
    dataset-json/dm.json …                 Dataset-JSON 1.1
    dataset-ndjson/dm.ndjson …             Dataset-JSON 1.1, NDJSON
    acrf.pdf                               only when the package is given an aCRF
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from . import datasetjson, define, xpt
from .constants import ExportFormat
from .context import ExportContext, in_read_transaction
from .spec import Domain

STEP = "Define-XML, Dataset-JSON, XPT"
# A domain's submission formats: file extension and content type of each.
EXTENSIONS = {
    ExportFormat.DSJSON: datasetjson.JSON_FILE_EXT,
    ExportFormat.NDJSON: datasetjson.NDJSON_FILE_EXT,
    ExportFormat.XPT: xpt.FILE_EXT,
}
CONTENT_TYPES = {
    ExportFormat.DSJSON: datasetjson.CONTENT_TYPES["dsjson"],
    ExportFormat.NDJSON: datasetjson.CONTENT_TYPES["ndjson"],
    ExportFormat.XPT: xpt.CONTENT_TYPE,
}
# Links of the exports page: format → what the reader sees.
LABELS = {
    ExportFormat.DSJSON: "Dataset-JSON",
    ExportFormat.NDJSON: "NDJSON",
    ExportFormat.XPT: "XPT",
}


def dataset_pieces(domain: Domain, ctx: ExportContext, fmt: str, counter) -> Iterator[bytes]:
    """One domain as Dataset-JSON, its NDJSON or XPORT v5 (run inside
    ``in_read_transaction``); ``counter.rows`` is the row count once exhausted."""
    if fmt == ExportFormat.DSJSON:
        return datasetjson.json_bytes(domain, ctx, counter)
    if fmt == ExportFormat.NDJSON:
        return datasetjson.ndjson_bytes(domain, ctx, counter)
    if fmt == ExportFormat.XPT:
        return xpt.xpt_bytes(domain, ctx, counter)
    raise ValueError(fmt)


# ``package._member(archive, name, pieces) -> {"name", "bytes", "sha256"}``
Member = Callable[[object, str, Iterable[bytes]], dict]


def _members(
    archive, ctx: ExportContext, member: Member, annotated_crf: Iterable[bytes] | None
) -> Iterator[dict]:
    metas = define.profiles(ctx)
    document = define.define_document(
        ctx, metas=metas, annotated_crf=define.ACRF_FILE if annotated_crf else None
    )
    errors = define.validate(document)
    entry = member(archive, define.DEFINE_FILE, [document])
    items = sum(len(m.variables) for m in metas)
    yield {**entry, "domain": "", "rows": items, "schema_errors": errors[:5]}
    entry = member(archive, define.DEFINE_HTML_FILE, [define.render_html(document)])
    yield {**entry, "domain": "", "rows": items}
    entry = member(archive, define.STYLESHEET.name, [define.STYLESHEET.read_bytes()])
    yield {**entry, "domain": "", "rows": 0}
    for meta in metas:
        domain = meta.domain
        stem = domain.filename_stem
        result = xpt.XptResult()
        entry = member(archive, f"{stem}.{xpt.FILE_EXT}", xpt.xpt_bytes(domain, ctx, result=result))
        extra = {"truncated": result.truncated} if result.truncated else {}
        yield {**entry, "domain": "", "dataset": domain.code, "rows": result.rows, **extra}
        for directory, ext, writer in (
            (datasetjson.JSON_DIR, datasetjson.JSON_FILE_EXT, datasetjson.json_bytes),
            (datasetjson.NDJSON_DIR, datasetjson.NDJSON_FILE_EXT, datasetjson.ndjson_bytes),
        ):
            counter = datasetjson.RowCount()
            entry = member(
                archive, f"{directory}/{stem}.{ext}", writer(domain, ctx, counter, meta=meta)
            )
            yield {**entry, "domain": "", "dataset": domain.code, "rows": counter.rows}
    if annotated_crf:
        entry = member(archive, define.ACRF_FILE, annotated_crf)
        yield {**entry, "domain": "", "rows": 0}


def write_members(
    archive,
    *,
    ctx: ExportContext,
    member: Member,
    annotated_crf: bytes | Iterable[bytes] | None = None,
) -> list[dict]:
    """Write the submission members into ``archive``; their manifest entries."""
    if isinstance(annotated_crf, bytes):
        annotated_crf = [annotated_crf]
    return list(in_read_transaction(_members(archive, ctx, member, annotated_crf)))
