from django import forms
from django.utils import timezone

from edc.access.models import Site
from edc.widgets import DATETIME

AS_OF_IN_FUTURE = "The moment is in the future; give a past date and time."
AS_OF_HELP = "Empty: the data as they are now. Otherwise, e.g. 06 Dec 2026 14:30."


class MomentForm(forms.Form):
    """The moment a casebook shows (empty: now)."""

    as_of = forms.DateTimeField(
        label="Data as of", required=False, widget=DATETIME, help_text=AS_OF_HELP
    )

    def clean_as_of(self):
        moment = self.cleaned_data.get("as_of")
        if moment is not None and moment > timezone.now():
            raise forms.ValidationError(AS_OF_IN_FUTURE)
        return moment


class ArchiveRequestForm(MomentForm):
    """Which site's casebooks to build (every site: roles that see them all)."""

    site = forms.ModelChoiceField(
        label="Site", queryset=Site.objects.none(), required=False, empty_label=None
    )

    def __init__(self, *args, sites, whole_trial: bool, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["site"]
        field.queryset = sites
        if whole_trial:
            field.empty_label = "Every site (the whole trial)"
        else:
            field.required = True
