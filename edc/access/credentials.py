"""Re-entering one's password to sign (21 CFR 11.200) or to acknowledge training, and the
lockout after repeated failures (21 CFR 11.300(d)).

Every attempt is recorded (``SigningAttempt``, append-only). Signing an e-signature
(``edc.monitoring.services.signature_sign``) and acknowledging a guide ("My training") both ask
:func:`signing_credentials_check`, so failures at either count towards the same lockout.
"""

import datetime as dt

from django.contrib.auth import authenticate, get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from .constants import AttemptOutcome
from .models import SigningAttempt

SIGNING_MAX_FAILURES = 3
SIGNING_FAILURE_WINDOW = dt.timedelta(minutes=30)
SIGNING_LOCKOUT = dt.timedelta(minutes=30)
# Shown on the signature pages (translated when the page renders).
LOCKOUT_POLICY = format_lazy(
    gettext_lazy(
        "{failures} wrong attempts within {window} minutes lock signing for {lockout} minutes."
    ),
    failures=SIGNING_MAX_FAILURES,
    window=SIGNING_FAILURE_WINDOW.seconds // 60,
    lockout=SIGNING_LOCKOUT.seconds // 60,
)

# Messages users read (tests import them, in English); translated where they are raised.
WRONG_CREDENTIALS = gettext_noop("User ID or password is not correct; nothing was signed.")
SIGNING_LOCKED = gettext_noop(
    "Signing is locked after {count} failed attempts; try again after {time}."
)


def signing_locked_until(*, user, now: dt.datetime | None = None) -> dt.datetime | None:
    """When signing unlocks for ``user``, or None when they may sign now.

    Locked for ``SIGNING_LOCKOUT`` after ``SIGNING_MAX_FAILURES`` consecutive failed attempts
    made within ``SIGNING_FAILURE_WINDOW``; attempts refused while locked do not count.
    """
    now = now or timezone.now()
    recent = list(
        SigningAttempt.objects.filter(
            user=user, at__gte=now - SIGNING_FAILURE_WINDOW - SIGNING_LOCKOUT
        )
        .exclude(outcome=AttemptOutcome.LOCKED_OUT)
        .order_by("-at", "-id")[:SIGNING_MAX_FAILURES]
    )
    if len(recent) < SIGNING_MAX_FAILURES:
        return None
    if any(a.outcome != AttemptOutcome.WRONG_CREDENTIALS for a in recent):
        return None
    newest, oldest = recent[0], recent[-1]
    if newest.at - oldest.at > SIGNING_FAILURE_WINDOW:
        return None
    until = newest.at + SIGNING_LOCKOUT
    return until if until > now else None


def signing_credentials_check(*, user, username: str, password: str, request=None) -> None:
    """Check the signer's user ID and password (21 CFR 11.200) and record the attempt.

    The attempt is committed in its own atomic block *before* a failure is raised, so a wrong
    password counts towards the lockout even though the caller's request then fails. Callers
    must therefore not wrap this in a savepoint they roll back on error.
    """
    ok = False
    errors: list[str] = []
    with transaction.atomic():
        # One signer's attempts are serialised, so parallel guesses cannot pass the limit.
        list(get_user_model().objects.select_for_update().filter(pk=user.pk))
        locked_until = signing_locked_until(user=user)
        if locked_until is not None:
            outcome = AttemptOutcome.LOCKED_OUT
        else:
            signer = authenticate(request, username=username, password=password)
            ok = signer is not None and signer.pk == user.pk
            outcome = AttemptOutcome.SUCCESS if ok else AttemptOutcome.WRONG_CREDENTIALS
            if not ok:
                errors.append(_(WRONG_CREDENTIALS))
        SigningAttempt.objects.create(user=user, outcome=outcome)
        if not ok:
            locked_until = locked_until or signing_locked_until(user=user)
            if locked_until is not None:
                until = timezone.localtime(locked_until)
                errors.append(
                    _(SIGNING_LOCKED).format(count=SIGNING_MAX_FAILURES, time=f"{until:%H:%M}")
                )
    if errors:
        raise ValidationError({"password": errors})
