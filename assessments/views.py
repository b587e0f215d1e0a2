"""Browser pages: thin — scoped selectors to read, services (through run_service) to write."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, ListView, TemplateView

from edc import protocol
from edc.access import roles
from edc.access.roles import can_enter_data
from edc.caching import REFRESH_SECONDS, cached, data_stamp, reader_scope, reuse_for_page
from edc.web import DataEntryRequiredMixin, TrialRoleRequiredMixin, requires, run_service
from patients.selectors import patient_get_for_user

from . import ctcae, forms, selectors, services
from .constants import AssessmentKind
from .endpoints_page import ENDPOINTS_PAGE, endpoints_page
from .tasks import refresh_endpoints_page


class PatientAssessmentsView(TrialRoleRequiredMixin, TemplateView):
    """The patient's RECIST table, tumour assessments, adverse events, vital signs and
    concomitant medications."""

    template_name = "assessments/patient.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        course = selectors.recist_course_for_patient(user=user, patient_id=self.kwargs["pk"])
        patient = course.patient
        return super().get_context_data(
            patient=patient,
            course=course,
            adverse_events=selectors.adverse_events_for_patient(user=user, patient_id=patient.pk),
            vital_signs=selectors.vital_signs_visible_to(user).filter(patient=patient),
            medications=selectors.conmeds_visible_to(user).filter(patient=patient),
            can_enter=can_enter_data(user),
            **kwargs,
        )


class PatientFormView(DataEntryRequiredMixin, FormView):
    """A form about one patient of the user's sites (another site's patient is a 404)."""

    title = ""
    success_message = _("Saved.")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.patient = self.get_patient()
        return super().dispatch(request, *args, **kwargs)

    def get_patient(self):
        return patient_get_for_user(user=self.request.user, pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        # The form checks its dates as the service does, with its other errors.
        return {**super().get_form_kwargs(), "patient": self.patient}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            patient=self.patient,
            title=f"{self.title} — {self.patient}",
            recist=protocol.RECIST,
            baseline_days=protocol.TUMOUR_BASELINE_MAX_DAYS_BEFORE_C1D1,
            **kwargs,
        )

    def form_valid(self, form):
        if self.perform(form) is None:
            return self.form_invalid(form)
        messages.success(self.request, self.success_message)
        return redirect("assessments:patient", pk=self.patient.pk)


# --- Tumour assessments --------------------------------------------------------------------------
class BaselineView(PatientFormView):
    """Baseline entry (new) or correction (``self.assessment`` set): lesions as formsets."""

    template_name = "assessments/baseline_form.html"
    title = _("Baseline tumour assessment")
    success_message = _("Baseline tumour assessment saved.")
    assessment = None

    def get_form_class(self):
        return forms.BaselineEditForm if self.assessment else forms.BaselineForm

    def _saved(self, name):
        return list(getattr(self.assessment, name).all()) if self.assessment else []

    def get_formsets(self):
        targets = self._saved("target_lesions")
        non_targets = self._saved("non_target_lesions")
        data = self.request.POST if self.request.method == "POST" else None
        target_formset = forms.target_lesion_formset(saved=len(targets))(
            data,
            prefix="targets",
            initial=[
                {
                    "id": t.pk,
                    "label": t.label,
                    "organ": t.organ,
                    "location": t.location,
                    "diameter_mm": t.diameter_mm,
                }
                for t in targets
            ],
        )
        non_target_formset = forms.non_target_lesion_formset(saved=len(non_targets))(
            data,
            prefix="non_targets",
            initial=[
                {"id": n.pk, "label": n.label, "organ": n.organ, "location": n.location}
                for n in non_targets
            ],
        )
        return target_formset, non_target_formset

    def get_initial(self):
        if not self.assessment:
            return {}
        a = self.assessment
        return {
            "assessment_date": a.assessment_date,
            "method": a.method,
            "comments": a.comments,
            "version": a.version,
        }

    def get_context_data(self, **kwargs):
        if "target_formset" not in kwargs:
            kwargs["target_formset"], kwargs["non_target_formset"] = self.get_formsets()
        formsets = [kwargs["target_formset"], kwargs["non_target_formset"]]
        return super().get_context_data(
            assessment=self.assessment,
            # The error summary lists the lesion rows' errors too.
            formsets=formsets,
            formsets_errors=any(f.is_bound and not f.is_valid() for f in formsets),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        target_formset, non_target_formset = self.get_formsets()
        valid = form.is_valid() & target_formset.is_valid() & non_target_formset.is_valid()
        if valid and self.perform(form, target_formset, non_target_formset) is not None:
            messages.success(request, self.success_message)
            return redirect("assessments:patient", pk=self.patient.pk)
        return self.render_to_response(
            self.get_context_data(
                form=form, target_formset=target_formset, non_target_formset=non_target_formset
            )
        )

    def perform(self, form, target_formset, non_target_formset):
        data = form.cleaned_data
        kwargs = {
            "user": self.request.user,
            "assessment_date": data["assessment_date"],
            "method": data["method"],
            "comments": data.get("comments") or "",
            "target_lesions": forms.entered_rows(target_formset),
            "non_target_lesions": forms.entered_rows(non_target_formset),
        }
        if self.assessment is None:
            return run_service(
                form, services.tumour_baseline_create, patient=self.patient, **kwargs
            )
        return run_service(
            form,
            services.tumour_baseline_update,
            assessment=self.assessment,
            reason=data["reason"],
            expected_version=data["version"],
            **kwargs,
        )


class FollowupView(PatientFormView):
    template_name = "assessments/followup_form.html"
    title = _("Follow-up tumour assessment")
    success_message = _("Tumour assessment saved; RECIST response computed.")
    assessment = None

    def get_baseline(self):
        if not hasattr(self, "_baseline"):
            self._baseline = (
                selectors.tumour_assessments_visible_to(self.request.user)
                .filter(patient=self.patient, kind=AssessmentKind.BASELINE)
                .first()
            )
        return self._baseline

    def get_form_class(self):
        return forms.FollowupEditForm if self.assessment else forms.FollowupForm

    def get_form_kwargs(self):
        baseline = self.get_baseline()
        lesions = list(baseline.target_lesions.all()) if baseline else []
        non_targets = list(baseline.non_target_lesions.all()) if baseline else []
        return {**super().get_form_kwargs(), "lesions": lesions, "non_target_lesions": non_targets}

    def get_initial(self):
        return forms.followup_initial(self.assessment) if self.assessment else {}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            baseline=self.get_baseline(), assessment=self.assessment, **kwargs
        )

    def perform(self, form):
        kwargs = {
            "user": self.request.user,
            "acknowledge_warnings": form.cleaned_data.get("acknowledge_warnings") or (),
            **form.service_kwargs(),
        }
        if self.assessment is None:
            return run_service(
                form, services.tumour_followup_create, patient=self.patient, **kwargs
            )
        return run_service(
            form,
            services.tumour_followup_update,
            assessment=self.assessment,
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
            **kwargs,
        )


class TumourAssessmentEditMixin:
    """Correct a saved assessment: fetched through the scoped selector (other site → 404)."""

    def get_patient(self):
        self.assessment = selectors.tumour_assessment_get_for_user(
            user=self.request.user, pk=self.kwargs["assessment_pk"]
        )
        return self.assessment.patient


class BaselineEditView(TumourAssessmentEditMixin, BaselineView):
    title = _("Correct the baseline tumour assessment")


class FollowupEditView(TumourAssessmentEditMixin, FollowupView):
    title = _("Correct a follow-up tumour assessment")


@requires(roles.ENTER_DATA)
def tumour_assessment_edit_view(request, *args, **kwargs):
    """One URL for corrections; the assessment's kind chooses the form."""
    assessment = selectors.tumour_assessment_get_for_user(
        user=request.user, pk=kwargs["assessment_pk"]
    )
    view = BaselineEditView if assessment.is_baseline else FollowupEditView
    return view.as_view()(request, *args, **kwargs)


