"""``{% two_step_enabled as on %}``: whether two-step sign-in is on (the login page says when
it is off, as in the demo)."""

from django import template

from edc.access.mfa import mfa_enabled

register = template.Library()


@register.simple_tag
def two_step_enabled() -> bool:
    return mfa_enabled()
