"""Generic links from any CRF page to the monitor workspace.

{% load monitoring_tags %}
{% monitoring_links dose %}                 history · raise query · verify (by role)
{% monitoring_links dose field="weight_kg" %}   the same, about one field
<a href="{{ dose|record_url }}">History</a>
"""

from urllib.parse import urlencode

from django import template
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from edc.audit.models import AuditedModel

from .. import permissions as perms

register = template.Library()


def _args(record: AuditedModel) -> list[int]:
    return [ContentType.objects.get_for_model(type(record)).pk, record.pk]


@register.filter
def record_url(record: AuditedModel) -> str:
    """The record's page: current values, history timeline, SDV, queries, lock."""
    return reverse("monitoring:record", args=_args(record))


@register.inclusion_tag("monitoring/_links.html", takes_context=True)
def monitoring_links(context, record: AuditedModel, field: str = ""):
    user = context["request"].user
    args = _args(record)
    suffix = "?" + urlencode({"field": field}) if field else ""
    return {
        "history_url": reverse("monitoring:record", args=args),
        "query_url": (
            reverse("monitoring:query_raise", args=args) + suffix
            if perms.can_raise_query(user)
            else ""
        ),
        "verify_url": (
            reverse("monitoring:sdv_mark", args=args) + suffix if perms.can_verify(user) else ""
        ),
    }
