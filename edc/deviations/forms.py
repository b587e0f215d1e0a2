from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from edc import protocol

from .constants import RULE_LABELS, DeviationStatus


class DeviationFilterForm(forms.Form):
    site = forms.CharField(label=_("Site"), required=False)
    rule = forms.ChoiceField(
        label=_("Rule"),
        required=False,
        choices=[("", _("All rules"))]
        + [(c, RULE_LABELS.get(c, c.replace("_", " "))) for c in protocol.DEVIATION_SEVERITY],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *DeviationStatus.choices],
    )
    older_than_days = forms.IntegerField(required=False, min_value=0, label=_("Older than (days)"))


class DeviationActionForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"),
        choices=[
            ("acknowledge", pgettext_lazy("deviation", "Acknowledge")),
            ("resolve", pgettext_lazy("deviation", "Resolve")),
        ],
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
