"""`create_service_app`: the FastAPI app every service is, with its storage, messaging and probes."""

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from shared.auth import TokenVerifier
from shared.clock import Clock, SystemClock
from shared.db.engine import make_engine, make_sessions
from shared.db.migrate import upgrade
from shared.docs_pages import add_docs_pages
from shared.errors import PROBLEM_BASE, PROBLEM_JSON, install_problem_handlers
from shared.head_checks import HeadCheck, HeadChecks
from shared.limits import RequestLimits
from shared.messaging import dead_letters_api
from shared.messaging.connection import NatsLink
from shared.messaging.consumer import Consumer, Subscription
from shared.messaging.dead_letters import DeadLetters
from shared.messaging.outbox import Outbox
from shared.messaging.relay import Relay
from shared.messaging.streams import ensure_streams
from shared.messaging.tables import MessagingTables
from shared.observability import metrics
from shared.observability.http import RequestObservability
from shared.observability.logging import configure_logging
from shared.openapi_contract import document_the_contract, operation_id
from shared.rule_sets import rule_sets
from shared.settings import ServiceSettings
from shared.tasks import cancel_and_wait

log = logging.getLogger("motcua.app")

READY_CHECK_TIMEOUT = 2.0


@dataclass(frozen=True)
class ServiceSpec:
    """What makes a service itself; everything else is the same for all five."""

    name: str
    title: str
    description: str
    tables: MessagingTables
    routers: Sequence[APIRouter] = ()
    subscriptions: Sequence[Subscription] = field(default_factory=tuple)
    # Runs once at start-up after migrations, e.g. to load a default catalogue into an empty schema.
    on_start: Callable[["Runtime"], Awaitable[None]] | None = None
    # Long-running loops (a watcher): started with the messaging, cancelled at shutdown. Each runs
    # until cancelled and rides out its own failures; it needs no NATS (events go through the outbox).
    background: Sequence[Callable[["Runtime"], Coroutine[Any, Any, None]]] = ()
    # Route paths that read their bodies as streams under limits of their own, not `max_body_bytes`.
    own_body_limits: Sequence[str] = ()
    # Checks on a request's head, run before its body is read: a route's rate limits (`head_checks`).
    head_checks: Mapping[tuple[str, str], HeadCheck] = field(default_factory=dict)


class Runtime:
    """The long-lived parts of a running service, started and stopped by the app's lifespan."""

    def __init__(self, spec: ServiceSpec, settings: ServiceSettings, clock: Clock) -> None:
        self.spec = spec
        self.settings = settings
        self.clock = clock
        self.engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
        self.sessions = make_sessions(self.engine)
        self.link = NatsLink(settings.nats_url, name=f"motcua-{spec.name}")
        self.outbox = Outbox(spec.tables.outbox, spec.name, clock)
        self.streams_ready = False
        self.relay = Relay(
            service=spec.name,
            database_url=settings.database_url,
            sessions=self.sessions,
            tables=spec.tables,
            link=self.link,
            clock=clock,
            batch_size=settings.outbox_batch_size,
            poll_seconds=settings.outbox_poll_seconds,
            retention=timedelta(days=settings.outbox_retention_days),
        )
        self.consumers = [
            Consumer(
                service=spec.name,
                subscription=sub,
                sessions=self.sessions,
                tables=spec.tables,
                link=self.link,
                max_deliver=settings.consumer_max_deliver,
                batch_size=settings.consumer_batch_size,
            )
            for sub in spec.subscriptions
        ]
        self._database_error: str | None = None
        self.dead_letters = DeadLetters(spec.tables.dead_letter, self.consumers, self.sessions)
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        if self.settings.migrate_on_start or self.spec.on_start is not None:
            await self._wait_for_database()
        if self.settings.migrate_on_start:
            await asyncio.to_thread(upgrade, self.spec.name, self.settings.database_url)
        if self.spec.on_start is not None:
            await self.spec.on_start(self)
        self._tasks = [asyncio.create_task(self._messaging(), name=f"{self.spec.name}-messaging")]
        for number, job in enumerate(self.spec.background):
            self._tasks.append(asyncio.create_task(job(self), name=f"{self.spec.name}-background-{number}"))

    async def _wait_for_database(self) -> None:
        """Start-up work that needs the database waits for it (bounded) instead of exiting, which
        would count against the supervisor's restarts. A service with none starts at once and
        answers 503 until the database is back, as it does during an outage."""
        deadline = asyncio.get_running_loop().time() + self.settings.startup_database_wait_seconds
        attempt = 0
        while not await self._database_answers():
            attempt += 1
            if asyncio.get_running_loop().time() >= deadline:
                raise RuntimeError(
                    f"the database did not answer within {self.settings.startup_database_wait_seconds:.0f} s "
                    "of start-up (MOTCUA_STARTUP_DATABASE_WAIT_SECONDS)"
                )
            reason = self._database_error
            log.warning("waiting for the database", extra={"attempt": attempt, "reason": reason})
            await asyncio.sleep(min(2.0, 0.1 * 2**attempt))

    async def _messaging(self) -> None:
        await self.link.connect_forever()
        await self._ensure_streams()
        self._tasks.append(asyncio.create_task(self.relay.run(), name=f"{self.spec.name}-relay"))
        for consumer in self.consumers:
            self._tasks.append(asyncio.create_task(consumer.run(), name=consumer.durable))

    async def _ensure_streams(self) -> None:
        attempt = 0
        while not self.streams_ready:
            try:
                await ensure_streams(self.link.jetstream, replicas=self.settings.stream_replicas)
                self.streams_ready = True
            except Exception as exc:
                attempt += 1
                log.warning("streams not ready", extra={"error": repr(exc), "attempt": attempt})
                await asyncio.sleep(min(5.0, 0.2 * attempt))

    async def stop(self) -> None:
        await cancel_and_wait(self._tasks)
        await self.link.close()
        await self.engine.dispose()

    async def readiness(self) -> dict[str, bool]:
        return {"database": await self._database_answers(), "nats": self.link.ready and self.streams_ready}

    async def _database_answers(self) -> bool:
        try:
            async with asyncio.timeout(READY_CHECK_TIMEOUT), self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:
            self._database_error = repr(exc)
            return False
        self._database_error = None
        return True


