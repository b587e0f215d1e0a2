import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from edc.access.selectors import scope_to_user_sites

from .constants import ACTIVE
from .models import Deviation


def deviations_visible_to(user) -> QuerySet[Deviation]:
    qs = Deviation.objects.select_related("patient__site", "status_changed_by")
    return scope_to_user_sites(qs, user, site_lookup="patient__site")


def deviations_filtered(
    *,
    user,
    site: str = "",
    rule: str = "",
    status: str = "",
    older_than_days: int | None = None,
    patient: int | None = None,
):
    qs = deviations_visible_to(user)
    if site:
        qs = qs.filter(patient__site__code=site)
    if rule:
        qs = qs.filter(rule=rule)
    if status:
        qs = qs.filter(status=status)
    if patient:
        qs = qs.filter(patient_id=patient)
    if older_than_days is not None:
        qs = qs.filter(detected_at__lte=timezone.now() - dt.timedelta(days=older_than_days))
    return qs


def active_counts(*, user) -> dict[str, int]:
    return deviations_visible_to(user).aggregate(
        open=Count("id", filter=Q(status="open")),
        acknowledged=Count("id", filter=Q(status="acknowledged")),
        major=Count("id", filter=Q(status__in=ACTIVE, severity="major")),
    )
