from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from edc.access.roles import is_deidentified
from edc.access.selectors import sites_visible_to
from edc.api.filters import FilterBackend

from .. import services
from ..selectors import (
    medical_history_visible_to,
    patient_get_for_user,
    patient_timeline,
    patients_visible_to,
    prior_therapies_visible_to,
)
from . import serializers as s


class PatientViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Patients of the caller's sites. Writes need a site-staff role at the patient's site."""

    filter_backends = [FilterBackend]
    filterset_fields = {
        "site__code": ["exact"],
        "cohort__code": ["exact"],
        "status": ["exact"],
        "updated_at": ["gte"],
    }

    def get_queryset(self):
        return patients_visible_to(self.request.user).order_by("id")

    def get_serializer_class(self):
        if is_deidentified(self.request.user):
            return s.DeidentifiedPatientSerializer
        return s.PatientSerializer

    def _out(self, patient, code=status.HTTP_200_OK):
        return Response(self.get_serializer_class()(patient).data, status=code)

    @extend_schema(request=s.PatientScreenSerializer, responses=s.PatientSerializer)
    def create(self, request):
        data = _valid(s.PatientScreenSerializer, request)
        if not sites_visible_to(request.user).filter(pk=data["site"].pk).exists():
            raise ValidationError({"site": gettext("You are not a member of this site.")})
        patient = services.patient_screen(user=request.user, **data)
        return self._out(patient, status.HTTP_201_CREATED)

    @extend_schema(request=s.PatientUpdateSerializer, responses=s.PatientSerializer)
    def partial_update(self, request, pk=None):
        patient = self.get_object()
        data = _valid(s.PatientUpdateSerializer, request)
        version, reason = data.pop("version"), data.pop("reason")
        patient = services.patient_update(
            user=request.user,
            patient=patient,
            data=data,
            reason=reason,
            expected_version=version,
        )
        return self._out(patient)

    @extend_schema(methods=["GET"], responses=s.ConsentSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=s.ConsentCreateSerializer, responses={201: s.ConsentSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def consents(self, request, pk=None):
        patient = self.get_object()
        if request.method == "POST":
            consent = services.consent_record(
                user=request.user, patient=patient, **_valid(s.ConsentCreateSerializer, request)
            )
            return Response(s.ConsentSerializer(consent).data, status=status.HTTP_201_CREATED)
        return Response(s.ConsentSerializer(patient.consents.all(), many=True).data)

    @extend_schema(methods=["GET"], responses=s.EligibilityResultSerializer)
    @extend_schema(
        methods=["POST"], request=s.EligibilitySerializer, responses=s.EligibilityResultSerializer
    )
    @action(detail=True, methods=["get", "post"])
    def eligibility(self, request, pk=None):
        patient = self.get_object()
        if request.method == "POST":
            services.eligibility_record(
                user=request.user, patient=patient, **_valid(s.EligibilitySerializer, request)
            )
        result = services.eligibility_of(patient)
        return Response(
            {
                "answers": s.EligibilityAnswerSerializer(patient.eligibility.all(), many=True).data,
                "complete": result.complete,
                "eligible": result.eligible,
                "unmet": [c.code for c in result.unmet],
                "missing": [c.code for c in result.missing],
            }
        )

    @extend_schema(request=s.EnrolSerializer, responses=s.PatientSerializer)
    @action(detail=True, methods=["post"])
    def enrol(self, request, pk=None):
        patient = services.patient_enrol(
            user=request.user, patient=self.get_object(), **_valid(s.EnrolSerializer, request)
        )
        return self._out(patient)

    @extend_schema(request=s.ScreenFailSerializer, responses=s.PatientSerializer)
    @action(detail=True, methods=["post"], url_path="screen-fail")
    def screen_fail(self, request, pk=None):
        patient = services.patient_screen_fail(
            user=request.user,
            patient=self.get_object(),
            reason=_valid(s.ScreenFailSerializer, request)["reason"],
        )
        return self._out(patient)

    @extend_schema(responses=s.CalendarEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def calendar(self, request, pk=None):
        """Every planned event with planned/actual dates, window and status as of today."""
        patient = self.get_object()
        rows, _, _ = patient_timeline(patient=patient)
        data = []
        for row in rows:
            item = s.CalendarEventSerializer(row.event).data
            item["status"] = str(row.status)
            data.append(item)
        return Response(data)

    @extend_schema(request=s.EndTreatmentSerializer, responses=s.PatientSerializer)
    @action(detail=True, methods=["post"], url_path="end-treatment")
    def end_treatment(self, request, pk=None):
        patient = services.patient_end_treatment(
            user=request.user,
            patient=self.get_object(),
            **_valid(s.EndTreatmentSerializer, request),
        )
        return self._out(patient)

    @extend_schema(request=s.EndStudySerializer, responses=s.PatientSerializer)
    @action(detail=True, methods=["post"], url_path="end-study")
    def end_study(self, request, pk=None):
        patient = services.patient_end_study(
            user=request.user, patient=self.get_object(), **_valid(s.EndStudySerializer, request)
        )
        return self._out(patient)


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class _AuditedViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """List/retrieve/create/update (PUT or PATCH); no delete — corrections keep the trail."""

    read_serializer = None
    create_serializer = update_serializer = None
    filter_backends = [FilterBackend]

    def get_serializer_class(self):
        return self.read_serializer

    def _out(self, instance, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=instance.pk)
        return Response(self.read_serializer(fresh).data, status=code)

    def _create(self, request, service):
        data = _valid(self.create_serializer, request)
        patient = patient_get_for_user(user=request.user, pk=data.pop("patient"))
        record = service(user=request.user, patient=patient, **data)
        return self._out(record, status.HTTP_201_CREATED)

    def _update(self, request, service):
        record = self.get_object()
        data = _valid(self.update_serializer, request)
        version, reason = data.pop("version"), data.pop("reason")
        record = service(
            user=request.user,
            record=record,
            changes=data,
            reason=reason,
            expected_version=version,
        )
        return self._out(record)


class MedicalHistoryViewSet(_AuditedViewSet):
    """Medical history at screening of the caller's sites' patients."""

    read_serializer = s.MedicalHistorySerializer
    create_serializer = s.MedicalHistoryCreateSerializer
    update_serializer = s.MedicalHistoryUpdateSerializer
    filterset_fields = {"patient": ["exact"], "ongoing": ["exact"], "updated_at": ["gte"]}

    def get_queryset(self):
        return medical_history_visible_to(self.request.user).order_by("id")

    @extend_schema(request=s.MedicalHistoryCreateSerializer, responses=s.MedicalHistorySerializer)
    def create(self, request, *args, **kwargs):
        return self._create(request, services.medical_history_create)

    @extend_schema(request=s.MedicalHistoryUpdateSerializer, responses=s.MedicalHistorySerializer)
    def update(self, request, *args, **kwargs):
        return self._update(request, services.medical_history_update)


class PriorTherapyViewSet(_AuditedViewSet):
    """Prior cancer therapy of the caller's sites' patients."""

    read_serializer = s.PriorTherapySerializer
    create_serializer = s.PriorTherapyCreateSerializer
    update_serializer = s.PriorTherapyUpdateSerializer
    filterset_fields = {"patient": ["exact"], "therapy_type": ["exact"], "updated_at": ["gte"]}

    def get_queryset(self):
        return prior_therapies_visible_to(self.request.user).order_by("id")

    @extend_schema(request=s.PriorTherapyCreateSerializer, responses=s.PriorTherapySerializer)
    def create(self, request, *args, **kwargs):
        return self._create(request, services.prior_therapy_create)

    @extend_schema(request=s.PriorTherapyUpdateSerializer, responses=s.PriorTherapySerializer)
    def update(self, request, *args, **kwargs):
        return self._update(request, services.prior_therapy_update)