def _probe_router(runtime_of: Any) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness: the process answers.")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/readyz",
        summary="Readiness: the database and NATS both answer.",
        responses={503: {"description": "A dependency is down; the body names which."}},
    )
    async def readyz() -> Response:
        checks = await runtime_of().readiness()
        if all(checks.values()):
            return JSONResponse({"status": "ready", "checks": checks})
        down = ", ".join(name for name, ok in checks.items() if not ok)
        return JSONResponse(
            {
                "type": PROBLEM_BASE + "not_ready",
                "title": "Not ready",
                "status": 503,
                "detail": f"Waiting for: {down}.",
                "code": "not_ready",
                "checks": checks,
            },
            status_code=503,
            media_type=PROBLEM_JSON,
        )

    @router.get("/metrics", summary="Prometheus metrics.", response_class=Response)
    async def prometheus_metrics() -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    return router


def create_service_app(
    spec: ServiceSpec, settings: ServiceSettings | None = None, clock: Clock | None = None
) -> FastAPI:
    settings = settings or ServiceSettings()
    clock = clock or SystemClock()
    configure_logging(spec.name, settings.log_level)
    # A deployment's rule-set file (MOTCUA_RULE_SETS_FILE) that does not read fails the start, not the
    # first dossier of another era.
    rule_sets()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime(spec, settings, clock)
        app.state.runtime = runtime
        app.state.sessions = runtime.sessions
        await runtime.start()
        # What was built to start (modules, compiled statements, the app) is never scanned again by
        # the cyclic collector: a full collection of those 208,000 objects stalled the worker about
        # 105 ms. No collection first: in a process that starts many apps (the tests) each took
        # longer than the app's start. Unfrozen at the stop, so an app stopped in-process is
        # collected as before.
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            await runtime.stop()

    app = FastAPI(
        title=spec.title,
        description=spec.description,
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=operation_id,
        # The services export Prometheus metrics and JSON logs; FastAPI's own OpenTelemetry would
        # look for a configured provider on every request (tens of microseconds, issue #17).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    add_docs_pages(app)
    app.state.spec = spec  # what the app is made of: its documents are checked against it
    app.state.settings = settings
    app.state.clock = clock
    app.state.outbox = Outbox(spec.tables.outbox, spec.name, clock)
    app.state.token_verifier = TokenVerifier(settings)
    app.add_middleware(HeadChecks, checks=spec.head_checks)
    install_problem_handlers(app)  # after the head checks: its catch-all wraps them too
    app.add_middleware(
        RequestLimits,
        max_body_bytes=settings.max_body_bytes,
        max_header_bytes=settings.max_header_bytes,
        own_body_limits=spec.own_body_limits,
    )
    # Added last, so outermost: refusals by the limits are logged and counted too.
    app.add_middleware(RequestObservability, service=spec.name)
    # The service's own routes first: a request is matched against the routes in order, and each
    # router passed over costs the hot routes microseconds (FastAPI's matching, issue #17).
    for router in spec.routers:
        app.include_router(router)
    app.include_router(_probe_router(lambda: app.state.runtime))
    app.include_router(dead_letters_api.router)
    document_the_contract(app)
    return app
