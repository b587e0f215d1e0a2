"""The interface language of a person: English, French or Dutch (issue 23).

A signed-in person reads the interface in the language stored on their account
(``StaffProfile.language``, chosen with the switch in the page header or by the data manager
who created the account); with none stored — and before signing in — it follows the browser
(``Accept-Language``, Django's ``LocaleMiddleware``) and then the switch's cookie. E-mails and
PDFs made for someone outside a request use ``language_of(person)``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import HttpResponseRedirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from edc.audit.services import audited_update

from . import roles
from .models import StaffProfile

LANGUAGE_CODES = tuple(code for code, _name in settings.LANGUAGES)
DEFAULT_LANGUAGE = settings.LANGUAGE_CODE.split("-")[0]
# The audit trail's reason for a change a person makes to their own interface language.
REASON_CHOSEN = "Interface language chosen by the user"


def _chosen(user) -> str:
    profile = getattr(user, "staff_profile", None) if user is not None else None
    chosen = getattr(profile, "language", "") or ""
    return chosen if chosen in LANGUAGE_CODES else ""


def language_of(user) -> str:
    """The language ``user`` reads the interface in: their choice, else the trial's default."""
    return _chosen(user) or DEFAULT_LANGUAGE


class UserLanguageMiddleware:
    """After authentication: a signed-in person's stored language wins over the browser's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            chosen = _chosen(user)
            if chosen:
                translation.activate(chosen)
                request.LANGUAGE_CODE = chosen
        return self.get_response(request)


@transaction.atomic
def language_set(*, user, language: str) -> None:
    """Store ``user``'s interface language on their account (an audited change)."""
    if language not in LANGUAGE_CODES:
        raise ValueError(f"not an interface language: {language!r}")
    profile = StaffProfile.objects.select_for_update().filter(user=user).first()
    if profile is None or profile.language == language:
        return
    audited_update(
        profile,
        user=user,
        reason=REASON_CHOSEN,
        expected_version=profile.version,
        changes={"language": language},
    )
    user.staff_profile = profile


class LanguageSwitchView(View):
    """POST from the header's switch: the language for this person, then back to the page."""

    edc_action = roles.PUBLIC  # the sign-in page has the switch too

    def post(self, request):
        language = request.POST.get("language", "")
        target = request.POST.get("next") or request.headers.get("referer") or "/"
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = "/"
        response = HttpResponseRedirect(target)
        if language in LANGUAGE_CODES:
            if request.user.is_authenticated:
                language_set(user=request.user, language=language)
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response
