"""SAE reported more than SAE_REPORT_HOURS (24 h) after the site became aware of it."""

import datetime as dt

from django.db.models import F

from assessments.models import AdverseEvent
from edc import protocol

from .base import Finding, evidence, limit

CODE = "sae_reported_late"


def find(*, patient_ids, today):
    allowed = dt.timedelta(hours=protocol.SAE_REPORT_HOURS)
    late = limit(AdverseEvent.objects, patient_ids).filter(
        serious=True, sae_reported_at__gt=F("sae_aware_at") + allowed
    )
    for ae in late.values("id", "patient_id", "term", "grade", "sae_aware_at", "sae_reported_at"):
        hours = (ae["sae_reported_at"] - ae["sae_aware_at"]).total_seconds() / 3600
        yield Finding(
            ae["patient_id"],
            f"AE-{ae['id']}",
            f"SAE {ae['term']} (grade {ae['grade']}) reported {hours:.1f} h after awareness",
            evidence(
                record_id=ae["id"],
                aware_at=ae["sae_aware_at"],
                reported_at=ae["sae_reported_at"],
                hours=round(hours, 1),
                limit_hours=protocol.SAE_REPORT_HOURS,
            ),
        )
