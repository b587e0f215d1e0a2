"""Browser pages of the lab app: thin views over the selectors and services."""

from __future__ import annotations

from django import forms as django_forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.generic import FormView, TemplateView

from edc import protocol
from edc.access import roles
from edc.access.roles import can_enter_data
from edc.access.selectors import sites_visible_to
from edc.web import DataEntryRequiredMixin, TrialRoleRequiredMixin, run_service
from patients.selectors import patient_get_for_user

from . import charts, forms, imports, selectors, services
from .catalogue import ANALYTES_BY_CODE, CHEMISTRY, HAEMATOLOGY, IMMUNE, analyte, analytes_for_panel
from .constants import ENTRY_PANELS, TREND_ANALYTES, DrawEvent, ImportStatus, RowStatus
from .immune import FOLLOW_UPS, POPULATIONS
from .permissions import can_import, can_manage_reference_data

# The result-entry links of a patient's results page and the titles of the panel forms.
ENTRY_LINKS = {
    HAEMATOLOGY: gettext_lazy("Enter haematology"),
    CHEMISTRY: gettext_lazy("Enter chemistry"),
}
PANEL_TITLES = {
    HAEMATOLOGY: gettext_lazy("Haematology results — %(patient)s"),
    CHEMISTRY: gettext_lazy("Chemistry results — %(patient)s"),
}


def _result_summary(result) -> str:
    text = f"{result.analyte} {result.standard_value.normalize():f} {result.standard_unit}"
    if result.flag:
        text += f" — {result.get_flag_display().lower()} ({result.flag})"
    if result.ctcae_grade:
        text += ", " + _("CTCAE grade %(grade)s") % {"grade": result.ctcae_grade}
    return text


def _site_labs(view):
    """The laboratories serving the patient's site (the only ones allowed to report)."""
    return selectors.laboratories_visible_to(view.request.user).filter(site_id=view.patient.site_id)


def _single_lab_initial(view) -> dict:
    labs = list(_site_labs(view)[:2])
    return {"lab": labs[0].pk} if len(labs) == 1 else {}


