"""SAS transport (XPORT version 5) of one domain, written by pyreadstat (ReadStat).

What reviewers still open: variable names of at most 8 characters, labels of at most 40
(``define.sas_label``), the dataset named by its domain code. Text, dates and date-times are
character variables (SDTM --DTC are ISO 8601 text) whose length is the Define-XML's (the
longest value of the export, measured by ``tabular.profile``; ReadStat sizes each character
variable to its longest value, which is that length); integers and floats are SAS numbers
(8 bytes), missing numbers are SAS missing (``.``), missing text is blank.

XPORT v5 holds at most 200 bytes of text per value: a longer value (free text) is cut at 200
and the variable is named in the result's ``truncated`` (the package's manifest says so); the
Dataset-JSON files carry the full text.

ReadStat writes from a complete table: the domain's rows are held in memory while the file is
written (the Dataset-JSON writers stream instead), then the file is read back in pieces.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field

import pandas as pd
import pyreadstat

from . import tabular
from .context import ExportContext
from .define import DomainMeta, sas_label
from .spec import Domain

FILE_EXT = "xpt"
CONTENT_TYPE = "application/x-sas-xport"
NAME_MAX = 8
TEXT_MAX_BYTES = 200
PIECE_BYTES = 64 * 1024
_CHARACTER = frozenset({tabular.TEXT, tabular.DATE, tabular.DATETIME})


@dataclass
class XptResult:
    rows: int = 0
    truncated: list[str] = field(default_factory=list)


def _cut(text: str) -> str:
    data = text.encode("utf-8")
    if len(data) <= TEXT_MAX_BYTES:
        return text
    return data[:TEXT_MAX_BYTES].decode("utf-8", errors="ignore")


def frame(domain: Domain, ctx: ExportContext, result: XptResult) -> pd.DataFrame:
    """The domain's rows as the table written to the file (character cells cut to 200)."""
    variables = tabular.variables(domain, ctx)
    for variable in variables:
        if len(variable.name) > NAME_MAX:
            raise ValueError(f"{domain.code}.{variable.name}: SAS names have 8 characters")
    columns: list[list] = [[] for _ in variables]
    character = [v.type in _CHARACTER for v in variables]
    cut = set()
    for row in tabular.rows(domain, ctx):
        result.rows += 1
        for i, value in enumerate(row):
            if character[i]:
                if value is None:
                    value = ""
                elif len(value) * 4 > TEXT_MAX_BYTES and len(value.encode()) > TEXT_MAX_BYTES:
                    value = _cut(value)
                    cut.add(i)
            elif value is None:
                value = float("nan")
            columns[i].append(value)
    data = {}
    for i, variable in enumerate(variables):
        if character[i]:
            data[variable.name] = pd.Series(columns[i], dtype=object)
        else:
            data[variable.name] = pd.Series(columns[i], dtype="float64")
    result.truncated = [variables[i].name for i in sorted(cut)]
    return pd.DataFrame(data, columns=[v.name for v in variables])


def write(domain: Domain, ctx: ExportContext, path: str) -> XptResult:
    """Write the domain's XPORT v5 file at ``path``."""
    result = XptResult()
    table = frame(domain, ctx, result)
    variables = tabular.variables(domain, ctx)
    pyreadstat.write_xport(
        table,
        path,
        file_label=sas_label(domain.label),
        column_labels=[sas_label(v.label) for v in variables],
        table_name=domain.code,
        file_format_version=5,
    )
    return result


def xpt_bytes(
    domain: Domain,
    ctx: ExportContext,
    counter=None,
    *,
    meta: DomainMeta | None = None,
    result: XptResult | None = None,
) -> Iterator[bytes]:
    """The XPORT v5 file as pieces (written to a temporary file first, removed after)."""
    handle, path = tempfile.mkstemp(suffix=".xpt")
    os.close(handle)
    try:
        written = write(domain, ctx, path)
        if result is not None:
            result.rows, result.truncated = written.rows, written.truncated
        if counter is not None:
            counter.rows += written.rows
        with open(path, "rb") as file:
            while piece := file.read(PIECE_BYTES):
                yield piece
    finally:
        os.unlink(path)
