"""Checks a route makes on a request's head (address, headers, token) before its body is read.

FastAPI reads and parses a route's body before it runs any dependency, so a rate limit written as a
dependency spends the parsing on exactly the requests it is there to refuse. A service names its
routes' head checks (`ServiceSpec.head_checks`, keyed by method and path template); a check refuses
by raising `Problem`, or leaves what it found for the route in `request.state`. The body is read only
after every check has passed.
"""

from collections.abc import Awaitable, Callable, Mapping

from starlette.requests import Request
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.errors import Problem, problem_response

HeadCheck = Callable[[Request], Awaitable[None]]


class HeadChecks:
    def __init__(self, app: ASGIApp, *, checks: Mapping[tuple[str, str], HeadCheck]) -> None:
        self.app = app
        self._checks = [(method, compile_path(path)[0], check) for (method, path), check in checks.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        check = self._check_for(scope) if scope["type"] == "http" else None
        if check is not None:
            try:
                await check(Request(scope))
            except Problem as refusal:
                await problem_response(refusal, scope["path"])(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _check_for(self, scope: Scope) -> HeadCheck | None:
        return next(
            (
                check
                for method, pattern, check in self._checks
                if method == scope["method"] and pattern.match(scope["path"])
            ),
            None,
        )
