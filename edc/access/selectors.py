"""Who may see what. Every page, API view and export scopes its querysets through here."""

from django.db.models import QuerySet

from .constants import ALL_SITES
from .models import Site


def user_role(user) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    profile = getattr(user, "staff_profile", None)
    # An account without a role yet (user management: training first) has none.
    return (profile.role or None) if profile else None


def user_site_ids(user) -> frozenset[int] | None:
    """Ids of the sites the user is limited to, or None when the role sees every site."""
    role = user_role(user)
    if role is None:
        return frozenset()
    if role in ALL_SITES:
        return None
    cached = getattr(user, "_edc_site_ids", None)
    if cached is None:
        cached = frozenset(user.staff_profile.sites.values_list("id", flat=True))
        user._edc_site_ids = cached
    return cached


def sites_visible_to(user) -> QuerySet[Site]:
    ids = user_site_ids(user)
    qs = Site.objects.all()
    return qs if ids is None else qs.filter(id__in=ids)


def scope_to_user_sites(queryset: QuerySet, user, *, site_lookup: str) -> QuerySet:
    """Restrict ``queryset`` to rows whose ``site_lookup`` (e.g. "patient__site") the user sees."""
    ids = user_site_ids(user)
    if ids is None:
        return queryset
    return queryset.filter(**{f"{site_lookup}__in": ids})
