"""The first sign-in of an account made by a data manager: replace the temporary password.

* ``user_create`` gives the account a temporary password and a ``TemporaryPassword`` row.
* At sign-in, ``on_logged_in`` flags the session when that row exists (one query per sign-in).
* ``FirstSignInMiddleware`` sends a flagged session to the password change page (two-step
  sign-in, sign-out, the session timer and the help pages stay open) until the row is gone;
  it also sends a user without a trial role from Home to "My training".
* ``PasswordReplacedValidator`` (in ``AUTH_PASSWORD_VALIDATORS``) removes the row whenever the
  password changes — on the password page, in the admin or by ``changepassword`` — through
  Django's ``password_changed`` hook; it also refuses a new password equal to the current one.
"""

from django.contrib import messages
from django.contrib.auth.hashers import check_password
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from . import user_constants as msg
from .models import TemporaryPassword
from .selectors import user_role

SESSION_KEY = "edc_password_change_required"
PASSWORD_PAGES = ("password-change", "password_change")
# URL names a session that must change its password may still reach.
OPEN_PAGES = frozenset(
    {
        *PASSWORD_PAGES,
        "login",
        "logout",
        "session-status",
        "keep-alive",
        "mfa-verify",
        "mfa-setup",
        "mfa-qr",
        "mfa-recovery-codes",
    }
)
SAME_PASSWORD = gettext_noop("Choose a new password: this one is your current password.")


def _password_page() -> str | None:
    for name in PASSWORD_PAGES:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return None


@receiver(user_logged_in, dispatch_uid="edc_access_first_sign_in")
def on_logged_in(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is None:
        return
    if TemporaryPassword.objects.filter(user=user).exists():
        session[SESSION_KEY] = True


class FirstSignInMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        match = request.resolver_match
        name = match.view_name if match is not None else ""
        if request.session.get(SESSION_KEY):
            if not TemporaryPassword.objects.filter(user=user).exists():
                del request.session[SESSION_KEY]
            elif not (
                name in OPEN_PAGES or request.path.startswith(("/help/", "/static/", "/api/"))
            ):
                target = _password_page()
                if target is not None:
                    messages.info(request, _(msg.PASSWORD_CHANGE_FIRST))
                    return redirect(target)
        if name == "home" and user_role(user) is None:
            messages.info(request, _(msg.NO_ROLE_YET))
            return redirect("access:my_training")
        return None


class PasswordReplacedValidator:
    """A password validator whose real work is Django's ``password_changed`` hook."""

    def validate(self, password, user=None):
        if user is not None and user.pk and check_password(password, user.password):
            raise ValidationError(_(SAME_PASSWORD), code="password_unchanged")

    def password_changed(self, password, user=None):
        if user is not None and user.pk:
            TemporaryPassword.objects.filter(user=user).delete()

    def get_help_text(self):
        return _("Your new password must differ from your current one.")
