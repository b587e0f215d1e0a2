"""Pages of the signed-in account: two-step sign-in (code, set-up, recovery codes) and the
password change. The rules live in edc.access.mfa; these pages only ask and show."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView, View

from edc.web import TrialRoleRequiredMixin

from . import mfa, roles
from .authentication import auth_event_record, lockout_response
from .constants import WEB, AuthEventKind, Role
from .selectors import user_role

# The recovery codes just made, kept in the session until the page shows them (once).
SESSION_NEW_CODES = "edc_mfa_new_codes"
SESSION_NEXT = "edc_mfa_next"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=40,
        strip=True,
        error_messages={"required": gettext_lazy(mfa.CODE_MISSING)},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autofocus": True,
                "spellcheck": "false",
                "autocapitalize": "off",
                "size": 12,
            }
        ),
    )


class AppCodeForm(CodeForm):
    """Only a code from the app (set-up, new recovery codes)."""

    code = forms.CharField(
        label=gettext_lazy("6-digit code from the app"),
        max_length=12,
        strip=True,
        error_messages={"required": gettext_lazy("Enter the 6-digit code your app shows.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}
        ),
    )


def _safe_next(request, candidate: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("home")


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


class SignedInPage(TrialRoleRequiredMixin):
    """Any signed-in account (with or without a trial role)."""

    action = roles.SIGNED_IN


@method_decorator(never_cache, name="dispatch")
class AccountView(SignedInPage, TemplateView):
    """The account page: password, two-step sign-in status and its actions."""

    template_name = "access/mfa_account.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        role = user_role(user)
        device = mfa.app_device(user)
        return super().get_context_data(
            title=_("Your account"),
            mfa_enabled=mfa.mfa_enabled(),
            mfa_required=mfa.mfa_required(user),
            role_label=Role(role).label if role else "",
            device=device,
            recovery_left=mfa.recovery_codes_left(user) if device else 0,
            form=kwargs.pop("form", None) or AppCodeForm(auto_id="id_renew_%s"),
            **kwargs,
        )

    def post(self, request):
        """New recovery codes (needs a code from the app)."""
        if not mfa.mfa_enabled() or not mfa.has_app(request.user):
            return redirect("account")
        form = AppCodeForm(request.POST, auto_id="id_renew_%s")
        if form.is_valid():
            result = mfa.recovery_codes_renew(
                request=request, user=request.user, code=form.cleaned_data["code"]
            )
            if result.recovery_codes:
                request.session[SESSION_NEW_CODES] = list(result.recovery_codes)
                request.session[SESSION_NEXT] = reverse("account")
                return redirect("mfa-recovery-codes")
            form.add_error("code", _code_error(result.check))
        return self.render_to_response(self.get_context_data(form=form))


def _code_error(check: mfa.CodeCheck, *, setup: bool = False) -> str:
    if check.outcome == mfa.SLOW_DOWN:
        return mfa.slow_down_message(check.wait_seconds)
    message = _(mfa.SETUP_CODE_WRONG) if setup else _(mfa.CODE_WRONG)
    if check.tries_left:
        message += " " + mfa.tries_left_message(check.tries_left)
    return message


@method_decorator(never_cache, name="dispatch")
class VerifyView(SignedInPage, FormView):
    """The second step: the 6-digit code from the app, or a recovery code."""

    template_name = "access/mfa_verify.html"
    form_class = CodeForm

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated:
            if not mfa.mfa_enabled() or user.is_verified():
                return redirect(self.next_url())
            if not mfa.has_app(user):
                if mfa.mfa_required(user):
                    return redirect(_with_next("mfa-setup", self.next_url()))
                return redirect(self.next_url())
        return super().dispatch(request, *args, **kwargs)

    def next_url(self) -> str:
        request = self.request
        return _safe_next(request, request.POST.get("next") or request.GET.get("next", ""))

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("Two-step sign-in"), next=self.next_url(), **kwargs)

    def post(self, request, *args, **kwargs):
        user = request.user
        if mfa.account_is_locked(request, user):
            return self._locked_out(request, user)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        request, user = self.request, self.request.user
        result = mfa.second_step(
            request=request, user=user, code=form.cleaned_data["code"], channel=WEB
        )
        if result.ok:
            mfa.session_verified(request, result.device)
            if result.outcome == mfa.RECOVERY_ACCEPTED:
                messages.warning(
                    request,
                    ngettext(
                        "You signed in with a recovery code; it cannot be used again. "
                        "%(left)s recovery code left: make new ones on your account page when "
                        "you run low.",
                        "You signed in with a recovery code; it cannot be used again. "
                        "%(left)s recovery codes left: make new ones on your account page when "
                        "you run low.",
                        result.recovery_left,
                    )
                    % {"left": result.recovery_left},
                )
            return redirect(self.next_url())
        if result.locked:
            return self._locked_out(request, user)
        form.add_error("code", _code_error(result))
        return self.form_invalid(form)

    def _locked_out(self, request, user):
        username = user.get_username()
        request.edc_logout_reason = mfa.SIGNED_OUT_LOCKED
        logout(request)
        return lockout_response(request, credentials={"username": username})


@method_decorator(never_cache, name="dispatch")
class SetupView(SignedInPage, FormView):
    """Set up the authenticator app: scan the QR code (or type the key), confirm a code."""

    template_name = "access/mfa_setup.html"
    form_class = AppCodeForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            if not mfa.mfa_enabled():
                messages.info(request, _("Two-step sign-in is off in this installation."))
                return redirect("account")
            if mfa.has_app(request.user):
                if not request.user.is_verified():
                    return redirect(_with_next("mfa-verify", self.next_url()))
                messages.info(request, _("Two-step sign-in is already set up for your account."))
                return redirect("account")
        return super().dispatch(request, *args, **kwargs)

    def next_url(self) -> str:
        request = self.request
        return _safe_next(request, request.POST.get("next") or request.GET.get("next", ""))

    def get_context_data(self, **kwargs):
        device = mfa.enrolment_device(user=self.request.user)
        return super().get_context_data(
            title=_("Set up two-step sign-in"),
            secret=mfa.secret_text(device),
            required=mfa.mfa_required(self.request.user),
            next=self.next_url(),
            **kwargs,
        )

    def form_valid(self, form):
        request = self.request
        try:
            result = mfa.enrolment_confirm(
                request=request, user=request.user, code=form.cleaned_data["code"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("account")
        if not result.check.ok:
            form.add_error("code", _code_error(result.check, setup=True))
            return self.form_invalid(form)
        request.session[SESSION_NEW_CODES] = list(result.recovery_codes)
        request.session[SESSION_NEXT] = self.next_url()
        return redirect("mfa-recovery-codes")


@method_decorator(never_cache, name="dispatch")
class QRCodeView(SignedInPage, View):
    """The QR code of the app being set up (an SVG image; it holds the secret: not cached)."""

    def get(self, request):
        if not mfa.mfa_enabled() or mfa.has_app(request.user):
            raise Http404(_("No authenticator app is being set up."))
        device = mfa.enrolment_device(user=request.user)
        return HttpResponse(mfa.qr_svg(device), content_type="image/svg+xml")


@method_decorator(never_cache, name="dispatch")
class RecoveryCodesView(SignedInPage, TemplateView):
    """The recovery codes just made: shown this once."""

    template_name = "access/mfa_recovery_codes.html"

    def get(self, request, *args, **kwargs):
        codes = request.session.pop(SESSION_NEW_CODES, None)
        next_url = _safe_next(request, request.session.pop(SESSION_NEXT, ""))
        if not codes:
            messages.info(
                request,
                _(
                    "Recovery codes are shown only once, right after they are made. If you did "
                    "not keep them, make new ones here."
                ),
            )
            return redirect("account")
        return render(
            request,
            self.template_name,
            {
                "title": _("Your recovery codes"),
                "codes": [mfa.format_recovery_code(code) for code in codes],
                "next": next_url,
            },
        )


class PasswordChangeView(SignedInPage, auth_views.PasswordChangeView):
    """Change one's own password (the old one first); recorded as ``password_changed``."""

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("account")
    extra_context = {"title": gettext_lazy("Change your password")}

    def form_valid(self, form):
        response = super().form_valid(form)  # keeps this session signed in
        auth_event_record(
            kind=AuthEventKind.PASSWORD_CHANGED,
            request=self.request,
            user=form.user,
            channel=WEB,
        )
        messages.success(self.request, _("Your password was changed."))
        return response
