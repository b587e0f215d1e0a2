"""REST API for statisticians' scripts: token, domains (paged JSON or streamed files), the
package job (202 + status URL), the ODM file and the export log.

Every download is logged (``ExportLog``) and scoped by the caller's role and sites exactly as
the pages are (the same ``responses`` and ``ExportContext``).
"""

import base64

from django.utils import translation
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.throttling import ScopedRateThrottle

from edc.access import roles
from edc.access.authentication import (
    ERROR_DETAIL,
    AuthTokenSerializer,
    ExpiringTokenAuthentication,
    TokenRefused,
    lockout_message,
    token_issue,
    token_revoke,
)
from edc.access.constants import API, TOKEN_REVOKED_BY_OWNER
from edc.access.mfa import token_second_step
from edc.api.negotiation import ContentNegotiation
from edc.api.pagination import PAGE_SIZE_INVALID
from edc.api.params import MAX_ID
from edc.operations.routers import reading_replica

from .. import responses, selectors, services
from ..constants import (
    CURSOR_INVALID,
    DEFAULT_SUBJECTS_PER_PAGE,
    MAX_SUBJECTS_PER_PAGE,
    UNKNOWN_DOMAIN,
    Channel,
    ExportFormat,
)
from ..context import ExportContext
from ..domains import DOMAINS, domain
from ..models import ExportJob, ExportLog
from ..writers import json_objects
from . import serializers as s

PARAMS = [
    OpenApiParameter(
        "as_of",
        str,
        description="ISO 8601 date or date-time: the data as it was then (default: now).",
    ),
    OpenApiParameter(
        "updated_since",
        str,
        description="ISO 8601: only subjects with a change in this domain since then "
        "(all their rows are returned, so replace those subjects' rows).",
    ),
]
PAGE_PARAMS = [
    *PARAMS,
    OpenApiParameter("cursor", str, description="From the previous page's `next`."),
    OpenApiParameter(
        "page_size",
        int,
        description=f"Subjects per page (default {DEFAULT_SUBJECTS_PER_PAGE}, "
        f"max {MAX_SUBJECTS_PER_PAGE}).",
    ),
]
FILE = OpenApiResponse(OpenApiTypes.BINARY, description="Streamed file")
# A streamed CDISC Dataset-JSON 1.1 document (one JSON object: metadata, columns, rows).
DATASET_JSON = OpenApiResponse(OpenApiTypes.OBJECT, description="CDISC Dataset-JSON 1.1")
ROWS = OpenApiResponse(
    {"type": "array", "items": {"type": "object", "additionalProperties": {}}},
    description="Streamed JSON array of rows (one object per row)",
)


class AnyMediaRenderer(renderers.JSONRenderer):
    """Lets a client that asks for text/csv, XML or zip reach a streaming action (errors are
    still JSON, and say so in their Content-Type)."""

    media_type = "*/*"
    format = "any"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:  # "*/*" is a pattern to accept, not a content type
            response["Content-Type"] = "application/json"
        return super().render(data, "application/json", renderer_context)


STREAM_RENDERERS = [renderers.JSONRenderer, AnyMediaRenderer]


class AuthTokenRequestSerializer(AuthTokenSerializer):
    otp = serializers.CharField(
        label="Two-step code",
        required=False,
        allow_blank=True,
        write_only=True,
        max_length=40,
        help_text="For accounts with two-step sign-in: the 6-digit code from the authenticator "
        "app (as a string), or one of the account's recovery codes.",
    )


