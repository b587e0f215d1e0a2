"""Reads of the SAE reports, scoped to the user's sites (a fixed number of queries)."""

from django.db.models import QuerySet
from django.http import Http404

from edc.access.selectors import scope_to_user_sites

from .models import SaeReport


def sae_reports_visible_to(user) -> QuerySet[SaeReport]:
    qs = SaeReport.objects.select_related(
        "patient__site", "adverse_event", "acknowledged_by__staff_profile"
    )
    return scope_to_user_sites(qs, user, site_lookup="patient__site")


def sae_report_get_for_user(*, user, pk: int) -> SaeReport:
    try:
        return sae_reports_visible_to(user).get(pk=pk)
    except (SaeReport.DoesNotExist, ValueError, TypeError):
        raise Http404("No such SAE report.") from None


def sae_reports_of_event(*, user, adverse_event_id: int) -> list[SaeReport]:
    return list(
        sae_reports_visible_to(user).filter(adverse_event_id=adverse_event_id).order_by("number")
    )
