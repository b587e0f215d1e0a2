"""Reads of user management: accounts with role, sites, training; one account's trail.

Each function costs a fixed number of queries whatever the number of users (sites are read
from the profile's ``sites_text``, training records are prefetched).
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from edc.audit.models import AuditEntry

from .constants import Role
from .models import AuthEvent, Site, StaffProfile, TrainingRecord
from .training import TRAININGS, Training, requires_training

HISTORY_LIMIT = 200
SIGN_IN_EVENTS_LIMIT = 50


@dataclass(frozen=True)
class TrainingState:
    """One role's training for one user: the current version acknowledged or not."""

    training: Training
    current: TrainingRecord | None  # the record of the current version
    latest: TrainingRecord | None  # the newest record of this role, whatever its version
    required: bool  # the role enters or signs data: assigning it needs the current version

    @property
    def role(self) -> str:
        return self.training.role

    @property
    def is_current(self) -> bool:
        return self.current is not None

    @property
    def is_outdated(self) -> bool:
        return self.current is None and self.latest is not None


def training_states(records: list[TrainingRecord], roles=None) -> list[TrainingState]:
    """The state of each role's training from a user's records (newest first)."""
    states = []
    for role in roles or Role.values:
        training = TRAININGS[role]
        mine = [r for r in records if r.role == role]
        states.append(
            TrainingState(
                training=training,
                current=next((r for r in mine if r.guide_version == training.label), None),
                latest=mine[0] if mine else None,
                required=requires_training(role),
            )
        )
    return states


@dataclass(frozen=True)
class AccountRow:
    user: object
    profile: StaffProfile | None
    role: str
    role_label: str
    sites: str
    active: bool
    role_training: TrainingState | None  # the training of the account's role
    acknowledged: tuple[TrainingState, ...]  # every role whose current training is acknowledged

    @property
    def training_ok(self) -> bool:
        """False when the account's role needs training that is not (or no longer) current."""
        return (
            self.role_training is None
            or not self.role_training.required
            or (self.role_training.is_current)
        )


def account_row(user) -> AccountRow:
    profile = getattr(user, "staff_profile", None)
    role = (profile.role if profile else "") or ""
    records = list(user.training_records.all())
    states = training_states(records)
    return AccountRow(
        user=user,
        profile=profile,
        role=role,
        role_label=Role(role).label if role else _("No role yet"),
        sites=(profile.sites_text if profile else "") or "",
        active=user.is_active,
        role_training=next((s for s in states if s.role == role), None) if role else None,
        acknowledged=tuple(s for s in states if s.is_current),
    )


def accounts(*, role: str = "", site: Site | None = None, active: str = "") -> QuerySet:
    """Every account (also those made outside user management), by username."""
    qs = (
        get_user_model()
        .objects.select_related("staff_profile")
        .prefetch_related(
            Prefetch(
                "training_records",
                queryset=TrainingRecord.objects.order_by("-acknowledged_at", "-id"),
            )
        )
        .order_by("username")
    )
    if role == "none":
        qs = qs.filter(Q(staff_profile__isnull=True) | Q(staff_profile__role=""))
    elif role in Role.values:
        qs = qs.filter(staff_profile__role=role)
    if site is not None:
        qs = qs.filter(staff_profile__sites=site)
    if active == "yes":
        qs = qs.filter(is_active=True)
    elif active == "no":
        qs = qs.filter(is_active=False)
    return qs


def account_get(pk: int):
    """One account with its profile, or DoesNotExist."""
    return get_user_model().objects.select_related("staff_profile").get(pk=pk)


def account_training(user) -> tuple[list[TrainingRecord], list[TrainingState]]:
    records = list(TrainingRecord.objects.filter(user=user).order_by("-acknowledged_at", "-id"))
    return records, training_states(records)


def account_history(user, records: list[TrainingRecord]) -> QuerySet[AuditEntry]:
    """Every audited write of the account and of its training records, newest first."""
    types = ContentType.objects.get_for_models(StaffProfile, TrainingRecord)
    profile = getattr(user, "staff_profile", None)
    where = Q(content_type=types[TrainingRecord], object_id__in=[r.pk for r in records])
    if profile is not None:
        where |= Q(content_type=types[StaffProfile], object_id=profile.pk)
    return (
        AuditEntry.objects.select_related("user", "patient__site", "site")
        .filter(where)
        .order_by("-at", "-id")[:HISTORY_LIMIT]
    )


def account_sign_in_events(user) -> QuerySet[AuthEvent]:
    """The account's recent events at the door (also failed sign-ins with its username)."""
    return AuthEvent.objects.filter(Q(user=user) | Q(username=user.get_username()))[
        :SIGN_IN_EVENTS_LIMIT
    ]