class AuthTokenViewSet(viewsets.ViewSet):
    """POST username and password, receive the API token (``Authorization: Token <key>``).

    The token expires ``API_TOKEN_TTL_HOURS`` after issue (then a POST gives a new one);
    DELETE with the token revokes it. Failed attempts count towards the account's lockout
    (django-axes, as the login page) and the endpoint is throttled per client address.
    An account with two-step sign-in (edc.access.mfa) also sends ``otp``: missing → 400
    (``{"otp": [...]}``), wrong (counted towards the lockout) or app not set up yet → 401.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    edc_action = roles.PUBLIC  # the API's sign-in (lockout and throttling apply)
    serializer_class = AuthTokenRequestSerializer
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth-token"

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        # DELETE on the same URL as POST (the router maps only POST on a list route).
        if actions and actions.get("post") == "create":
            actions = {**actions, "delete": "revoke"}
        return super().as_view(actions, **initkwargs)

    @extend_schema(
        request=AuthTokenRequestSerializer,
        responses={
            200: OpenApiResponse(description='{"token": "<key>"}'),
            401: OpenApiResponse(
                ERROR_DETAIL,
                description="Two-step code wrong or expired, or two-step sign-in not set up yet "
                "(set it up in the browser first).",
            ),
            429: OpenApiResponse(
                ERROR_DETAIL, description="Account locked after failed sign-ins, or throttled."
            ),
        },
    )
    def create(self, request):
        # axes flags the Django request (the one its middleware sees), not DRF's wrapper.
        django_request = request._request
        serializer = AuthTokenRequestSerializer(
            data=request.data, context={"request": django_request}
        )
        if not serializer.is_valid():
            # Answered, not raised: the failure axes counted must be committed, not rolled back.
            if getattr(django_request, "axes_locked_out", False):
                return Response(
                    {"detail": lockout_message()}, status=status.HTTP_429_TOO_MANY_REQUESTS
                )
            return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)
        user = serializer.validated_data["user"]
        refused = token_second_step(
            request=django_request, user=user, code=serializer.validated_data.get("otp", "")
        )
        if refused is not None:  # answered, not raised: a counted failure must be committed
            code, body = refused
            return Response(body, status=code)
        token = token_issue(user=user, request=django_request)
        return Response({"token": token.key})

    @extend_schema(
        request=None,
        responses={
            204: OpenApiResponse(description="The caller's token is revoked."),
            401: OpenApiResponse(ERROR_DETAIL, description="No valid token was sent."),
            429: OpenApiResponse(ERROR_DETAIL, description="Throttled."),
        },
    )
    def revoke(self, request):
        result = ExpiringTokenAuthentication().authenticate(request)
        if result is None:
            raise TokenRefused("Send the token to revoke: Authorization: Token <key>.")
        token_revoke(
            user=result[0], reason=TOKEN_REVOKED_BY_OWNER, request=request._request, channel=API
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


def _encode_cursor(patient_id: int) -> str:
    return base64.urlsafe_b64encode(f"p:{patient_id}".encode()).decode()


def _decode_cursor(text: str | None) -> int | None:
    if not text:
        return None
    try:
        kind, _, value = base64.urlsafe_b64decode(text.encode()).decode().partition(":")
        if kind != "p" or not (value.isascii() and value.isdigit()) or int(value) > MAX_ID:
            raise ValueError(text)
        return int(value)
    except (ValueError, UnicodeError) as exc:  # UnicodeError: also a non-ASCII cursor
        raise ValidationError({"cursor": [gettext(CURSOR_INVALID)]}) from exc


def _page_size(request) -> int:
    """Subjects per page: the default when absent, at most the maximum; 400 if not a number."""
    raw = request.query_params.get("page_size")
    if not raw:
        return DEFAULT_SUBJECTS_PER_PAGE
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if size < 1:
        message = PAGE_SIZE_INVALID.format(max=MAX_SUBJECTS_PER_PAGE)
        raise ValidationError({"page_size": [message]})
    return min(size, MAX_SUBJECTS_PER_PAGE)


class ExportDomainViewSet(viewsets.ViewSet):
    """The SDTM-like domain datasets (DM, DS, SV, EX, AE, LB, VS, TU, TR, RS, DV)."""

    lookup_field = "code"
    lookup_value_regex = "[A-Za-z]{2}"
    content_negotiation_class = ContentNegotiation

    def _domain(self, code: str):
        found = domain(code)
        if found is None:
            raise NotFound(
                UNKNOWN_DOMAIN.format(code=code, codes=", ".join(d.code for d in DOMAINS))
            )
        return found

    def _context(self) -> dict:
        return {
            "request": self.request,
            "deidentified": ExportContext(user=self.request.user).deidentified,
        }

    @extend_schema(responses=s.DomainSerializer(many=True))
    def list(self, request):
        """Every domain with its variables (the data dictionary) and download links."""
        return Response(s.DomainSerializer(DOMAINS, many=True, context=self._context()).data)

    @extend_schema(parameters=PAGE_PARAMS, responses=s.DomainPageSerializer)
    def retrieve(self, request, code=None):
        """One page of the domain's rows as JSON objects, whole subjects per page (cursor)."""
        found = self._domain(code)
        params = s.params_from(request.query_params)
        size = _page_size(request)
        after = _decode_cursor(request.query_params.get("cursor"))
        ctx = ExportContext(
            user=request.user, as_of=params.as_of, updated_since=params.updated_since
        ).for_models(found.models)
        with reading_replica():  # the data: from the replica when configured
            window, next_after = selectors.subject_page(ctx, after=after, size=size)
        log = services.export_log_start(
            user=request.user,
            what=found.code,
            fmt=ExportFormat.PAGE,
            channel=Channel.API,
            params=params,
            extra_filters={"cursor": after, "page_size": size},
        )
        variables = found.variables_for(deidentified=ctx.deidentified)
        with reading_replica(), translation.override("en"):  # exchange data, in English
            rows = json_objects(variables, found.rows(ctx.with_window(window)))
        services.export_log_finish(log, rows=len(rows))
        next_url = None
        if next_after is not None:
            query = request.query_params.copy()
            query["cursor"] = _encode_cursor(next_after)
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        subjects = len({row["USUBJID"] for row in rows})
        return Response(
            {
                "domain": found.code,
                "as_of": params.as_of,
                "updated_since": params.updated_since,
                "next": next_url,
                "subjects": subjects,
                "results": rows,
            }
        )

    def _stream(self, request, code: str, fmt: str):
        found = self._domain(code)
        params = s.params_from(request.query_params)
        return responses.domain_response(
            user=request.user, domain=found, fmt=fmt, params=params, channel=Channel.API
        )

    @extend_schema(parameters=PARAMS, responses={(200, "text/csv"): FILE})
    @action(detail=True, renderer_classes=STREAM_RENDERERS)
    def csv(self, request, code=None):
        """The whole domain as CSV (streamed)."""
        return self._stream(request, code, "csv")

    @extend_schema(parameters=PARAMS, responses={(200, "application/x-ndjson"): FILE})
    @action(detail=True, renderer_classes=STREAM_RENDERERS)
    def jsonl(self, request, code=None):
        """The whole domain as JSON Lines (streamed)."""
        return self._stream(request, code, "jsonl")

    @extend_schema(parameters=PARAMS, responses={(200, "application/json"): ROWS})
    @action(detail=True, renderer_classes=STREAM_RENDERERS)
    def json(self, request, code=None):
        """The whole domain as one JSON array (streamed)."""
        return self._stream(request, code, "json")

    def _submission(self, request, code: str, fmt: str):
        found = self._domain(code)
        params = s.params_from(request.query_params)
        return responses.submission_dataset_response(
            user=request.user, domain=found, fmt=fmt, params=params, channel=Channel.API
        )

    @extend_schema(parameters=PARAMS, responses={(200, "application/json"): DATASET_JSON})
    @action(detail=True, renderer_classes=STREAM_RENDERERS)
    def dsjson(self, request, code=None):
        """The whole domain as CDISC Dataset-JSON 1.1 (streamed; itemOIDs of define.xml)."""
        return self._submission(request, code, ExportFormat.DSJSON)

    @extend_schema(parameters=PARAMS, responses={(200, "application/x-ndjson"): FILE})
    @action(detail=True, renderer_classes=STREAM_RENDERERS)
    def ndjson(self, request, code=None):
        """The whole domain as CDISC Dataset-JSON 1.1 NDJSON: metadata line, then rows."""
        return self._submission(request, code, ExportFormat.NDJSON)

    @extend_schema(parameters=PARAMS, responses={(200, "application/x-sas-xport"): FILE})
    @action(detail=True, renderer_classes=STREAM_RENDERERS)
    def xpt(self, request, code=None):
        """The whole domain as a SAS transport file (XPORT version 5)."""
        return self._submission(request, code, ExportFormat.XPT)

    @extend_schema(parameters=PARAMS, responses={(200, "application/xml"): FILE})
    @action(detail=False, renderer_classes=STREAM_RENDERERS)
    def define(self, request):
        """define.xml (CDISC Define-XML 2.1) of the datasets you receive (``as_of``)."""
        params = s.params_from(request.query_params)
        return responses.define_response(user=request.user, params=params, channel=Channel.API)

    @extend_schema(parameters=PARAMS, responses={(200, "text/html"): FILE})
    @action(detail=False, renderer_classes=STREAM_RENDERERS, url_path="define-html")
    def define_html(self, request):
        """define.xml rendered with CDISC's stylesheet (define2-1.xsl) as a web page."""
        params = s.params_from(request.query_params)
        return responses.define_response(
            user=request.user, params=params, channel=Channel.API, html=True
        )

    @extend_schema(responses={(200, "text/csv"): FILE})
    @action(detail=False, renderer_classes=STREAM_RENDERERS)
    def dictionary(self, request):
        """The data dictionary of every domain (variables you receive)."""
        return responses.dictionary_response(user=request.user, channel=Channel.API)

    @extend_schema(responses={(200, "text/csv"): FILE})
    @action(detail=False, renderer_classes=STREAM_RENDERERS)
    def codelists(self, request):
        return responses.dictionary_response(user=request.user, channel=Channel.API, codelists=True)


