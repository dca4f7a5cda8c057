"""How much of a request a service reads: a head past `max_header_bytes` is 431, a body past
`max_body_bytes` is 413, both problem+json, decided before anything parses them.

An 8 MiB bearer token was decoded, and a 24 MiB JSON body to an anonymous endpoint read and parsed,
before any check ran. The body limit is enforced on the stream itself, so a request without
`Content-Length` (chunked) is cut off at the limit too. Routes that stream their bodies under limits
of their own (uploads, the NDJSON import) are named by the service and left to those.
"""

import re
from collections.abc import Sequence

from fastapi import HTTPException
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import Problem, problem_response


class RequestLimits:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_header_bytes: int,
        own_body_limits: Sequence[str] = (),
    ) -> None:
        self.app = app
        self._max_body = max_body_bytes
        self._max_head = max_header_bytes
        self._own: list[re.Pattern[str]] = [compile_path(path)[0] for path in own_body_limits]
        self._too_large = (
            f"The request body is larger than {max_body_bytes} bytes, the most this endpoint reads; "
            "nothing was changed."
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope.get("headers") or []
        if sum(len(name) + len(value) for name, value in headers) > self._max_head:
            refusal = Problem(
                431,
                "headers_too_large",
                f"The request's headers are longer than {self._max_head} bytes; send a shorter token "
                "or fewer cookies.",
            )
            await problem_response(refusal, scope["path"])(scope, receive, send)
            return
        if any(pattern.match(scope["path"]) for pattern in self._own):
            await self.app(scope, receive, send)
            return
        declared = next((value for name, value in headers if name == b"content-length"), None)
        if declared is not None and (not declared.isdigit() or int(declared) > self._max_body):
            refusal = Problem(413, "payload_too_large", self._too_large)
            await problem_response(refusal, scope["path"])(scope, receive, send)
            return
        await self.app(scope, self._counting(receive), send)

    def _counting(self, receive: Receive) -> Receive:
        """`receive`, refusing the request once more body arrives than the limit allows."""
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self._max_body:
                    # FastAPI turns any other error while it reads a body into a 400; its own
                    # HTTPException passes through to the problem handlers.
                    raise HTTPException(413, self._too_large)
            return message

        return counted
