"""The published OpenAPI schema: generated without a warning, valid, errors documented."""

import json

from django.core.management import call_command


def test_the_schema_generates_without_warnings_and_validates(tmp_path):
    # Fails on any drf-spectacular warning (e.g. W001 enum name collisions) or invalid schema.
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert "/api/v1/patients/" in out.read_text()


def test_every_operation_documents_its_error_responses(tmp_path):
    out = tmp_path / "schema.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(out))
    schema = json.loads(out.read_text())
    patient = schema["paths"]["/api/v1/patients/{id}/"]
    assert {"400", "403", "404"} <= set(patient["get"]["responses"])
    assert {"400", "403", "404", "409"} <= set(patient["patch"]["responses"])
    token = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]
    assert "403" not in token  # no authentication needed to ask for a token
