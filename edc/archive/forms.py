from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from edc.access.models import Site
from edc.widgets import DATETIME

AS_OF_IN_FUTURE = _("The moment is in the future; give a past date and time.")
# Translators: the example is a date and time as typed in your language's date style.
AS_OF_HELP = _("Empty: the data as they are now. Otherwise, e.g. 06 Dec 2026 14:30.")


class MomentForm(forms.Form):
    """The moment a casebook shows (empty: now)."""

    as_of = forms.DateTimeField(
        label=_("Data as of"), required=False, widget=DATETIME, help_text=AS_OF_HELP
    )

    def clean_as_of(self):
        moment = self.cleaned_data.get("as_of")
        if moment is not None and moment > timezone.now():
            raise forms.ValidationError(AS_OF_IN_FUTURE)
        return moment


class ArchiveRequestForm(MomentForm):
    """Which site's casebooks to build (every site: roles that see them all)."""

    site = forms.ModelChoiceField(
        label=_("Site"), queryset=Site.objects.none(), required=False, empty_label=None
    )

    def __init__(self, *args, sites, whole_trial: bool, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["site"]
        field.queryset = sites
        if whole_trial:
            field.empty_label = _("Every site (the whole trial)")
        else:
            field.required = True
