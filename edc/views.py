"""The home page: each trial role starts from what needs doing at the sites it can see."""

from django.views.generic import TemplateView

from edc.access import roles
from edc.access.constants import Role
from edc.access.roles import can_enter_data
from edc.access.selectors import user_role
from edc.dashboard import selectors
from edc.web import TrialRoleRequiredMixin
from patients.calendar import trial_today, week_of


def _site_staff(user, today) -> dict:
    """Their patients and what to do next: visits, queries to answer, deviations to review."""
    return {
        "next_events": selectors.patients_with_next_event(user=user, today=today),
        "visits": selectors.visits_to_do(user=user, today=today),
        "week_end": week_of(today).sunday,
        "queries": selectors.query_totals(user=user),
        "deviations": selectors.deviation_totals(user=user),
    }


def _monitor(user, today) -> dict:
    """Their sites' queue: SDV still to do, queries, new deviations, recent changes."""
    sdv = selectors.sdv_queue(user=user)
    return {
        "sdv": sdv,
        "sdv_to_verify": sum(s["to_verify"] for s in sdv),
        "queries": selectors.query_totals(user=user),
        "deviations": selectors.deviation_totals(user=user),
        "new_deviations": selectors.new_deviations(user=user),
        "changes": selectors.recent_changes(user=user),
    }


def _statistician(user, today) -> dict:
    return {"cohorts": selectors.cohort_enrolment()}


def _data_manager(user, today) -> dict:
    """Trial status: patients, sites, cohorts against capacity, locks, open queries/deviations."""
    locks, lock_counts = selectors.active_locks(user=user)
    return {
        "cohorts": selectors.cohort_enrolment(),
        "by_site": selectors.sites_enrolment(user=user),
        "locks": locks,
        "lock_counts": lock_counts,
        "queries": selectors.query_totals(user=user),
        "deviations": selectors.deviation_totals(user=user),
    }


SECTIONS = {
    Role.MONITOR: _monitor,
    Role.STATISTICIAN: _statistician,
    Role.DATA_MANAGER: _data_manager,
}


class HomeView(TrialRoleRequiredMixin, TemplateView):
    """Each role's starting page: what needs doing at their sites, in a fixed number of queries."""

    template_name = "home.html"
    # Open to any account: one without a trial role yet is sent to "My training"
    # (edc.access.first_sign_in.FirstSignInMiddleware).
    action = roles.SIGNED_IN

    def get_context_data(self, **kwargs):
        user = self.request.user
        role = user_role(user)
        today = trial_today()  # the trial's date, the same at every site
        site_staff = can_enter_data(user)
        section = _site_staff if site_staff else SECTIONS[role]
        return super().get_context_data(
            role=role,
            role_label=Role(role).label,
            is_site_staff=site_staff,
            can_enter=site_staff,
            today=today,
            counts=selectors.trial_counts(user=user),
            **section(user, today),
            **kwargs,
        )
