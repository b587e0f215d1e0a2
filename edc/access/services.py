"""Accounts, roles, sites and training: the one write path of user management.

21 CFR 11.10(d), (g), (i); issue 18 §2. Every change of an account is an audited write of its
``StaffProfile`` (``audited_create`` / ``audited_update``, with the reason), so it appears in the
audit review, its CSV and API, and the hash chain. The rules, the same for every caller:

* only users allowed to ``roles.MANAGE_USERS`` (data managers) manage accounts, and nobody
  changes their own role, sites or activation;
* a reason is required;
* site-scoped roles (investigator, coordinator, monitor) need at least one site, all-site
  roles (statistician, data manager) take none, an account without a role has none;
* a role that enters or signs data is granted (assigned, given a new site, reactivated) only
  to a user who acknowledged the current version of that role's training
  (edc.access.training); taking rights away never waits for training;
* an account is never deleted: deactivating it sets ``user.is_active`` to False in the same
  transaction (no sign-in, no API token, open sessions end), and its data and history stay.

``staff_assign`` is the set-up path of scripts without a signed-in actor (the demo, test
fixtures, seeds): audited, idempotent, the training rule holds (``training_setup`` records the
acknowledgement first); no page or API calls it.
"""

import secrets
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from edc.audit.display import field_label, person_label, value_text
from edc.audit.exceptions import StaleVersion
from edc.audit.records import data_fields
from edc.audit.services import audited_create, audited_update, changes_since

from . import roles
from . import user_constants as msg
from .constants import ALL_SITES, SITE_SCOPED, Role
from .models import Site, StaffProfile, TemporaryPassword, TrainingRecord
from .roles import ROLE_EXTRA_PERMISSIONS, ROLE_PERMISSIONS, group_name
from .training import current_version, guide_sha256, requires_training, training_for

SET_UP_REASON = "Account set up"
# The interface language a new account starts with, from its first site's country (issue 23);
# any other country: English. The data manager may choose another one.
COUNTRY_LANGUAGE = {"FR": "fr", "BE": "fr", "NL": "nl"}
DEFAULT_LANGUAGE = "en"
# A temporary password: 4 groups of 4 characters without look-alikes (0/O, 1/l/I), ~94 bits.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@transaction.atomic
def roles_sync() -> dict[str, int]:
    """Make each role's group hold exactly the permissions of the table. Idempotent."""
    counts: dict[str, int] = {}
    all_perms = Permission.objects.select_related("content_type")
    for role in Role:
        group, _created = Group.objects.get_or_create(name=group_name(role))
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


# --- rules ------------------------------------------------------------------------------------


def temporary_password() -> str:
    return "-".join("".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(4))


def sites_text(sites: Iterable[Site]) -> str:
    """The sites as the audit trail shows them: sorted codes, "FR01, FR02"."""
    return ", ".join(sorted(site.code for site in sites))


def training_is_current(user, role: str) -> bool:
    """Has ``user`` acknowledged the current version of ``role``'s training?"""
    if user is None or user.pk is None:
        return False
    return TrainingRecord.objects.filter(
        user=user, role=role, guide_version=current_version(role)
    ).exists()


def language_for_sites(sites: Iterable[Site]) -> str:
    """The language of an account working at ``sites``: the first site's country decides
    (France, Belgium: French; the Netherlands: Dutch; any other country or no site: English)."""
    first = next(iter(sites), None)
    country = (first.country if first is not None else "").strip().upper()
    return COUNTRY_LANGUAGE.get(country, DEFAULT_LANGUAGE)


def language_codes() -> tuple[str, ...]:
    return tuple(code for code, _name in settings.LANGUAGES)


def _check_language(language: str) -> str:
    """A language code of ``settings.LANGUAGES``, or "" (the trial's default, English)."""
    language = (language or "").strip()
    if language and language not in language_codes():
        raise ValidationError({"language": _(msg.UNKNOWN_LANGUAGE)})
    return language


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _(msg.REASON_REQUIRED)})
    return reason


def _not_own_account(actor, user) -> None:
    if actor is not None and user is not None and actor.pk == user.pk:
        raise PermissionDenied(_(msg.OWN_ACCOUNT))


def _role_label(role: str) -> str:
    return Role(role).label.lower()


