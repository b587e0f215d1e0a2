"""Eligibility as a pure function of the per-criterion answers (docs/protocol.md "Eligibility")
and of the facts recorded elsewhere in the casebook that decide a criterion (a prior
chemotherapy for metastatic disease in the prior cancer therapy fails
``edc.protocol.NO_PRIOR_METASTATIC_CHEMO_CRITERION``)."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from edc.protocol import ELIGIBILITY_CRITERIA, NO_PRIOR_METASTATIC_CHEMO_CRITERION, Criterion

from . import constants as msg


@dataclass(frozen=True)
class EligibilityResult:
    unmet: tuple[Criterion, ...]
    missing: tuple[Criterion, ...]
    # Why a criterion is unmet whatever its answer says (criterion code → message).
    reasons: Mapping[str, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def eligible(self) -> bool:
        return self.complete and not self.unmet

    def unmet_text(self) -> str:
        """The unmet criteria in words, with the recorded fact that fails one."""
        return "; ".join(
            f"{c.code} {c.text}" + (f" ({self.reasons[c.code]})" if c.code in self.reasons else "")
            for c in self.unmet
        )


def evaluate(
    answers: Mapping[str, bool], *, prior_metastatic_chemo: bool = False
) -> EligibilityResult:
    """Inclusion criteria must be answered yes, exclusion criteria no; every one answered. A
    recorded prior chemotherapy for metastatic disease fails its criterion, answered or not."""
    reasons = (
        {NO_PRIOR_METASTATIC_CHEMO_CRITERION: msg.PRIOR_METASTATIC_CHEMO}
        if prior_metastatic_chemo
        else {}
    )
    missing = tuple(
        c for c in ELIGIBILITY_CRITERIA if c.code not in answers and c.code not in reasons
    )
    unmet = tuple(
        c
        for c in ELIGIBILITY_CRITERIA
        if c.code in reasons or (c.code in answers and answers[c.code] != c.required_answer)
    )
    return EligibilityResult(unmet=unmet, missing=missing, reasons=reasons)
