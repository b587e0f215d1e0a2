"""Schema-driven fuzzing of the whole REST API (schemathesis 4, in-process through WSGI).

Every operation of the OpenAPI schema that drf-spectacular generates is called with requests
generated from that schema — valid ones and schema-violating ones (wrong types, missing
fields, out-of-range numbers, NUL bytes, odd unicode) — by a site investigator (API token,
may write) and, for reads, by a statistician (session cookie, de-identified). Path ids are
often replaced by ids of real rows, so detail routes and their writes reach the services.

What every response must satisfy (``call_and_validate``):

* no 5xx and no unhandled exception (``DEBUG_PROPAGATE_EXCEPTIONS`` turns a server error into
  the real traceback, with a curl command to replay the request);
* the status code is documented for the operation, the content type is the documented one
  and the body validates against the documented schema (errors included: see
  ``edc.api.schema.document_error_responses``);
* a request that violates the schema is refused with a 4xx (``negative_data_rejection``).

Not checked: ``positive_data_acceptance`` — a schema-valid body is routinely and rightly
refused by the clinical rules (a dose on a date before consent, an unknown patient id…),
which the schema cannot express. The pure stateful checks need the stateful runner.
"""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, assume, settings
from hypothesis import strategies as st
from schemathesis.core import NOT_SET
from schemathesis.specs.openapi.checks import positive_data_acceptance

from edc.wsgi import application

MAX_EXAMPLES = 15


def spectacular_schema() -> dict:
    """The schema served at /api/schema/, generated in-process (plain JSON types)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema, renderer_context={}))


CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {
            # Credentials are ours (a token, a session); random ones would only be refused.
            "with-security-parameters": False,
            "database": "none",
        },
        "phases": {"stateful": {"enabled": False}},
    }
)
SCHEMA = schemathesis.openapi.from_dict(spectacular_schema(), config=CONFIG)
SCHEMA.app = application  # every request (the checks' probes too) goes through WSGI in-process
EXCLUDED_CHECKS = [positive_data_acceptance]
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)


@pytest.fixture
def in_process(settings, world):
    """Requests through the WSGI app inside the test's transaction, exceptions propagated.

    Django's test client does the same: a request must not close the test's connection
    (``close_old_connections`` would, as the connection is inside a transaction).
    """
    settings.DEBUG_PROPAGATE_EXCEPTIONS = True
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield world
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


FORM_MEDIA_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def prepare(case, data, world) -> None:
    """Often point the path at a real row (and a body's ``patient`` at a real patient).

    A form body that is not an object (e.g. the bare text ``False``) cannot be sent as form
    fields: the server receives an empty form, a request the schema allows. Such cases say
    nothing about the API and are skipped. An empty query parameter is dropped: the API reads
    ``?x=`` as no ``x`` (django-filter's rule, kept by every hand-read parameter).
    """
    form = (case.media_type or "").startswith(FORM_MEDIA_TYPES)
    assume(not form or isinstance(case.body, dict) or case.body is NOT_SET)
    for name in [name for name, value in (case.query or {}).items() if value in ("", [], {})]:
        del case.query[name]  # "?x=" means no x, everywhere in this API (django-filter's rule)
    known = [prefix for prefix in world.ids if case.path.startswith(prefix + "/{")]
    for name in case.path_parameters or {}:
        if known and data.draw(st.booleans(), label=f"real {name}"):
            prefix = max(known, key=len)
            case.path_parameters[name] = data.draw(st.sampled_from(world.ids[prefix]))
    has_patient = isinstance(case.body, dict) and "patient" in case.body
    if has_patient and data.draw(st.booleans(), label="real patient"):
        case.body["patient"] = data.draw(st.sampled_from(world.ids["/api/v1/patients"]))
    case.meta  # noqa: B018 — revalidates the case (positive or negative) after the edits


@SCHEMA.parametrize()
@SCHEMA.given(data=st.data())
@FUZZ_SETTINGS
def test_investigator_requests(case, data, in_process):
    """Site staff (API token): every operation, reads and writes."""
    prepare(case, data, in_process)
    case.call_and_validate(
        headers={"Authorization": f"Token {in_process.token}"}, excluded_checks=EXCLUDED_CHECKS
    )


@SCHEMA.include(method="GET").parametrize()
@SCHEMA.given(data=st.data())
@FUZZ_SETTINGS
def test_statistician_reads(case, data, in_process):
    """A statistician (session cookie): every read, de-identified."""
    prepare(case, data, in_process)
    case.call_and_validate(
        headers={"Cookie": f"sessionid={in_process.session}"}, excluded_checks=EXCLUDED_CHECKS
    )
