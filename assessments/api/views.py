"""REST API: thin viewsets over the same selectors and services as the browser pages.

Writes need a site-staff role (``edc.access.api.RolePermission``); a record or patient of
another site is a 404. Service ``ValidationError``s become 400s with field messages and a
stale version a 409 (``edc.api.exceptions``).
"""

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from edc.api.filters import FilterBackend
from patients.selectors import patient_get_for_user

from .. import ctcae, selectors, services
from ..constants import CM_AE_OTHER_PATIENT, AssessmentKind
from ..models import AdverseEvent
from . import serializers as s


def _valid(serializer_class, request, **kwargs) -> dict:
    serializer = serializer_class(data=request.data, **kwargs)
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
    filter_backends = [FilterBackend]

    def get_serializer_class(self):
        return self.read_serializer

    def _out(self, instance, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=instance.pk)
        return Response(self.read_serializer(fresh).data, status=code)


class TumourAssessmentViewSet(_AuditedViewSet):
    """Tumour assessments with nested lesions (baseline) or measurements (follow-up).

    Create a baseline with ``kind=baseline`` and ``target_lesions``/``non_target_lesions``;
    a follow-up with ``kind=follow_up`` and one ``measurements`` row per baseline target. The
    RECIST response is computed and stored; ``response_disagrees`` flags an investigator
    reading that differs.
    """

    read_serializer = s.TumourAssessmentSerializer
    # JSON only: nested lesion lists cannot be sent as form fields (a form body would arrive
    # without them and read as "no lesions"); any other content type is a 415.
    parser_classes = [JSONParser]
    filterset_fields = {
        "patient": ["exact"],
        "kind": ["exact"],
        "response_disagrees": ["exact"],
        "updated_at": ["gte"],
    }

    def get_queryset(self):
        return selectors.tumour_assessments_visible_to(self.request.user).order_by("id")

    @extend_schema(
        request=s.TumourAssessmentCreateSerializer, responses=s.TumourAssessmentSerializer
    )
    def create(self, request, *args, **kwargs):
        data = _valid(s.TumourAssessmentCreateSerializer, request)
        patient = patient_get_for_user(user=request.user, pk=data["patient"])
        common = {
            "user": request.user,
            "patient": patient,
            "assessment_date": data["assessment_date"],
            "method": data["method"],
            "comments": data["comments"],
        }
        if data["kind"] == AssessmentKind.BASELINE:
            assessment = services.tumour_baseline_create(
                target_lesions=data["target_lesions"],
                non_target_lesions=data["non_target_lesions"],
                **common,
            )
        else:
            assessment = services.tumour_followup_create(
                measurements=data["measurements"],
                non_target_status=data["non_target_status"],
                new_lesion=data["new_lesion"],
                new_lesion_description=data["new_lesion_description"],
                investigator_response=data["investigator_response"],
                acknowledge_warnings=data["acknowledge_warnings"],
                **common,
            )
        return self._out(assessment, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.TumourAssessmentUpdateSerializer, responses=s.TumourAssessmentSerializer
    )
    def update(self, request, *args, **kwargs):
        assessment = self.get_object()
        data = _valid(s.TumourAssessmentUpdateSerializer, request)
        common = {
            "user": request.user,
            "assessment": assessment,
            "reason": data["reason"],
            "expected_version": data["version"],
            "assessment_date": data.get("assessment_date", assessment.assessment_date),
            "method": data.get("method", assessment.method),
            "comments": data.get("comments", assessment.comments),
        }
        if assessment.is_baseline:
            updated = services.tumour_baseline_update(
                target_lesions=data.get("target_lesions", _saved_targets(assessment)),
                non_target_lesions=data.get("non_target_lesions", _saved_non_targets(assessment)),
                **common,
            )
        else:
            updated = services.tumour_followup_update(
                measurements=data.get("measurements", _saved_measurements(assessment)),
                non_target_status=data.get("non_target_status", assessment.non_target_status),
                new_lesion=data.get("new_lesion", assessment.new_lesion),
                new_lesion_description=data.get(
                    "new_lesion_description", assessment.new_lesion_description
                ),
                investigator_response=data.get(
                    "investigator_response", assessment.investigator_response
                ),
                acknowledge_warnings=data.get("acknowledge_warnings", ()),
                **common,
            )
        return self._out(updated)


