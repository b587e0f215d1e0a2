from django import forms
from django.utils.translation import gettext_lazy as _

from edc.widgets import DATE

from .kri import INDICATORS
from .models import MonitoringVisit


class NoteForm(forms.Form):
    what = forms.CharField(widget=forms.HiddenInput, initial="note")
    indicator = forms.ChoiceField(
        label=_("About"),
        required=False,
        choices=[("", _("The site as a whole")), *((i.code, i.label) for i in INDICATORS)],
    )
    text = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class VisitForm(forms.Form):
    what = forms.CharField(widget=forms.HiddenInput, initial="visit")
    planned_on = forms.DateField(label=_("Planned date"), widget=DATE, required=False)
    kind = forms.ChoiceField(
        label=_("Kind of visit"),
        choices=MonitoringVisit.Kind.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    purpose = forms.CharField(
        label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
