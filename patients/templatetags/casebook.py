from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.simple_tag
def event_form_url(event_forms: dict, event) -> str:
    """URL of the form that records ``event``, or "" while that form does not exist."""
    name = event_forms.get(event.kind)
    if not name:
        return ""
    try:
        return reverse(name, kwargs={"pk": event.patient_id, "code": event.code})
    except NoReverseMatch:
        return ""
