"""Shared serializer helpers of the API."""

import datetime as dt

from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from rest_framework import serializers

from edc.access.roles import is_deidentified
from edc.audit.display import WITHHELD
from edc.audit.privacy import withheld_fields

# The largest integer every supported database stores in an IntegerField (PostgreSQL: 32 bits).
# SQLite took larger ones that PostgreSQL refuses: the same request must get the same answer.
MAX_STORED_INT = 2_147_483_647


class BlankChoicesMixin:
    """Read-only model choice fields that may be blank ("" = not given) say so in the schema.

    DRF drops ``allow_blank`` from read-only model fields, so the schema would promise one of
    the choices while the API answers "" (e.g. a patient's end-of-study reason before the end
    of study). With ``allow_blank`` back, the schema shows ``<Choices>Enum`` or ``""``.
    """

    def get_fields(self):
        fields = super().get_fields()
        model = self.Meta.model
        for name, field in fields.items():
            if not isinstance(field, serializers.ChoiceField) or field.allow_blank:
                continue
            try:  # fields are not bound yet: ``source`` is only set when given explicitly
                model_field = model._meta.get_field(field.source or name)
            except FieldDoesNotExist:
                continue
            if field.read_only and model_field.blank:
                field.allow_blank = True
        return fields


class DateTimeField(serializers.DateTimeField):
    """DRF's DateTimeField; a date-time the database cannot hold is a 400, not a 500.

    DRF checks a naive value (read in the trial's time zone) by converting it to UTC outside
    its overflow guard: ``"0001-01-01T00:00:00"`` raised ``OverflowError``. Every accepted value
    also converts to UTC, as the database stores it.
    """

    def enforce_timezone(self, value):
        try:
            value = super().enforce_timezone(value)
            if timezone.is_aware(value):
                value.astimezone(dt.UTC)
        except OverflowError:
            self.fail("overflow")
        return value


class WithheldFieldsMixin:
    """A de-identified reader (the statistician) gets ``"(withheld)"`` for free text.

    The same policy as the exports (``edc.exports.deidentify.withheld_fields``): text written
    by site staff (comments, reasons, descriptions, lesion locations, "specify" terms) and
    sample identifiers can carry a name or a hospital number. The field stays in the answer
    (the schema's shape holds for every reader), its text does not; an empty value stays empty
    so "nothing was written" is still visible. Other roles receive everything.
    """

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self._reader_is_deidentified():
            return data
        withheld = withheld_fields(self.Meta.model)
        for name, field in self.fields.items():
            if (field.source in withheld or name in withheld) and data.get(name):
                data[name] = WITHHELD
        return data

    def _reader_is_deidentified(self) -> bool:
        context = self.root.context if self.root is not None else self.context
        request = context.get("request")
        if request is None:
            return False
        cached = getattr(request, "_edc_deidentified", None)
        if cached is None:
            cached = request._edc_deidentified = is_deidentified(request.user)
        return cached