class TumourAssessmentListView(TrialRoleRequiredMixin, ListView):
    """Every tumour assessment of the user's sites; ``?disagrees=1`` lists RECIST disagreements."""

    template_name = "assessments/tumour_list.html"
    context_object_name = "assessments"
    paginate_by = 100

    def get_queryset(self):
        user = self.request.user
        if self.request.GET.get("disagrees"):
            qs = selectors.recist_disagreements(user)
        else:
            qs = selectors.tumour_assessments_visible_to(user)
        return qs.prefetch_related(None).order_by(
            "patient__site__code", "patient_id", "assessment_date"
        )


# --- Adverse events ------------------------------------------------------------------------------
class AdverseEventListView(TrialRoleRequiredMixin, ListView):
    template_name = "assessments/ae_list.html"
    context_object_name = "adverse_events"
    paginate_by = 100

    def get_queryset(self):
        qs = selectors.adverse_events_visible_to(self.request.user)
        if self.request.GET.get("serious"):
            qs = qs.filter(serious=True)
        return qs.order_by("-start_date", "-id")


class AdverseEventFormView(PatientFormView):
    template_name = "assessments/ae_form.html"
    title = _("Adverse event")
    success_message = _("Adverse event saved.")
    adverse_event = None

    def get_form_class(self):
        return forms.AdverseEventEditForm if self.adverse_event else forms.AdverseEventForm

    def _term(self):
        code = None
        if self.request.method == "POST":
            code = self.request.POST.get("meddra_code")
        elif self.adverse_event:
            code = self.adverse_event.meddra_code
        else:
            code = self.request.GET.get("meddra_code")
        return ctcae.term_by_code(code) if code else None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "term": self._term()}

    def get_initial(self):
        if self.adverse_event is None:
            code = self.request.GET.get("meddra_code")
            return {"meddra_code": code} if code else {}
        ae = self.adverse_event
        initial = {field: getattr(ae, field) for field in services.AE_FIELDS}
        initial["version"] = ae.version
        return initial

    def post(self, request, *args, **kwargs):
        if "_preview" in request.POST:
            # "Show grade definitions": re-display the form for the chosen term, save nothing.
            form = self.get_form()
            return self.render_to_response(self.get_context_data(form=form, preview=True))
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        term = self._term()
        return super().get_context_data(term=term, adverse_event=self.adverse_event, **kwargs)

    def perform(self, form):
        if self.adverse_event is None:
            return run_service(
                form,
                services.adverse_event_create,
                user=self.request.user,
                patient=self.patient,
                **form.service_kwargs(),
            )
        return run_service(
            form,
            services.adverse_event_update,
            user=self.request.user,
            adverse_event=self.adverse_event,
            changes=form.service_kwargs(),
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
        )


