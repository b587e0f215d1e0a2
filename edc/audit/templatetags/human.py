"""Template filters that put stored codes into the words people read (issue 19 §3)."""

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy

from edc.audit.display import role_label as _role_label

register = template.Library()

FILTER_LABELS = {
    # Translators: an export's parameter, e.g. "as of 06 Dec 2026 14:30"
    "as_of": gettext_lazy("as of"),
    # Translators: an export's parameter, e.g. "changed since 06 Dec 2026 14:30"
    "updated_since": gettext_lazy("changed since"),
    "codelists": gettext_lazy("code lists"),
}


def _when(value) -> str:
    moment = parse_datetime(str(value))
    if moment is None:
        return str(value)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return date_format(moment, "DATETIME_FORMAT")


@register.filter
def role_label(code: str) -> str:
    """A role code ("data_manager") as its label ("Data manager")."""
    return _role_label(code or "")


@register.filter
def filters_summary(filters) -> str:
    """An export's recorded parameters in words ("changed since 06 Dec 2026 14:30"), "—" when
    none was set; the package job number and the download flag are not parameters."""
    if not isinstance(filters, dict):
        return "—"
    parts = []
    for key, value in filters.items():
        if value in (None, "", False, [], {}) or key in ("job", "download"):
            continue
        label = FILTER_LABELS.get(key, key.replace("_", " "))
        if key in ("as_of", "updated_since"):
            parts.append(f"{label} {_when(value)}")
        elif value is True:
            parts.append(str(label))
        else:
            parts.append(f"{label}: {value}")
    return "; ".join(parts) or "—"
