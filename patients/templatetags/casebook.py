from django import template
from django.urls import NoReverseMatch, reverse

from edc import protocol

register = template.Library()


def _tumour_url(event, record_id: int | None) -> str:
    if record_id is not None:
        return reverse("assessments:tumour_edit", kwargs={"assessment_pk": record_id})
    # edc.protocol numbers the baseline assessment 0 and the follow-ups from 1.
    name = "baseline_new" if event.sequence == 0 else "followup_new"
    return reverse(f"assessments:{name}", kwargs={"pk": event.patient_id})


def _immune_url(event, record_id: int | None) -> str:
    if record_id is not None:
        return reverse("labs:draw_edit", kwargs={"pk": record_id})
    return f"{reverse('labs:draw_enter', kwargs={'pk': event.patient_id})}?event={event.code}"


# The pages of the apps above this one that enter or correct the record of a tumour assessment
# or an immune draw, used while those apps route no page per calendar event (EVENT_FORMS in
# edc.monitoring.views names it, and wins once it exists): new record → by patient, existing →
# by id.
ENTRY_PAGES = {protocol.TUMOUR: _tumour_url, protocol.IMMUNE: _immune_url}


@register.simple_tag
def event_form_url(event_forms: dict, event, record_id: int | None = None) -> str:
    """URL of the form that records ``event``, or "" while that form does not exist.

    ``record_id`` is the id of the event's record once entered (``CasebookForm.record_id``).
    """
    name = event_forms.get(event.kind)
    if name:
        try:
            return reverse(name, kwargs={"pk": event.patient_id, "code": event.code})
        except NoReverseMatch:
            pass
    page = ENTRY_PAGES.get(event.kind)
    if page is None:
        return ""
    try:
        return page(event, record_id)
    except NoReverseMatch:
        return ""