class AdverseEventEditView(AdverseEventFormView):
    title = _("Correct or follow up an adverse event")

    def get_patient(self):
        self.adverse_event = selectors.adverse_event_get_for_user(
            user=self.request.user, pk=self.kwargs["ae_pk"]
        )
        return self.adverse_event.patient


# --- Vital signs ---------------------------------------------------------------------------------
class VitalSignsFormView(PatientFormView):
    template_name = "assessments/form.html"
    title = _("Vital signs and ECOG")
    success_message = _("Vital signs saved.")
    vital_signs = None

    def get_form_class(self):
        return forms.VitalSignsEditForm if self.vital_signs else forms.VitalSignsForm

    def get_initial(self):
        if self.vital_signs is None:
            return {}
        initial = {field: getattr(self.vital_signs, field) for field in services.VITALS_FIELDS}
        initial["version"] = self.vital_signs.version
        return initial

    def perform(self, form):
        if self.vital_signs is None:
            return run_service(
                form,
                services.vital_signs_create,
                user=self.request.user,
                patient=self.patient,
                **form.service_kwargs(),
            )
        return run_service(
            form,
            services.vital_signs_update,
            user=self.request.user,
            vital_signs=self.vital_signs,
            changes=form.service_kwargs(),
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
        )


class VitalSignsEditView(VitalSignsFormView):
    title = _("Correct vital signs")

    def get_patient(self):
        self.vital_signs = selectors.vital_signs_get_for_user(
            user=self.request.user, pk=self.kwargs["vitals_pk"]
        )
        return self.vital_signs.patient


# --- Concomitant medications ---------------------------------------------------------------------
class ConcomitantMedicationListView(TrialRoleRequiredMixin, ListView):
    template_name = "assessments/conmed_list.html"
    context_object_name = "medications"
    paginate_by = 100

    def get_queryset(self):
        return selectors.conmeds_visible_to(self.request.user).order_by("-start_date", "-id")


class ConcomitantMedicationFormView(PatientFormView):
    template_name = "assessments/form.html"
    title = _("Concomitant medication")
    success_message = _("Concomitant medication saved.")
    medication = None

    def get_form_class(self):
        return (
            forms.ConcomitantMedicationEditForm
            if self.medication
            else forms.ConcomitantMedicationForm
        )

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "adverse_events": selectors.adverse_events_for_patient(
                user=self.request.user, patient_id=self.patient.pk
            ).order_by("start_date", "id"),
        }

    def get_initial(self):
        if self.medication is None:
            ae = self.request.GET.get("adverse_event")
            return {"adverse_event": ae} if ae and ae.isdigit() else {}
        m = self.medication
        initial = {field: getattr(m, field) for field in services.CM_FIELDS}
        initial["ongoing"] = str(m.ongoing)
        initial["adverse_event"] = m.adverse_event_id
        initial["version"] = m.version
        return initial

    def perform(self, form):
        if self.medication is None:
            return run_service(
                form,
                services.conmed_create,
                user=self.request.user,
                patient=self.patient,
                **form.service_kwargs(),
            )
        return run_service(
            form,
            services.conmed_update,
            user=self.request.user,
            medication=self.medication,
            changes=form.service_kwargs(),
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
        )


class ConcomitantMedicationEditView(ConcomitantMedicationFormView):
    title = _("Correct or follow up a concomitant medication")

    def get_patient(self):
        self.medication = selectors.conmed_get_for_user(
            user=self.request.user, pk=self.kwargs["conmed_pk"]
        )
        return self.medication.patient


# --- Endpoints -----------------------------------------------------------------------------------
class EndpointsView(TrialRoleRequiredMixin, TemplateView):
    """ORR, clinical benefit and progressors at 6 months with exact 95 % CIs."""

    template_name = "assessments/endpoints.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        # Every patient's RECIST course takes seconds at thousands of patients: the page is
        # rendered once per change of the data it reads, for each kind of reader, and above a
        # few hundred patients at most once a minute, saying as of when, by a worker
        # (edc.caching; tasks.refresh_endpoints_page).
        page = cached(
            ENDPOINTS_PAGE,
            reader_scope(user),
            data_stamp(*selectors.ENDPOINT_READS),
            lambda: endpoints_page(user),
            reuse_for=reuse_for_page,
            refresh=lambda: refresh_endpoints_page.delay(user.pk, translation.get_language()),
        )
        return super().get_context_data(
            body=page.value["html"],
            as_of=page.as_of,
            refresh_seconds=REFRESH_SECONDS,
            **kwargs,
        )
