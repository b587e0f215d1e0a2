"""Display helpers for the assessment pages (formatting only; no clinical logic)."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def percent(value, digits: int = 1) -> str:
    """0.5 → "50.0 %"; None → "—"."""
    if value is None:
        return "—"
    return f"{Decimal(str(value)) * 100:.{int(digits)}f} %"


@register.filter
def signed_pct(value, digits: int = 1) -> str:
    """A percentage change already in percent: -31.25 → "−31.3 %"; None → "—"."""
    if value is None:
        return "—"
    text = f"{Decimal(str(value)):+.{int(digits)}f} %"
    return text.replace("-", "−")
