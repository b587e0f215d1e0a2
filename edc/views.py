from django.db.models import Count, Q
from django.views.generic import TemplateView

from edc.access.selectors import can_enter_data, sites_visible_to, user_role
from edc.web import TrialRoleRequiredMixin
from patients.constants import PatientStatus
from patients.models import Cohort
from patients.selectors import patients_visible_to


class HomeView(TrialRoleRequiredMixin, TemplateView):
    """Each role's starting page: their sites' patients and what needs doing."""

    template_name = "home.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        patients = patients_visible_to(user)
        counts = patients.aggregate(
            total=Count("id"),
            screening=Count("id", filter=Q(status=PatientStatus.SCREENING)),
            on_study=Count("id", filter=Q(status=PatientStatus.ENROLLED)),
            off_study=Count("id", filter=Q(status=PatientStatus.OFF_STUDY)),
            screen_failed=Count("id", filter=Q(status=PatientStatus.SCREEN_FAILED)),
        )
        by_site = (
            sites_visible_to(user)
            .annotate(
                enrolled=Count("patients", filter=Q(patients__subject_id__isnull=False)),
                screening=Count("patients", filter=Q(patients__status=PatientStatus.SCREENING)),
            )
            .order_by("code")
        )
        return super().get_context_data(
            role=user_role(user),
            counts=counts,
            by_site=by_site,
            cohorts=Cohort.objects.annotate(enrolled=Count("patients")).order_by("code"),
            recent=patients.order_by("-updated_at")[:10],
            can_enter=can_enter_data(user),
            **kwargs,
        )