def _saved_targets(assessment) -> list[services.TargetLesionInput]:
    return [
        services.TargetLesionInput(
            id=t.pk, label=t.label, organ=t.organ, location=t.location, diameter_mm=t.diameter_mm
        )
        for t in assessment.target_lesions.all()
    ]


def _saved_non_targets(assessment) -> list[services.NonTargetLesionInput]:
    return [
        services.NonTargetLesionInput(id=n.pk, label=n.label, organ=n.organ, location=n.location)
        for n in assessment.non_target_lesions.all()
    ]


def _saved_measurements(assessment) -> list[services.MeasurementInput]:
    return [
        services.MeasurementInput(
            lesion_id=m.lesion_id,
            diameter_mm=m.diameter_mm,
            too_small=m.too_small,
            not_evaluable=m.not_evaluable,
        )
        for m in assessment.measurements.all()
    ]


class AdverseEventViewSet(_AuditedViewSet):
    read_serializer = s.AdverseEventSerializer
    filterset_fields = {
        "patient": ["exact"],
        "serious": ["exact"],
        "reported_late": ["exact"],
        "grade": ["exact", "gte"],
        "updated_at": ["gte"],
    }

    def get_queryset(self):
        return selectors.adverse_events_visible_to(self.request.user).order_by("id")

    @extend_schema(request=s.AdverseEventCreateSerializer, responses=s.AdverseEventSerializer)
    def create(self, request, *args, **kwargs):
        data = _valid(s.AdverseEventCreateSerializer, request)
        patient = patient_get_for_user(user=request.user, pk=data.pop("patient"))
        ae = services.adverse_event_create(user=request.user, patient=patient, **data)
        return self._out(ae, status.HTTP_201_CREATED)

    @extend_schema(request=s.AdverseEventUpdateSerializer, responses=s.AdverseEventSerializer)
    def update(self, request, *args, **kwargs):
        ae = self.get_object()
        data = _valid(s.AdverseEventUpdateSerializer, request)
        version, reason = data.pop("version"), data.pop("reason")
        ae = services.adverse_event_update(
            user=request.user,
            adverse_event=ae,
            changes=data,
            reason=reason,
            expected_version=version,
        )
        return self._out(ae)


class ConcomitantMedicationViewSet(_AuditedViewSet):
    read_serializer = s.ConcomitantMedicationSerializer
    filterset_fields = {
        "patient": ["exact"],
        "adverse_event": ["exact"],
        "ongoing": ["exact"],
        "updated_at": ["gte"],
    }

    def get_queryset(self):
        return selectors.conmeds_visible_to(self.request.user).order_by("id")

    def _adverse_event(self, data: dict) -> None:
        """The adverse event named by id, read through the scoped selector (another site's is
        refused as unknown); the service checks it is the same patient's."""
        if "adverse_event" not in data:
            return
        pk = data["adverse_event"]
        if pk is None:
            return
        try:
            data["adverse_event"] = selectors.adverse_events_visible_to(self.request.user).get(
                pk=pk
            )
        except AdverseEvent.DoesNotExist:
            raise ValidationError({"adverse_event": [CM_AE_OTHER_PATIENT]}) from None

    @extend_schema(
        request=s.ConcomitantMedicationCreateSerializer,
        responses=s.ConcomitantMedicationSerializer,
    )
    def create(self, request, *args, **kwargs):
        data = _valid(s.ConcomitantMedicationCreateSerializer, request)
        patient = patient_get_for_user(user=request.user, pk=data.pop("patient"))
        self._adverse_event(data)
        medication = services.conmed_create(user=request.user, patient=patient, **data)
        return self._out(medication, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.ConcomitantMedicationUpdateSerializer,
        responses=s.ConcomitantMedicationSerializer,
    )
    def update(self, request, *args, **kwargs):
        medication = self.get_object()
        data = _valid(s.ConcomitantMedicationUpdateSerializer, request)
        version, reason = data.pop("version"), data.pop("reason")
        self._adverse_event(data)
        medication = services.conmed_update(
            user=request.user,
            medication=medication,
            changes=data,
            reason=reason,
            expected_version=version,
        )
        return self._out(medication)


