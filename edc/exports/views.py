"""Export pages: the statistician's page, downloads, and the package job with its progress.

Thin: parameters are validated by ``validators.export_params`` (the API uses the same), data
is read by the domain generators through the user's scope, every download is logged.
"""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from edc.access import roles
from edc.access.roles import is_deidentified
from edc.web import TrialRoleRequiredMixin

from . import responses, selectors, services
from .constants import DOMAIN_FORMATS, SUBMISSION_FORMATS, Channel
from .domains import DOMAINS, domain
from .submission import LABELS as SUBMISSION_LABELS
from .validators import ExportParams, export_params

LOG_PAGE_SIZE = 100


def _params(request) -> ExportParams:
    return export_params(
        as_of=request.GET.get("as_of"), updated_since=request.GET.get("updated_since")
    )


def _bad_request(exc: ValidationError) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(" ".join(exc.messages), content_type="text/plain")


class ExportIndexView(TrialRoleRequiredMixin, TemplateView):
    template_name = "exports/index.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        errors = []
        try:
            params = _params(self.request)
        except ValidationError as exc:
            errors, params = exc.messages, ExportParams()
        query = params.query()
        deidentified = is_deidentified(user)
        return super().get_context_data(
            title=_("Exports"),
            params=params,
            as_of_value=self.request.GET.get("as_of", ""),
            updated_since_value=self.request.GET.get("updated_since", ""),
            errors=errors,
            query=query,
            domains=[
                {
                    "domain": d,
                    "variables": len(d.variables_for(deidentified=deidentified)),
                    "links": [
                        (
                            SUBMISSION_LABELS.get(fmt, fmt.upper()),
                            reverse("exports:domain", args=[d.code.lower(), fmt]) + query,
                        )
                        for fmt in (*DOMAIN_FORMATS, *SUBMISSION_FORMATS)
                    ],
                }
                for d in DOMAINS
            ],
            odm_url=reverse("exports:odm") + query,
            define_url=reverse("exports:define") + query,
            define_html_url=reverse("exports:define-html") + query,
            deidentified=deidentified,
            jobs=selectors.export_jobs_for_user(user)[:5],
            is_data_manager=roles.role_can(user, roles.SEE_ALL_EXPORTS),
            **kwargs,
        )


class DomainDownloadView(TrialRoleRequiredMixin, View):
    def get(self, request, code: str, fmt: str):
        found = domain(code)
        if found is None or fmt not in (*DOMAIN_FORMATS, *SUBMISSION_FORMATS):
            raise Http404("No such dataset.")
        try:
            params = _params(request)
        except ValidationError as exc:
            return _bad_request(exc)
        if fmt in SUBMISSION_FORMATS:
            return responses.submission_dataset_response(
                user=request.user, domain=found, fmt=fmt, params=params, channel=Channel.WEB
            )
        return responses.domain_response(
            user=request.user, domain=found, fmt=fmt, params=params, channel=Channel.WEB
        )


class OdmDownloadView(TrialRoleRequiredMixin, View):
    def get(self, request):
        try:
            params = _params(request)
        except ValidationError as exc:
            return _bad_request(exc)
        return responses.odm_response(user=request.user, params=params, channel=Channel.WEB)


class DefineView(TrialRoleRequiredMixin, View):
    """define.xml (Define-XML 2.1) of the reader's datasets, or its HTML rendering."""

    html = False

    def get(self, request):
        try:
            params = _params(request)
        except ValidationError as exc:
            return _bad_request(exc)
        return responses.define_response(
            user=request.user, params=params, channel=Channel.WEB, html=self.html
        )


class DictionaryView(TrialRoleRequiredMixin, View):
    codelists = False

    def get(self, request):
        return responses.dictionary_response(
            user=request.user, channel=Channel.WEB, codelists=self.codelists
        )


class JobCreateView(TrialRoleRequiredMixin, View):
    """POST: request the full package (as of the form's time); then show its progress."""

    def post(self, request):
        try:
            params = export_params(as_of=request.POST.get("as_of"))
        except ValidationError as exc:
            return _bad_request(exc)
        job = services.export_job_request(user=request.user, params=params, channel=Channel.WEB)
        return redirect("exports:job", pk=job.pk)


class JobDetailView(TrialRoleRequiredMixin, TemplateView):
    template_name = "exports/job.html"

    def get_context_data(self, **kwargs):
        job = selectors.export_job_get_for_user(user=self.request.user, pk=self.kwargs["pk"])
        return super().get_context_data(
            title=_("Export package #%(id)s") % {"id": job.pk}, job=job, **kwargs
        )


def job_status(job) -> dict:
    return {
        "id": job.pk,
        "status": job.status,
        "status_display": job.get_status_display(),
        "progress": job.progress,
        "step": job.step,
        "running": job.is_running,
        "download_url": reverse("exports:job-download", args=[job.pk]) if job.is_done else None,
    }


class JobStatusView(TrialRoleRequiredMixin, View):
    def get(self, request, pk: int):
        job = selectors.export_job_get_for_user(user=request.user, pk=pk)
        return JsonResponse(job_status(job))


class JobDownloadView(TrialRoleRequiredMixin, View):
    def get(self, request, pk: int):
        job = selectors.export_job_get_for_user(user=request.user, pk=pk)
        if not job.is_done:
            return redirect("exports:job", pk=job.pk)
        return responses.job_file_response(job=job, user=request.user, channel=Channel.WEB)


class ExportLogView(TrialRoleRequiredMixin, TemplateView):
    """Who exported what (data managers: everyone; others: their own exports)."""

    template_name = "exports/log.html"

    def get_context_data(self, **kwargs):
        try:
            page = max(int(self.request.GET.get("page", 1)), 1)
        except ValueError:
            page = 1
        start = (page - 1) * LOG_PAGE_SIZE
        rows = list(
            selectors.export_logs_for_user(self.request.user)[start : start + LOG_PAGE_SIZE + 1]
        )
        return super().get_context_data(
            title=_("Export log"),
            logs=rows[:LOG_PAGE_SIZE],
            page=page,
            has_next=len(rows) > LOG_PAGE_SIZE,
            everyone=roles.role_can(self.request.user, roles.SEE_ALL_EXPORTS),
            **kwargs,
        )
