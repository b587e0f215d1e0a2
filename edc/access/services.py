from django.contrib.auth.models import Group, Permission
from django.db import transaction

from .constants import Role
from .models import Site, StaffProfile
from .roles import ROLE_EXTRA_PERMISSIONS, ROLE_PERMISSIONS, group_name


@transaction.atomic
def roles_sync() -> dict[str, int]:
    """Make each role's group hold exactly the permissions of the table. Idempotent."""
    counts: dict[str, int] = {}
    all_perms = Permission.objects.select_related("content_type")
    for role in Role:
        group, _ = Group.objects.get_or_create(name=group_name(role))
        apps = ROLE_PERMISSIONS[role]
        extra = ROLE_EXTRA_PERMISSIONS[role]
        wanted = [
            perm
            for perm in all_perms
            if perm.codename.split("_", 1)[0] in apps.get(perm.content_type.app_label, ())
            and perm.codename.split("_", 1)[1] == perm.content_type.model
            or f"{perm.content_type.app_label}.{perm.codename}" in extra
        ]
        group.permissions.set(wanted)
        counts[role] = len(wanted)
    return counts


@transaction.atomic
def staff_assign(*, user, role: str, sites: list[Site] | tuple[Site, ...] = ()) -> StaffProfile:
    """Give a user a trial role (and sites); the role's group is the only group they hold."""
    profile, _ = StaffProfile.objects.update_or_create(user=user, defaults={"role": role})
    profile.sites.set(sites)
    user.groups.set([Group.objects.get_or_create(name=group_name(role))[0]])
    return profile
