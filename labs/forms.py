"""Browser forms of the lab app: thin, the rules live in validators and services.

Each value is also checked here against its unit and its physiological limits (the same
``labs.validators.standard_value`` the service runs), so a wrong value is reported with every
other field error at once, not after the date is fixed.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from edc.web import AuditedEditForm
from edc.widgets import DATE, DATETIME
from patients.forms import StudyDatesMixin

from . import validators
from .catalogue import IMMUNE, analytes_for_panel
from .constants import DrawEvent, Sex
from .models import ANALYTE_CHOICES, Laboratory

VALUE = forms.TextInput(attrs={"inputmode": "decimal", "size": 8, "autocomplete": "off"})


def _value_errors(form, analyte_code: str, value_field: str, unit_field: str) -> None:
    """Add the unit / physiological-limit errors of one entered value to ``form``."""
    value = (form.cleaned_data.get(value_field) or "").strip()
    unit = form.cleaned_data.get(unit_field)
    if not value or unit is None:
        return
    try:
        validators.standard_value(
            analyte_code, value, unit, value_field=value_field, unit_field=unit_field
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                form.add_error(field, message)


class CollectedAtMixin(StudyDatesMixin):
    """The sample's time is checked as the service checks it (not in the future, after
    consent, before any withdrawal), with the form's other errors."""

    def check_study_date(self, name: str, value) -> None:
        from patients.services import consent_date_of

        validators.validate_collected_at(
            value,
            consent_date=consent_date_of(self.patient),
            consent_withdrawn_on=self.patient.consent_withdrawn_on,
            field=name,
        )


class PanelValuesMixin:
    """One value + unit pair per analyte: ``<CODE>_value`` and ``<CODE>_unit``."""

    def add_analyte_fields(self, analytes) -> None:
        self.analytes = list(analytes)
        for a in self.analytes:
            self.fields[f"{a.code}_value"] = forms.CharField(
                label=format_lazy("{} ({})", a.label, a.code), required=False, widget=VALUE
            )
            self.fields[f"{a.code}_unit"] = forms.ChoiceField(
                label=format_lazy(_("{code} unit"), code=a.code),
                choices=[(u, u) for u in a.units],
                initial=a.unit,
            )

    def clean(self):
        cleaned = super().clean()
        for a in self.analytes:
            _value_errors(self, a.code, f"{a.code}_value", f"{a.code}_unit")
        return cleaned

    def panel_values(self) -> dict[str, tuple[str, str]]:
        values = {}
        for a in self.analytes:
            value = (self.cleaned_data.get(f"{a.code}_value") or "").strip()
            if value:
                values[a.code] = (value, self.cleaned_data[f"{a.code}_unit"])
        return values

    def analyte_rows(self):
        """(analyte, value field, unit field) for the template's table."""
        return [(a, self[f"{a.code}_value"], self[f"{a.code}_unit"]) for a in self.analytes]


class PanelForm(CollectedAtMixin, PanelValuesMixin, forms.Form):
    study_date_fields = ("collected_at",)

    lab = forms.ModelChoiceField(label=_("Laboratory"), queryset=Laboratory.objects.none())
    collected_at = forms.DateTimeField(label=_("Collection date and time"), widget=DATETIME)
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, panel: str, labs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lab"].queryset = labs
        self.add_analyte_fields(analytes_for_panel(panel))


class ResultEditForm(CollectedAtMixin, AuditedEditForm):
    study_date_fields = ("collected_at",)

    collected_at = forms.DateTimeField(label=_("Collection date and time"), widget=DATETIME)
    value = forms.CharField(label=_("Value"), widget=VALUE)
    unit = forms.ChoiceField(label=_("Unit"))
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, analyte_code: str, units: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.analyte_code = analyte_code
        self.fields["unit"].choices = [(u, u) for u in units]

    def clean(self):
        cleaned = super().clean()
        _value_errors(self, self.analyte_code, "value", "unit")
        return cleaned


PROCESSING_UNITS = (("minutes", _("minutes")), ("hours", _("hours")))


class ProcessingTimeMixin:
    def processing_minutes(self) -> int:
        amount = self.cleaned_data["processing_time"]
        factor = 60 if self.cleaned_data["processing_unit"] == "hours" else 1
        return int(round(amount * factor))


class DrawForm(CollectedAtMixin, ProcessingTimeMixin, PanelValuesMixin, forms.Form):
    study_date_fields = ("drawn_at",)

    event_code = forms.ChoiceField(label=_("Draw"), choices=DrawEvent.choices)
    drawn_at = forms.DateTimeField(label=_("Drawn at"), widget=DATETIME)
    sample_id = forms.CharField(label=_("Sample ID"), max_length=40)
    processing_time = forms.DecimalField(
        label=_("Time to processing"), min_value=0, decimal_places=2
    )
    processing_unit = forms.ChoiceField(label=_("Time unit"), choices=PROCESSING_UNITS)
    lab = forms.ModelChoiceField(label=_("Laboratory"), queryset=Laboratory.objects.none())
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, labs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lab"].queryset = labs
        self.add_analyte_fields(analytes_for_panel(IMMUNE))


class DrawEditForm(CollectedAtMixin, ProcessingTimeMixin, AuditedEditForm):
    study_date_fields = ("drawn_at",)

    drawn_at = forms.DateTimeField(label=_("Drawn at"), widget=DATETIME)
    sample_id = forms.CharField(label=_("Sample ID"), max_length=40)
    processing_time = forms.DecimalField(
        label=_("Time to processing"), min_value=0, decimal_places=2
    )
    processing_unit = forms.ChoiceField(label=_("Time unit"), choices=PROCESSING_UNITS)
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class LaboratoryForm(forms.Form):
    site = forms.ModelChoiceField(label=_("Site"), queryset=None)
    code = forms.CharField(
        label=_("Code"), max_length=20, help_text=_("Used in central-lab import files.")
    )
    name = forms.CharField(label=_("Name"), max_length=200)

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites


class ReferenceRangeForm(forms.Form):
    lab = forms.ModelChoiceField(label=_("Laboratory"), queryset=Laboratory.objects.none())
    analyte = forms.ChoiceField(label=_("Analyte"), choices=ANALYTE_CHOICES)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, required=False)
    low = forms.DecimalField(
        label=_("Lower limit (standard unit)"), max_digits=14, decimal_places=6
    )
    high = forms.DecimalField(
        label=_("Upper limit (standard unit)"), max_digits=14, decimal_places=6
    )
    effective_from = forms.DateField(label=_("Effective from"), widget=DATE)

    def __init__(self, *args, labs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lab"].queryset = labs


class ReferenceRangeEditForm(AuditedEditForm):
    low = forms.DecimalField(
        label=_("Lower limit (standard unit)"), max_digits=14, decimal_places=6
    )
    high = forms.DecimalField(
        label=_("Upper limit (standard unit)"), max_digits=14, decimal_places=6
    )
    effective_from = forms.DateField(label=_("Effective from"), widget=DATE)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8 CSV with the columns subject_id, collected_at (YYYY-MM-DD HH:MM), analyte, "
            "value, unit, lab."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
