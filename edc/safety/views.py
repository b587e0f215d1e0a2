"""The safety pages: every SAE report (data manager), one report (acknowledge), one AE's reports."""

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, ListView, TemplateView, View

from assessments.selectors import adverse_event_get_for_user
from edc.access import roles
from edc.access.language import language_of
from edc.web import TrialRoleRequiredMixin, run_service

from . import selectors, services


class AcknowledgeForm(forms.Form):
    """Nothing to type: the button says what it does."""


class SafetyListView(TrialRoleRequiredMixin, ListView):
    """Every SAE report of the trial, newest first; the open ones first when asked."""

    action = roles.ACKNOWLEDGE_SAE
    template_name = "safety/list.html"
    context_object_name = "reports"
    paginate_by = 100

    def get_queryset(self):
        qs = selectors.sae_reports_visible_to(self.request.user)
        if self.request.GET.get("open"):
            qs = qs.filter(acknowledged_at__isnull=True)
        return qs.order_by("-created_at", "-id")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=_("Safety: SAE reports"), only_open=bool(self.request.GET.get("open")), **kwargs
        )


class SaeReportView(TrialRoleRequiredMixin, FormView):
    """One report: what was sent, to whom, the 24-hour rule; the safety desk acknowledges it."""

    post_action = roles.ACKNOWLEDGE_SAE
    template_name = "safety/report.html"
    form_class = AcknowledgeForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.report = selectors.sae_report_get_for_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            title=str(self.report),
            report=self.report,
            content=services.shown(self.report.content),
            history=selectors.sae_reports_of_event(
                user=user, adverse_event_id=self.report.adverse_event_id
            ),
            can_acknowledge=roles.role_can(user, roles.ACKNOWLEDGE_SAE, self.report),
            show_people=not roles.is_deidentified(user),
            **kwargs,
        )

    def form_valid(self, form):
        done = run_service(
            form, services.sae_report_acknowledge, user=self.request.user, report=self.report
        )
        if done is None:
            return self.form_invalid(form)
        messages.success(self.request, gettext("SAE report acknowledged."))
        return redirect("safety:report", pk=self.report.pk)


class SaeReportPdfView(TrialRoleRequiredMixin, View):
    """The CIOMS-I form of a report, as it was sent, in the language of the user who asks."""

    def get(self, request, pk):
        from .pdf import report_pdf

        report = selectors.sae_report_get_for_user(user=request.user, pk=pk)
        with translation.override(language_of(request.user)):
            data = report_pdf(report)
        response = HttpResponse(data, content_type="application/pdf")
        name = f"SAE-{report.content.get('patient') or report.content.get('site')}-{report.number}"
        response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
        return response


class AdverseEventReportsView(TrialRoleRequiredMixin, TemplateView):
    """One adverse event's SAE reports and the 24-hour rule (the AE's safety page)."""

    template_name = "safety/adverse_event.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        ae = adverse_event_get_for_user(user=user, pk=self.kwargs["pk"])
        return super().get_context_data(
            title=_("SAE reports of an adverse event"),
            adverse_event=ae,
            reports=selectors.sae_reports_of_event(user=user, adverse_event_id=ae.pk),
            show_people=not roles.is_deidentified(user),
            can_enter_data=roles.can_enter_data(user),
            **kwargs,
        )
