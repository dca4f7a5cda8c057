"""The OpenAPI document as the services behave, for clients generated from it.

FastAPI documents a `{detail: [...]}` 422 that no service sends and none of the problem+json errors
they do send. Here every operation gets, where it can happen, each error the platform gives, with
the one `Problem` schema (RFC 9457 plus the stable `code`):

- 401 and 403 where a token is taken, 404 where the path names something, 409 where anything is
  written (a concurrent request may store the same first), 413 where a body is read, 422 where anything
  is parsed, 503 wherever storage is touched (the database briefly unavailable);
- the statuses a route declares itself (409, 410, 429, ...) keep their descriptions and get the schema.

The bearer scheme is a JWT, and each operation's security requirement lists the roles it admits (OAS
3.1 allows role names there); operations open to anyone say `security: []`.
"""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from shared.auth import ROLES
from shared.errors import PROBLEM_JSON
from shared.route_roles import roles_of

BEARER = "HTTPBearer"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": (
        "RFC 9457 problem details. `code` is stable and meant for programs; `detail` says what to do, "
        "for a person. Validation errors list each field in `errors`."
    ),
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string", "format": "uri", "description": "https://motcua.vn/problems/{code}"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "code": {"type": "string", "pattern": "^[a-z_]+$", "examples": ["validation_error"]},
        "instance": {"type": "string", "description": "the request's path"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["loc", "msg", "type"],
                "properties": {
                    "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}
# What each platform error means, where the route says nothing more specific.
PLATFORM_ERRORS = {
    "401": "No bearer token, or one refused (`unauthenticated`, `invalid_token`); nothing changed.",
    "403": "The token's role may not do this (`forbidden_role`), or the dossier or item is another "
    "agency's (`not_your_agency`); nothing changed.",
    "404": "Nothing by that key (`..._not_found`, `not_found`).",
    "409": "Another request changed or stored the same thing first (`conflict`); nothing changed. Read the "
    "current state, then decide whether to retry.",
    "413": "The body is larger than this endpoint reads (`payload_too_large`); nothing changed.",
    "422": "The request is not valid (`validation_error`, with `errors`), or breaks a rule (its own `code`); "
    "nothing changed.",
    "503": "The database is briefly unavailable (`unavailable`, with `Retry-After`); nothing changed.",
}
# Probes and metrics answer without the database (readiness says 503 itself).
NO_STORAGE = {"/healthz", "/metrics"}


def document_the_contract(app: FastAPI) -> None:
    """Replace `app.openapi` with the document described in the module; built once, on first use."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            app.openapi_schema = contract(schema, _roles_by_operation(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _roles_by_operation(app: FastAPI) -> dict[tuple[str, str], set[str] | None]:
    roles: dict[tuple[str, str], set[str] | None] = {}
    for context in iter_route_contexts(app.router.routes):
        route = context.route
        if isinstance(route, APIRoute) and route.include_in_schema and context.path_format is not None:
            for method in route.methods or ():
                roles[(context.path_format, method.lower())] = roles_of(route.dependant)
    return roles


def contract(schema: dict[str, Any], roles: dict[tuple[str, str], set[str] | None]) -> dict[str, Any]:
    """`schema` (FastAPI's document) with the errors and security of the module's description."""
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = PROBLEM_SCHEMA
    components.setdefault("securitySchemes", {})[BEARER] = {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A token of the province's identity provider; its `role` claim says what it may do.",
    }
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            admitted = roles.get((path, method))
            _secure(operation, admitted)
            _errors(operation, path, method, takes_token=BEARER in str(operation.get("security")))
    return schema


def _secure(operation: dict[str, Any], admitted: set[str] | None) -> None:
    if admitted is not None:
        operation["security"] = [{BEARER: [role for role in ROLES if role in admitted]}]
    elif "security" in operation:  # a token is optional (a kiosk has none, the portal sends one)
        operation["security"] = [{}, {BEARER: []}]
    else:
        operation["security"] = []


def _errors(operation: dict[str, Any], path: str, method: str, *, takes_token: bool) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    reads = "requestBody" in operation
    applies = {
        "401": takes_token,
        "403": takes_token,
        "404": "{" in path,
        "409": method != "get",
        "413": reads,
        "422": reads or bool(operation.get("parameters")),
        "503": path not in NO_STORAGE,
    }
    for status, applied in applies.items():
        declared = responses.get(status)
        # FastAPI's own 422 describes a body the services never send: ours replaces it.
        if applied and (declared is None or (status == "422" and "content" in declared)):
            responses[status] = {"description": PLATFORM_ERRORS[status]}
    for status, response in responses.items():
        if status[0] in "45":
            response["content"] = {PROBLEM_JSON: {"schema": PROBLEM_REF}}
