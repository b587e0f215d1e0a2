"""REST views of the lab app: thin, over the same selectors and services as the pages."""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.urls import reverse
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as RequestInvalid
from rest_framework.response import Response

from edc.access import roles
from edc.api.filters import FilterBackend, FilterSet, IsoDateTimeFilter
from edc.api.pagination import PageNumberPagination
from patients.selectors import patients_visible_to

from .. import imports, selectors, services
from ..constants import RowStatus
from ..models import LabResult
from . import serializers as s

UNKNOWN_PATIENT = "Unknown patient."
UNKNOWN_LAB = "Unknown laboratory."
ROW_STATUS_INVALID = f"One of: {', '.join(RowStatus.values)}."


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _patient(user, pk):
    patient = patients_visible_to(user).filter(pk=pk).first()
    if patient is None:  # another site's patient reads as unknown
        raise ValidationError({"patient": UNKNOWN_PATIENT})
    return patient


def _lab(user, code: str):
    lab = selectors.laboratories_visible_to(user).filter(code=code.strip().upper()).first()
    if lab is None:
        raise ValidationError({"lab": UNKNOWN_LAB})
    return lab


class LabResultFilter(FilterSet):
    patient = filters.NumberFilter(field_name="patient_id")
    site = filters.CharFilter(field_name="patient__site__code")
    analyte = filters.CharFilter(field_name="analyte")
    lab = filters.CharFilter(field_name="lab__code")
    updated_since = IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = LabResult
        fields = ["patient", "site", "analyte", "lab", "updated_since"]


class LabResultViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Lab results of the caller's sites; site staff create and correct them."""

    serializer_class = s.LabResultSerializer
    filter_backends = [FilterBackend]
    filterset_class = LabResultFilter

    def get_queryset(self):
        return selectors.results_visible_to(self.request.user).order_by("id")

    @extend_schema(request=s.LabResultCreateSerializer, responses=s.LabResultSerializer)
    def create(self, request):
        data = _valid(s.LabResultCreateSerializer, request)
        result = services.lab_result_create(
            user=request.user,
            patient=_patient(request.user, data.pop("patient")),
            lab=_lab(request.user, data.pop("lab")),
            **data,
        )
        return Response(s.LabResultSerializer(result).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.LabResultUpdateSerializer, responses=s.LabResultSerializer)
    def partial_update(self, request, pk=None):
        result = self.get_object()
        data = _valid(s.LabResultUpdateSerializer, request)
        result = services.lab_result_update(
            user=request.user,
            result=result,
            collected_at=data.get("collected_at", result.collected_at),
            value=data.get("value", result.original_value),
            unit=data.get("unit", result.original_unit),
            comment=data.get("comment", result.comment),
            reason=data["reason"],
            expected_version=data["version"],
        )
        return Response(s.LabResultSerializer(result).data)


class ImmuneDrawViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Immune-monitoring draws with their immune-panel results."""

    serializer_class = s.ImmuneDrawSerializer
    filter_backends = [FilterBackend]
    filterset_fields = {"patient": ["exact"], "event_code": ["exact"], "updated_at": ["gte"]}

    def get_queryset(self):
        results = LabResult.objects.select_related("patient", "patient__site", "lab")
        return (
            selectors.draws_visible_to(self.request.user)
            .prefetch_related(Prefetch("results", queryset=results))
            .order_by("id")
        )

    @extend_schema(request=s.ImmuneDrawCreateSerializer, responses=s.ImmuneDrawSerializer)
    def create(self, request):
        data = _valid(s.ImmuneDrawCreateSerializer, request)
        values = {code: (v["value"], v["unit"]) for code, v in data.pop("values").items()}
        draw = services.immune_draw_record(
            user=request.user,
            patient=_patient(request.user, data.pop("patient")),
            lab=_lab(request.user, data.pop("lab")),
            values=values,
            **data,
        )
        draw = self.get_queryset().get(pk=draw.pk)
        return Response(s.ImmuneDrawSerializer(draw).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ImmuneDrawUpdateSerializer, responses=s.ImmuneDrawSerializer)
    def partial_update(self, request, pk=None):
        draw = self.get_object()
        data = _valid(s.ImmuneDrawUpdateSerializer, request)
        services.immune_draw_update(
            user=request.user,
            draw=draw,
            drawn_at=data.get("drawn_at", draw.drawn_at),
            sample_id=data.get("sample_id", draw.sample_id),
            processing_minutes=data.get("processing_minutes", draw.processing_minutes),
            comment=data.get("comment", draw.comment),
            reason=data["reason"],
            expected_version=data["version"],
        )
        return Response(s.ImmuneDrawSerializer(self.get_queryset().get(pk=draw.pk)).data)


class LaboratoryViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.LaboratorySerializer
    filter_backends = [FilterBackend]
    filterset_fields = {"site__code": ["exact"], "code": ["exact"]}

    def get_queryset(self):
        return selectors.laboratories_visible_to(self.request.user).order_by("id")


class ReferenceRangeViewSet(viewsets.ReadOnlyModelViewSet):
    """Normal ranges (read-only here; data managers maintain them in the browser)."""

    serializer_class = s.ReferenceRangeSerializer
    filter_backends = [FilterBackend]
    filterset_fields = {
        "lab__code": ["exact"],
        "analyte": ["exact"],
        "sex": ["exact"],
        "updated_at": ["gte"],
    }

    def get_queryset(self):
        return selectors.reference_ranges_visible_to(self.request.user).order_by("id")


class ReportPagination(PageNumberPagination):
    """Report rows are a list in file order (not a queryset): pages of lines."""

    page_size = 500
    max_page_size = 5000


class LabImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Central-lab CSV import: upload = dry run, then commit; large files run in the background.

    A request that leaves work to the background answers 202 with ``Location`` = the batch's
    status URL (this resource), to poll until ``running`` is false.
    """

    serializer_class = s.ImportBatchSerializer
    read_action = write_action = roles.IMPORT_LABS

    def get_queryset(self):
        return selectors.batches_visible_to(self.request.user).order_by("id")

    def _answer(self, request, batch, done_status):
        data = s.ImportBatchSerializer(batch).data
        if batch.is_running:
            location = request.build_absolute_uri(reverse("lab-import-detail", args=[batch.pk]))
            return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": location})
        return Response(data, status=done_status)

    @extend_schema(
        request={"multipart/form-data": s.ImportUploadSerializer},
        responses={201: s.ImportBatchSerializer, 202: s.ImportBatchSerializer},
    )
    def create(self, request):
        upload = _valid(s.ImportUploadSerializer, request)["file"]
        batch = imports.import_batch_upload(
            user=request.user, filename=upload.name, chunks=upload.chunks()
        )
        return self._answer(request, batch, status.HTTP_201_CREATED)

    @extend_schema(
        request=None, responses={200: s.ImportBatchSerializer, 202: s.ImportBatchSerializer}
    )
    @action(detail=True, methods=["post"])
    def commit(self, request, pk=None):
        batch = imports.import_batch_commit(user=request.user, batch=self.get_object())
        return self._answer(request, batch, status.HTTP_200_OK)

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=RowStatus.values)],
        responses=s.ImportRowSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=ReportPagination)
    def rows(self, request, pk=None):
        """The report rows (``?status=valid|rejected|imported``), paginated by line."""
        batch = self.get_object()
        row_status = request.query_params.get("status") or None
        if row_status is not None and row_status not in RowStatus.values:
            raise RequestInvalid({"status": [ROW_STATUS_INVALID]})
        rows = selectors.batch_rows(batch=batch, status=row_status)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.ImportRowSerializer(page, many=True).data)
