from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView

from edc.access import roles
from edc.web import TrialRoleRequiredMixin, run_service

from . import services
from .forms import DeviationActionForm, DeviationFilterForm
from .selectors import deviations_filtered, deviations_visible_to


class DeviationListView(TrialRoleRequiredMixin, ListView):
    template_name = "deviations/list.html"
    context_object_name = "deviations"
    paginate_by = 50

    def get_queryset(self):
        self.filters = DeviationFilterForm(self.request.GET or None)
        data = self.filters.cleaned_data if self.filters.is_valid() else {}
        return deviations_filtered(
            user=self.request.user, **{k: v for k, v in data.items() if v not in (None, "")}
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(filters=self.filters, **kwargs)


class DeviationDetailView(TrialRoleRequiredMixin, FormView):
    template_name = "deviations/detail.html"
    form_class = DeviationActionForm
    post_action = roles.REVIEW_DEVIATIONS

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            roles.require(request.user, self.required_action(request.method))
            self.deviation = deviations_visible_to(request.user).filter(pk=kwargs["pk"]).first()
            if self.deviation is None:
                raise Http404("No such deviation.")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            deviation=self.deviation,
            can_review=roles.role_can(self.request.user, roles.REVIEW_DEVIATIONS),
            history=self.deviation.history.select_related("history_user").all(),
            **kwargs,
        )

    def form_valid(self, form):
        action = {
            "acknowledge": services.deviation_acknowledge,
            "resolve": services.deviation_resolve,
        }[form.cleaned_data["action"]]
        if (
            run_service(
                form,
                action,
                deviation=self.deviation,
                user=self.request.user,
                comment=form.cleaned_data["comment"],
            )
            is None
        ):
            return self.form_invalid(form)
        messages.success(self.request, _("Deviation updated."))
        return redirect("deviations:detail", pk=self.deviation.pk)
