"""Browser forms of user management and "My training". The rules live in the services."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from . import user_constants as msg
from .constants import Role
from .models import Site

TEXT = forms.Textarea(attrs={"rows": 3})
ROLE_CHOICES = [("", _("No role yet")), *Role.choices]
REASON_HELP = _("Kept in the audit trail with your name, e.g. the access request it answers.")
# The interface languages by their own names ("Français", "Nederlands"), as people look for
# their language.
LANGUAGE_CHOICES = list(settings.LANGUAGES)


class SitesField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Site) -> str:
        return str(obj)


def sites_field() -> SitesField:
    return SitesField(
        label=_("Sites"),
        queryset=Site.objects.order_by("code"),
        required=False,
        help_text=_(
            "Investigators, study coordinators and monitors: at least one site. "
            "Statisticians and data managers see every site: none."
        ),
    )


def role_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Role"),
        choices=ROLE_CHOICES,
        required=False,
        help_text=_(
            "Investigators and study coordinators get their role only after acknowledging its "
            "training on their “My training” page."
        ),
    )


def reason_field() -> forms.CharField:
    return forms.CharField(label=_("Reason"), widget=TEXT, help_text=REASON_HELP)


class UserCreateForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("What the person signs in with: letters, digits and @ . + - _ only."),
    )
    full_name = forms.CharField(label=_("First and last name"), max_length=300)
    email = forms.EmailField(label=_("Work e-mail"))
    role = role_field()
    sites = sites_field()
    # Empty: the language of the first site's country (edc.access.services.language_for_sites).
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("From the first site's country")), *LANGUAGE_CHOICES],
        required=False,
        help_text=_(
            "The language of the pages and e-mails of this person. By default the language of "
            "the country of the first site chosen (France and Belgium: French; the "
            "Netherlands: Dutch; elsewhere: English); the person can change it later."
        ),
    )
    reason = reason_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs["autocomplete"] = "off"


class StaffChangeForm(forms.Form):
    role = role_field()
    sites = sites_field()
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("Trial default (English)")), *LANGUAGE_CHOICES],
        required=False,
        help_text=_("The language of the pages and e-mails of this person."),
    )
    reason = reason_field()
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AccountReasonForm(forms.Form):
    reason = reason_field()
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class UserFilterForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[("", _("Any role")), ("none", _("No role yet")), *Role.choices],
        required=False,
    )
    site = forms.ModelChoiceField(
        label=_("Site"),
        queryset=Site.objects.order_by("code"),
        required=False,
        empty_label=_("Any site"),
        to_field_name="code",
    )
    active = forms.ChoiceField(
        label=_("Status"),
        choices=[
            ("", _("Active and deactivated")),
            ("yes", _("Active")),
            ("no", _("Deactivated")),
        ],
        required=False,
    )


class TrainingAcknowledgeForm(forms.Form):
    """21 CFR 11.10(i), acknowledged like a signature: the statement, then the password."""

    role = forms.ChoiceField(choices=Role.choices, widget=forms.HiddenInput)
    guide_version = forms.CharField(max_length=200, widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label=_(msg.READ_CONFIRMATION),
        error_messages={"required": _(msg.READ_CONFIRMATION_REQUIRED)},
    )
    password = forms.CharField(label=_("Your password"), widget=forms.PasswordInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"
