from rest_framework import serializers

from edc import protocol
from edc.access.models import Site
from edc.api.serializers import BlankChoicesMixin, WithheldFieldsMixin

from ..constants import EndReason, PriorTherapyType, Sex, TherapySetting
from ..models import (
    CalendarEvent,
    Consent,
    EligibilityAnswer,
    MedicalHistory,
    Patient,
    PriorTherapy,
)


class ConsentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Consent
        fields = ["id", "version", "consent_date", "form_version", "updated_at"]


class EligibilityAnswerSerializer(serializers.ModelSerializer):
    class Meta:
        model = EligibilityAnswer
        fields = ["criterion", "answer", "source_date"]


class PatientSerializer(BlankChoicesMixin, serializers.ModelSerializer):
    site = serializers.SlugRelatedField(slug_field="code", read_only=True)
    cohort = serializers.CharField(
        source="cohort.code", read_only=True, default=None, allow_null=True
    )
    imp321_dose_mg = serializers.SerializerMethodField()

    class Meta:
        model = Patient
        fields = [
            "id",
            "version",
            "site",
            "screening_number",
            "screening_date",
            "year_of_birth",
            "sex",
            "status",
            "subject_id",
            "cohort",
            "imp321_dose_mg",
            "enrolled_on",
            "c1d1_date",
            "eligibility_waiver",
            "screen_failure_reason",
            "end_of_treatment_date",
            "end_of_treatment_reason",
            "end_of_study_date",
            "end_of_study_reason",
            "consent_withdrawn_on",
            "updated_at",
        ]
        read_only_fields = fields

    def get_imp321_dose_mg(self, obj) -> str | None:
        return str(protocol.cohort(obj.cohort.code).imp321_dose_mg) if obj.cohort_id else None


class DeidentifiedPatientSerializer(PatientSerializer):
    """For statisticians: no screening number, no year of birth — an age instead."""

    age_at_screening = serializers.SerializerMethodField()

    class Meta(PatientSerializer.Meta):
        fields = [
            f
            for f in PatientSerializer.Meta.fields
            if f not in {"screening_number", "year_of_birth", "screening_date"}
        ] + ["age_at_screening"]
        read_only_fields = fields

    def get_age_at_screening(self, obj) -> int:
        return obj.screening_date.year - obj.year_of_birth


class PatientScreenSerializer(serializers.Serializer):
    site = serializers.SlugRelatedField(slug_field="code", queryset=Site.objects.all())
    screening_number = serializers.CharField(max_length=20)
    screening_date = serializers.DateField()
    year_of_birth = serializers.IntegerField(min_value=1900, max_value=2100)
    sex = serializers.ChoiceField(choices=Sex.choices)


class PatientUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(allow_blank=True)
    screening_number = serializers.CharField(max_length=20, required=False)
    screening_date = serializers.DateField(required=False)
    year_of_birth = serializers.IntegerField(min_value=1900, max_value=2100, required=False)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False)


class ConsentCreateSerializer(serializers.Serializer):
    consent_date = serializers.DateField()
    form_version = serializers.CharField(max_length=30)


class EligibilitySerializer(serializers.Serializer):
    source_date = serializers.DateField()
    answers = serializers.DictField(child=serializers.BooleanField())
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class EligibilityResultSerializer(serializers.Serializer):
    """The answers recorded and what they mean (criterion codes)."""

    answers = EligibilityAnswerSerializer(many=True)
    complete = serializers.BooleanField()
    eligible = serializers.BooleanField()
    unmet = serializers.ListField(child=serializers.CharField())
    missing = serializers.ListField(child=serializers.CharField())


class EnrolSerializer(serializers.Serializer):
    enrolled_on = serializers.DateField()
    c1d1_date = serializers.DateField()
    waiver_reason = serializers.CharField(required=False, allow_blank=True, default="")


class ScreenFailSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class EndStudySerializer(serializers.Serializer):
    end_date = serializers.DateField()
    reason_code = serializers.ChoiceField(choices=EndReason.choices)
    consent_withdrawn = serializers.BooleanField(default=False)


class CalendarEventSerializer(WithheldFieldsMixin, serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)

    class Meta:
        model = CalendarEvent
        fields = [
            "code",
            "kind",
            "label",
            "cycle",
            "day",
            "sequence",
            "planned_date",
            "earliest",
            "latest",
            "actual_date",
            "not_done_reason",
            "cancelled_reason",
            "status",
        ]


class EndTreatmentSerializer(serializers.Serializer):
    end_date = serializers.DateField()
    reason_code = serializers.ChoiceField(choices=EndReason.choices)


# --- Medical history and prior cancer therapy ----------------------------------------------------
class MedicalHistorySerializer(WithheldFieldsMixin, serializers.ModelSerializer):
    subject_id = serializers.CharField(source="patient.subject_id", read_only=True)

    class Meta:
        model = MedicalHistory
        fields = [
            "id",
            "version",
            "patient",
            "subject_id",
            "condition",
            "meddra_code",
            "meddra_term",
            "start_date",
            "ongoing",
            "end_date",
            "updated_at",
        ]
        read_only_fields = fields


class MedicalHistoryWriteSerializer(serializers.Serializer):
    condition = serializers.CharField(max_length=200)
    meddra_code = serializers.CharField(max_length=8, required=False, allow_blank=True)
    start_date = serializers.DateField()
    # A clinical fact: stated explicitly (true or false), never assumed.
    ongoing = serializers.BooleanField()
    end_date = serializers.DateField(required=False, allow_null=True)


class MedicalHistoryCreateSerializer(MedicalHistoryWriteSerializer):
    patient = serializers.IntegerField()


class _UpdateMixin(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(allow_blank=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name not in {"version", "reason"}:
                field.required = False


class MedicalHistoryUpdateSerializer(_UpdateMixin, MedicalHistoryWriteSerializer):
    pass


class PriorTherapySerializer(WithheldFieldsMixin, BlankChoicesMixin, serializers.ModelSerializer):
    subject_id = serializers.CharField(source="patient.subject_id", read_only=True)

    class Meta:
        model = PriorTherapy
        fields = [
            "id",
            "version",
            "patient",
            "subject_id",
            "therapy_type",
            "setting",
            "start_date",
            "end_date",
            "description",
            "updated_at",
        ]
        read_only_fields = fields


class PriorTherapyWriteSerializer(serializers.Serializer):
    therapy_type = serializers.ChoiceField(choices=PriorTherapyType.choices)
    setting = serializers.ChoiceField(choices=TherapySetting.choices)
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True)


class PriorTherapyCreateSerializer(PriorTherapyWriteSerializer):
    patient = serializers.IntegerField()


class PriorTherapyUpdateSerializer(_UpdateMixin, PriorTherapyWriteSerializer):
    pass
