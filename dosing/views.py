import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from edc import protocol
from edc.access.roles import can_enter_data
from edc.web import DataEntryRequiredMixin, TrialRoleRequiredMixin, run_service
from patients.models import CalendarEvent
from patients.selectors import patient_get_for_user

from . import forms, rules, services
from .constants import AdministrationStatus
from .models import Imp321Injection, PaclitaxelAdministration
from .selectors import exposure_for_patient


class PatientExposureView(TrialRoleRequiredMixin, TemplateView):
    template_name = "dosing/exposure.html"

    def get_context_data(self, **kwargs):
        patient = patient_get_for_user(user=self.request.user, pk=self.kwargs["pk"])
        return super().get_context_data(
            patient=patient,
            exposure=exposure_for_patient(patient=patient),
            doses=PaclitaxelAdministration.objects.filter(patient=patient).order_by("cycle", "day"),
            injections=Imp321Injection.objects.filter(patient=patient).select_related("follows"),
            can_enter=can_enter_data(self.request.user),
            **kwargs,
        )


class DoseFormView(DataEntryRequiredMixin, FormView):
    """Create or edit the record of one calendar event (``code``) of a patient."""

    template_name = "dosing/dose_form.html"
    kind = ""
    model = None

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.patient = patient_get_for_user(user=request.user, pk=kwargs["pk"])
            try:
                self.event = CalendarEvent.objects.get(
                    patient=self.patient, code=kwargs["code"], kind=self.kind
                )
            except CalendarEvent.DoesNotExist:
                raise Http404("No such event.") from None
            self.record = self.model.objects.filter(event=self.event).first()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "editing": self.record is not None,
            "patient": self.patient,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            patient=self.patient,
            event=self.event,
            record=self.record,
            title=f"{self.event.label} — {self.patient}",
            **kwargs,
        )

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        if self.record is None:
            saved = run_service(
                form,
                self.create_service,
                user=self.request.user,
                patient=self.patient,
                event_code=self.event.code,
                data=data,
            )
        else:
            version, reason = data.pop("version"), data.pop("reason")
            saved = run_service(
                form,
                self.update_service,
                user=self.request.user,
                record=self.record,
                data=data,
                reason=reason,
                expected_version=version,
            )
        if saved is None:
            return self.form_invalid(form)
        messages.success(self.request, _("%(event)s saved.") % {"event": self.event.label})
        return redirect("patients:detail", pk=self.patient.pk)


class PaclitaxelView(DoseFormView):
    kind = protocol.PACLITAXEL
    model = PaclitaxelAdministration
    form_class = forms.PaclitaxelForm
    create_service = staticmethod(services.paclitaxel_record)
    update_service = staticmethod(services.paclitaxel_update)

    def proposal(self) -> rules.DateProposal | None:
        if self.record:
            return None
        e = self.event
        return rules.propose_paclitaxel_date(
            planned=e.planned_date, earliest=e.earliest, latest=e.latest, today=timezone.localdate()
        )

    def get_initial(self):
        if self.record:
            initial = {f: getattr(self.record, f) for f in services.PACLITAXEL_FIELDS}
            return initial | {"version": self.record.version}
        previous = (
            PaclitaxelAdministration.objects.filter(patient=self.patient)
            .order_by("-cycle", "-day")
            .first()
        )
        first = (
            PaclitaxelAdministration.objects.filter(patient=self.patient)
            .order_by("cycle", "day")
            .first()
        )
        return {
            "administration_date": self.proposal().date,
            "height_cm": first.height_cm if first else None,
            "dose_level_mg_m2": previous.dose_level_mg_m2
            if previous
            else protocol.PACLITAXEL_STARTING_DOSE_MG_M2,
        }

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        proposal = self.proposal()
        if proposal is not None and proposal.note:
            form.fields["administration_date"].help_text = proposal.note
        return form


class Imp321View(DoseFormView):
    kind = protocol.IMP321
    model = Imp321Injection
    form_class = forms.Imp321Form
    create_service = staticmethod(services.imp321_record)
    update_service = staticmethod(services.imp321_update)

    def follows(self) -> PaclitaxelAdministration | None:
        if not hasattr(self, "_follows"):
            self._follows = PaclitaxelAdministration.objects.filter(
                patient=self.patient,
                event__code=protocol.PLANNED_EVENTS_BY_CODE[self.event.code].follows,
            ).first()
        return self._follows

    def proposal(self) -> rules.DateProposal | None:
        if self.record:
            return None
        follows = self.follows()
        given = follows is not None and follows.status == AdministrationStatus.GIVEN
        e = self.event
        return rules.propose_imp321_date(
            paclitaxel_date=follows.administration_date if given else None,
            planned=e.planned_date,
            earliest=e.earliest,
            latest=e.latest,
            today=timezone.localdate(),
        )

    def get_form_kwargs(self):
        cohort_dose = protocol.cohort(self.patient.cohort.code).imp321_dose_mg
        return {**super().get_form_kwargs(), "cohort_dose": cohort_dose}

    def get_initial(self):
        if self.record:
            initial = {f: getattr(self.record, f) for f in services.IMP321_FIELDS}
            return initial | {"version": self.record.version}
        return {
            "injected_at": dt.datetime.combine(self.proposal().date, dt.time(9, 0)),
            "dose_mg": protocol.cohort(self.patient.cohort.code).imp321_dose_mg,
        }

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        proposal = self.proposal()
        if proposal is not None and proposal.note:
            form.fields["injected_at"].help_text = proposal.note
        return form

    def get_context_data(self, **kwargs):
        return super().get_context_data(follows=self.follows(), **kwargs)


def _decimal(value: str | None) -> Decimal | None:
    try:
        return Decimal(value) if value not in (None, "") else None
    except InvalidOperation:
        return None


class PaclitaxelPreviewView(TrialRoleRequiredMixin, View):
    """BSA, planned dose and hold check for the values typed so far (JSON for the form)."""

    def get(self, request, pk, code):
        patient = patient_get_for_user(user=request.user, pk=pk)
        event = CalendarEvent.objects.filter(
            patient=patient, code=code, kind=protocol.PACLITAXEL
        ).first()
        if event is None:
            raise Http404("No such event.")
        try:
            when = dt.date.fromisoformat(request.GET.get("date", ""))
        except ValueError:
            when = None
        preview = services.paclitaxel_preview(
            patient=patient,
            day=event.day,
            administration_date=when,
            height_cm=_decimal(request.GET.get("height")),
            weight_kg=_decimal(request.GET.get("weight")),
            dose_level_mg_m2=_decimal(request.GET.get("level")),
        )
        hold = preview.get("hold")
        return JsonResponse(
            {
                "bsa_m2": str(preview["bsa_m2"]) if preview["bsa_m2"] else None,
                "planned_dose_mg": str(preview["planned_dose_mg"])
                if preview["planned_dose_mg"]
                else None,
                # True when the protocol's hold criteria are met: the dose should be held.
                "hold_required": None if hold is None or hold.met is None else not hold.met,
                "hold_reasons": [] if hold is None else hold.reasons,
            }
        )
