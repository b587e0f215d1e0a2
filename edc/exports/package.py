"""The full export package: every domain, the data dictionary, codelists, ODM, a manifest.

Written into a zip file object member by member (each streamed: constant memory), with the
SHA-256 and row count of every member recorded in ``manifest.json``::

    dm.csv … dv.csv     one dataset per domain (edc/exports/domains)
    define.csv          data dictionary: domain, variable, label, type, unit, codelist, origin
    codelists.csv       codelist, code, decode
    odm.xml             CDISC ODM 1.3.2 (metadata, clinical data, audit records, signatures),
                        checked against the vendored XSD while the package is built
    define.xml, define.html, define2-1.xsl, dm.xpt … dv.xpt, dataset-json/dm.json …,
    dataset-ndjson/dm.ndjson …, acrf.pdf (when given)
                        Define-XML 2.1, SAS XPORT v5, Dataset-JSON 1.1 (edc.exports.submission)
    manifest.json       files (rows, bytes, sha256), generated at, as of, user, role, filters,
                        the audit trail's hash-chain head (edc.audit.chain)
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator

from django.utils import timezone

from edc import protocol
from edc.audit.chain import chain_head
from edc.operations.routers import read_alias

from . import odm, submission
from .codelists import SHARED
from .context import ExportContext, in_read_transaction, one_snapshot
from .datasets import dataset_bytes
from .domains import DOMAINS
from .spec import Domain
from .writers import RowCount, table_csv

DICTIONARY_HEADER = (
    "domain",
    "order",
    "variable",
    "label",
    "type",
    "unit",
    "codelist",
    "origin",
    "supplementary",
)
CODELIST_HEADER = ("codelist", "code", "decode")
DICTIONARY_FILE = "define.csv"
CODELISTS_FILE = "codelists.csv"
ODM_FILE = "odm.xml"
MANIFEST_FILE = "manifest.json"

Progress = Callable[[int, str], None]


def dictionary_rows(domains: Iterable[Domain], *, deidentified: bool) -> Iterator[tuple]:
    for domain in domains:
        for order, v in enumerate(domain.variables_for(deidentified=deidentified), start=1):
            yield (
                domain.code,
                order,
                v.name,
                v.label,
                v.type,
                v.unit,
                v.codelist,
                v.origin,
                "Y" if v.supplementary else "N",
            )


def codelists_of(domains: Iterable[Domain]) -> dict[str, tuple[tuple[str, str], ...]]:
    lists = dict(SHARED)
    for domain in domains:
        lists.update(domain.codelists)
    return lists


def codelist_rows(domains: Iterable[Domain]) -> Iterator[tuple]:
    for name, items in sorted(codelists_of(domains).items()):
        for code, decode in items:
            yield (name, code, decode)


def dictionary_csv(*, deidentified: bool, domains: Iterable[Domain] = DOMAINS) -> bytes:
    return table_csv(DICTIONARY_HEADER, dictionary_rows(domains, deidentified=deidentified))


def codelists_csv(domains: Iterable[Domain] = DOMAINS) -> bytes:
    return table_csv(CODELIST_HEADER, codelist_rows(domains))


def _member(archive: zipfile.ZipFile, name: str, pieces: Iterable[bytes]) -> dict:
    digest = hashlib.sha256()
    size = 0
    info = zipfile.ZipInfo(name, date_time=timezone.localtime().timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    with archive.open(info, "w", force_zip64=True) as member:
        for piece in pieces:
            member.write(piece)
            digest.update(piece)
            size += len(piece)
    return {"name": name, "bytes": size, "sha256": digest.hexdigest()}


def write_package(
    fileobj,
    *,
    ctx: ExportContext,
    fmt: str = "csv",
    progress: Progress | None = None,
    annotated_crf: bytes | Iterable[bytes] | None = None,
) -> dict:
    """Write the package zip into ``fileobj``; return its manifest (also written inside).

    ``annotated_crf``: the blank annotated CRF (PDF bytes), added as ``acrf.pdf`` and linked
    from define.xml when given (edc.exports.submission).
    """
    progress = progress or (lambda percent, step: None)
    started = timezone.now()
    steps = len(DOMAINS) + 2
    files = []
    # Every dataset from one snapshot, the RECIST courses computed once (context.one_snapshot).
    with (
        one_snapshot(ctx) as ctx,
        zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive,
    ):
        for index, domain in enumerate(DOMAINS):
            progress(int(100 * index / steps), domain.code)
            counter = RowCount()
            pieces = in_read_transaction(dataset_bytes(domain, ctx, fmt, counter))
            entry = _member(archive, f"{domain.filename_stem}.{fmt}", pieces)
            files.append({**entry, "domain": domain.code, "rows": counter.rows})
        progress(int(100 * len(DOMAINS) / steps), "data dictionary")
        dictionary_rows_count = sum(
            1 for _ in dictionary_rows(DOMAINS, deidentified=ctx.deidentified)
        )
        entry = _member(archive, DICTIONARY_FILE, [dictionary_csv(deidentified=ctx.deidentified)])
        files.append({**entry, "domain": "", "rows": dictionary_rows_count})
        entry = _member(archive, CODELISTS_FILE, [codelists_csv()])
        files.append({**entry, "domain": "", "rows": sum(1 for _ in codelist_rows(DOMAINS))})
        progress(int(100 * (len(DOMAINS) + 1) / steps), "ODM 1.3.2")
        subjects = RowCount()
        entry = _member(
            archive, ODM_FILE, in_read_transaction(odm.odm_bytes(ctx, counter=subjects))
        )
        with archive.open(ODM_FILE) as document:
            errors = odm.validate(document)
        files.append({**entry, "domain": "", "rows": subjects.rows, "schema_errors": errors[:5]})
        progress(int(100 * (len(DOMAINS) + 1.5) / steps), submission.STEP)
        submitted = submission.write_members(
            archive, ctx=ctx, member=_member, annotated_crf=annotated_crf
        )
        files.extend(submitted)
        manifest = {
            "study": protocol.TRIAL_ID,
            "protocol_version": protocol.PROTOCOL_VERSION,
            "generated_at": started.isoformat(),
            "finished_at": timezone.now().isoformat(),
            "as_of": ctx.as_of.isoformat() if ctx.as_of else None,
            "user": ctx.user.get_username(),
            "role": ctx.role,
            "deidentified": ctx.deidentified,
            "format": fmt,
            "filters": {
                "updated_since": ctx.updated_since.isoformat() if ctx.updated_since else None
            },
            "odm_schema_valid": not errors,
            "define_schema_valid": not submitted[0]["schema_errors"],
            # The audit trail's hash chain as it stood when the package was written: kept
            # outside the database, it shows later whether the trail was rewritten since.
            "audit_chain_head": chain_head(using=read_alias()).as_dict(),
            "files": files,
        }
        archive.writestr(MANIFEST_FILE, json.dumps(manifest, indent=2, ensure_ascii=False))
    progress(100, "done")
    return manifest
