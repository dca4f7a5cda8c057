"""Rebuild every read model from the start of its streams while the service keeps answering.

    python -m services.reporting.rebuild          # MOTCUA_DATABASE_URL, MOTCUA_NATS_URL as for the service
    POST /v1/rebuild (admin) -> 202; GET /v1/rebuild -> the run's progress

1. Fresh, empty copies of every read model's tables are made in schema `reporting_rebuild` (from the
   same table definitions, so names and indexes are the live ones').
2. Each stream is read from its first message by an ephemeral consumer (no acks, in stream order),
   in batches; each batch is one transaction. A read model with a `Rebuilder` applies a whole batch at
   once (the processing read model's folds it: one read and one write of facts per batch, its per-day
   counters in memory, spilling to an unlogged table); other models' handlers run event by event
   against the copies (the session maps schema `reporting` to `reporting_rebuild`). The live consumers
   keep filling the live tables.
3. Caught up, each `Rebuilder` settles (the processing read model writes its tree once, in SQL, from
   the per-day counters).
4. The rebuild takes the read models' lock exclusively (live handlers hold it shared, so they finish
   their event and wait), reads the few events published since, and swaps: each live table is
   dropped and its copy moved into schema `reporting`, in one transaction. The consumers go on from
   where they were, on the new tables.

No inbox is written for the rebuild's events. Each stream is read once, in sequence order, into empty
tables, so the stream sequence alone says what has been applied (sequence-level dedup): an inbox
row per event would double what a rebuild writes and guard against nothing. The events the live
consumers had not yet acknowledged at the swap may be applied again to the new tables; every
handler is idempotent by state (readmodels.py), so that changes nothing.
"""

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.reporting.models import metadata
from services.reporting.readmodels import (
    LIVE_SCHEMA,
    REBUILD_LOCK,
    REBUILD_SCHEMA,
    ReadModel,
    Rebuilder,
    all_tables,
    merged_handlers,
)
from services.reporting.rebuild.fetcher import Fetcher
from services.reporting.rebuild.repository import (
    record_progress,
    record_start,
    release,
    take_run_lock,
)
from shared.clock import Clock
from shared.db.engine import Sessions, make_sessions, unit_of_work
from shared.messaging.connection import NatsLink
from shared.messaging.consumer import PoisonEvent
from shared.messaging.envelope import CloudEvent

log = logging.getLogger("motcua.reporting.rebuild")


class RebuildBusy(Exception):
    """Another rebuild holds the run lock."""


@dataclass
class Progress:
    stream: str
    target: int = 0  # the stream's last sequence when the stream was started
    at: int = 0  # the last sequence applied
    events: int = 0


@dataclass
class Run:
    """One rebuild, its progress written to `rebuild_runs` (GET /v1/rebuild)."""

    run_id: int
    streams: dict[str, Progress] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    reported: float = 0.0

    @property
    def events(self) -> int:
        return sum(p.events for p in self.streams.values())

    def progress(self) -> dict[str, Any]:
        return {s: {"target": p.target, "at": p.at, "events": p.events} for s, p in self.streams.items()}

    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.events / elapsed if elapsed > 0 else 0.0


