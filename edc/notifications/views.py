"""Notification settings: each user chooses messages at once or one daily digest."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView

from edc.access import roles
from edc.web import TrialRoleRequiredMixin

from . import constants as msg
from . import services
from .constants import Delivery


class PreferenceForm(forms.Form):
    delivery = forms.ChoiceField(
        label=_("How do you want to receive notifications?"),
        choices=Delivery.choices,
        widget=forms.RadioSelect,
    )


class NotificationSettingsView(TrialRoleRequiredMixin, FormView):
    action = roles.SIGNED_IN
    template_name = "notifications/settings.html"
    form_class = PreferenceForm

    def get_initial(self):
        return {"delivery": services.preference_of(self.request.user)}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=_("Notification settings"),
            no_email=not self.request.user.email,
            no_email_text=msg.NO_EMAIL,
            **kwargs,
        )

    def form_valid(self, form):
        services.preference_set(user=self.request.user, delivery=form.cleaned_data["delivery"])
        messages.success(self.request, msg.SAVED)
        return redirect("notifications:settings")
