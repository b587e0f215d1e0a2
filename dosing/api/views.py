from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from edc.api.filters import FilterBackend
from patients.selectors import patient_get_for_user, patients_visible_to

from .. import services
from ..selectors import exposure_by_patient, imp321_visible_to, paclitaxel_visible_to
from . import serializers as s

FILTERS = {
    "patient": ["exact"],
    "patient__site__code": ["exact"],
    "patient__cohort__code": ["exact"],
    "updated_at": ["gte"],
}


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class DoseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """List/read, create (site staff) and correct (with version and reason) dose records."""

    filter_backends = [FilterBackend]
    filterset_fields = FILTERS

    def create(self, request):
        data = _valid(self.create_serializer, request)
        patient = patient_get_for_user(user=request.user, pk=data.pop("patient"))
        record = self.create_service(
            user=request.user, patient=patient, event_code=data.pop("event_code"), data=data
        )
        return Response(self.serializer_class(record).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        record = self.get_object()
        data = _valid(self.update_serializer, request)
        version, reason = data.pop("version"), data.pop("reason")
        record = self.update_service(
            user=request.user, record=record, data=data, reason=reason, expected_version=version
        )
        return Response(self.serializer_class(record).data)


@extend_schema_view(
    create=extend_schema(
        request=s.PaclitaxelCreateSerializer, responses={201: s.PaclitaxelSerializer}
    ),
    partial_update=extend_schema(request=s.PaclitaxelUpdateSerializer),
)
class PaclitaxelViewSet(DoseViewSet):
    serializer_class = s.PaclitaxelSerializer
    create_serializer = s.PaclitaxelCreateSerializer
    update_serializer = s.PaclitaxelUpdateSerializer
    create_service = staticmethod(services.paclitaxel_record)
    update_service = staticmethod(services.paclitaxel_update)

    def get_queryset(self):
        return paclitaxel_visible_to(self.request.user).order_by("id")


@extend_schema_view(
    create=extend_schema(request=s.Imp321CreateSerializer, responses={201: s.Imp321Serializer}),
    partial_update=extend_schema(request=s.Imp321UpdateSerializer),
)
class Imp321ViewSet(DoseViewSet):
    serializer_class = s.Imp321Serializer
    create_serializer = s.Imp321CreateSerializer
    update_serializer = s.Imp321UpdateSerializer
    create_service = staticmethod(services.imp321_record)
    update_service = staticmethod(services.imp321_update)

    def get_queryset(self):
        return imp321_visible_to(self.request.user).order_by("id")


class ExposureViewSet(viewsets.GenericViewSet):
    """Derived exposure per enrolled patient (dosing.rules.exposure, computed in one place)."""

    serializer_class = s.ExposureSerializer
    filter_backends = [FilterBackend]
    filterset_fields = {"site__code": ["exact"], "cohort__code": ["exact"]}

    def get_queryset(self):
        return patients_visible_to(self.request.user).exclude(subject_id=None).order_by("id")

    def list(self, request):
        patients = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        ids = [p.pk for p in patients]
        exposures = exposure_by_patient(
            patients=patients_visible_to(request.user).filter(pk__in=ids)
        )
        rows = []
        for patient in patients:
            e = exposures[patient.pk]
            rows.append(
                {
                    "patient": patient.pk,
                    "subject_id": patient.subject_id,
                    **{
                        k: getattr(e, k)
                        for k in (
                            "doses_given",
                            "doses_held",
                            "doses_not_done",
                            "cumulative_mg",
                            "cumulative_mg_m2",
                            "rdi_overall",
                            "rdi_by_cycle",
                            "imp321_given",
                            "imp321_planned",
                        )
                    },
                }
            )
        return self.get_paginated_response(s.ExposureSerializer(rows, many=True).data)
