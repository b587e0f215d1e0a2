from django.contrib import messages
from django.db.models import Count
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, ListView, TemplateView

from edc import protocol
from edc.access import roles
from edc.access.roles import can_enter_data
from edc.access.selectors import sites_visible_to
from edc.web import DataEntryRequiredMixin, TrialRoleRequiredMixin, run_service

from . import forms, services
from .constants import PriorTherapyType
from .models import Cohort
from .selectors import (
    medical_history_get_for_user,
    medical_history_visible_to,
    patient_get_for_user,
    patients_visible_to,
    prior_therapies_visible_to,
    prior_therapy_get_for_user,
)


class PatientListView(TrialRoleRequiredMixin, ListView):
    template_name = "patients/patient_list.html"
    context_object_name = "patients"
    paginate_by = 50

    def get_queryset(self):
        qs = patients_visible_to(self.request.user)
        if status := self.request.GET.get("status"):
            qs = qs.filter(status=status)
        return qs

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_enter=can_enter_data(self.request.user), **kwargs)


class PatientScreenView(DataEntryRequiredMixin, FormView):
    template_name = "form.html"
    form_class = forms.ScreenForm
    extra_context = {"title": _("Screen a new patient")}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "sites": sites_visible_to(self.request.user)}

    def form_valid(self, form):
        patient = run_service(
            form, services.patient_screen, user=self.request.user, **form.cleaned_data
        )
        if patient is None:
            return self.form_invalid(form)
        messages.success(
            self.request,
            gettext("Patient %(patient)s registered in screening.") % {"patient": patient},
        )
        return redirect("patients:detail", pk=patient.pk)


class PatientActionView(DataEntryRequiredMixin, FormView):
    """A form about one patient of the user's sites; ``perform`` calls one service."""

    template_name = "form.html"
    title = ""
    success_message = _("Saved.")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.patient = patient_get_for_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            patient=self.patient,
            title=f"{self.title} — {self.patient}",
            **kwargs,
        )

    def form_valid(self, form):
        if self.perform(form) is None:
            return self.form_invalid(form)
        messages.success(self.request, self.success_message)
        return redirect("patients:detail", pk=self.patient.pk)


class PatientEditView(PatientActionView):
    form_class = forms.PatientEditForm
    title = _("Correct registry data")
    success_message = _("Registry data corrected.")

    def get_initial(self):
        p = self.patient
        return {
            "screening_number": p.screening_number,
            "screening_date": p.screening_date,
            "year_of_birth": p.year_of_birth,
            "sex": p.sex,
            "version": p.version,
        }

    def perform(self, form):
        data = dict(form.cleaned_data)
        version, reason = data.pop("version"), data.pop("reason")
        return run_service(
            form,
            services.patient_update,
            user=self.request.user,
            patient=self.patient,
            data=data,
            reason=reason,
            expected_version=version,
        )


class ConsentView(PatientActionView):
    form_class = forms.ConsentForm
    title = _("Record informed consent")
    success_message = _("Informed consent recorded.")

    def perform(self, form):
        return run_service(
            form,
            services.consent_record,
            user=self.request.user,
            patient=self.patient,
            **form.cleaned_data,
        )


class EligibilityView(PatientActionView):
    form_class = forms.EligibilityForm
    title = _("Eligibility checklist")
    success_message = _("Eligibility recorded.")

    def get_initial(self):
        initial = {}
        for answer in self.patient.eligibility.all():
            initial[answer.criterion] = "yes" if answer.answer else "no"
            initial["source_date"] = answer.source_date
        return initial

    def perform(self, form):
        return run_service(
            form,
            services.eligibility_record,
            user=self.request.user,
            patient=self.patient,
            answers=form.answers(),
            source_date=form.cleaned_data["source_date"],
            reason=form.cleaned_data["reason"],
        )


class EnrolView(PatientActionView):
    form_class = forms.EnrolForm
    title = _("Enrol")
    success_message = _("Patient enrolled.")

    def perform(self, form):
        return run_service(
            form,
            services.patient_enrol,
            user=self.request.user,
            patient=self.patient,
            **form.cleaned_data,
        )


class ScreenFailView(PatientActionView):
    form_class = forms.ScreenFailForm
    title = _("Screen failure")
    success_message = _("Screen failure recorded.")

    def perform(self, form):
        return run_service(
            form,
            services.patient_screen_fail,
            user=self.request.user,
            patient=self.patient,
            reason=form.cleaned_data["reason"],
        )


class EndStudyView(PatientActionView):
    form_class = forms.EndStudyForm
    title = _("End of study")
    success_message = _("End of study recorded.")

    def perform(self, form):
        return run_service(
            form,
            services.patient_end_study,
            user=self.request.user,
            patient=self.patient,
            **form.cleaned_data,
        )


