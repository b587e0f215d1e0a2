from rest_framework import serializers

from edc.api.serializers import (
    MAX_STORED_INT,
    BlankChoicesMixin,
    DateTimeField,
    WithheldFieldsMixin,
)

from ..constants import DrawEvent
from ..models import ANALYTE_CHOICES, ImmuneDraw, ImportBatch, Laboratory, LabResult, ReferenceRange


class LaboratorySerializer(BlankChoicesMixin, serializers.ModelSerializer):
    site = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Laboratory
        fields = ["id", "version", "code", "name", "site", "updated_at"]
        read_only_fields = fields


class ReferenceRangeSerializer(BlankChoicesMixin, serializers.ModelSerializer):
    lab = serializers.SlugRelatedField(slug_field="code", read_only=True)
    unit = serializers.CharField(read_only=True)

    class Meta:
        model = ReferenceRange
        fields = [
            "id",
            "version",
            "lab",
            "analyte",
            "sex",
            "low",
            "high",
            "unit",
            "effective_from",
            "updated_at",
        ]
        read_only_fields = fields


class LabResultSerializer(WithheldFieldsMixin, BlankChoicesMixin, serializers.ModelSerializer):
    subject_id = serializers.CharField(source="patient.subject_id", read_only=True)
    site = serializers.CharField(source="patient.site.code", read_only=True)
    lab = serializers.SlugRelatedField(slug_field="code", read_only=True)
    panel = serializers.CharField(read_only=True)

    class Meta:
        model = LabResult
        fields = [
            "id",
            "version",
            "patient",
            "subject_id",
            "site",
            "lab",
            "analyte",
            "panel",
            "collected_at",
            "original_value",
            "original_unit",
            "standard_value",
            "standard_unit",
            "normal_low",
            "normal_high",
            "reference_range",
            "flag",
            "ctcae_grade",
            "comment",
            "source",
            "import_batch",
            "immune_draw",
            "updated_at",
        ]
        read_only_fields = fields


class ValueSerializer(serializers.Serializer):
    value = serializers.CharField(max_length=40)
    unit = serializers.CharField(max_length=40)


class LabResultCreateSerializer(serializers.Serializer):
    patient = serializers.IntegerField()
    lab = serializers.CharField(max_length=20, help_text="Laboratory code.")
    analyte = serializers.ChoiceField(choices=ANALYTE_CHOICES)
    collected_at = DateTimeField()
    value = serializers.CharField(max_length=40)
    unit = serializers.CharField(max_length=40)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class LabResultUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(allow_blank=True)
    collected_at = DateTimeField(required=False)
    value = serializers.CharField(max_length=40, required=False)
    unit = serializers.CharField(max_length=40, required=False)
    comment = serializers.CharField(required=False, allow_blank=True)


class ImmuneDrawSerializer(WithheldFieldsMixin, BlankChoicesMixin, serializers.ModelSerializer):
    subject_id = serializers.CharField(source="patient.subject_id", read_only=True)
    lab = serializers.SlugRelatedField(slug_field="code", read_only=True)
    results = LabResultSerializer(many=True, read_only=True)

    class Meta:
        model = ImmuneDraw
        fields = [
            "id",
            "version",
            "patient",
            "subject_id",
            "event_code",
            "drawn_at",
            "sample_id",
            "processing_minutes",
            "lab",
            "comment",
            "results",
            "updated_at",
        ]
        read_only_fields = fields


class ImmuneDrawCreateSerializer(serializers.Serializer):
    patient = serializers.IntegerField()
    event_code = serializers.ChoiceField(choices=DrawEvent.choices)
    drawn_at = DateTimeField()
    sample_id = serializers.CharField(max_length=40)
    processing_minutes = serializers.IntegerField(min_value=0, max_value=MAX_STORED_INT)
    lab = serializers.CharField(max_length=20, help_text="Laboratory code.")
    values = serializers.DictField(
        child=ValueSerializer(), required=False, default=dict, help_text="analyte → value, unit"
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ImmuneDrawUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(allow_blank=True)
    drawn_at = DateTimeField(required=False)
    sample_id = serializers.CharField(max_length=40, required=False)
    processing_minutes = serializers.IntegerField(
        min_value=0, max_value=MAX_STORED_INT, required=False
    )
    comment = serializers.CharField(required=False, allow_blank=True)


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class ImportBatchSerializer(BlankChoicesMixin, serializers.ModelSerializer):
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True)
    committed_by = serializers.CharField(
        source="committed_by.username", read_only=True, default=None
    )
    uploaded_at = serializers.DateTimeField(source="created_at", read_only=True)
    # A plain string in the schema: "status" enums of other apps would collide with it.
    status = serializers.CharField(
        read_only=True, help_text="checking, checked, committing or committed."
    )
    running = serializers.BooleanField(source="is_running", read_only=True)
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "filename",
            "size",
            "checksum",
            "uploaded_by",
            "uploaded_at",
            "status",
            "running",
            "asynchronous",
            "total_rows",
            "processed_rows",
            "percent",
            "valid_rows",
            "rejected_rows",
            "imported_rows",
            "committed_by",
            "committed_at",
        ]
        read_only_fields = fields


class ImportRowSerializer(serializers.Serializer):
    """One row of the dry-run report (then the commit outcome)."""

    line = serializers.IntegerField()
    subject_id = serializers.CharField()
    collected_at = serializers.CharField(help_text="As written in the file.")
    analyte = serializers.CharField()
    value = serializers.CharField()
    unit = serializers.CharField()
    lab = serializers.CharField()
    status = serializers.CharField()
    reason = serializers.CharField()
    result_id = serializers.IntegerField(required=False, allow_null=True, default=None)
