"""``{% sae_reports adverse_event %}``: the AE's SAE reports and the 24-hour rule, on AE pages.

A template tag, not a Python import: the assessments pages sit below this floor and never
import it; the block costs one query.
"""

from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("safety/_ae_block.html", takes_context=True)
def sae_reports(context, adverse_event):
    request = context.get("request")
    reports = []
    if adverse_event is not None and getattr(adverse_event, "pk", None) and request is not None:
        reports = selectors.sae_reports_of_event(
            user=request.user, adverse_event_id=adverse_event.pk
        )
    return {"reports": reports, "adverse_event": adverse_event}