def _check_role_and_sites(role: str, sites: list[Site]) -> None:
    if role and role not in Role.values:
        raise ValidationError({"role": _(msg.UNKNOWN_ROLE)})
    if role in SITE_SCOPED and not sites:
        raise ValidationError({"sites": _(msg.SITES_REQUIRED).format(role=_role_label(role))})
    if role in ALL_SITES and sites:
        raise ValidationError(
            {"sites": _(msg.NO_SITES_FOR_ALL_SITES_ROLE).format(role=_role_label(role))}
        )
    if not role and sites:
        raise ValidationError({"sites": _(msg.NO_SITES_WITHOUT_ROLE)})


def _check_training(user, role: str) -> None:
    if not requires_training(role) or training_is_current(user, role):
        return
    raise ValidationError(
        {
            "role": _(msg.TRAINING_REQUIRED).format(
                person=person_label(user), training=training_for(role).label, role=_role_label(role)
            )
        }
    )


def _sync_user(user, *, role: str, active: bool) -> None:
    """The Django side of the account: ``is_active`` and the role's group (admin rights)."""
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
    groups = [Group.objects.get_or_create(name=group_name(role))[0]] if role else []
    user.groups.set(groups)


def _set_sites(profile: StaffProfile, sites: list[Site]) -> None:
    """Set the many-to-many sites without a history row of their own: the audited save that
    follows records them (``sites_text``, and the site ids in the history's m2m table)."""
    profile.skip_history_when_saving = True
    try:
        profile.sites.set(sites)
    finally:
        del profile.skip_history_when_saving


def _profile_create(
    *, user, role: str, sites: list[Site], actor, reason: str, language: str = ""
) -> StaffProfile:
    profile = StaffProfile(
        user=user,
        person=person_label(user),
        role=role,
        sites_text=sites_text(sites),
        active=user.is_active,
        language=language,
    )
    audited_create(profile, user=actor, reason=reason)
    if sites:
        # The history row of this first save of the sites carries the same user and reason.
        profile.sites.set(sites)
    _sync_user(user, role=role, active=profile.active)
    return profile


def _profile_change(
    profile: StaffProfile,
    *,
    user,
    actor,
    reason: str,
    expected_version: int | None,
    changes: dict,
    sites: list[Site] | None = None,
) -> StaffProfile:
    locked = StaffProfile.objects.select_for_update().get(pk=profile.pk)
    if expected_version is not None and locked.version != expected_version:
        raise _stale(locked, expected_version)
    if sites is not None:
        _set_sites(locked, sites)
    saved = audited_update(
        locked, user=actor, reason=reason, expected_version=locked.version, changes=changes
    )
    _sync_user(user, role=saved.role, active=saved.active)
    profile.__dict__.update({k: v for k, v in saved.__dict__.items() if not k.startswith("_")})
    return saved


def _stale(profile: StaffProfile, expected_version: int) -> StaleVersion:
    """The refusal of a stale form, its changes as people read them ("Sites: FR01 → FR02")."""
    shown = {field.name for field in data_fields(StaffProfile)}
    changes = [
        {
            **change,
            "field": field_label(StaffProfile, change["field"]),
            "old": value_text(StaffProfile, change["field"], change["old"]),
            "new": value_text(StaffProfile, change["field"], change["new"]),
        }
        for change in changes_since(profile, expected_version)
        if change["field"] in shown and change["field"] != "person"
    ]
    return StaleVersion(current_version=profile.version, changes=changes)


def _profile_of(user) -> StaffProfile | None:
    return StaffProfile.objects.filter(user=user).first()


