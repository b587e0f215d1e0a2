"""REST API of the monitor workspace: the same selectors and services as the pages.

Writes are limited by role (``action_permissions`` per action, checked again by the services); rows
of another site are 404s because every queryset comes from a scoped selector.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from edc.access import roles
from edc.access.roles import is_deidentified
from edc.api.pagination import CursorPagination
from edc.api.params import choice_param, id_param, text_param
from edc.audit.selectors import audit_entries_filter, audit_entries_for_user, record_history
from edc.exports.constants import Channel, ExportFormat
from edc.exports.services import export_log_finish, export_log_start
from edc.exports.validators import ExportParams
from patients.selectors import patient_get_for_user

from .. import selectors, services
from ..constants import QueryStatus
from ..forms import AuditFilterForm
from ..models import DataQuery, Lock, SdvMark, Signature
from ..views import AUDIT_TRAIL, audit_log_filters
from . import serializers as s

ORDERS = ("oldest", "newest")
BOOLEANS = ("true", "false")


class NewestFirstCursorPagination(CursorPagination):
    """Cursor pagination by id; ``?order=newest`` pages from the latest change backwards."""

    def get_ordering(self, request, queryset, view):
        return ("-id",) if choice_param(request, "order", ORDERS) == "newest" else ("id",)


def form_param(request, *, required: bool = False):
    """The ``form`` query parameter (``app_label.model``) as a content type; 400 if unknown."""
    raw = request.query_params.get("form")
    if not raw and not required:
        return None
    try:
        return s.RecordField().run_validation(raw)
    except ValidationError as exc:
        raise ValidationError({"form": exc.detail}) from None


RECORD_FILTERS = [
    OpenApiParameter("patient", int, description="Patient id"),
    OpenApiParameter("form", str, description="app_label.model, e.g. patients.patient"),
]


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class MonitoringViewSet(viewsets.GenericViewSet):
    """Role-gated writes per action (``action_permissions``); serializers know the reader."""

    action_permissions: dict[str, str] = {}

    def get_serializer_context(self):
        return {
            **super().get_serializer_context(),
            "deidentified": is_deidentified(self.request.user),
        }

    def record(self, *, content_type, object_id: int, trial_data_only: bool = True):
        return selectors.record_get_for_user(
            user=self.request.user,
            content_type_id=content_type.pk,
            object_id=object_id,
            trial_data_only=trial_data_only,
        )


AUDIT_FILTERS = [
    OpenApiParameter("site", str, description="Site code"),
    OpenApiParameter("patient", int),
    OpenApiParameter("user", str, description="User name (not for statisticians)"),
    OpenApiParameter("role", str),
    OpenApiParameter("form", str, description="app_label.model, e.g. patients.patient"),
    OpenApiParameter("field", str),
    OpenApiParameter("date_from", str, description="YYYY-MM-DD"),
    OpenApiParameter("date_to", str, description="YYYY-MM-DD"),
    OpenApiParameter("action", str, enum=["create", "change", "delete"]),
    OpenApiParameter("order", str, enum=list(ORDERS)),
]


class AuditEntryViewSet(mixins.ListModelMixin, MonitoringViewSet):
    """Every audited change the caller may review (field-by-field old → new, who, when, why)."""

    serializer_class = s.AuditEntrySerializer
    pagination_class = NewestFirstCursorPagination
    filter_backends: list = []

    def get_queryset(self):
        user = self.request.user
        params = self.request.query_params
        form = self.filter_form = AuditFilterForm(params or None, user=user)
        if form.is_bound and not form.is_valid():
            raise ValidationError(form.errors)
        qs = audit_entries_for_user(user)
        return audit_entries_filter(qs, form.filters(), user=user) if form.is_bound else qs

    @extend_schema(parameters=AUDIT_FILTERS)
    def list(self, request, *args, **kwargs):
        # Every page served is logged like an export (channel api), as the CSV download is.
        response = super().list(request, *args, **kwargs)  # sets self.filter_form
        log = export_log_start(
            user=request.user,
            what=AUDIT_TRAIL,
            fmt=ExportFormat.PAGE,
            channel=Channel.API,
            params=ExportParams(),
            extra_filters=audit_log_filters(
                self.filter_form, request.query_params, extra=("order", "cursor", "page_size")
            ),
        )
        export_log_finish(log, rows=len(response.data["results"]))
        return response

    @extend_schema(
        parameters=[
            OpenApiParameter("form", str, required=True),
            OpenApiParameter("object_id", int, required=True),
        ]
    )
    @action(detail=False, methods=["get"])
    def history(self, request):
        """The whole history of one record, oldest first (404 for another site's record)."""
        form = form_param(request, required=True)
        object_id = id_param(request, "object_id")
        if object_id is None:
            raise ValidationError({"object_id": [_("An integer is required.")]})
        record = self.record(content_type=form, object_id=object_id, trial_data_only=False)
        entries = record_history(
            user=request.user, content_type_id=record.content_type.pk, object_id=object_id
        )
        return Response(self.get_serializer(entries, many=True).data)


class DataQueryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MonitoringViewSet):
    """Data queries: monitors and data managers raise, close, re-open; site staff answer."""

    serializer_class = s.DataQuerySerializer
    filter_backends: list = []
    action_permissions = {
        "create": roles.RAISE_QUERY,
        "answer": roles.ANSWER_QUERY,
        "close": roles.RAISE_QUERY,
        "reopen": roles.RAISE_QUERY,
    }
    queryset = DataQuery.objects.none()

    def get_queryset(self):
        request = self.request
        qs = selectors.queries_for_user(request.user)
        if status_ := choice_param(request, "status", QueryStatus.values):
            qs = qs.filter(status=status_)
        if site := text_param(request, "site"):
            qs = qs.filter(site__code=site)
        if patient := id_param(request, "patient"):
            qs = qs.filter(patient_id=patient)
        if form := form_param(request):
            qs = qs.filter(content_type=form)
        return qs.order_by("id")

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=QueryStatus.values),
            OpenApiParameter("site", str, description="Site code"),
            *RECORD_FILTERS,
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "with_thread": self.action != "list"}

    def _out(self, query, code=status.HTTP_200_OK):
        return Response(self.get_serializer(query).data, status=code)

    @extend_schema(request=s.QueryCreateSerializer)
    def create(self, request):
        data = _valid(s.QueryCreateSerializer, request)
        record = self.record(content_type=data["form"], object_id=data["object_id"])
        query = services.query_raise(
            user=request.user, record=record, field=data["field"], question=data["question"]
        )
        return self._out(query, status.HTTP_201_CREATED)

    @extend_schema(request=s.QueryAnswerSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        data = _valid(s.QueryAnswerSerializer, request)
        query = services.query_answer(
            query=self.get_object(),
            user=request.user,
            text=data["text"],
            linked_change_reason=data["linked_change_reason"] or None,
        )
        return self._out(query)

    @extend_schema(request=s.QueryCloseSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        data = _valid(s.QueryCloseSerializer, request)
        query = services.query_close(query=self.get_object(), user=request.user, note=data["note"])
        return self._out(query)

    @extend_schema(request=s.ReasonSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        data = _valid(s.ReasonSerializer, request)
        query = services.query_reopen(
            query=self.get_object(), user=request.user, reason=data["reason"]
        )
        return self._out(query)


class SdvMarkViewSet(mixins.ListModelMixin, MonitoringViewSet):
    """Source-data verification marks; monitors mark records (or fields) verified."""

    serializer_class = s.SdvMarkSerializer
    filter_backends: list = []
    action_permissions = {"create": roles.VERIFY_SOURCE}
    queryset = SdvMark.objects.none()

    def get_queryset(self):
        request = self.request
        qs = selectors.sdv_marks_for_user(request.user)
        if patient := id_param(request, "patient"):
            qs = qs.filter(patient_id=patient)
        if form := form_param(request):
            qs = qs.filter(content_type=form)
        if object_id := id_param(request, "object_id"):
            qs = qs.filter(object_id=object_id)
        if active := choice_param(request, "active", BOOLEANS):
            qs = qs.filter(cleared_at__isnull=active == "true")
        return qs.order_by("id")

    @extend_schema(
        parameters=[
            *RECORD_FILTERS,
            OpenApiParameter("object_id", int, description="Record id (with form)"),
            OpenApiParameter("active", str, enum=list(BOOLEANS)),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=s.SdvMarkCreateSerializer)
    def create(self, request):
        data = _valid(s.SdvMarkCreateSerializer, request)
        record = self.record(content_type=data["form"], object_id=data["object_id"])
        mark = services.sdv_mark(
            user=request.user,
            record=record,
            field=data["field"],
            expected_version=data["version"],
        )
        return Response(self.get_serializer(mark).data, status=status.HTTP_201_CREATED)

    @action(detail=False, methods=["get"])
    def progress(self, request):
        """Records verified per site and per patient."""

        def rows(items):
            return [
                {"key": p.key, "label": p.label, "records": p.records, "verified": p.verified}
                for p in items
            ]

        return Response(
            {
                "sites": rows(selectors.sdv_progress_by_site(user=request.user)),
                "patients": rows(selectors.sdv_progress_by_patient(user=request.user)),
            }
        )


def _refusal(exc: DjangoValidationError) -> Response:
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    detail = {("non_field_errors" if k == "__all__" else k): v for k, v in detail.items()}
    return Response(detail, status=status.HTTP_400_BAD_REQUEST)


class SignatureViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MonitoringViewSet):
    """Investigator e-signatures; signing needs the user ID and password again."""

    serializer_class = s.SignatureSerializer
    filter_backends: list = []
    action_permissions = {"create": roles.SIGN}
    queryset = Signature.objects.none()

    def get_queryset(self):
        qs = selectors.signatures_for_user(self.request.user)
        if patient := id_param(self.request, "patient"):
            qs = qs.filter(patient_id=patient)
        return qs.order_by("id")

    @extend_schema(parameters=[RECORD_FILTERS[0]])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, pk=None):
        signature = self.get_object()
        body = self.get_serializer(signature).data
        changes = selectors.signature_changes_since(signature=signature)
        body["changed_since"] = s.AuditEntrySerializer(
            changes, many=True, context=self.get_serializer_context()
        ).data
        return Response(body)

    @extend_schema(request=s.SignatureCreateSerializer)
    def create(self, request):
        data = _valid(s.SignatureCreateSerializer, request)
        patient = patient_get_for_user(user=request.user, pk=data.pop("patient"))
        # The refusal is returned, not raised: raising would roll the request back, and with
        # it the recorded failed attempt that must count towards the signing lockout.
        try:
            signature = services.signature_sign(
                user=request.user, patient=patient, request=request, **data
            )
        except DjangoValidationError as exc:
            return _refusal(exc)
        return Response(self.get_serializer(signature).data, status=status.HTTP_201_CREATED)


class LockViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MonitoringViewSet):
    """Record, casebook and database locks; data managers lock and unlock (with a reason)."""

    serializer_class = s.LockSerializer
    filter_backends: list = []
    action_permissions = {"create": roles.LOCK, "unlock": roles.LOCK}
    queryset = Lock.objects.none()

    def get_queryset(self):
        qs = selectors.locks_for_user(self.request.user)
        if active := choice_param(self.request, "active", BOOLEANS):
            qs = qs.filter(unlocked_at__isnull=active == "true")
        return qs.order_by("id")

    @extend_schema(parameters=[OpenApiParameter("active", str, enum=list(BOOLEANS))])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=s.LockCreateSerializer)
    def create(self, request):
        data = _valid(s.LockCreateSerializer, request)
        patient = record = None
        if data["patient"] is not None:
            patient = patient_get_for_user(user=request.user, pk=data["patient"])
        if data["form"] is not None and data["object_id"] is not None:
            record = self.record(content_type=data["form"], object_id=data["object_id"])
        lock = services.lock_create(
            user=request.user,
            scope=data["scope"],
            reason=data["reason"],
            patient=patient,
            record=record,
        )
        return Response(self.get_serializer(lock).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ReasonSerializer)
    @action(detail=True, methods=["post"])
    def unlock(self, request, pk=None):
        data = _valid(s.ReasonSerializer, request)
        lock = services.lock_release(
            lock=self.get_object(), user=request.user, reason=data["reason"]
        )
        return Response(self.get_serializer(lock).data)
