"""HTTP as a real portal or counter client speaks it: a request is sent again, unchanged (the same
`Idempotency-Key`), after a timeout, a connection error or a 5xx, until it gets an answer that is not
a server error. Every attempt is counted, so the run can say how much retrying the faults cost."""

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from shared.auth import Role, issue_token


class GaveUp(Exception):
    """A request still unanswered (or answered 5xx) after the plan's `give_up_after` seconds."""


@dataclass
class Traffic:
    requests: int = 0  # logical requests (each counted once, however many attempts)
    attempts: int = 0
    retried: int = 0  # requests that needed at least one more attempt
    retry_reasons: Counter[str] = field(default_factory=Counter)  # "timeout", "connect", "503"…
    # A 4xx that is the expected answer of a retried action whose first attempt committed (the
    # answer was lost): e.g. `accept` again → 409 step_already_accepted. By (operation, code).
    settled_by_retry: Counter[str] = field(default_factory=Counter)
    # A 4xx the caller expects on any attempt (intake not yet told of a supplement request, an
    # agency the default catalogue already has).
    expected: Counter[str] = field(default_factory=Counter)
    # Any other 4xx: on a first attempt, or after a retry that the action's commit would not explain.
    refused: Counter[str] = field(default_factory=Counter)
    gave_up: list[str] = field(default_factory=list)
    answered: list[float] = field(default_factory=list)  # when each 2xx came (monotonic), for pauses


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    retried: bool

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def code(self) -> str:
        """The problem's stable `code` (errors are application/problem+json)."""
        return str(self.body.get("code", "")) if isinstance(self.body, dict) else ""


class Api:
    def __init__(self, bases: dict[str, str], jwt_secret: str, *, give_up_after: float, seed: int) -> None:
        self.bases = bases
        self.traffic = Traffic()
        self._secret = jwt_secret
        self._give_up_after = give_up_after
        self._jitter = random.Random(seed)
        self._tokens: dict[tuple[str, str, str | None], str] = {}
        # Short enough that a request stuck on a dead process is retried soon.
        self.http = httpx.AsyncClient(
            timeout=httpx.Timeout(10.0, connect=2.0), limits=httpx.Limits(max_connections=64)
        )

    def token(self, role: Role, sub: str, agency: str | None = None) -> str:
        key = (role, sub, agency)
        if key not in self._tokens:
            self._tokens[key] = issue_token(
                self._secret, sub=sub, role=role, agency=agency, ttl_seconds=86400
            )
        return self._tokens[key]

    async def call(
        self,
        op: str,
        method: str,
        service: str,
        path: str,
        *,
        token: str,
        settles: tuple[str, ...] = (),
        expected: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> Answer:
        """Send until answered below 500. `settles`: the problem codes a retried attempt may answer
        because the first one committed; `expected`: codes that may answer any attempt; any other
        4xx is counted as refused."""
        self.traffic.requests += 1
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        deadline = time.monotonic() + self._give_up_after
        attempt = 0
        while True:
            attempt += 1
            self.traffic.attempts += 1
            reason, wait = await self._attempt(method, f"{self.bases[service]}{path}", headers, kwargs)
            if isinstance(reason, Answer):
                answer = Answer(reason.status, reason.body, attempt > 1)
                if answer.ok:
                    self.traffic.answered.append(time.monotonic())
                else:
                    if answer.retried and answer.code in settles:
                        self.traffic.settled_by_retry[f"{op} {answer.status} {answer.code}"] += 1
                    elif answer.code in expected:
                        self.traffic.expected[f"{op} {answer.status} {answer.code}"] += 1
                    else:
                        self.traffic.refused[f"{op} {answer.status} {answer.code}"] += 1
                return answer
            if attempt == 2:
                self.traffic.retried += 1
            self.traffic.retry_reasons[reason] += 1
            if time.monotonic() > deadline:
                self.traffic.gave_up.append(f"{op} {method} {service}{path}: {reason}")
                raise GaveUp(f"{op}: {reason} for {self._give_up_after:.0f} s")
            backoff = min(2.0, 0.1 * 2 ** min(attempt, 5)) if wait is None else min(wait, 2.0)
            await asyncio.sleep(backoff * (0.5 + self._jitter.random()))

    async def _attempt(
        self, method: str, url: str, headers: dict[str, str], kwargs: dict[str, Any]
    ) -> tuple[Answer | str, float | None]:
        try:
            response = await self.http.request(method, url, headers=headers, **kwargs)
        except httpx.TimeoutException:
            return "timeout", None
        except httpx.TransportError as exc:
            return f"transport:{type(exc).__name__}", None
        if response.status_code >= 500:
            retry_after = response.headers.get("Retry-After", "")
            return str(response.status_code), float(retry_after) if retry_after.isdigit() else None
        try:
            body = response.json()
        except ValueError:
            body = None
        return Answer(response.status_code, body, False), None

    async def close(self) -> None:
        await self.http.aclose()
