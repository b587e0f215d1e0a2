from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from edc.audit.models import AuditedModel

from .constants import AttemptOutcome, AuthEventKind, Role

site_code_validator = RegexValidator(
    r"^[A-Z]{2}[0-9]{2}$", "A site code is two capital letters and two digits, e.g. FR01."
)


class Site(models.Model):
    code = models.CharField(max_length=4, unique=True, validators=[site_code_validator])
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, help_text="ISO 3166 alpha-2 country code")
    # Next subject sequence number; only ever increases, so subject IDs are never reused.
    next_subject_seq = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class StaffProfile(AuditedModel):
    """A user's account in the trial: role, sites, active or not (21 CFR 11.10(d), (g)).

    Written only by ``edc.access.services`` (user management, with a reason), so every change
    is an audited write: history row, ``AuditEntry`` (old → new, who, why) and hash chain. The
    trail reads as people read it: the account by ``person`` ("Inès Martin (investigator)"),
    never by a user id; the sites by ``sites_text`` ("FR01, FR02"), kept by the services in the
    same transaction as the many-to-many ``sites`` (which stays the source of access scoping).
    ``active`` is mirrored to ``user.is_active`` in that transaction: a deactivated user cannot
    sign in; their data and history stay.
    """

    SITE_LOOKUP = None  # an account is trial-wide, not a record of one site
    PATIENT_LOOKUP = None
    CLINICAL_DATA = False
    IDENTIFYING_FIELDS = frozenset({"person"})
    # The trail names the account by the ``person`` text instead of the ``user`` id
    # (edc.audit.records.data_fields).
    AUDIT_NAMED_BY = {"user": "person"}
    # django-simple-history also keeps the site ids of every historical row.
    _history_m2m_fields = ["sites"]

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff_profile"
    )
    person = models.CharField(_("Person"), max_length=300, blank=True)
    # Empty: no trial role yet (a new account acknowledges its training before it gets one).
    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    sites = models.ManyToManyField(Site, blank=True, related_name="staff")
    sites_text = models.CharField(_("Sites"), max_length=500, blank=True)
    active = models.BooleanField(_("Active"), default=True)
    # The interface language (issue 23): empty is the trial's default, English.
    language = models.CharField(
        _("Language"), max_length=5, choices=settings.LANGUAGES, blank=True, default=""
    )

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("user account")

    def __str__(self) -> str:
        return f"{self.person or self.user} ({self.get_role_display() or 'no role'})"


class TrainingRecord(AuditedModel):
    """A user's acknowledgement of the training (the user guide) of one role (21 CFR 11.10(i)).

    Made by the user on "My training", confirmed with their password; kept for good (a newer
    guide version needs a new record). ``guide_version`` is the label the user acknowledged
    ("Investigator and study coordinator guide v1 (2026-12-06)", edc.access.training) and
    ``guide_sha256`` the hash of the guide file they were served.
    """

    SITE_LOOKUP = None
    PATIENT_LOOKUP = None
    CLINICAL_DATA = False
    IDENTIFYING_FIELDS = frozenset({"person"})
    AUDIT_NAMED_BY = {"user": "person"}

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training_records"
    )
    person = models.CharField(_("Person"), max_length=300)
    role = models.CharField(max_length=20, choices=Role.choices)
    guide_version = models.CharField(_("Guide version"), max_length=200)
    guide_sha256 = models.CharField(_("Guide file fingerprint"), max_length=64, blank=True)
    statement = models.CharField(_("Statement acknowledged"), max_length=500)
    acknowledged_at = models.DateTimeField(_("Acknowledged at"), default=timezone.now)

    class Meta:
        ordering = ["-acknowledged_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "guide_version"], name="training_once_per_role_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.guide_version} ({self.get_role_display()})"


class AuthEvent(models.Model):
    """One event at the door: sign-in, sign-out, failure, lockout, unlock, token issue/revoke.

    Append-only: on PostgreSQL a trigger refuses UPDATE and DELETE (edc.audit.append_only) and
    the application role may only SELECT and INSERT (edc.operations.dbroles).
    """

    APPEND_ONLY = True

    kind = models.CharField(max_length=20, choices=AuthEventKind.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    # The username typed (also for unknown users) and the account it belongs to, if any.
    username = models.CharField(max_length=150, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="auth_events",
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    channel = models.CharField(max_length=10, blank=True)  # web, api, command
    # Who acted, when it is not the user (the operator who unlocked or revoked).
    actor = models.CharField(max_length=150, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["username", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.username}"


class TemporaryPassword(models.Model):
    """An account whose password a data manager set and its user has not replaced yet.

    Removed as soon as the password changes, however it changes (edc.access.first_sign_in's
    password validator hook); while it exists, a signed-in session is sent to the password
    change page first.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="temporary_password",
    )
    issued_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Temporary password of {self.user} since {self.issued_at:%Y-%m-%d %H:%M}"


class SigningAttempt(models.Model):
    """Every re-entry of a password to sign (or acknowledge training), for the failed-attempt
    lockout (21 CFR 11.300(d); edc.access.credentials). Append-only.

    Its table keeps the name it was created with, in the monitoring app."""

    APPEND_ONLY = True

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=20, choices=AttemptOutcome.choices)

    class Meta:
        db_table = "monitoring_signingattempt"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "at"], name="signing_attempt_user_at")]

    def __str__(self) -> str:
        return f"{self.user} {self.outcome} at {self.at}"