class OdmViewSet(viewsets.ViewSet):
    """The CDISC ODM 1.3.2 document (metadata, clinical data, audit records, signatures)."""

    renderer_classes = STREAM_RENDERERS
    content_negotiation_class = ContentNegotiation

    @extend_schema(parameters=PARAMS, responses={(200, "application/xml"): FILE})
    def list(self, request):
        params = s.params_from(request.query_params)
        return responses.odm_response(user=request.user, params=params, channel=Channel.API)


class ExportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The full package, built in the background: POST → 202 with the status URL."""

    serializer_class = s.ExportJobSerializer
    content_negotiation_class = ContentNegotiation
    # Requesting a package writes no trial data: every role that exports may.
    write_action = roles.EXPORT

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return ExportJob.objects.none()
        return selectors.export_jobs_for_user(self.request.user).select_related("requested_by")

    def get_object(self):
        return selectors.export_job_get_for_user(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(request=s.ExportJobCreateSerializer, responses={202: s.ExportJobSerializer})
    def create(self, request):
        body = s.ExportJobCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)  # also refuses a body that is not an object
        params = s.params_from({"as_of": body.validated_data.get("as_of", "")})
        job = services.export_job_request(user=request.user, params=params, channel=Channel.API)
        body = s.ExportJobSerializer(job, context={"request": request}).data
        location = reverse("exports-job-detail", args=[job.pk], request=request)
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": location})

    @extend_schema(responses={(200, "application/zip"): FILE, 409: OpenApiResponse()})
    @action(detail=True, renderer_classes=STREAM_RENDERERS)
    def download(self, request, pk=None):
        job = self.get_object()
        if not job.is_done:
            body = s.ExportJobSerializer(job, context={"request": request}).data
            return Response(body, status=status.HTTP_409_CONFLICT)
        return responses.job_file_response(job=job, user=request.user, channel=Channel.API)


class ExportLogViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Who exported what (data managers: every user; others: their own exports)."""

    serializer_class = s.ExportLogSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return ExportLog.objects.none()
        return selectors.export_logs_for_user(self.request.user)
