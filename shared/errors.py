"""RFC 9457 problem details for every error a service returns, with a stable machine `code`."""

import logging
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy.exc import DBAPIError, EmulatedDBAPIException
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.db.transient import UNIQUE_VIOLATION, is_transient, sqlstate

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://motcua.vn/problems/"

log = logging.getLogger("motcua.errors")

_CODES_BY_STATUS = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "unavailable",
}


class Problem(Exception):
    """Raise from a route or a service function to answer with problem+json; nothing is committed."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        title: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.title = title or code.replace("_", " ").capitalize()
        self.extra = extra or {}
        self.headers = headers


_INTERNAL_ERROR = Problem(500, "internal_error", "Something went wrong on our side; nothing was changed.")


def problem_response(problem: Problem, instance: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + problem.code,
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        "code": problem.code,
        **problem.extra,
    }
    if instance:
        body["instance"] = instance
    return JSONResponse(body, status_code=problem.status, media_type=PROBLEM_JSON, headers=problem.headers)


def _allowed_methods(request: Request) -> str:
    """Every method some route takes at this path: Starlette's 405 names only the first route's,
    where a path's GET and POST are two routes."""
    methods: set[str] = set()
    for context in iter_route_contexts(request.app.router.routes):
        route = context.route
        if (
            isinstance(route, APIRoute)
            and context.path
            and compile_path(context.path)[0].match(request.url.path)
        ):
            methods |= route.methods or set()
    return ", ".join(sorted(methods))


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    # Echoing the rejected input back could leak personal data into logs and proxies: name the place only.
    return [
        {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")}
        for err in exc.errors()
    ]


def install_problem_handlers(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return problem_response(exc, request.url.path)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = _CODES_BY_STATUS.get(exc.status_code, "http_error")
        detail = exc.detail if isinstance(exc.detail, str) else code
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"There is no resource at {request.url.path}; see /docs for the API."
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            allowed = _allowed_methods(request)
            detail = f"{request.method} is not allowed on {request.url.path}; it takes {allowed}."
            headers = {**(headers or {}), "Allow": allowed}
        return problem_response(Problem(exc.status_code, code, detail, headers=headers), request.url.path)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = _validation_errors(exc)
        where = ", ".join(".".join(str(p) for p in e["loc"]) + f": {e['msg']}" for e in errors[:5])
        return problem_response(
            Problem(422, "validation_error", f"The request is not valid: {where}", extra={"errors": errors}),
            request.url.path,
        )

    async def on_dependency_error(request: Request, exc: Exception) -> JSONResponse:
        # Registered for the database's and the network's exception types so that Starlette's
        # exception middleware answers (the catch-all 500 handler would re-raise after answering).
        if sqlstate(exc) == UNIQUE_VIOLATION:
            # A use case checks what it knows of; a concurrent request can still get there first.
            log.warning("unique violation", extra={"path": request.url.path, "error": type(exc).__name__})
            return problem_response(
                Problem(
                    409,
                    "conflict",
                    "Another request stored the same thing first; nothing was changed. "
                    "Read the current state, then decide whether to retry.",
                ),
                request.url.path,
            )
        if is_transient(exc):
            log.warning(
                "dependency unavailable", extra={"path": request.url.path, "error": type(exc).__name__}
            )
            return problem_response(
                Problem(
                    503,
                    "unavailable",
                    "The database is briefly unavailable; nothing was changed. Retry in a few seconds.",
                    headers={"Retry-After": "5"},
                ),
                request.url.path,
            )
        return await on_unexpected(request, exc)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return problem_response(_INTERNAL_ERROR, request.url.path)

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
    # asyncpg's own errors reach here from code that uses the driver directly (reporting's reads);
    # SQLAlchemy's adapter raises its emulated DBAPI errors, not DBAPIError, where it is called
    # directly (`shared.db.raw.driver` begins a transaction through it).
    dependency_errors = (
        DBAPIError,
        EmulatedDBAPIException,
        PoolTimeout,
        asyncpg.PostgresError,
        asyncpg.InterfaceError,
        OSError,
        TimeoutError,
    )
    for dependency_error in dependency_errors:
        app.add_exception_handler(dependency_error, on_dependency_error)
    # Errors of the middlewares outside `AnswerUnexpected` (the handler answers, then re-raises).
    app.add_exception_handler(Exception, on_unexpected)
    app.add_middleware(AnswerUnexpected)


class AnswerUnexpected:
    """The 500 for an error no handler knows, answered without re-raising it.

    Starlette's catch-all handler answers and then re-raises, and uvicorn closes the connection of a
    request that raised: every such 500 broke the caller's pooled keep-alive connection. Added by
    `install_problem_handlers` before any other middleware, so innermost of them: only what the
    route's own handlers left reaches it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception:
            if started:  # half an answer is out: only closing the connection tells the client
                raise
            log.exception("unhandled error", extra={"path": scope["path"]})
            await problem_response(_INTERNAL_ERROR, scope["path"])(scope, receive, send)
