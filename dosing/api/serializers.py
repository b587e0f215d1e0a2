from rest_framework import serializers

from edc.api.serializers import BlankChoicesMixin, DateTimeField, WithheldFieldsMixin

from .. import rules
from ..constants import (
    DOSE_LEVEL_CHOICES,
    AdministrationStatus,
    InjectionSite,
    InjectionStatus,
    LocalReaction,
)
from ..models import Imp321Injection, PaclitaxelAdministration


class PaclitaxelSerializer(WithheldFieldsMixin, BlankChoicesMixin, serializers.ModelSerializer):
    subject_id = serializers.CharField(source="patient.subject_id", read_only=True)
    event_code = serializers.CharField(source="event.code", read_only=True)

    class Meta:
        model = PaclitaxelAdministration
        fields = [
            "id",
            "version",
            "patient",
            "subject_id",
            "event_code",
            "cycle",
            "day",
            "administration_date",
            "status",
            "status_reason",
            "height_cm",
            "weight_kg",
            "bsa_m2",
            "dose_level_mg_m2",
            "planned_dose_mg",
            "reduction_reason",
            "actual_dose_mg",
            "infusion_start",
            "infusion_stop",
            "anc_at_check",
            "platelets_at_check",
            "hold_criteria_met",
            "hold_override_confirmed",
            "premed_dexamethasone",
            "premed_antihistamine",
            "premed_h2_blocker",
            "premed_other",
            "warnings_acknowledged",
            "updated_at",
        ]
        read_only_fields = fields


ACKNOWLEDGE_HELP = (
    "Codes of the warnings (soft checks) you confirm. A value outside the usual — a date outside "
    "the visit window (date_outside_window), a weight changed by more than 10 % since the last "
    "dose (weight_changed), a dose off plan or other than the cohort dose (dose_off_plan), "
    "IMP321 not the day after the paclitaxel dose (not_day_after_paclitaxel) — is refused with "
    "HTTP 400 and `warnings` (code, field, rule, detail, deviation, message) until the request "
    "lists its code here. The confirmed warnings are stored with the record "
    "(`warnings_acknowledged`). A correction that leaves a stored warning's values unchanged "
    "needs no new confirmation."
)


class AcknowledgeWarningsMixin(serializers.Serializer):
    acknowledge_warnings = serializers.ListField(
        child=serializers.ChoiceField(choices=rules.WARNING_CODES),
        required=False,
        default=list,
        help_text=ACKNOWLEDGE_HELP,
    )


class PaclitaxelWriteSerializer(AcknowledgeWarningsMixin, serializers.Serializer):
    """Values the site enters; BSA, planned dose and hold check are computed by the server."""

    administration_date = serializers.DateField()
    status = serializers.ChoiceField(choices=AdministrationStatus.choices)
    status_reason = serializers.CharField(required=False, allow_blank=True, default="")
    height_cm = serializers.DecimalField(max_digits=5, decimal_places=1)
    weight_kg = serializers.DecimalField(max_digits=5, decimal_places=1)
    dose_level_mg_m2 = serializers.ChoiceField(choices=DOSE_LEVEL_CHOICES)
    reduction_reason = serializers.CharField(required=False, allow_blank=True, default="")
    actual_dose_mg = serializers.DecimalField(
        max_digits=6, decimal_places=1, required=False, allow_null=True, default=None
    )
    infusion_start = serializers.TimeField(required=False, allow_null=True, default=None)
    infusion_stop = serializers.TimeField(required=False, allow_null=True, default=None)
    hold_override_confirmed = serializers.BooleanField(required=False, default=False)
    # Premedication before the infusion: true/false as stated by the site; null = not answered.
    premed_dexamethasone = serializers.BooleanField(required=False, allow_null=True)
    premed_antihistamine = serializers.BooleanField(required=False, allow_null=True)
    premed_h2_blocker = serializers.BooleanField(required=False, allow_null=True)
    premed_other = serializers.CharField(max_length=200, required=False, allow_blank=True)


class PaclitaxelCreateSerializer(PaclitaxelWriteSerializer):
    patient = serializers.IntegerField()
    event_code = serializers.CharField()


class PaclitaxelUpdateSerializer(PaclitaxelWriteSerializer):
    version = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(allow_blank=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name not in ("version", "reason"):
                field.required = False
                field.default = serializers.empty


class Imp321Serializer(WithheldFieldsMixin, BlankChoicesMixin, serializers.ModelSerializer):
    subject_id = serializers.CharField(source="patient.subject_id", read_only=True)
    event_code = serializers.CharField(source="event.code", read_only=True)
    follows_date = serializers.DateField(
        source="follows.administration_date", read_only=True, default=None
    )

    class Meta:
        model = Imp321Injection
        fields = [
            "id",
            "version",
            "patient",
            "subject_id",
            "event_code",
            "injection_number",
            "status",
            "status_reason",
            "injected_at",
            "dose_mg",
            "dose_reason",
            "kit_number",
            "lot_number",
            "injection_site",
            "local_reaction",
            "local_reaction_details",
            "follows",
            "follows_date",
            "no_preceding_dose_reason",
            "warnings_acknowledged",
            "updated_at",
        ]
        read_only_fields = fields


class Imp321WriteSerializer(AcknowledgeWarningsMixin, serializers.Serializer):
    injected_at = DateTimeField()
    status = serializers.ChoiceField(choices=InjectionStatus.choices)  # stated, never assumed
    status_reason = serializers.CharField(required=False, allow_blank=True, default="")
    dose_mg = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, allow_null=True, default=None
    )
    dose_reason = serializers.CharField(required=False, allow_blank=True, default="")
    kit_number = serializers.CharField(required=False, allow_blank=True, default="")
    lot_number = serializers.CharField(required=False, allow_blank=True, default="")
    injection_site = serializers.ChoiceField(
        choices=InjectionSite.choices, required=False, allow_blank=True, default=""
    )
    # An observation: stated explicitly ("none" included), never assumed.
    local_reaction = serializers.ChoiceField(choices=LocalReaction.choices)
    local_reaction_details = serializers.CharField(required=False, allow_blank=True, default="")
    no_preceding_dose_reason = serializers.CharField(required=False, allow_blank=True, default="")


class Imp321CreateSerializer(Imp321WriteSerializer):
    patient = serializers.IntegerField()
    event_code = serializers.CharField()


class Imp321UpdateSerializer(Imp321WriteSerializer):
    version = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(allow_blank=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name not in ("version", "reason"):
                field.required = False
                field.default = serializers.empty


class ExposureSerializer(serializers.Serializer):
    patient = serializers.IntegerField()
    subject_id = serializers.CharField()
    doses_given = serializers.IntegerField()
    doses_held = serializers.IntegerField()
    doses_not_done = serializers.IntegerField()
    cumulative_mg = serializers.DecimalField(max_digits=9, decimal_places=1)
    cumulative_mg_m2 = serializers.DecimalField(max_digits=9, decimal_places=1)
    rdi_overall = serializers.DecimalField(max_digits=6, decimal_places=3, allow_null=True)
    rdi_by_cycle = serializers.DictField(
        child=serializers.DecimalField(max_digits=6, decimal_places=3)
    )
    imp321_given = serializers.IntegerField()
    imp321_planned = serializers.IntegerField()