class VitalSignsViewSet(_AuditedViewSet):
    read_serializer = s.VitalSignsSerializer
    filterset_fields = {"patient": ["exact"], "visit": ["exact"], "updated_at": ["gte"]}

    def get_queryset(self):
        return selectors.vital_signs_visible_to(self.request.user).order_by("id")

    @extend_schema(request=s.VitalSignsCreateSerializer, responses=s.VitalSignsSerializer)
    def create(self, request, *args, **kwargs):
        data = _valid(s.VitalSignsCreateSerializer, request)
        patient = patient_get_for_user(user=request.user, pk=data.pop("patient"))
        vitals = services.vital_signs_create(user=request.user, patient=patient, **data)
        return self._out(vitals, status.HTTP_201_CREATED)

    @extend_schema(request=s.VitalSignsUpdateSerializer, responses=s.VitalSignsSerializer)
    def update(self, request, *args, **kwargs):
        vitals = self.get_object()
        data = _valid(s.VitalSignsUpdateSerializer, request)
        version, reason = data.pop("version"), data.pop("reason")
        vitals = services.vital_signs_update(
            user=request.user,
            vital_signs=vitals,
            changes=data,
            reason=reason,
            expected_version=version,
        )
        return self._out(vitals)


class RecistResultViewSet(viewsets.GenericViewSet):
    """Read-only RECIST course per enrolled patient (id = the patient's id)."""

    serializer_class = s.RecistResultSerializer

    def get_queryset(self):
        return selectors.enrolled_patients_with_assessments(self.request.user)

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        data = [s.recist_result_data(c) for c in selectors.recist_courses(page)]
        return self.get_paginated_response(s.RecistResultSerializer(data, many=True).data)

    def retrieve(self, request, pk=None):
        course = selectors.recist_course_for_patient(user=request.user, patient_id=pk)
        return Response(s.RecistResultSerializer(s.recist_result_data(course)).data)


class TrialEndpointViewSet(viewsets.GenericViewSet):
    """ORR, clinical benefit and progressors at 6 months per cohort and overall (95 % CI)."""

    serializer_class = s.TrialEndpointsSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.enrolled_patients_with_assessments(self.request.user)

    def list(self, request):
        result = selectors.trial_endpoints(request.user)
        data = {
            "landmark_days": result.landmark_days,
            "confidence": result.confidence,
            "groups": result.groups,
        }
        return Response(s.TrialEndpointsSerializer(data).data)


class CtcaeTermViewSet(viewsets.ViewSet):
    """CTCAE v5.0 terms (MedDRA code, term, SOC, grade definitions); ``?search=`` on the term."""

    serializer_class = s.CtcaeTermSerializer
    lookup_field = "meddra_code"
    lookup_value_regex = "[0-9]+"

    @extend_schema(
        parameters=[OpenApiParameter("search", str), OpenApiParameter("soc", str)],
        responses=s.CtcaeTermSerializer(many=True),
    )
    def list(self, request):
        search = (request.query_params.get("search") or "").casefold()
        soc = (request.query_params.get("soc") or "").casefold()
        terms = [
            t
            for t in ctcae.load_terms()
            if search in t["term"].casefold() and (not soc or soc == t["soc"].casefold())
        ]
        return Response(s.CtcaeTermSerializer(terms, many=True).data)

    @extend_schema(
        parameters=[OpenApiParameter("meddra_code", str, OpenApiParameter.PATH)],
        responses=s.CtcaeTermSerializer,
    )
    def retrieve(self, request, meddra_code=None):
        term = ctcae.term_by_code(meddra_code)
        if term is None:
            raise Http404("No such CTCAE term.")
        return Response(s.CtcaeTermSerializer(term).data)
