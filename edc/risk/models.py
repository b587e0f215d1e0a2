"""Central monitoring: computed snapshots of the key risk indicators, and monitors' actions.

``RiskRun`` is one computation of every indicator and statistical check over the whole trial
(``services.risk_refresh``); ``SiteRisk`` its row per site: the indicator values, each value's
level against the thresholds (``settings.RISK_KRI_THRESHOLDS``), the check findings in words
and the monthly trend. Snapshots are derived data, recomputed from the trial's records: they
are stored plainly (one run per day, replaced when recomputed the same day — idempotent), not
through the audited write path.

``SiteNote`` and ``MonitoringVisit`` are what a monitor does about a site: audited records
(``edc.audit.services.audited_create``), monitoring metadata, not trial data.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from edc.access.models import Site
from edc.audit.models import AuditedModel


class Level(models.TextChoices):
    OK = "ok", _("Within limits")
    # Translators: a key risk indicator's level: worth watching.
    WATCH = "watch", pgettext_lazy("risk level", "Watch")
    # Translators: a key risk indicator's level: the monitor must act.
    ACT = "act", pgettext_lazy("risk level", "Act")
    NONE = "none", _("Not enough data")


LEVEL_RANK = {Level.NONE: 0, Level.OK: 0, Level.WATCH: 1, Level.ACT: 2}


class RiskRun(models.Model):
    """One computation of the indicators and checks, as of a day (one per day)."""

    as_of = models.DateField(unique=True)
    computed_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    patients = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-as_of"]
        verbose_name = _("site-risk computation")

    def __str__(self) -> str:
        return f"Site-risk computation of {self.as_of:%d %b %Y}"


class SiteRisk(models.Model):
    """A site's indicators, levels, findings and trend in one run."""

    SITE_LOOKUP = "site"

    run = models.ForeignKey(RiskRun, on_delete=models.CASCADE, related_name="sites")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    # {indicator code: value or None}
    values = models.JSONField(default=dict)
    # {indicator code: level}
    levels = models.JSONField(default=dict)
    # [{"check", "measure", "text", "p"}] — statistical findings, each a sentence
    findings = models.JSONField(default=list)
    # {"months": ["2026-07", …], "series": {indicator code: [value or None, …]}}
    trend = models.JSONField(default=dict)
    level = models.CharField(max_length=5, choices=Level.choices, default=Level.OK)

    class Meta:
        ordering = ["site__code"]
        constraints = [
            models.UniqueConstraint(fields=["run", "site"], name="site_risk_once_per_run"),
        ]

    def __str__(self) -> str:
        return f"Site risk of {self.site.code}"


class SiteNote(AuditedModel):
    """A monitor's note about a site (what was seen, what was agreed)."""

    SITE_LOOKUP = "site"
    PATIENT_LOOKUP = None
    CLINICAL_DATA = False
    FREE_TEXT_FIELDS = frozenset({"indicator"})

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    indicator = models.CharField(_("About"), max_length=40, blank=True)
    text = models.TextField(_("Note"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("site note")

    def __str__(self) -> str:
        return f"Note on site {self.site.code}"


class MonitoringVisit(AuditedModel):
    """A monitoring visit scheduled at a site (on-site or remote), with its purpose."""

    SITE_LOOKUP = "site"
    PATIENT_LOOKUP = None
    CLINICAL_DATA = False

    class Kind(models.TextChoices):
        ON_SITE = "on_site", _("On-site visit")
        REMOTE = "remote", _("Remote visit")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    planned_on = models.DateField(_("Planned date"))
    kind = models.CharField(_("Kind of visit"), max_length=8, choices=Kind.choices)
    purpose = models.TextField(_("Purpose"))
    monitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["planned_on", "id"]
        verbose_name = _("monitoring visit")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.site.code}"
