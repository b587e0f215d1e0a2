"""Access-scoped reads of patients. A patient outside the user's sites does not exist (404)."""

from django.db.models import QuerySet
from django.http import Http404

from edc.access.selectors import scope_to_user_sites

from .models import Patient


def patients_visible_to(user) -> QuerySet[Patient]:
    qs = Patient.objects.select_related("site", "cohort")
    return scope_to_user_sites(qs, user, site_lookup="site")


def patient_get_for_user(*, user, pk: int) -> Patient:
    try:
        return patients_visible_to(user).get(pk=pk)
    except (Patient.DoesNotExist, ValueError, TypeError):
        raise Http404("No such patient.") from None


def patient_casebook(*, user, pk: int) -> Patient:
    """The patient with everything the casebook page shows, in a fixed number of queries."""
    qs = patients_visible_to(user).prefetch_related("consents", "eligibility")
    try:
        return qs.get(pk=pk)
    except (Patient.DoesNotExist, ValueError, TypeError):
        raise Http404("No such patient.") from None