class Rebuild:
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        link: NatsLink,
        models: Sequence[ReadModel],
        clock: Clock,
        batch_size: int = 2000,
        on_progress: Callable[[Run], None] | None = None,
    ) -> None:
        self.engine = engine
        self.link = link
        self.models = models
        self.clock = clock
        self.batch_size = batch_size
        self.on_progress = on_progress
        self.live = make_sessions(engine)
        self.shadow: Sessions = make_sessions(
            engine.execution_options(schema_translate_map={LIVE_SCHEMA: REBUILD_SCHEMA})
        )
        self.tables = all_tables(models)
        self.handlers = merged_handlers(models)
        self.rebuilders: dict[str, Rebuilder] = {
            m.name: m.rebuilder() for m in models if m.rebuilder is not None
        }

    async def start(self, requested_by: str) -> tuple[AsyncConnection, int]:
        """Take the run lock and record the run; RebuildBusy when another rebuild holds it."""
        conn = await self.engine.connect()
        try:
            if not await take_run_lock(conn):
                raise RebuildBusy
            run_id = await record_start(conn, requested_by=requested_by, at=self.clock.now())
            await conn.commit()
        except BaseException:
            await release(conn)
            raise
        return conn, run_id

    async def run(self, conn: AsyncConnection, run_id: int) -> Run:
        """The whole rebuild on the run lock's connection; the lock goes with the connection."""
        run = Run(run_id)
        try:
            await self._prepare()
            for stream in self.handlers:
                await self._read(stream, run)
            await self._settle()
            await self._analyse()
            await self._state(run, "swapping")
            # Live handlers finish the event they hold, then wait (they take it shared) until the swap.
            await conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": REBUILD_LOCK})
            for stream in self.handlers:
                await self._read(stream, run)
            await self._swap(conn)
            await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": REBUILD_LOCK})
            await conn.commit()
            await self._state(run, "done")
            log.info("rebuild done", extra={"events": run.events, "rate": round(run.rate())})
            return run
        except BaseException as exc:
            await self._state(run, "failed", error=repr(exc)[:4000])
            raise
        finally:
            await release(conn)

    async def _prepare(self) -> None:
        async with self.engine.begin() as conn:
            exists = await conn.scalar(
                text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": REBUILD_SCHEMA}
            )
            if not exists:
                raise RuntimeError(
                    f"schema {REBUILD_SCHEMA} is missing: run the provisioning "
                    "(python -m shared.db.provision)"
                )
            for table in self.tables:
                await conn.execute(text(f"DROP TABLE IF EXISTS {REBUILD_SCHEMA}.{table.name} CASCADE"))
            await conn.execute(text(f"DROP TABLE IF EXISTS {REBUILD_SCHEMA}.tree_days"))
            shadow = await conn.execution_options(schema_translate_map={LIVE_SCHEMA: REBUILD_SCHEMA})
            await shadow.run_sync(
                lambda sync: metadata.create_all(sync, tables=self.tables, checkfirst=False)
            )

    async def _read(self, stream: str, run: Run) -> None:
        """Apply the stream's events after the last one applied, up to its end now."""
        progress = run.streams.setdefault(stream, Progress(stream))
        js = self.link.jetstream
        info = await js.stream_info(stream)
        progress.target = max(progress.target, info.state.last_seq or 0)
        if progress.at >= progress.target:
            return
        subjects, _ = self.handlers[stream]
        name = f"reporting-rebuild-{uuid.uuid4().hex[:12]}"
        config = ConsumerConfig(
            name=name,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
            opt_start_seq=progress.at + 1,
            ack_policy=AckPolicy.NONE,
            filter_subjects=list(subjects),
            inactive_threshold=300.0,
            mem_storage=True,
        )
        await js.add_consumer(stream, config)
        try:
            async with (
                Fetcher(self.link.client, stream, name) as first,
                Fetcher(self.link.client, stream, name) as second,
            ):
                await self._read_from((first, second), stream, run, progress)
        finally:
            try:
                await js.delete_consumer(stream, name)
            except Exception:
                log.debug("rebuild consumer already gone")
        progress.at = max(progress.at, progress.target)
        await self._report(run)

    async def _read_from(
        self, fetchers: tuple[Fetcher, Fetcher], stream: str, run: Run, progress: Progress
    ) -> None:
        """Two requests in flight: while one batch is folded and written, the next one arrives."""
        await fetchers[0].request(self.batch_size)
        turn = 0
        while progress.at < progress.target:
            messages = await fetchers[turn].collect()
            if not messages:
                return  # nothing more matches the filter
            more = messages[-1].metadata.num_pending > 0
            if more:
                await fetchers[1 - turn].request(self.batch_size)
            events = []
            for msg in messages:
                try:
                    events.append(CloudEvent.model_validate_json(msg.data))
                except ValidationError:
                    log.warning(
                        "rebuild skips a message that is not a CloudEvent", extra={"subject": msg.subject}
                    )
            await self._apply(stream, events)
            progress.at = messages[-1].metadata.sequence.stream
            progress.events += len(messages)
            if not more:
                return
            await self._report(run)
            turn = 1 - turn

    async def _apply(self, stream: str, events: list[CloudEvent]) -> None:
        async with unit_of_work(self.shadow) as session:
            for model in self.models:
                if stream not in model.handlers:
                    continue
                types = model.handlers[stream][1]
                mine = [e for e in events if e.type in types]
                if not mine:
                    continue
                rebuilder = self.rebuilders.get(model.name)
                if rebuilder is not None:
                    await rebuilder.apply(session, mine)
                    continue
                for event in mine:
                    try:  # a handler refuses a malformed payload before it writes anything
                        await types[event.type](event, session)
                    except PoisonEvent:
                        log.warning("rebuild skips a malformed event", extra={"event_id": str(event.id)})
        await asyncio.sleep(0)  # let the service answer between batches

    async def _settle(self) -> None:
        async with unit_of_work(self.shadow) as session:
            for rebuilder in self.rebuilders.values():
                await rebuilder.settle(session)

    async def _analyse(self) -> None:
        async with self.engine.connect() as conn:
            for table in self.tables:
                await conn.execute(text(f"ANALYZE {REBUILD_SCHEMA}.{table.name}"))
            await conn.commit()

    async def _swap(self, conn: AsyncConnection) -> None:
        """Drop each live table and move its copy in, in one transaction."""
        await conn.commit()  # end the implicit transaction of the lock statements
        async with conn.begin():
            await conn.execute(text("SET LOCAL lock_timeout = '30s'"))
            for table in self.tables:
                await conn.execute(text(f"DROP TABLE {LIVE_SCHEMA}.{table.name}"))
                await conn.execute(
                    text(f"ALTER TABLE {REBUILD_SCHEMA}.{table.name} SET SCHEMA {LIVE_SCHEMA}")
                )

    async def _report(self, run: Run) -> None:
        """Progress to `rebuild_runs` (and the command's output), at most once a second."""
        now = time.monotonic()
        if now - run.reported < 1.0:
            return
        run.reported = now
        if self.on_progress is not None:
            self.on_progress(run)
        await self._state(run, None)

    async def _state(self, run: Run, state: str | None, error: str | None = None) -> None:
        values: dict[str, Any] = {"events": run.events, "progress": run.progress()}
        if state is not None:
            values["state"] = state
        if state in ("done", "failed"):
            values["finished_at"] = self.clock.now()
        if error is not None:
            values["error"] = error
        async with unit_of_work(self.live) as session:
            await record_progress(session, run.run_id, values)