class EndTreatmentView(PatientActionView):
    form_class = forms.EndTreatmentForm
    title = _("End of treatment")
    success_message = _("End of treatment recorded; remaining events cancelled.")

    def perform(self, form):
        return run_service(
            form,
            services.patient_end_treatment,
            user=self.request.user,
            patient=self.patient,
            **form.cleaned_data,
        )


class CohortView(TrialRoleRequiredMixin, FormView):
    """Data managers open the next dose cohort; everyone with a role sees the enrolment."""

    template_name = "patients/cohorts.html"
    form_class = forms.CohortOpenForm
    post_action = roles.OPEN_COHORT

    def get_context_data(self, **kwargs):
        cohorts = Cohort.objects.annotate(enrolled=Count("patients")).order_by("code")
        return super().get_context_data(
            cohorts=cohorts, can_open=roles.role_can(self.request.user, roles.OPEN_COHORT), **kwargs
        )

    def form_valid(self, form):
        if (
            run_service(form, services.cohort_open, user=self.request.user, **form.cleaned_data)
            is None
        ):
            return self.form_invalid(form)
        messages.success(self.request, gettext("Cohort opened."))
        return redirect(reverse("patients:cohorts"))


# --- Medical history and prior cancer therapy ----------------------------------------------------
class MedicalHistoryView(TrialRoleRequiredMixin, TemplateView):
    """The patient's medical history at screening and prior cancer therapy."""

    template_name = "patients/history.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        patient = patient_get_for_user(user=user, pk=self.kwargs["pk"])
        return super().get_context_data(
            patient=patient,
            conditions=medical_history_visible_to(user).filter(patient=patient),
            therapies=prior_therapies_visible_to(user).filter(patient=patient),
            criterion=protocol.CRITERIA_BY_CODE[protocol.NO_PRIOR_METASTATIC_CHEMO_CRITERION],
            metastatic_chemo=PriorTherapyType.METASTATIC_CHEMO,
            can_enter=can_enter_data(user),
            **kwargs,
        )


class _HistoryFormView(PatientActionView):
    """Enter (``record`` None) or correct one record of the medical-history page."""

    template_name = "patients/history_form.html"
    record = None
    fields: tuple[str, ...] = ()
    create_service = update_service = None
    new_form = edit_form = None

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and "pk" not in kwargs:
            self.record = self.get_record()
            kwargs["pk"] = self.record.patient_id
        return super().dispatch(request, *args, **kwargs)

    def get_record(self):
        raise NotImplementedError

    def get_form_class(self):
        return self.edit_form if self.record else self.new_form

    def get_initial(self):
        if self.record is None:
            return {}
        initial = {f: getattr(self.record, f) for f in self.fields}
        if "ongoing" in initial:
            initial["ongoing"] = str(initial["ongoing"])
        return {**initial, "version": self.record.version}

    def perform(self, form):
        if self.record is None:
            return run_service(
                form,
                type(self).create_service,
                user=self.request.user,
                patient=self.patient,
                **form.service_kwargs(),
            )
        return run_service(
            form,
            type(self).update_service,
            user=self.request.user,
            record=self.record,
            changes=form.service_kwargs(),
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
        )

    def form_valid(self, form):
        if self.perform(form) is None:
            return self.form_invalid(form)
        messages.success(self.request, self.success_message)
        return redirect("patients:history", pk=self.patient.pk)


class MedicalHistoryFormView(_HistoryFormView):
    title = _("Medical history")
    success_message = _("Medical history saved.")
    fields = services.MEDICAL_HISTORY_FIELDS
    create_service = staticmethod(services.medical_history_create)
    update_service = staticmethod(services.medical_history_update)
    new_form = forms.MedicalHistoryForm
    edit_form = forms.MedicalHistoryEditForm


class MedicalHistoryEditView(MedicalHistoryFormView):
    title = _("Correct the medical history")

    def get_record(self):
        return medical_history_get_for_user(user=self.request.user, pk=self.kwargs["history_pk"])


class PriorTherapyFormView(_HistoryFormView):
    title = _("Prior cancer therapy")
    success_message = _("Prior cancer therapy saved.")
    fields = services.PRIOR_THERAPY_FIELDS
    create_service = staticmethod(services.prior_therapy_create)
    update_service = staticmethod(services.prior_therapy_update)
    new_form = forms.PriorTherapyForm
    edit_form = forms.PriorTherapyEditForm


class PriorTherapyEditView(PriorTherapyFormView):
    title = _("Correct a prior cancer therapy")

    def get_record(self):
        return prior_therapy_get_for_user(user=self.request.user, pk=self.kwargs["therapy_pk"])