# --- user management (data managers) ----------------------------------------------------------


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    full_name: str,
    email: str,
    role: str,
    sites,
    reason: str,
    language: str | None = None,
) -> tuple:
    """Create an account with a one-time temporary password; returns ``(user, password)``.

    The password is shown once to the data manager; the user must replace it at first sign-in
    (edc.access.first_sign_in). A role that enters or signs data cannot be given yet: the new
    user has no training record; create the account without a role, then assign it.

    ``language`` is the account's interface language (a code of ``settings.LANGUAGES``);
    empty or None: the language of the first site's country (``language_for_sites``). It is
    stored on the profile in the same audited write.
    """
    roles.require(actor, roles.MANAGE_USERS)
    User = get_user_model()
    sites = list(sites or ())
    role = role or ""
    errors: dict[str, str] = {}
    username = (username or "").strip()
    full_name = " ".join((full_name or "").split())
    email = (email or "").strip()
    if not username:
        errors["username"] = _(msg.USERNAME_REQUIRED)
    else:
        try:
            UnicodeUsernameValidator()(username)
        except ValidationError as exc:
            errors["username"] = exc.messages[0]
        else:
            if len(username) > 150:
                errors["username"] = _("At most 150 characters.")
            elif User.objects.filter(username__iexact=username).exists():
                errors["username"] = _(msg.USERNAME_TAKEN)
    if " " not in full_name:
        errors["full_name"] = _(msg.FULL_NAME_REQUIRED)
    if not email:
        errors["email"] = _(msg.EMAIL_REQUIRED)
    else:
        try:
            validate_email(email)
        except ValidationError as exc:
            errors["email"] = exc.messages[0]
        else:
            if User.objects.filter(email__iexact=email).exists():
                errors["email"] = _(msg.EMAIL_TAKEN)
    if not (reason or "").strip():
        errors["reason"] = _(msg.REASON_REQUIRED)
    try:
        language = _check_language(language)
    except ValidationError as exc:
        errors.update({field: messages[0] for field, messages in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    _check_role_and_sites(role, sites)
    if requires_training(role):
        raise ValidationError(
            {
                "role": _(msg.TRAINING_REQUIRED_NEW_ACCOUNT).format(
                    role=_role_label(role), training=training_for(role).label
                )
            }
        )
    first_name, last_name = full_name.split(" ", 1)
    user = User(username=username, first_name=first_name, last_name=last_name, email=email)
    password = temporary_password()
    user.set_password(password)
    user.save()
    TemporaryPassword.objects.create(user=user)
    _profile_create(
        user=user,
        role=role,
        sites=sites,
        actor=actor,
        reason=_reason(reason),
        language=language or language_for_sites(sites),
    )
    return user, password


@transaction.atomic
def staff_change(
    *,
    actor,
    user,
    role: str,
    sites,
    reason: str,
    expected_version: int | None,
    language: str | None = None,
) -> StaffProfile:
    """Change an account's role, sites and interface language, with a reason, from the
    version the form showed. ``language`` None keeps the account's language; "" is the
    trial's default (English)."""
    roles.require(actor, roles.MANAGE_USERS)
    _not_own_account(actor, user)
    reason = _reason(reason)
    role = role or ""
    sites = list(sites or ())
    _check_role_and_sites(role, sites)
    if language is not None:
        language = _check_language(language)
    profile = _profile_of(user)
    if profile is None:
        _check_training(user, role)
        return _profile_create(
            user=user, role=role, sites=sites, actor=actor, reason=reason, language=language or ""
        )
    if language is None:
        language = profile.language
    old_sites = set(profile.sites.values_list("pk", flat=True))
    new_sites = {site.pk for site in sites}
    if profile.role == role and old_sites == new_sites and profile.language == language:
        if expected_version is not None and profile.version != expected_version:
            raise _stale(profile, expected_version)
        raise ValidationError(_(msg.NOTHING_CHANGED))
    granting = profile.role != role or not new_sites <= old_sites
    if granting and profile.active:
        _check_training(user, role)
    return _profile_change(
        profile,
        user=user,
        actor=actor,
        reason=reason,
        expected_version=expected_version,
        changes={
            "role": role,
            "sites_text": sites_text(sites),
            "language": language,
            "person": person_label(user),
        },
        sites=sites,
    )


def _set_active(*, actor, user, reason: str, active: bool, expected_version) -> StaffProfile:
    roles.require(actor, roles.MANAGE_USERS)
    _not_own_account(actor, user)
    reason = _reason(reason)
    profile = _profile_of(user)
    if profile is None:  # an account made outside user management (e.g. a superuser)
        profile = _profile_create(user=user, role="", sites=[], actor=actor, reason=reason)
    if profile.active == active:
        raise ValidationError(_(msg.ALREADY_ACTIVE) if active else _(msg.ALREADY_INACTIVE))
    if active:
        _check_training(user, profile.role)
    return _profile_change(
        profile,
        user=user,
        actor=actor,
        reason=reason,
        expected_version=expected_version,
        changes={"active": active, "person": person_label(user)},
    )


@transaction.atomic
def user_deactivate(*, actor, user, reason: str, expected_version: int | None = None):
    """Deactivate an account: no sign-in, no API token, open sessions end; data stays."""
    return _set_active(
        actor=actor, user=user, reason=reason, active=False, expected_version=expected_version
    )


@transaction.atomic
def user_reactivate(*, actor, user, reason: str, expected_version: int | None = None):
    """Reactivate an account (its role needs current training if it enters or signs data)."""
    return _set_active(
        actor=actor, user=user, reason=reason, active=True, expected_version=expected_version
    )


def user_mfa_reset(*, actor, user, reason: str, request=None) -> int:
    """Remove another user's authenticator app and recovery codes (lost phone), with a reason:
    ``edc.access.mfa.mfa_reset`` (an audited ``mfa_reset`` sign-in event) for data managers."""
    from .mfa import mfa_reset

    roles.require(actor, roles.MANAGE_USERS)
    _not_own_account(actor, user)
    return mfa_reset(user=user, actor=actor, reason=_reason(reason), request=request)


# --- training (the user themself) -------------------------------------------------------------


@transaction.atomic
def training_acknowledge(*, user, role: str, guide_version: str) -> TrainingRecord:
    """Record that ``user`` read and understood ``role``'s guide, version ``guide_version``.

    The page asks for the user's password first (edc.access.credentials
    .signing_credentials_check), as for a signature. ``guide_version`` is the version the page
    showed: a guide that changed meanwhile is refused.
    """
    if role not in Role.values:
        raise ValidationError({"role": _(msg.UNKNOWN_ROLE)})
    if not user.is_active:
        raise PermissionDenied(_(msg.INACTIVE_CANNOT_TRAIN))
    training = training_for(role)
    if guide_version != training.label:
        raise ValidationError(
            {"guide_version": _(msg.GUIDE_CHANGED).format(current=training.label)}
        )
    if training_is_current(user, role):
        raise ValidationError(_(msg.ALREADY_ACKNOWLEDGED).format(training=training.label))
    record = TrainingRecord(
        user=user,
        person=person_label(user),
        role=role,
        guide_version=training.label,
        guide_sha256=guide_sha256(role),
        statement=training.statement,
        acknowledged_at=timezone.now(),
    )
    return audited_create(record, user=user, reason=f"Training acknowledged: {training.label}")


# --- set-up by scripts (demo, fixtures, seeds) ------------------------------------------------


def training_setup(*, user, role: str) -> TrainingRecord | None:
    """Scripts (demo, fixtures, seeds): ``user`` acknowledges the current training of ``role``
    when the role needs one and it is not acknowledged yet (in the browser, "My training" asks
    for the password first). Returns the new record, or None."""
    if not requires_training(role) or training_is_current(user, role):
        return None
    return training_acknowledge(user=user, role=role, guide_version=current_version(role))


@transaction.atomic
def staff_assign(
    *, user, role: str, sites: list[Site] | tuple[Site, ...] = (), reason: str = SET_UP_REASON
) -> StaffProfile:
    """Give a user a trial role and sites from a script, audited (no actor: "system").

    A role that enters or signs data needs the user's current training, as in user management
    (scripts record it first with ``training_setup``); the sites are taken as given (a fixture
    may want an investigator of no site). Idempotent: the same role and sites write nothing.
    """
    sites = list(sites)
    if role not in Role.values:
        raise ValidationError({"role": _(msg.UNKNOWN_ROLE)})
    profile = _profile_of(user)
    if profile is None:
        _check_training(user, role)
        return _profile_create(user=user, role=role, sites=sites, actor=None, reason=reason)
    same_sites = set(profile.sites.values_list("pk", flat=True)) == {s.pk for s in sites}
    if profile.role == role and same_sites and profile.active == user.is_active:
        return profile
    _check_training(user, role)
    return _profile_change(
        profile,
        user=user,
        actor=None,
        reason=reason,
        expected_version=None,
        changes={
            "role": role,
            "sites_text": sites_text(sites),
            "person": person_label(user),
            "active": user.is_active,
        },
        sites=sites,
    )
