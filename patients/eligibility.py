"""Eligibility as a pure function of the per-criterion answers (docs/protocol.md "Eligibility")."""

from collections.abc import Mapping
from dataclasses import dataclass

from edc.protocol import ELIGIBILITY_CRITERIA, Criterion


@dataclass(frozen=True)
class EligibilityResult:
    unmet: tuple[Criterion, ...]
    missing: tuple[Criterion, ...]

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def eligible(self) -> bool:
        return self.complete and not self.unmet


def evaluate(answers: Mapping[str, bool]) -> EligibilityResult:
    """Inclusion criteria must be answered yes, exclusion criteria no; every one answered."""
    missing = tuple(c for c in ELIGIBILITY_CRITERIA if c.code not in answers)
    unmet = tuple(
        c
        for c in ELIGIBILITY_CRITERIA
        if c.code in answers and answers[c.code] != c.required_answer
    )
    return EligibilityResult(unmet=unmet, missing=missing)
