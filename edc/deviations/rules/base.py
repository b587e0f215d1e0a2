"""What a rule returns. A rule module exposes ``CODE`` and ``find(*, patient_ids, today)``.

``find`` runs a fixed number of set-based queries (never one per patient) over all patients,
or over ``patient_ids`` when given, and yields one Finding per deviation with its evidence.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Finding:
    patient_id: int
    subject_key: str
    summary: str
    evidence: dict = field(default_factory=dict, hash=False, compare=False)


def jsonable(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def evidence(**values) -> dict:
    return {k: jsonable(v) for k, v in values.items()}


def limit(queryset, patient_ids, lookup: str = "patient_id"):
    return queryset if patient_ids is None else queryset.filter(**{f"{lookup}__in": patient_ids})
