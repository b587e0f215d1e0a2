from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .constants import AuthEventKind, Role

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


class StaffProfile(models.Model):
    """A user's trial role and the sites they belong to (site staff) or monitor (monitors)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    sites = models.ManyToManyField(Site, blank=True, related_name="staff")
    history = HistoricalRecords(m2m_fields=[sites])

    class Meta:
        ordering = ["user__username"]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


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
