"""Access-scoped reads of the audit trail (the ``AuditEntry`` review index).

Site staff and monitors see the changes of their sites' records (and trial-wide changes that
belong to no site, such as opening a cohort or locking the database); statisticians and data
managers see every site. Changes to user accounts are for those who manage users only. Each
function costs a fixed number of queries.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import connections
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from edc.access import roles
from edc.access.roles import is_deidentified
from edc.access.selectors import user_site_ids

from .models import AuditEntry

SORTS: dict[str, tuple[str, ...]] = {
    "newest": ("-at", "-id"),
    "oldest": ("at", "id"),
    "form": ("model_label", "-at", "-id"),
    "patient": ("patient_id", "-at", "-id"),
    "user": ("user_id", "-at", "-id"),  # grouped by person (by account, not by name)
    "action": ("action", "-at", "-id"),
}


@dataclass(frozen=True)
class AuditFilters:
    site: int | None = None
    patient: int | None = None
    user: str = ""
    role: str = ""
    form: str = ""
    field: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    action: str = ""
    sort: str = "newest"


# Changes to accounts, roles, sites and training (edc.access) are reviewed by those who manage
# users: they name people and belong to no site, and other roles have no need to know them.
ACCOUNT_RECORDS_PREFIX = "access."


def audit_entries_for_user(user) -> QuerySet[AuditEntry]:
    """Every audit entry the user may review, newest first, ready to display."""
    qs = AuditEntry.objects.select_related("user", "patient__site", "site")
    if not roles.role_can(user, roles.MANAGE_USERS):
        qs = qs.exclude(model_label__startswith=ACCOUNT_RECORDS_PREFIX)
    ids = user_site_ids(user)
    if ids is None:
        return qs
    return qs.filter(Q(site_id__in=ids) | Q(site__isnull=True))


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _changed_field(queryset: QuerySet, field: str):
    """Entries that changed ``field``: on PostgreSQL through the GIN index of migration 0002
    (the expression must match the index's), elsewhere a LIKE on the same column."""
    if connections[queryset.db].vendor == "postgresql":
        return RawSQL(
            "string_to_array(btrim(audit_auditentry.changed_fields, ','), ',') "
            "@> ARRAY[%s]::text[]",
            [field],
            output_field=BooleanField(),
        )
    return Q(changed_fields__contains=f",{field},")


def audit_entries_filter(
    queryset: QuerySet[AuditEntry], filters: AuditFilters, *, user
) -> QuerySet[AuditEntry]:
    """Apply the review filters; de-identified users cannot filter by a person."""
    qs = queryset
    if filters.site is not None:
        qs = qs.filter(site_id=filters.site)
    if filters.patient is not None:
        qs = qs.filter(patient_id=filters.patient)
    if filters.user and not is_deidentified(user):
        qs = qs.filter(user__username=filters.user)
    if filters.role:
        qs = qs.filter(user_role=filters.role)
    if filters.form:
        qs = qs.filter(model_label=filters.form)
    if filters.field:
        qs = qs.filter(_changed_field(qs, filters.field))
    if filters.date_from:
        qs = qs.filter(at__gte=_day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(at__lt=_day_start(filters.date_to + dt.timedelta(days=1)))
    if filters.action:
        qs = qs.filter(action=filters.action)
    return qs.order_by(*SORTS.get(filters.sort, SORTS["newest"]))


def audit_entries_page(
    queryset: QuerySet[AuditEntry], *, page: int, size: int
) -> tuple[list[AuditEntry], bool]:
    """One page and whether another follows, without counting a million rows."""
    page = max(page, 1)
    start = (page - 1) * size
    rows = list(queryset[start : start + size + 1])
    return rows[:size], len(rows) > size


def record_history(*, user, content_type_id: int, object_id: int) -> QuerySet[AuditEntry]:
    """Every write of one record the user may see, oldest first (the record's timeline).

    The caller has already checked the record itself is visible (a 404 otherwise).
    """
    return (
        audit_entries_for_user(user)
        .filter(content_type_id=content_type_id, object_id=object_id)
        .order_by("at", "id")
    )
