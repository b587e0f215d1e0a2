"""Query parameters read by hand (not through a filterset): parsed strictly, 400 when invalid.

An absent or empty parameter is ``None``. Anything else must be valid: a typo or a forged value
is refused with a message naming the parameter instead of being ignored, and never reaches the
database unchecked (PostgreSQL refuses NUL characters; ids must fit a 64-bit integer).
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

MAX_ID = 2**63 - 1
ID_INVALID = _("A whole number from 1 is required.")
# Translators: followed by the accepted values, e.g. "One of: open, answered, closed."
CHOICE_INVALID = _("One of: {choices}.")
NUL_INVALID = _("Null characters are not allowed.")


def _raw(request, name: str) -> str | None:
    value = request.query_params.get(name)
    return value if value else None


def id_param(request, name: str) -> int | None:
    raw = _raw(request, name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_ID:
        raise ValidationError({name: [ID_INVALID]})
    return int(raw)


def choice_param(request, name: str, choices) -> str | None:
    raw = _raw(request, name)
    if raw is not None and raw not in choices:
        raise ValidationError({name: [CHOICE_INVALID.format(choices=", ".join(choices))]})
    return raw


def text_param(request, name: str) -> str | None:
    raw = _raw(request, name)
    if raw is not None and "\x00" in raw:
        raise ValidationError({name: [NUL_INVALID]})
    return raw
