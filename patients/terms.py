"""MedDRA-coded terms for the medical history: the CTCAE v5.0 list adverse events use.

The list and its lookup are ``assessments.ctcae`` (its data file is vendored once, in
``assessments/data``). ``patients`` sits on a lower floor and may not import it, so the
assessments app hands its lookup over when it starts (``assessments.apps``), as the audit
layer receives the lock check from monitoring (``edc.audit.hooks``).
"""

from __future__ import annotations

from collections.abc import Callable

_source: dict[str, Callable] = {}


def register_term_source(*, by_code: Callable[[str], dict | None], all_terms: Callable) -> None:
    """Called once by ``assessments.apps.AssessmentsConfig.ready``."""
    _source["by_code"] = by_code
    _source["all_terms"] = all_terms


def term_by_code(code: str) -> dict | None:
    """The CTCAE v5.0 term (``meddra_code``, ``term``, ``soc``…) with this MedDRA code."""
    if not code:
        return None
    return _source["by_code"](code)


def term_choices() -> tuple:
    """Terms grouped by system organ class, for a select."""
    groups: dict[str, list] = {}
    for term in _source["all_terms"]():
        groups.setdefault(term["soc"], []).append((term["meddra_code"], term["term"]))
    return tuple((soc, tuple(terms)) for soc, terms in groups.items())
