"""Streamed downloads, shared by the pages and the API: each writes its export log first."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.utils import timezone, translation

from edc import protocol

from . import define, odm, package, services, submission
from .constants import DICTIONARY, ODM, ExportFormat
from .context import ExportContext, in_read_transaction
from .datasets import dataset_bytes
from .models import ExportJob
from .selectors import export_job_file
from .spec import Domain
from .validators import ExportParams
from .writers import CONTENT_TYPES, RowCount


def _filename(stem: str, ext: str, params: ExportParams) -> str:
    stamp = f"-as-of-{timezone.localtime(params.as_of):%Y%m%dT%H%M}" if params.as_of else ""
    return f"{protocol.TRIAL_ID}-{stem}{stamp}.{ext}"


def _attachment(response: StreamingHttpResponse, filename: str) -> StreamingHttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def domain_response(
    *, user, domain: Domain, fmt: str, params: ExportParams, channel: str
) -> StreamingHttpResponse:
    """One domain dataset (csv, jsonl or json), streamed in constant memory."""
    log = services.export_log_start(
        user=user, what=domain.code, fmt=fmt, channel=channel, params=params
    )
    ctx = ExportContext(user=user, as_of=params.as_of, updated_since=params.updated_since)
    counter = RowCount()
    pieces = in_read_transaction(dataset_bytes(domain, ctx, fmt, counter))
    response = StreamingHttpResponse(
        services.logged_stream(pieces, log=log, counter=counter), content_type=CONTENT_TYPES[fmt]
    )
    return _attachment(response, _filename(domain.filename_stem, fmt, params))


def submission_dataset_response(
    *, user, domain: Domain, fmt: str, params: ExportParams, channel: str
) -> StreamingHttpResponse:
    """One domain as CDISC Dataset-JSON 1.1 (dsjson), its NDJSON form or SAS XPORT v5."""
    log = services.export_log_start(
        user=user, what=domain.code, fmt=fmt, channel=channel, params=params
    )
    ctx = ExportContext(user=user, as_of=params.as_of, updated_since=params.updated_since)
    counter = RowCount()
    pieces = in_read_transaction(submission.dataset_pieces(domain, ctx, fmt, counter))
    response = StreamingHttpResponse(
        services.logged_stream(pieces, log=log, counter=counter),
        content_type=submission.CONTENT_TYPES[fmt],
    )
    name = _filename(domain.filename_stem, submission.EXTENSIONS[fmt], params)
    return _attachment(response, name)


def define_response(
    *, user, params: ExportParams, channel: str, html: bool = False
) -> StreamingHttpResponse:
    """define.xml (Define-XML 2.1) of the reader's datasets, or its HTML rendering."""
    log = services.export_log_start(
        user=user,
        what=DICTIONARY,
        fmt=ExportFormat.DEFINE,
        channel=channel,
        params=params,
        extra_filters={"html": html},
    )
    ctx = ExportContext(user=user, as_of=params.as_of, updated_since=params.updated_since)
    with translation.override("en"):  # an exchange document (context.in_english)
        metas = define.profiles(ctx)
        body = define.define_document(ctx, metas=metas)
        if html:
            body = define.render_html(body)
    services.export_log_finish(log, rows=sum(len(m.variables) for m in metas))
    response = StreamingHttpResponse(
        [body],
        content_type="text/html; charset=utf-8" if html else "application/xml; charset=utf-8",
    )
    return _attachment(response, _filename("define", "html" if html else "xml", params))


def odm_response(*, user, params: ExportParams, channel: str) -> StreamingHttpResponse:
    """The ODM 1.3.2 document (row count = subjects), streamed."""
    log = services.export_log_start(
        user=user, what=ODM, fmt=ExportFormat.ODM, channel=channel, params=params
    )
    ctx = ExportContext(user=user, as_of=params.as_of, updated_since=params.updated_since)
    counter = RowCount()
    response = StreamingHttpResponse(
        services.logged_stream(
            in_read_transaction(odm.odm_bytes(ctx, counter=counter)), log=log, counter=counter
        ),
        content_type="application/xml; charset=utf-8",
    )
    return _attachment(response, _filename("odm", "xml", params))


def dictionary_response(*, user, channel: str, codelists: bool = False) -> StreamingHttpResponse:
    """The data dictionary (or the codelists) the user's datasets follow."""
    params = ExportParams()
    log = services.export_log_start(
        user=user,
        what=DICTIONARY,
        fmt=ExportFormat.CSV,
        channel=channel,
        params=params,
        extra_filters={"codelists": codelists},
    )
    ctx = ExportContext(user=user)
    with translation.override("en"):  # an exchange document (context.in_english)
        if codelists:
            body = package.codelists_csv()
            rows = sum(1 for _ in package.codelist_rows(package.DOMAINS))
        else:
            body = package.dictionary_csv(deidentified=ctx.deidentified)
            rows = sum(
                1 for _ in package.dictionary_rows(package.DOMAINS, deidentified=ctx.deidentified)
            )
    services.export_log_finish(log, rows=rows)
    response = StreamingHttpResponse([body], content_type=CONTENT_TYPES["csv"])
    name = "codelists" if codelists else "define"
    return _attachment(response, f"{protocol.TRIAL_ID}-{name}.csv")


def job_file_response(*, job: ExportJob, user, channel: str) -> StreamingHttpResponse:
    services.export_job_download_logged(job=job, user=user, channel=channel)
    response = StreamingHttpResponse(export_job_file(job), content_type="application/zip")
    response["Content-Length"] = str(job.size)
    response["X-Checksum-SHA256"] = job.sha256
    return _attachment(response, job.filename)
