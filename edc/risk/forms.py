from django import forms

from edc.widgets import DATE

from .kri import INDICATORS
from .models import MonitoringVisit


class NoteForm(forms.Form):
    what = forms.CharField(widget=forms.HiddenInput, initial="note")
    indicator = forms.ChoiceField(
        label="About",
        required=False,
        choices=[("", "The site as a whole"), *((i.code, i.label) for i in INDICATORS)],
    )
    text = forms.CharField(label="Note", widget=forms.Textarea(attrs={"rows": 3}), required=False)


class VisitForm(forms.Form):
    what = forms.CharField(widget=forms.HiddenInput, initial="visit")
    planned_on = forms.DateField(label="Planned date", widget=DATE, required=False)
    kind = forms.ChoiceField(
        label="Kind of visit",
        choices=MonitoringVisit.Kind.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    purpose = forms.CharField(
        label="Purpose", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
