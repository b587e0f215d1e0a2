"""Keep a signed-in but not yet verified browser session on the two-step pages.

After the password, a user for whom two-step sign-in applies (edc.access.mfa.mfa_applies)
reaches only: the code page (app set up), the set-up page (role requires it, no app yet), the
recovery codes shown after set-up, logging out and the session timer's endpoints. Any other
page redirects there (with ``next``); an API call made with the session gets 403. API calls
with a token carry no session: the token endpoint asks for the code itself.

A session that passed the second step and then lost its app (a data manager reset it) is
signed out. Installed after django-otp's OTPMiddleware and the session timeout
(edc/settings/base.py).
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from . import mfa

# URL names an unverified session may reach.
OPEN_TO_UNVERIFIED = frozenset(
    {
        "login",
        "logout",
        "session-status",
        "keep-alive",
        "mfa-verify",
        "mfa-setup",
        "mfa-qr",
        "mfa-recovery-codes",
        "auth-token-list",  # the API token endpoint authenticates (and asks the code) itself
    }
)


class TwoStepRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        if mfa.mfa_enabled():
            mfa.required_roles()  # a misspelt role in the settings stops the start-up

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not mfa.mfa_enabled():
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return None
        if request.session.get(mfa.SESSION_VERIFIED):
            return self._sign_out_after_reset(request)
        if mfa.has_app(user):
            target = "mfa-verify"
        elif mfa.mfa_required(user):
            target = "mfa-setup"
        else:
            return None  # a role that may, but need not, use two-step sign-in
        match = request.resolver_match
        if match is not None and match.url_name in OPEN_TO_UNVERIFIED:
            request.edc_mfa_pending = True  # base.html hides the menu
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": _(mfa.API_SESSION_UNVERIFIED)}, status=403)
        url = reverse(target)
        if request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        return redirect(url)

    def _sign_out_after_reset(self, request):
        shown = _(mfa.SIGNED_OUT_AFTER_RESET)  # before logout, which resets the language
        request.edc_logout_reason = mfa.SIGNED_OUT_AFTER_RESET
        logout(request)
        messages.info(request, shown)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": shown}, status=403)
        match = request.resolver_match
        if match is not None and match.url_name == "session-status":
            return JsonResponse({"signed_out": True, "remaining": 0})
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
