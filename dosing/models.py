"""Paclitaxel administrations and IMP321 injections, one per planned calendar event."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from edc.audit.models import AuditedModel
from patients.models import CalendarEvent, Patient

from .constants import (
    AdministrationStatus,
    InjectionSite,
    InjectionStatus,
    LocalReaction,
)


class PaclitaxelAdministration(AuditedModel):
    """One paclitaxel dose (or its documented absence) of cycle ``cycle`` day ``day``.

    BSA and planned dose are stored as shown to the site at entry (the regulator needs the
    value the dose was prepared from), recomputed by the service on every save.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="paclitaxel")
    event = models.OneToOneField(CalendarEvent, on_delete=models.PROTECT, related_name="paclitaxel")
    cycle = models.PositiveSmallIntegerField()
    day = models.PositiveSmallIntegerField()
    administration_date = models.DateField(_("date of administration"))
    status = models.CharField(max_length=10, choices=AdministrationStatus.choices)
    status_reason = models.TextField(blank=True)
    height_cm = models.DecimalField(_("height (cm)"), max_digits=5, decimal_places=1)
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=5, decimal_places=1)
    bsa_m2 = models.DecimalField(_("BSA (m²)"), max_digits=4, decimal_places=2)
    dose_level_mg_m2 = models.DecimalField(_("dose level (mg/m²)"), max_digits=4, decimal_places=1)
    planned_dose_mg = models.DecimalField(_("planned dose (mg)"), max_digits=6, decimal_places=1)
    reduction_reason = models.TextField(blank=True)
    actual_dose_mg = models.DecimalField(
        _("actual dose given (mg)"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    infusion_start = models.TimeField(null=True, blank=True)
    infusion_stop = models.TimeField(null=True, blank=True)
    # Hold check as shown at entry (latest haematology within the protocol's look-back).
    anc_at_check = models.DecimalField(
        _("ANC at the hold check (10⁹/L)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    platelets_at_check = models.DecimalField(
        _("platelets at the hold check (10⁹/L)"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
    )
    # True: a threshold was not reached, the protocol says hold; None: no usable lab.
    hold_criteria_met = models.BooleanField(_("hold criteria met"), null=True, blank=True)
    hold_override_confirmed = models.BooleanField(default=False)
    # Premedication before this infusion: each stated yes or no by the site (empty = not yet
    # answered; the casebook shows a given dose without them as in progress).
    premed_dexamethasone = models.BooleanField(
        _("Premedication: dexamethasone"), null=True, blank=True
    )
    premed_antihistamine = models.BooleanField(
        _("Premedication: antihistamine (H1)"), null=True, blank=True
    )
    premed_h2_blocker = models.BooleanField(_("Premedication: H2 blocker"), null=True, blank=True)
    premed_other = models.CharField(
        _("Other premedication (name and dose)"), max_length=200, blank=True
    )
    # The soft checks (dosing.rules) the user confirmed when saving, one per line, as shown.
    warnings_acknowledged = models.TextField(_("Warnings confirmed at entry"), blank=True)

    FREE_TEXT_FIELDS = frozenset({"premed_other"})  # as typed (edc.audit.privacy)

    class Meta:
        ordering = ["patient", "cycle", "day"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "cycle", "day"], name="paclitaxel_one_per_planned_day"
            ),
            models.CheckConstraint(
                condition=Q(infusion_start__isnull=True)
                | Q(infusion_stop__isnull=True)
                | Q(infusion_stop__gte=models.F("infusion_start")),
                name="paclitaxel_infusion_stop_after_start",
            ),
            models.CheckConstraint(
                condition=Q(status=AdministrationStatus.GIVEN, actual_dose_mg__gt=0)
                | (~Q(status=AdministrationStatus.GIVEN) & Q(actual_dose_mg__isnull=True)),
                name="paclitaxel_actual_dose_iff_given",
            ),
        ]

    def __str__(self) -> str:
        return f"Paclitaxel C{self.cycle} D{self.day} — {self.patient}"


class Imp321Injection(AuditedModel):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="imp321")
    event = models.OneToOneField(CalendarEvent, on_delete=models.PROTECT, related_name="imp321")
    injection_number = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=InjectionStatus.choices)
    status_reason = models.TextField(blank=True)
    injected_at = models.DateTimeField(_("date and time of injection"))
    dose_mg = models.DecimalField(
        _("dose (mg)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    dose_reason = models.TextField(blank=True)
    kit_number = models.CharField(max_length=30, blank=True)
    lot_number = models.CharField(max_length=30, blank=True)
    injection_site = models.CharField(max_length=12, choices=InjectionSite.choices, blank=True)
    # An observation the user states ("No reaction" is a choice): never defaulted.
    local_reaction = models.CharField(max_length=12, choices=LocalReaction.choices)
    local_reaction_details = models.TextField(blank=True)
    follows = models.ForeignKey(
        PaclitaxelAdministration,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="injections",
        help_text=_("The paclitaxel dose this injection follows."),
    )
    no_preceding_dose_reason = models.TextField(
        _("reason for no paclitaxel dose the day before"), blank=True
    )
    # The soft checks (dosing.rules) the user confirmed when saving, one per line, as shown.
    warnings_acknowledged = models.TextField(_("Warnings confirmed at entry"), blank=True)

    class Meta:
        verbose_name = _("IMP321 injection")
        ordering = ["patient", "injection_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "injection_number"], name="imp321_one_per_injection_number"
            ),
            models.CheckConstraint(
                condition=Q(status=InjectionStatus.NOT_DONE) | Q(dose_mg__gt=0),
                name="imp321_given_has_positive_dose",
            ),
        ]

    def __str__(self) -> str:
        return f"IMP321 injection {self.injection_number} — {self.patient}"
