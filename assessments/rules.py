"""Small pure rules of this app (no ORM): lesion kinds, the SAE 24-hour rule, lesion labels."""

from __future__ import annotations

import datetime as dt

from edc import protocol

from .constants import NODAL_ORGANS, NON_TARGET_LABEL_PREFIX, TARGET_LABEL_PREFIX


def is_nodal(organ: str) -> bool:
    """Lymph nodes are measured by short axis and all count as one organ (RECIST 1.1)."""
    return organ in NODAL_ORGANS


def sae_reported_late(aware_at: dt.datetime | None, reported_at: dt.datetime | None) -> bool:
    """docs/protocol.md: an SAE is reported within ``SAE_REPORT_HOURS`` of the site's awareness.

    A later report is accepted (the data are true) but flagged, and becomes a deviation.
    """
    if aware_at is None or reported_at is None:
        return False
    return reported_at - aware_at > dt.timedelta(hours=protocol.SAE_REPORT_HOURS)


def target_label(number: int) -> str:
    return f"{TARGET_LABEL_PREFIX}{number}"


def non_target_label(number: int) -> str:
    return f"{NON_TARGET_LABEL_PREFIX}{number}"
