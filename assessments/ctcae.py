"""NCI CTCAE v5.0 terms, grades and definitions as data the project owns.

The official workbook (``CTCAE_v5.0.xlsx``, sheet "CTCAE v5.0 Clean Copy") is a build-time
input only: ``python -m assessments.ctcae /path/to/CTCAE_v5.0.xlsx`` converts it once into
``assessments/data/ctcae_v5.json``, which is committed and is what the application reads. A
test converts the workbook again and compares, so the file cannot drift from the source.

Each term is ``{"meddra_code": "10029366", "term": ..., "soc": ..., "grades": {"1": ..., "5":
...}, "definition": ...}``. A grade the workbook marks "-" does not exist for that term and is
an empty string (e.g. no grade 5 for "Neutrophil count decreased"); so is a missing definition.
Text is kept verbatim except whitespace: non-breaking spaces become spaces, runs of spaces
collapse, lines are stripped (multi-paragraph grades such as "Hearing impaired" keep their
line breaks). Terms are sorted by system organ class then term, as in the workbook.

Pure: no ORM, no Django. openpyxl is a development dependency, imported only to convert.
"""

from __future__ import annotations

import argparse
import json
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

GRADES: tuple[str, ...] = ("1", "2", "3", "4", "5")
SHEET_NAME = "CTCAE v5.0 Clean Copy"
DATA_FILE = "ctcae_v5.json"
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "data" / DATA_FILE

_ABSENT = {"-", "–", "—"}  # the workbook's "grade does not exist"
_COLUMNS = {
    "meddra_code": "MedDRA Code",
    "soc": "MedDRA SOC",
    "term": "CTCAE Term",
    "definition": "Definition",
    **{f"grade_{g}": f"Grade {g}" for g in GRADES},
}


def _clean(text: Any) -> str:
    if text is None:
        return ""
    lines = str(text).replace("\xa0", " ").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cleaned = "\n".join(re.sub(r"[ \t]+", " ", line).strip() for line in lines).strip()
    return "" if cleaned in _ABSENT else cleaned


def _sort_key(term: dict) -> tuple[str, str]:
    return (term["soc"].casefold(), term["term"].casefold())


def convert_workbook(path: str | Path) -> list[dict]:
    """Read the NCI CTCAE v5.0 workbook into one dict per term, sorted by SOC then term."""
    from openpyxl import load_workbook  # development dependency; only needed to convert

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook[SHEET_NAME] if SHEET_NAME in workbook.sheetnames else workbook.active
        rows = sheet.iter_rows(values_only=True)
        header = [_clean(cell) for cell in next(rows)]
        index = {key: header.index(label) for key, label in _COLUMNS.items()}
        terms = []
        for row in rows:
            if row[index["meddra_code"]] is None:
                continue  # trailing blank rows
            code = row[index["meddra_code"]]
            if isinstance(code, float | int):
                code = int(code)  # the workbook stores codes as numbers
            terms.append(
                {
                    "meddra_code": str(int(code))
                    if isinstance(code, float | int)
                    else _clean(code),
                    "term": _clean(row[index["term"]]),
                    "soc": _clean(row[index["soc"]]),
                    "grades": {g: _clean(row[index[f"grade_{g}"]]) for g in GRADES},
                    "definition": _clean(row[index["definition"]]),
                }
            )
    finally:
        workbook.close()
    return sorted(terms, key=_sort_key)


def dumps(terms: list[dict]) -> str:
    """The committed file's exact serialisation (stable diffs when NCI issues an update)."""
    return json.dumps(terms, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


@cache
def _terms() -> tuple[dict, ...]:
    text = resources.files(__package__).joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    return tuple(json.loads(text))


@cache
def _by_code() -> dict[str, dict]:
    return {t["meddra_code"]: t for t in _terms()}


def _copy(term: dict) -> dict:
    return {**term, "grades": dict(term["grades"])}


def load_terms() -> list[dict]:
    """All CTCAE v5.0 terms from the committed data file (parsed once, copies returned)."""
    return [_copy(t) for t in _terms()]


def term_by_code(code: str | int) -> dict | None:
    """The term with this MedDRA code, or ``None``."""
    term = _by_code().get(str(code).strip())
    return _copy(term) if term is not None else None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m assessments.ctcae",
        description="Convert the NCI CTCAE v5.0 workbook into assessments/data/ctcae_v5.json.",
    )
    parser.add_argument("workbook", type=Path, help="path to CTCAE_v5.0.xlsx")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    terms = convert_workbook(args.workbook)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(dumps(terms), encoding="utf-8")
    print(f"Wrote {len(terms)} CTCAE terms to {args.output}")


if __name__ == "__main__":
    main()
