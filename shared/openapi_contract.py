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

Generated clients name their methods after `operationId`s and document them with summaries: an
operation's id is its route function's name in camelCase (`submitDossier`), its summary the first
sentence of its docstring, shortened without its parentheses when long, unless the route gives one.
"""

import re
from dataclasses import dataclass
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


def operation_id(route: APIRoute) -> str:
    """`submit_dossier` → `submitDossier`: FastAPI's default (`submit_dossier_v1_dossiers_post`) names
    every generated method after its path too."""
    first, *rest = route.name.split("_")
    return first + "".join(word.capitalize() for word in rest)


_SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)[.!?](?=\s|$)")
_PARENTHESES = re.compile(r"\s*\([^()]*\)")
SUMMARY_LENGTH = 100


def summary(description: str) -> str:
    """The first sentence of `description`; when longer than SUMMARY_LENGTH, without its parenthetical
    remarks (the Vietnamese term, the event's name: the description keeps them), then, if still
    longer, up to its first colon."""
    paragraph = " ".join(description.split("\n\n")[0].split())
    end = _SENTENCE_END.search(paragraph)
    sentence = paragraph[: end.start()] if end else paragraph.rstrip(".")
    while len(sentence) > SUMMARY_LENGTH and _PARENTHESES.search(sentence):
        sentence = _PARENTHESES.sub("", sentence)
    if len(sentence) > SUMMARY_LENGTH:
        sentence = sentence.split(": ")[0]  # what it is, before the list of what it holds
    return sentence + "."


def document_the_contract(app: FastAPI) -> None:
    """Replace `app.openapi` with the document described in the module; built once, on first use."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            app.openapi_schema = contract(schema, _operations(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


@dataclass(frozen=True)
class Operation:
    """What the document says of an operation beyond FastAPI's: the roles it admits (None: no token
    needed) and its summary (None: FastAPI's)."""

    roles: set[str] | None
    summary: str | None


def _operations(app: FastAPI) -> dict[tuple[str, str], Operation]:
    operations: dict[tuple[str, str], Operation] = {}
    for context in iter_route_contexts(app.router.routes):
        route = context.route
        if isinstance(route, APIRoute) and route.include_in_schema and context.path_format is not None:
            said = route.summary or (summary(route.description) if route.description else None)
            for method in route.methods or ():
                operations[(context.path_format, method.lower())] = Operation(roles_of(route.dependant), said)
    return operations


def contract(schema: dict[str, Any], operations: dict[tuple[str, str], Operation]) -> dict[str, Any]:
    """`schema` (FastAPI's document) with the errors, security and summaries of the module's
    description."""
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
    # Clients take the service's address as their base URL: one server, relative to the document.
    schema.setdefault("servers", [{"url": "/", "description": "the service that serves this document"}])
    for component in schemas.values():
        _restore_nulls(component)
    for path, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            documented = operations.get((path, method), Operation(None, None))
            if documented.summary:
                operation["summary"] = documented.summary
            _secure(operation, documented.roles)
            _errors(operation, path, method, takes_token=BEARER in str(operation.get("security")))
    return schema


def _restore_nulls(component: dict[str, Any]) -> None:
    """FastAPI writes the document without any null value, the examples' included, so an example
    loses its required, nullable fields (`DossierOut`'s `returned_at`): put them back as null."""
    nullable = [
        name
        for name in component.get("required", ())
        if {"type": "null"} in component.get("properties", {}).get(name, {}).get("anyOf", ())
    ]
    for example in component.get("examples", ()):
        for name in nullable:
            example.setdefault(name, None)


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
