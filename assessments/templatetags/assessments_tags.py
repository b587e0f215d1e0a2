"""Display helpers for the assessment pages (formatting only; no clinical logic).

Numbers follow the active language's decimal separator (0.5 → "50.0 %" in English, "50,0 %"
in French and Dutch).
"""

from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(value, digits: int = 1) -> str:
    """0.5 → "50.0 %"; None → "—"."""
    if value is None:
        return "—"
    places = int(digits)
    rounded = f"{Decimal(str(value)) * 100:.{places}f}"
    return f"{number_format(Decimal(rounded), places)} %"


@register.filter
def signed_pct(value, digits: int = 1) -> str:
    """A percentage change already in percent: -31.25 → "−31.3 %"; None → "—"."""
    if value is None:
        return "—"
    places = int(digits)
    text = f"{Decimal(str(value)):+.{places}f}"
    sign, magnitude = text[0], text[1:]
    return f"{sign.replace('-', '−')}{number_format(Decimal(magnitude), places)} %"
