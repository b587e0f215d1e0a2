from django import forms

from edc import protocol

from .constants import DeviationStatus


class DeviationFilterForm(forms.Form):
    site = forms.CharField(required=False)
    rule = forms.ChoiceField(
        required=False,
        choices=[("", "All rules")]
        + [(c, c.replace("_", " ")) for c in protocol.DEVIATION_SEVERITY],
    )
    status = forms.ChoiceField(
        required=False, choices=[("", "All statuses"), *DeviationStatus.choices]
    )
    older_than_days = forms.IntegerField(required=False, min_value=0, label="Older than (days)")


class DeviationActionForm(forms.Form):
    action = forms.ChoiceField(choices=[("acknowledge", "Acknowledge"), ("resolve", "Resolve")])
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
