"""What drf-spectacular cannot infer, added to every service's OpenAPI document (`/api/schema`).

- The error bodies (docs/architecture.md §4): `{detail, code}` or DRF field errors, for the statuses any
  operation can answer, so a client (and the fuzzer's response-schema check) knows their shape.
- OpenAPI links between operations (`openapi_extensions`), which the fuzzer's stateful phase follows
  (create a product, then read, change and delete it) and which tell a reader where an id goes.
- `/healthz` and `/readyz`, plain Django views that drf-spectacular does not see.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension

ERROR = {
    "type": "object",
    "description": "Every error but field errors: what is wrong, in words, and a stable code.",
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "required": ["detail", "code"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": "DRF field errors: each key names a field (nested for nested input), each value says what "
    "is wrong with it.",
    "minProperties": 1,
    "additionalProperties": {"anyOf": [{"type": "array"}, {"type": "object"}]},
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}
BAD_REQUEST = {
    "description": "Invalid input: field errors, or `{detail, code}` (malformed JSON, NUL or lone surrogates).",
    "content": {"application/json": {"schema": {"anyOf": [ERROR_REF, {"$ref": "#/components/schemas/FieldErrors"}]}}},
}
COMMON_ERRORS = {
    "401": "No valid access token (missing, expired, wrong signature).",
    "403": "Authenticated, but the role does not allow it (ADMIN endpoints).",
    "404": "No such resource (also another customer's).",
}
WRITE_ERRORS = {
    "409": "The request conflicts with the current state.",
    "415": "The body is not JSON.",
}
# Answered by the HTTP server (gunicorn's limit_request_line, 4094 bytes) before Django sees the request.
URI_TOO_LONG = {"description": "The path and query string are longer than the server accepts; no body is promised."}
WRITE_METHODS = ("post", "put", "patch", "delete")
LINKS_KEY = "x-retail-links"
ERRORS_KEY = "x-retail-errors"

HEALTH_PATHS = {
    "/healthz": {
        "get": {
            "operationId": "healthz",
            "summary": "Liveness: the process answers",
            "tags": ["health"],
            "security": [{}],
            "responses": {
                "200": {
                    "description": "Alive.",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "status": {"type": "string", "enum": ["ok"]},
                                    "service": {"type": "string"},
                                },
                                "required": ["status", "service"],
                            }
                        }
                    },
                }
            },
        }
    },
    "/readyz": {
        "get": {
            "operationId": "readyz",
            "summary": "Readiness: database, cache (and broker) reachable; 503 names what is down",
            "tags": ["health"],
            "security": [{}],
            "responses": {
                status: {
                    "description": description,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "status": {"type": "string", "enum": ["ok", "unavailable"]},
                                    "checks": {"type": "object", "additionalProperties": {"type": "string"}},
                                    "detail": {"type": "string"},
                                    "code": {"type": "string"},
                                },
                                "required": ["status", "checks"],
                            }
                        }
                    },
                }
                for status, description in (("200", "Ready."), ("503", "Not ready: `detail` names what is down."))
            },
        }
    },
}


def openapi_extensions(*, links: dict[int, dict[str, tuple]] | None = None, errors: dict[int, str] | None = None):
    """`extend_schema(extensions=...)` value: OpenAPI links of an operation's responses, and error statuses
    beyond the common ones (e.g. 429 of a rate-limited endpoint), answered with the `Error` body.

    `links` maps a status to {link name: ("METHOD /path", {parameter: runtime expression}[, request body])};
    the target is named by method and path because operation ids differ between services.
    """
    extensions = {}
    if links:
        extensions[LINKS_KEY] = {str(status): dict(targets) for status, targets in links.items()}
    if errors:
        extensions[ERRORS_KEY] = {str(status): description for status, description in errors.items()}
    return extensions


def _error_response(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}


def _operation_ids(paths: dict) -> dict[str, str]:
    return {f"{method.upper()} {path}": op["operationId"] for path, ops in paths.items() for method, op in ops.items()}


def _add_links(operation: dict, operation_ids: dict[str, str]) -> None:
    for status, targets in operation.pop(LINKS_KEY, {}).items():
        response = operation["responses"][status]
        for name, (target, parameters, *body) in targets.items():
            link = {"operationId": operation_ids[target], "parameters": parameters}
            if body:
                link["requestBody"] = body[0]
            response.setdefault("links", {})[name] = link


def _add_errors(method: str, operation: dict) -> None:
    responses = operation["responses"]
    responses.setdefault("400", BAD_REQUEST)
    responses.setdefault("414", URI_TOO_LONG)
    errors = {**COMMON_ERRORS, **(WRITE_ERRORS if method in WRITE_METHODS else {}), **operation.pop(ERRORS_KEY, {})}
    for status, description in errors.items():
        responses.setdefault(status, _error_response(description))


def document_errors_links_and_health(result, generator, request, public):
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS in retail_common.service_settings)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR
    schemas["FieldErrors"] = FIELD_ERRORS
    paths = result["paths"]
    operation_ids = _operation_ids(paths)
    for ops in paths.values():
        for method, operation in ops.items():
            _add_links(operation, operation_ids)
            _add_errors(method, operation)
    paths.update(HEALTH_PATHS)
    return result


class JWTAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "retail_common.auth.authentication.JWTAuthentication"
    name = "bearerAuth"
    match_subclasses = True

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT (RS256)"}
