"""Pages of the casebook archive: one patient's PDF casebook (and its print view), the blank
annotated CRF, and the site/trial archive job with its progress. Every download is logged."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from edc.access import roles
from edc.access.selectors import user_site_ids
from edc.web import TrialRoleRequiredMixin
from patients.selectors import patient_get_for_user

from . import selectors, services
from .acrf import build_acrf_pdf
from .casebook import casebook_for
from .constants import DownloadKind
from .forms import ArchiveRequestForm, MomentForm
from .render import casebook_filename, casebook_html, html_to_pdf

PDF = "application/pdf"


def _moment(request):
    form = MomentForm(request.GET or None)
    if request.GET and not form.is_valid():
        return None, form
    return (form.cleaned_data.get("as_of") if request.GET else None), form


def _refused(text: str) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(text, content_type="text/plain; charset=utf-8")


class _PatientCasebook(TrialRoleRequiredMixin, View):
    action = roles.DOWNLOAD_CASEBOOK

    def casebook(self, request, pk):
        """(patient, casebook, None), or (patient, None, the message) for a refused moment."""
        patient = patient_get_for_user(user=request.user, pk=pk)
        as_of, form = _moment(request)
        if request.GET and not form.is_valid():
            return patient, None, " ".join(m for e in form.errors.values() for m in e)
        try:
            return patient, casebook_for(user=request.user, patient=patient, as_of=as_of), None
        except ValidationError as exc:
            return patient, None, " ".join(exc.messages)


class CasebookPrintView(_PatientCasebook):
    """The casebook as a printable page: the same template the PDF is drawn from."""

    def get(self, request, pk: int):
        patient, cb, refusal = self.casebook(request, pk)
        if cb is None:
            return _refused(refusal)
        return HttpResponse(casebook_html(cb, pdf=False))


class CasebookPdfView(_PatientCasebook):
    def get(self, request, pk: int):
        patient, cb, refusal = self.casebook(request, pk)
        if cb is None:
            return _refused(refusal)
        data = html_to_pdf(casebook_html(cb, pdf=True), language=cb.language)
        name = casebook_filename(patient, cb.as_of)
        services.archive_download_log(
            user=request.user,
            kind=DownloadKind.CASEBOOK,
            filename=name,
            data=data,
            patient=patient,
            as_of=cb.as_of,
        )
        response = HttpResponse(data, content_type=PDF)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class AcrfPdfView(TrialRoleRequiredMixin, View):
    action = roles.DOWNLOAD_CASEBOOK

    def get(self, request):
        data = build_acrf_pdf()
        name = "acrf.pdf"
        services.archive_download_log(
            user=request.user, kind=DownloadKind.ACRF, filename=name, data=data
        )
        response = HttpResponse(data, content_type=PDF)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class ArchiveIndexView(TrialRoleRequiredMixin, TemplateView):
    """Build the casebooks of a site (or the trial); the user's archives and downloads."""

    template_name = "archive/index.html"
    action = roles.ARCHIVE_CASEBOOKS

    def form(self, data=None):
        user = self.request.user
        return ArchiveRequestForm(
            data,
            sites=selectors.archive_sites_for_user(user),
            whole_trial=user_site_ids(user) is None,
        )

    def get_context_data(self, **kwargs):
        user = self.request.user
        kwargs.setdefault("form", self.form())
        return super().get_context_data(
            title=_("PDF casebooks"),
            jobs=selectors.archive_jobs_for_user(user)[:10],
            downloads=selectors.archive_downloads_for_user(user)[:20],
            **kwargs,
        )

    def post(self, request):
        form = self.form(request.POST)
        if form.is_valid():
            try:
                job = services.archive_job_request(
                    user=request.user,
                    site=form.cleaned_data.get("site"),
                    as_of=form.cleaned_data.get("as_of"),
                )
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(request, gettext("The casebooks are being built."))
                return redirect("archive:job", pk=job.pk)
        return self.render_to_response(self.get_context_data(form=form))


class JobDetailView(TrialRoleRequiredMixin, TemplateView):
    template_name = "archive/job.html"
    action = roles.ARCHIVE_CASEBOOKS

    def get_context_data(self, **kwargs):
        job = selectors.archive_job_get_for_user(user=self.request.user, pk=self.kwargs["pk"])
        return super().get_context_data(title=str(job), job=job, **kwargs)


def job_status(job) -> dict:
    return {
        "id": job.pk,
        "status_display": job.get_status_display(),
        "progress": job.progress,
        "step": job.step,
        "running": job.is_running,
        "download_url": reverse("archive:job-download", args=[job.pk]) if job.is_done else None,
    }


class JobStatusView(TrialRoleRequiredMixin, View):
    action = roles.ARCHIVE_CASEBOOKS

    def get(self, request, pk: int):
        job = selectors.archive_job_get_for_user(user=request.user, pk=pk)
        return JsonResponse(job_status(job))


class JobDownloadView(TrialRoleRequiredMixin, View):
    action = roles.ARCHIVE_CASEBOOKS

    def get(self, request, pk: int):
        job = selectors.archive_job_get_for_user(user=request.user, pk=pk)
        if not job.is_done:
            return redirect("archive:job", pk=job.pk)
        services.archive_download_log(
            user=request.user, kind=DownloadKind.ARCHIVE, filename=job.filename, job=job
        )
        response = StreamingHttpResponse(
            services.archive_job_content(job), content_type="application/zip"
        )
        response["Content-Disposition"] = f'attachment; filename="{job.filename}"'
        response["Content-Length"] = str(job.size)
        return response
