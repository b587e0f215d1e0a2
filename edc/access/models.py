from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from simple_history.models import HistoricalRecords

from .constants import Role

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
