"""Browser forms of user management and "My training". The rules live in the services."""

from django import forms

from . import user_constants as msg
from .constants import Role
from .models import Site

TEXT = forms.Textarea(attrs={"rows": 3})
ROLE_CHOICES = [("", "No role yet"), *Role.choices]
REASON_HELP = "Kept in the audit trail with your name, e.g. the access request it answers."


class SitesField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Site) -> str:
        return str(obj)


def sites_field() -> SitesField:
    return SitesField(
        queryset=Site.objects.order_by("code"),
        required=False,
        help_text=(
            "Investigators, study coordinators and monitors: at least one site. "
            "Statisticians and data managers see every site: none."
        ),
    )


def role_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=ROLE_CHOICES,
        required=False,
        help_text=(
            "Investigators and study coordinators get their role only after acknowledging its "
            "training on their “My training” page."
        ),
    )


class UserCreateForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        help_text="What the person signs in with: letters, digits and @ . + - _ only.",
    )
    full_name = forms.CharField(label="First and last name", max_length=300)
    email = forms.EmailField(label="Work e-mail")
    role = role_field()
    sites = sites_field()
    reason = forms.CharField(widget=TEXT, help_text=REASON_HELP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs["autocomplete"] = "off"


class StaffChangeForm(forms.Form):
    role = role_field()
    sites = sites_field()
    reason = forms.CharField(widget=TEXT, help_text=REASON_HELP)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AccountReasonForm(forms.Form):
    reason = forms.CharField(widget=TEXT, help_text=REASON_HELP)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class UserFilterForm(forms.Form):
    role = forms.ChoiceField(
        choices=[("", "Any role"), ("none", "No role yet"), *Role.choices], required=False
    )
    site = forms.ModelChoiceField(
        queryset=Site.objects.order_by("code"),
        required=False,
        empty_label="Any site",
        to_field_name="code",
    )
    active = forms.ChoiceField(
        label="Status",
        choices=[("", "Active and deactivated"), ("yes", "Active"), ("no", "Deactivated")],
        required=False,
    )


class TrainingAcknowledgeForm(forms.Form):
    """21 CFR 11.10(i), acknowledged like a signature: the statement, then the password."""

    role = forms.ChoiceField(choices=Role.choices, widget=forms.HiddenInput)
    guide_version = forms.CharField(max_length=200, widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label=msg.READ_CONFIRMATION,
        error_messages={"required": msg.READ_CONFIRMATION_REQUIRED},
    )
    password = forms.CharField(label="Your password", widget=forms.PasswordInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"
