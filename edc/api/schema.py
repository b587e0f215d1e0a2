"""OpenAPI post-processing: document the error responses every client meets.

drf-spectacular documents the success response of each operation only. The API also answers,
always as JSON:

* 400 — invalid input: ``{field: [message, …]}`` (``non_field_errors`` for the whole request)
  or ``{"detail": message}`` for a body that cannot be parsed;
* 403 — not logged in (session authentication comes first, so never 401), a trial role that
  may not do this, or a bad token;
* 404 — a record that does not exist or belongs to another site (also a patient referenced in
  a body);
* 409 — a correction sent with a version that is no longer the current one (see
  ``edc.api.exceptions``).

Registered in ``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``; responses an operation already
documents (e.g. the export download's 409) are kept.
"""

WRITE_METHODS = {"post", "put", "patch", "delete"}

COMPONENTS = {
    "ErrorDetail": {
        "type": "object",
        "description": "An error with one message.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "ValidationErrors": {
        "type": "object",
        "description": "Messages per field (``non_field_errors``: the whole request), or "
        "``detail`` when the request could not be read at all. ``warnings``: unusual values "
        "to confirm (each with ``code``, ``field``, ``rule``, ``detail``, ``deviation``, "
        "``message``); send the codes you confirm in ``acknowledge_warnings``.",
        "additionalProperties": {},
    },
    "StaleVersionError": {
        "type": "object",
        "description": "The record changed since the version sent; what changed meanwhile.",
        "properties": {
            "version": {"type": "array", "items": {"type": "string"}},
            "current_version": {"type": "integer"},
            "changed_meanwhile": {
                "type": "array",
                "items": {"type": "object", "additionalProperties": {}},
            },
        },
        "required": ["version", "current_version", "changed_meanwhile"],
    },
}


def _response(description: str, component: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
    }


def _needs_auth(operation: dict, schema: dict) -> bool:
    security = operation.get("security", schema.get("security"))
    return bool(security) and all(requirement for requirement in security)


def document_error_responses(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, component in COMPONENTS.items():
        schemas.setdefault(name, component)
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            write = method in WRITE_METHODS
            responses = operation["responses"]
            errors = {}
            if operation.get("parameters") or "requestBody" in operation:
                errors["400"] = _response("Invalid input.", "ValidationErrors")
            if _needs_auth(operation, result):
                errors["403"] = _response(
                    "Not authenticated, or the role may not do this.", "ErrorDetail"
                )
            if "{" in path or write:
                errors["404"] = _response("Not found (or another site's record).", "ErrorDetail")
            if write:
                errors["409"] = _response("Stale version: reload and retry.", "StaleVersionError")
            for code, response in errors.items():
                responses.setdefault(code, response)
    return result


# RFC 3339 "partial-time": what DRF's TimeField reads and writes. JSON Schema's "time" format
# is RFC 3339 "full-time", which requires a UTC offset this API never sends nor asks for.
PARTIAL_TIME = {
    "format": "partial-time",
    "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
}


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def document_partial_times(result, generator, request, public):
    """Times of day are ``HH:MM[:SS[.ffffff]]`` without an offset (e.g. infusion start)."""
    for node in _walk(result):
        if node.get("format") == "time" and node.get("type") == "string":
            node.update(PARTIAL_TIME)
    return result
