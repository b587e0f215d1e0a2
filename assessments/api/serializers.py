"""REST shapes. Write serializers parse types only; the services apply every clinical rule."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from edc.api.serializers import BlankChoicesMixin, DateTimeField, WithheldFieldsMixin
from edc.softcheck import WARN_DATE_OUTSIDE_WINDOW

from .. import constants as c
from ..models import (
    AdverseEvent,
    ConcomitantMedication,
    LesionMeasurement,
    NonTargetLesion,
    TargetLesion,
    TumourAssessment,
    VitalSigns,
)
from ..services import VITALS_FIELDS, MeasurementInput, NonTargetLesionInput, TargetLesionInput
from ..validators import TUMOUR_WARNING_CODES

MM = {"max_digits": 5, "decimal_places": 1}
# The same words as the browser form's.
NEW_LESION_REQUIRED = _("Say whether there is a new lesion.")
ACKNOWLEDGE_HELP = (
    "Codes of the warnings you confirm (a 400 answer lists them under `warnings`): "
    f"`{WARN_DATE_OUTSIDE_WINDOW}` — a follow-up dated outside the window of its planned "
    "assessment (saving it still records the protocol deviation)."
)


# --- Tumour assessments (read) -------------------------------------------------------------------
class TargetLesionSerializer(WithheldFieldsMixin, serializers.ModelSerializer):
    is_node = serializers.BooleanField(read_only=True)

    class Meta:
        model = TargetLesion
        fields = ["id", "label", "organ", "location", "diameter_mm", "is_node"]


class NonTargetLesionSerializer(WithheldFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = NonTargetLesion
        fields = ["id", "label", "organ", "location"]


class LesionMeasurementSerializer(serializers.ModelSerializer):
    class Meta:
        model = LesionMeasurement
        fields = ["id", "lesion", "diameter_mm", "too_small", "not_evaluable"]


class TumourAssessmentSerializer(
    WithheldFieldsMixin, BlankChoicesMixin, serializers.ModelSerializer
):
    subject_id = serializers.CharField(source="patient.subject_id", read_only=True)
    target_lesions = TargetLesionSerializer(many=True, read_only=True)
    non_target_lesions = NonTargetLesionSerializer(many=True, read_only=True)
    measurements = LesionMeasurementSerializer(many=True, read_only=True)

    class Meta:
        model = TumourAssessment
        fields = [
            "id",
            "version",
            "patient",
            "subject_id",
            "kind",
            "assessment_date",
            "method",
            "calendar_code",
            "target_lesions",
            "non_target_lesions",
            "measurements",
            "non_target_status",
            "new_lesion",
            "new_lesion_description",
            "investigator_response",
            "computed_sum_mm",
            "computed_target_response",
            "computed_overall_response",
            "response_disagrees",
            "comments",
            "updated_at",
        ]
        read_only_fields = fields


# --- Tumour assessments (write) ------------------------------------------------------------------
class TargetLesionInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(required=False, allow_null=True)
    label = serializers.CharField(max_length=8)
    organ = serializers.CharField(max_length=16)
    location = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    diameter_mm = serializers.DecimalField(allow_null=True, required=False, default=None, **MM)

    def to_internal_value(self, data):
        return TargetLesionInput(**super().to_internal_value(data))


class NonTargetLesionInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(required=False, allow_null=True)
    label = serializers.CharField(max_length=8)
    organ = serializers.CharField(max_length=16)
    location = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")

    def to_internal_value(self, data):
        return NonTargetLesionInput(**super().to_internal_value(data))


class MeasurementInputSerializer(serializers.Serializer):
    lesion = serializers.IntegerField(help_text="Id of the baseline target lesion.")
    diameter_mm = serializers.DecimalField(allow_null=True, required=False, default=None, **MM)
    too_small = serializers.BooleanField(required=False, default=False)
    not_evaluable = serializers.BooleanField(required=False, default=False)

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        return MeasurementInput(
            lesion_id=values["lesion"],
            diameter_mm=values["diameter_mm"],
            too_small=values["too_small"],
            not_evaluable=values["not_evaluable"],
        )


class TumourAssessmentCreateSerializer(serializers.Serializer):
    """Baseline: ``target_lesions``/``non_target_lesions``. Follow-up: ``measurements`` etc."""

    patient = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=c.AssessmentKind.choices)
    assessment_date = serializers.DateField()
    method = serializers.ChoiceField(choices=c.ImagingMethod.choices)
    comments = serializers.CharField(required=False, allow_blank=True, default="")
    target_lesions = TargetLesionInputSerializer(many=True, required=False, default=list)
    non_target_lesions = NonTargetLesionInputSerializer(many=True, required=False, default=list)
    measurements = MeasurementInputSerializer(many=True, required=False, default=list)
    non_target_status = serializers.ChoiceField(
        choices=c.NonTargetStatus.choices, required=False, allow_blank=True, default=""
    )
    # A clinical judgement: a follow-up states it ("none" included); never assumed.
    new_lesion = serializers.ChoiceField(choices=c.NewLesion.choices, required=False)
    new_lesion_description = serializers.CharField(required=False, allow_blank=True, default="")
    investigator_response = serializers.ChoiceField(
        choices=c.ResponseChoice.choices, required=False, allow_blank=True, default=""
    )

    acknowledge_warnings = serializers.ListField(
        child=serializers.ChoiceField(choices=TUMOUR_WARNING_CODES),
        required=False,
        default=list,
        help_text=ACKNOWLEDGE_HELP,
    )

    def validate(self, attrs):
        if attrs.get("kind") == c.AssessmentKind.FOLLOW_UP and "new_lesion" not in attrs:
            raise serializers.ValidationError({"new_lesion": NEW_LESION_REQUIRED})
        return attrs


class TumourAssessmentUpdateSerializer(serializers.Serializer):
    """A correction: the version opened, a reason, and the fields to change (lists replace)."""

    version = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(allow_blank=True)
    assessment_date = serializers.DateField(required=False)
    method = serializers.ChoiceField(choices=c.ImagingMethod.choices, required=False)
    comments = serializers.CharField(required=False, allow_blank=True)
    target_lesions = TargetLesionInputSerializer(many=True, required=False)
    non_target_lesions = NonTargetLesionInputSerializer(many=True, required=False)
    measurements = MeasurementInputSerializer(many=True, required=False)
    non_target_status = serializers.ChoiceField(
        choices=c.NonTargetStatus.choices, required=False, allow_blank=True
    )
    new_lesion = serializers.ChoiceField(choices=c.NewLesion.choices, required=False)
    new_lesion_description = serializers.CharField(required=False, allow_blank=True)
    investigator_response = serializers.ChoiceField(
        choices=c.ResponseChoice.choices, required=False, allow_blank=True
    )
    acknowledge_warnings = serializers.ListField(
        child=serializers.ChoiceField(choices=TUMOUR_WARNING_CODES),
        required=False,
        help_text=ACKNOWLEDGE_HELP,
    )


# --- RECIST results and endpoints (read-only) ----------------------------------------------------
class TimepointSerializer(serializers.Serializer):
    assessment_id = serializers.IntegerField()
    assessment_date = serializers.DateField()
    calendar_code = serializers.CharField()
    sum_mm = serializers.DecimalField(max_digits=7, decimal_places=1, allow_null=True)
    nadir_mm = serializers.DecimalField(max_digits=7, decimal_places=1, allow_null=True)
    pct_change_from_baseline = serializers.DecimalField(
        max_digits=8, decimal_places=1, allow_null=True
    )
    pct_change_from_nadir = serializers.DecimalField(
        max_digits=8, decimal_places=1, allow_null=True
    )
    target_response = serializers.CharField(allow_null=True)
    non_target = serializers.CharField(allow_null=True)
    new_lesions = serializers.BooleanField()
    new_lesion_equivocal = serializers.BooleanField()
    overall_response = serializers.CharField()
    investigator_response = serializers.CharField()
    response_disagrees = serializers.BooleanField()


class RecistResultSerializer(serializers.Serializer):
    patient = serializers.IntegerField()
    subject_id = serializers.CharField()
    cohort = serializers.CharField()
    c1d1 = serializers.DateField(allow_null=True)
    baseline_date = serializers.DateField(allow_null=True)
    baseline_sum_mm = serializers.DecimalField(max_digits=7, decimal_places=1, allow_null=True)
    best_overall_response = serializers.CharField(allow_null=True)
    best_response_confirmed = serializers.BooleanField()
    best_response_date = serializers.DateField(allow_null=True)
    progression_date = serializers.DateField(allow_null=True)
    last_assessment_date = serializers.DateField(allow_null=True)
    error = serializers.CharField()
    timepoints = TimepointSerializer(many=True)


def recist_result_data(course) -> dict:
    """Plain data of a ``selectors.RecistCourse`` for ``RecistResultSerializer``."""
    patient = course.patient
    result = course.result
    best = result.best if result else None
    timepoints = []
    for assessment, r in course.rows:
        if r is None:
            continue
        timepoints.append(
            {
                "assessment_id": assessment.pk,
                "assessment_date": r.assessment_date,
                "calendar_code": assessment.calendar_code,
                "sum_mm": r.sum_mm,
                "nadir_mm": r.nadir_mm,
                "pct_change_from_baseline": r.pct_change_from_baseline,
                "pct_change_from_nadir": r.pct_change_from_nadir,
                "target_response": r.target_response.value if r.target_response else None,
                "non_target": r.non_target.value if r.non_target else None,
                "new_lesions": r.new_lesions,
                "new_lesion_equivocal": r.new_lesion_equivocal,
                "overall_response": r.overall_response.value,
                "investigator_response": assessment.investigator_response,
                "response_disagrees": assessment.response_disagrees,
            }
        )
    return {
        "patient": patient.pk,
        "subject_id": patient.subject_id or "",
        "cohort": patient.cohort.code if patient.cohort_id else "",
        "c1d1": patient.c1d1_date,
        "baseline_date": course.baseline.assessment_date if course.baseline else None,
        "baseline_sum_mm": result.baseline_sum_mm if result else None,
        "best_overall_response": best.response.value if best else None,
        "best_response_confirmed": bool(best and best.confirmed),
        "best_response_date": best.date if best else None,
        "progression_date": result.progression_date if result else None,
        "last_assessment_date": result.last_assessment_date if result else None,
        "error": course.error,
        "timepoints": timepoints,
    }


class ProportionSerializer(serializers.Serializer):
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)
    ci_low = serializers.FloatField()
    ci_high = serializers.FloatField()


class EndpointGroupSerializer(serializers.Serializer):
    group = serializers.CharField()
    patients = serializers.IntegerField()
    objective_response = ProportionSerializer()
    clinical_benefit = ProportionSerializer()
    progressed_by_landmark = ProportionSerializer()
    benefit_without_landmark_assessment = serializers.IntegerField()


@extend_schema_serializer(many=False)  # one object, although served by a ``list`` route
class TrialEndpointsSerializer(serializers.Serializer):
    landmark_days = serializers.IntegerField()
    confidence = serializers.FloatField()
    groups = EndpointGroupSerializer(many=True)


# --- Adverse events ------------------------------------------------------------------------------
class AdverseEventSerializer(WithheldFieldsMixin, BlankChoicesMixin, serializers.ModelSerializer):
    subject_id = serializers.CharField(source="patient.subject_id", read_only=True)

    class Meta:
        model = AdverseEvent
        fields = [
            "id",
            "version",
            "patient",
            "subject_id",
            "meddra_code",
            "term",
            "term_specify",
            "grade",
            "start_date",
            "stop_date",
            "serious",
            "sae_criteria",
            "sae_aware_at",
            "sae_reported_at",
            "reported_late",
            "relation_paclitaxel",
            "relation_imp321",
            "action_taken",
            "outcome",
            "death_date",
            "comments",
            "updated_at",
        ]
        read_only_fields = fields


class AdverseEventWriteSerializer(serializers.Serializer):
    meddra_code = serializers.CharField(max_length=8)
    term_specify = serializers.CharField(max_length=200, required=False, allow_blank=True)
    grade = serializers.IntegerField()
    start_date = serializers.DateField()
    stop_date = serializers.DateField(required=False, allow_null=True)
    # A clinical judgement: stated explicitly (true or false), never assumed.
    serious = serializers.BooleanField()
    sae_criteria = serializers.ListField(
        child=serializers.ChoiceField(choices=c.SAECriterion.choices), required=False
    )
    sae_aware_at = DateTimeField(required=False, allow_null=True)
    sae_reported_at = DateTimeField(required=False, allow_null=True)
    relation_paclitaxel = serializers.ChoiceField(choices=c.Relation.choices)
    relation_imp321 = serializers.ChoiceField(choices=c.Relation.choices)
    action_taken = serializers.ChoiceField(choices=c.ActionTaken.choices)
    outcome = serializers.ChoiceField(choices=c.AEOutcome.choices)
    death_date = serializers.DateField(required=False, allow_null=True)
    comments = serializers.CharField(required=False, allow_blank=True)


class AdverseEventCreateSerializer(AdverseEventWriteSerializer):
    patient = serializers.IntegerField()


class AdverseEventUpdateSerializer(AdverseEventWriteSerializer):
    version = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(allow_blank=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name not in {"version", "reason"}:
                field.required = False


# --- Vital signs ---------------------------------------------------------------------------------
class VitalSignsSerializer(BlankChoicesMixin, serializers.ModelSerializer):
    subject_id = serializers.CharField(source="patient.subject_id", read_only=True)

    class Meta:
        model = VitalSigns
        # The record's values are the service's field list (VITALS_FIELDS), as the form's.
        fields = ["id", "version", "patient", "subject_id", *VITALS_FIELDS, "updated_at"]
        read_only_fields = fields


class VitalSignsWriteSerializer(serializers.Serializer):
    visit = serializers.ChoiceField(choices=c.VITALS_VISITS)
    measured_on = serializers.DateField()
    weight_kg = serializers.DecimalField(max_digits=5, decimal_places=1)
    height_cm = serializers.DecimalField(
        max_digits=5, decimal_places=1, required=False, allow_null=True
    )
    systolic_bp = serializers.IntegerField()
    diastolic_bp = serializers.IntegerField()
    heart_rate = serializers.IntegerField()
    temperature_c = serializers.DecimalField(max_digits=4, decimal_places=1)
    ecog = serializers.IntegerField()


class VitalSignsCreateSerializer(VitalSignsWriteSerializer):
    patient = serializers.IntegerField()


class VitalSignsUpdateSerializer(VitalSignsWriteSerializer):
    version = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(allow_blank=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name not in {"version", "reason"}:
                field.required = False


class CtcaeTermSerializer(serializers.Serializer):
    meddra_code = serializers.CharField()
    term = serializers.CharField()
    soc = serializers.CharField()
    definition = serializers.CharField()
    grades = serializers.DictField(child=serializers.CharField(allow_blank=True))


# --- Concomitant medications ---------------------------------------------------------------------
class ConcomitantMedicationSerializer(
    WithheldFieldsMixin, BlankChoicesMixin, serializers.ModelSerializer
):
    subject_id = serializers.CharField(source="patient.subject_id", read_only=True)

    class Meta:
        model = ConcomitantMedication
        fields = [
            "id",
            "version",
            "patient",
            "subject_id",
            "name",
            "atc_code",
            "indication",
            "dose",
            "unit",
            "route",
            "frequency",
            "start_date",
            "ongoing",
            "stop_date",
            "adverse_event",
            "updated_at",
        ]
        read_only_fields = fields


class ConcomitantMedicationWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    atc_code = serializers.CharField(max_length=7, required=False, allow_blank=True)
    indication = serializers.CharField(max_length=200)
    dose = serializers.DecimalField(max_digits=8, decimal_places=2)
    unit = serializers.ChoiceField(choices=c.DoseUnit.choices)
    route = serializers.ChoiceField(choices=c.Route.choices)
    frequency = serializers.ChoiceField(choices=c.Frequency.choices)
    start_date = serializers.DateField()
    # A clinical fact: stated explicitly (true or false), never assumed.
    ongoing = serializers.BooleanField()
    stop_date = serializers.DateField(required=False, allow_null=True)
    adverse_event = serializers.IntegerField(
        required=False, allow_null=True, help_text="Id of the adverse event (same patient) treated."
    )


class ConcomitantMedicationCreateSerializer(ConcomitantMedicationWriteSerializer):
    patient = serializers.IntegerField()


class ConcomitantMedicationUpdateSerializer(ConcomitantMedicationWriteSerializer):
    version = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(allow_blank=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name not in {"version", "reason"}:
                field.required = False
