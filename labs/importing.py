"""Reading a central-lab CSV file: structure, header, one row at a time. Pure: no ORM.

The file is read as a stream (``csv`` over an ``io.TextIOWrapper`` of the binary upload):
memory stays bounded by one row, whatever the file size. UTF-8 is required (a byte-order mark
is accepted, as Excel writes one); the delimiter is a comma, or a semicolon when the header
uses semicolons (the "CSV" of European spreadsheet locales).

Columns (header names are matched case-insensitively, spaces/dashes = underscores, a few
common spellings accepted): subject_id, collected_at, analyte, value, unit, lab.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import BinaryIO

from labs import constants as msg

COLUMNS: tuple[str, ...] = ("subject_id", "collected_at", "analyte", "value", "unit", "lab")
COLUMN_LABELS = {
    "subject_id": "subject ID",
    "collected_at": "collection date/time",
    "analyte": "analyte code",
    "value": "value",
    "unit": "unit",
    "lab": "laboratory",
}
_ALIASES = {
    "subject": "subject_id",
    "subjectid": "subject_id",
    "subject_identifier": "subject_id",
    "collection_date_time": "collected_at",
    "collection_datetime": "collected_at",
    "collection_date_and_time": "collected_at",
    "collected": "collected_at",
    "analyte_code": "analyte",
    "test": "analyte",
    "test_code": "analyte",
    "result": "value",
    "lab_code": "lab",
    "laboratory": "lab",
    "laboratory_code": "lab",
}
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


class FileProblem(ValueError):
    """The file as a whole cannot be read: nothing is imported, the message says why."""


@dataclass(frozen=True)
class RawRow:
    line: int
    subject_id: str
    collected_at: str
    analyte: str
    value: str
    unit: str
    lab: str
    extra_fields: bool = False


def column_key(header: str) -> str:
    key = re.sub(r"[\s\-/]+", "_", header.strip().lstrip("\ufeff").casefold()).strip("_")
    return _ALIASES.get(key, key)


def _text(stream: BinaryIO) -> io.TextIOWrapper:
    return io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")


def read_rows(stream: BinaryIO) -> Iterator[RawRow]:
    """Yield each non-blank data row; raise ``FileProblem`` for encoding, CSV or header faults.

    A decoding error is only found when the reader reaches it, so a caller that must refuse a
    bad file *before* acting on it runs :func:`scan` first.
    """
    text = _text(stream)
    line = 1
    try:
        header_line = text.readline()
        if not header_line.strip():
            raise FileProblem(msg.IMPORT_EMPTY)
        delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
        header = next(csv.reader([header_line], delimiter=delimiter))
        keys = [column_key(h) for h in header]
        missing = [c for c in COLUMNS if c not in keys]
        if missing:
            raise FileProblem(
                msg.IMPORT_MISSING_COLUMNS.format(
                    missing=", ".join(missing), expected=", ".join(COLUMNS)
                )
            )
        index = {c: keys.index(c) for c in COLUMNS}
        reader = csv.reader(text, delimiter=delimiter)
        for fields in reader:
            line = reader.line_num + 1
            if not any(f.strip() for f in fields):
                continue
            padded = fields + [""] * (len(keys) - len(fields))
            yield RawRow(
                line=line,
                **{c: padded[i].strip() for c, i in index.items()},
                extra_fields=len(fields) > len(keys),
            )
    except UnicodeDecodeError:
        raise FileProblem(msg.IMPORT_BAD_ENCODING.format(line=line + 1)) from None
    except csv.Error as exc:
        raise FileProblem(msg.IMPORT_NOT_CSV.format(error=exc)) from None
    finally:
        text.detach()


def check_utf8(stream: BinaryIO, *, block: int = 64 * 1024) -> None:
    """Refuse a file that is not UTF-8, naming the line of the first undecodable byte."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines_before = 0
    while True:
        chunk = stream.read(block)
        try:
            decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            # ``start`` counts from the bytes the decoder held back from the previous block.
            pending = exc.object[: exc.start]
            line = lines_before + pending.count(b"\n") + 1
            raise FileProblem(msg.IMPORT_BAD_ENCODING.format(line=line)) from None
        if not chunk:
            return
        lines_before += chunk.count(b"\n")


def scan(stream: BinaryIO) -> int:
    """Read the whole file (streaming) and return its number of data rows.

    Raises ``FileProblem`` when the file is empty, not UTF-8, not CSV, lacks a column or has
    no data row. ``stream`` must be seekable (it is read twice).
    """
    check_utf8(stream)
    stream.seek(0)
    count = sum(1 for _ in read_rows(stream))
    if count == 0:
        raise FileProblem(msg.IMPORT_NO_ROWS)
    return count


def parse_collected_at(text: str, *, tz: dt.tzinfo) -> dt.datetime | None:
    """``YYYY-MM-DD HH:MM[:SS]`` (or with ``T``, optional UTC offset), else ``None``.

    A time without an offset is read in ``tz`` (the trial's TIME_ZONE); a date alone is refused:
    the collection time is part of a result's identity (two draws on one day are two results).
    """
    text = text.strip()
    if not _DATETIME.match(text):
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value


def parse_value(text: str) -> Decimal | None:
    """A finite decimal number (``.`` as decimal separator), else ``None``."""
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def missing_field(row: RawRow) -> str | None:
    """The label of the first required column left empty in ``row``."""
    for column in COLUMNS:
        if not getattr(row, column):
            return COLUMN_LABELS[column]
    return None
