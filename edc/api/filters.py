"""django-filter for the API: date-time filters whose values the database always accepts.

``?updated_at__gte=2026-01-01T00:00:00+16:00`` is valid ISO 8601 (Python accepts offsets up to
±24 h) but PostgreSQL refuses a time zone displacement beyond ±15:59 (a 500), and a date-time at
the edge of the calendar (``9999-12-31T23:00:00-05:00``, ``0001-01-01T00:00:00``) overflows when
converted to UTC. Here every date-time filter value is converted to UTC once, in the form: an
out-of-range one is a 400 naming the parameter.

Use ``FilterBackend`` (``filter_backends``) and, for explicit filter sets, ``FilterSet`` and
``IsoDateTimeFilter``.
"""

import datetime as dt

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters import fields
from django_filters import rest_framework as filters

DATETIME_OUT_OF_RANGE = _("Date and time out of range (years 1 to 9999, in UTC).")


class IsoDateTimeField(fields.IsoDateTimeField):
    default_error_messages = {"out_of_range": DATETIME_OUT_OF_RANGE}

    def to_python(self, value):
        value = super().to_python(value)  # aware (naive values: in the current time zone)
        if value is None:
            return None
        try:
            return value.astimezone(dt.UTC)
        except (OverflowError, ValueError):
            raise forms.ValidationError(
                self.error_messages["out_of_range"], code="out_of_range"
            ) from None


class IsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = IsoDateTimeField


class IntegerFilter(filters.NumberFilter):
    """A whole-number filter: ``?grade__gte=1.5`` is a 400, as the schema's ``integer`` says."""

    field_class = forms.IntegerField


INTEGER_FIELDS = (
    models.IntegerField,
    models.SmallIntegerField,
    models.BigIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
)


class FilterSet(filters.FilterSet):
    FILTER_DEFAULTS = {
        **filters.FilterSet.FILTER_DEFAULTS,
        models.DateTimeField: {"filter_class": IsoDateTimeFilter},
        **{field: {"filter_class": IntegerFilter} for field in INTEGER_FIELDS},
    }


class FilterBackend(filters.DjangoFilterBackend):
    """The filter backend of the API views (``filterset_fields`` build on ``FilterSet``)."""

    filterset_base = FilterSet