class PatientMixin:
    """Pages about one patient of the user's sites (another site's patient is a 404)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.patient = patient_get_for_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(patient=self.patient, **kwargs)


class ImportRoleRequiredMixin(TrialRoleRequiredMixin):
    action = roles.IMPORT_LABS


class ReferenceDataRequiredMixin(TrialRoleRequiredMixin):
    action = roles.MANAGE_REFERENCE_DATA


# --- Results -------------------------------------------------------------------------------------
class LabIndexView(TrialRoleRequiredMixin, TemplateView):
    template_name = "labs/index.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        paginator = Paginator(selectors.lab_patients_for_user(user), 50)
        page = paginator.get_page(self.request.GET.get("page"))
        return super().get_context_data(
            page=page,
            can_import=can_import(user),
            can_manage=can_manage_reference_data(user),
            **kwargs,
        )


class PatientResultsView(PatientMixin, TrialRoleRequiredMixin, TemplateView):
    template_name = "labs/patient_results.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        paginator = Paginator(
            selectors.results_for_patient(user=user, patient=self.patient).select_related(
                "immune_draw"
            ),
            100,
        )
        page = paginator.get_page(self.request.GET.get("page"))
        saved = {int(pk) for pk in self.request.GET.get("saved", "").split(",") if pk.isdigit()}
        return super().get_context_data(
            page=page,
            saved=saved,
            panels=[(p, ENTRY_LINKS.get(p, p.capitalize())) for p in ENTRY_PANELS],
            can_enter=can_enter_data(user),
            **kwargs,
        )


class PanelEntryView(PatientMixin, DataEntryRequiredMixin, FormView):
    template_name = "labs/panel_form.html"
    form_class = forms.PanelForm

    def dispatch(self, request, *args, **kwargs):
        self.panel = kwargs["panel"]
        if self.panel not in ENTRY_PANELS:
            raise Http404("No such panel.")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "panel": self.panel,
            "labs": _site_labs(self),
            "patient": self.patient,
        }

    def get_initial(self):
        return _single_lab_initial(self)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=PANEL_TITLES[self.panel] % {"patient": self.patient}, **kwargs
        )

    def form_valid(self, form):
        data = form.cleaned_data
        results = run_service(
            form,
            services.lab_panel_record,
            user=self.request.user,
            patient=self.patient,
            lab=data["lab"],
            panel=self.panel,
            collected_at=data["collected_at"],
            values=form.panel_values(),
            comment=data["comment"],
        )
        if results is None:
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Saved: %(results)s.") % {"results": "; ".join(_result_summary(r) for r in results)},
        )
        url = reverse("labs:patient_results", args=[self.patient.pk])
        return redirect(f"{url}?saved={','.join(str(r.pk) for r in results)}")


class ResultEditView(DataEntryRequiredMixin, FormView):
    template_name = "form.html"
    form_class = forms.ResultEditForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.result = selectors.result_get_for_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "analyte_code": self.result.analyte,
            "units": analyte(self.result.analyte).units,
            "patient": self.result.patient,
        }

    def get_initial(self):
        r = self.result
        return {
            "collected_at": timezone.localtime(r.collected_at),
            "value": r.original_value,
            "unit": r.original_unit,
            "comment": r.comment,
            "version": r.version,
        }

    def get_context_data(self, **kwargs):
        r = self.result
        return super().get_context_data(
            patient=r.patient,
            title=_("Correct %(analyte)s of %(collected)s — %(patient)s")
            % {
                "analyte": r.analyte_name,
                "collected": f"{timezone.localtime(r.collected_at):%Y-%m-%d %H:%M}",
                "patient": r.patient,
            },
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        result = run_service(
            form,
            services.lab_result_update,
            user=self.request.user,
            result=self.result,
            collected_at=data["collected_at"],
            value=data["value"],
            unit=data["unit"],
            comment=data["comment"],
            reason=data["reason"],
            expected_version=data["version"],
        )
        if result is None:
            return self.form_invalid(form)
        messages.success(
            self.request, _("Corrected: %(result)s.") % {"result": _result_summary(result)}
        )
        return redirect("labs:patient_results", pk=self.result.patient_id)


class TrendView(PatientMixin, TrialRoleRequiredMixin, TemplateView):
    template_name = "labs/trend.html"

    def get_context_data(self, **kwargs):
        points, dose_dates = selectors.trend_for_patient(
            user=self.request.user, patient=self.patient, analytes=TREND_ANALYTES
        )
        pictures = []
        for code in TREND_ANALYTES:
            a = ANALYTES_BY_CODE[code]
            figure = charts.trend_chart(
                ident=f"trend-{code.lower()}",
                title=f"{a.label} ({code})",
                unit=a.unit,
                points=points[code],
                dose_dates=dose_dates,
            )
            pictures.append({"code": code, "name": a.label, "figure": figure})
        return super().get_context_data(pictures=pictures, dose_count=len(dose_dates), **kwargs)


# --- Immune monitoring ---------------------------------------------------------------------------
class DrawsView(PatientMixin, TrialRoleRequiredMixin, TemplateView):
    template_name = "labs/draws.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            schedule=selectors.immune_schedule(user=self.request.user, patient=self.patient),
            can_enter=can_enter_data(self.request.user),
            **kwargs,
        )


class DrawEntryView(PatientMixin, DataEntryRequiredMixin, FormView):
    template_name = "labs/panel_form.html"
    form_class = forms.DrawForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "labs": _site_labs(self), "patient": self.patient}

    def get_initial(self):
        event = self.request.GET.get("event")
        return {
            **_single_lab_initial(self),
            "event_code": event if event in DrawEvent.values else DrawEvent.BASELINE,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=_("Immune-monitoring draw — %(patient)s") % {"patient": self.patient},
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        draw = run_service(
            form,
            services.immune_draw_record,
            user=self.request.user,
            patient=self.patient,
            event_code=data["event_code"],
            drawn_at=data["drawn_at"],
            sample_id=data["sample_id"],
            processing_minutes=form.processing_minutes(),
            lab=data["lab"],
            values=form.panel_values(),
            comment=data["comment"],
        )
        if draw is None:
            return self.form_invalid(form)
        messages.success(self.request, _("Draw %(sample)s recorded.") % {"sample": draw.sample_id})
        return redirect("labs:draws", pk=self.patient.pk)


class DrawEditView(DataEntryRequiredMixin, FormView):
    template_name = "form.html"
    form_class = forms.DrawEditForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.draw = selectors.draw_get_for_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "patient": self.draw.patient}

    def get_initial(self):
        d = self.draw
        return {
            "drawn_at": timezone.localtime(d.drawn_at),
            "sample_id": d.sample_id,
            "processing_time": d.processing_minutes,
            "processing_unit": "minutes",
            "comment": d.comment,
            "version": d.version,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            patient=self.draw.patient,
            title=_("Correct draw %(draw)s — %(patient)s")
            % {"draw": self.draw.get_event_code_display(), "patient": self.draw.patient},
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        draw = run_service(
            form,
            services.immune_draw_update,
            user=self.request.user,
            draw=self.draw,
            drawn_at=data["drawn_at"],
            sample_id=data["sample_id"],
            processing_minutes=form.processing_minutes(),
            comment=data["comment"],
            reason=data["reason"],
            expected_version=data["version"],
        )
        if draw is None:
            return self.form_invalid(form)
        messages.success(self.request, _("Draw corrected."))
        return redirect("labs:draws", pk=self.draw.patient_id)


class ImmuneCohortView(TrialRoleRequiredMixin, TemplateView):
    """Per cohort, the change from baseline of the immune panel at the post-injection draws."""

    template_name = "labs/immune_cohorts.html"

    def get_context_data(self, **kwargs):
        summaries = selectors.immune_change_by_cohort(user=self.request.user)
        by_key = {(s.cohort, s.event_code, s.analyte): s for s in summaries}
        cohorts = sorted({s.cohort for s in summaries})
        series = [(code, str(DrawEvent(code).label)) for code in FOLLOW_UPS]
        pictures = []
        for cohort in cohorts:
            groups = []
            for population in POPULATIONS:
                bars = []
                for code in FOLLOW_UPS:
                    s = by_key.get((cohort, code, population))
                    value = s.mean_pct_change if s else None
                    name = ANALYTES_BY_CODE[population].label
                    label = (
                        f"{name} {DrawEvent(code).label}: {value:+}% (n={s.n_pct})"
                        if value is not None
                        else ""
                    )
                    bars.append(charts.Bar(series=code, value=value, label=label))
                groups.append((str(ANALYTES_BY_CODE[population].label), bars))
            declared = protocol.cohort(cohort)
            figure = charts.bar_chart(
                ident=f"immune-{cohort.lower()}",
                title=_("%(cohort)s: change from baseline (%%)") % {"cohort": declared.label},
                y_label=_("Mean change from baseline (%)"),
                groups=groups,
                series=series,
            )
            pictures.append({"cohort": declared, "figure": figure})
        table = [
            {
                "summary": s,
                "name": ANALYTES_BY_CODE[s.analyte].label,
                "unit": ANALYTES_BY_CODE[s.analyte].unit,
                "draw": DrawEvent(s.event_code).label,
            }
            for s in summaries
        ]
        return super().get_context_data(
            pictures=pictures,
            table=table,
            populations=[ANALYTES_BY_CODE[p].label for p in POPULATIONS],
            immune_analytes=analytes_for_panel(IMMUNE),
            **kwargs,
        )


# --- Laboratories and normal ranges --------------------------------------------------------------
class LaboratoryListView(TrialRoleRequiredMixin, TemplateView):
    template_name = "labs/laboratories.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        labs = list(selectors.laboratories_visible_to(user).order_by("site__code", "code"))
        ranges = selectors.reference_ranges_visible_to(user).order_by(
            "lab__code", "analyte", "sex", "-effective_from"
        )
        by_lab: dict[int, list] = {lab.pk: [] for lab in labs}
        for r in ranges:
            by_lab.setdefault(r.lab_id, []).append(r)
        return super().get_context_data(
            labs=[(lab, by_lab.get(lab.pk, [])) for lab in labs],
            can_manage=can_manage_reference_data(user),
            **kwargs,
        )


class LaboratoryCreateView(ReferenceDataRequiredMixin, FormView):
    template_name = "form.html"
    form_class = forms.LaboratoryForm
    extra_context = {"title": gettext_lazy("Add a laboratory")}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "sites": sites_visible_to(self.request.user)}

    def form_valid(self, form):
        lab = run_service(
            form, services.laboratory_create, user=self.request.user, **form.cleaned_data
        )
        if lab is None:
            return self.form_invalid(form)
        messages.success(
            self.request, _("Laboratory %(code)s added; now enter its ranges.") % {"code": lab.code}
        )
        return redirect(f"{reverse('labs:range_new')}?lab={lab.pk}")


class RangeCreateView(ReferenceDataRequiredMixin, FormView):
    template_name = "form.html"
    form_class = forms.ReferenceRangeForm
    extra_context = {"title": gettext_lazy("Add a normal range (or a new version of one)")}

    def get_form_kwargs(self):
        labs = selectors.laboratories_visible_to(self.request.user)
        return {**super().get_form_kwargs(), "labs": labs}

    def get_initial(self):
        return {"lab": self.request.GET.get("lab"), "sex": ""}

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        range_ = run_service(form, services.reference_range_create, user=self.request.user, **data)
        if range_ is None:
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Range saved: %(range)s %(unit)s.") % {"range": range_, "unit": range_.unit},
        )
        return redirect("labs:laboratories")


class RangeEditView(ReferenceDataRequiredMixin, FormView):
    template_name = "form.html"
    form_class = forms.ReferenceRangeEditForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.range = selectors.reference_range_get_for_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        r = self.range
        return {
            "low": r.low.normalize(),
            "high": r.high.normalize(),
            "effective_from": r.effective_from,
            "version": r.version,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=_("Correct the range %(range)s (%(unit)s)")
            % {"range": self.range, "unit": self.range.unit},
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        range_ = run_service(
            form,
            services.reference_range_update,
            user=self.request.user,
            reference_range=self.range,
            low=data["low"],
            high=data["high"],
            effective_from=data["effective_from"],
            reason=data["reason"],
            expected_version=data["version"],
        )
        if range_ is None:
            return self.form_invalid(form)
        messages.success(self.request, _("Range corrected."))
        return redirect("labs:laboratories")


# --- Central-lab import --------------------------------------------------------------------------
class ImportListView(ImportRoleRequiredMixin, FormView):
    template_name = "labs/imports.html"
    form_class = forms.ImportUploadForm

    def get_context_data(self, **kwargs):
        batches = selectors.batches_visible_to(self.request.user)[:50]
        return super().get_context_data(
            batches=batches,
            async_rows=imports.async_threshold(),
            **kwargs,
        )

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        batch = run_service(
            form,
            imports.import_batch_upload,
            user=self.request.user,
            filename=upload.name,
            chunks=upload.chunks(),
        )
        if batch is None:
            return self.form_invalid(form)
        return redirect("labs:import_detail", pk=batch.pk)


class ImportDetailView(ImportRoleRequiredMixin, TemplateView):
    template_name = "labs/import_detail.html"

    def get_context_data(self, **kwargs):
        batch = selectors.batch_get_for_user(user=self.request.user, pk=self.kwargs["pk"])
        show = self.request.GET.get("show", "")
        status = show if show in RowStatus.values else None
        page = Paginator(selectors.batch_rows(batch=batch, status=status), 200).get_page(
            self.request.GET.get("page")
        )
        # The stored reasons, in the reader's language (this page's rows only).
        page.object_list = [
            {**row, "reason": selectors.row_reason(row.get("reason", ""))}
            for row in page.object_list
        ]
        return super().get_context_data(
            batch=batch,
            page=page,
            show=show,
            row_statuses=RowStatus.choices,
            same_file=imports.same_file_imports(batch),
            can_commit=batch.status == ImportStatus.CHECKED and batch.valid_rows > 0,
            status_url=reverse("labs:import_status", args=[batch.pk]),
            **kwargs,
        )


class ImportCommitView(ImportRoleRequiredMixin, View):
    def post(self, request, pk):
        batch = selectors.batch_get_for_user(user=request.user, pk=pk)
        form = django_forms.Form()
        done = run_service(form, imports.import_batch_commit, user=request.user, batch=batch)
        if done is None:
            for error in form.non_field_errors():
                messages.error(request, error)
        elif done.status == ImportStatus.COMMITTED:
            messages.success(
                request,
                ngettext(
                    "Imported %(count)s result.", "Imported %(count)s results.", done.imported_rows
                )
                % {"count": done.imported_rows},
            )
        else:
            messages.success(request, _("The import is running; this page shows its progress."))
        return redirect("labs:import_detail", pk=pk)


class ImportStatusView(ImportRoleRequiredMixin, View):
    """The batch's progress as JSON, polled by static/labs/import-progress.js."""

    def get(self, request, pk):
        batch = selectors.batch_get_for_user(user=request.user, pk=pk)
        return JsonResponse(batch_status(batch))


def batch_status(batch) -> dict:
    return {
        "id": batch.pk,
        "status": batch.status,
        "status_label": batch.get_status_display(),
        "running": batch.is_running,
        "total_rows": batch.total_rows,
        "processed_rows": batch.processed_rows,
        "valid_rows": batch.valid_rows,
        "rejected_rows": batch.rejected_rows,
        "imported_rows": batch.imported_rows,
        "percent": batch.percent,
    }
