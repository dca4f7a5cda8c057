"""Rebuild every read model from the start of its streams while the service keeps answering.

    python -m services.reporting.rebuild          # MOTCUA_DATABASE_URL, MOTCUA_NATS_URL as for the service
    POST /v1/rebuild (admin) -> 202; GET /v1/rebuild -> the run's progress

1. Fresh, empty copies of every read model's tables are made in schema `reporting_rebuild` (from the
   same table definitions, so names and indexes are the live ones').
2. Each stream is read from its first message by an ephemeral consumer (no acks, in stream order),
   in batches; each batch is one transaction. Model A folds a whole batch at once (`FactsBatch`: one
   read and one write of facts per batch) and keeps its per-day counters in memory, spilling to an
   unlogged table; other models' handlers run event by event against the copies (the session maps
   schema `reporting` to `reporting_rebuild`). The live consumers keep filling the live tables.
3. Caught up, model A writes its tree once, in SQL, from the per-day counters (`settle`).
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

import argparse
import asyncio
import contextlib
import json
import logging
import sys
import time
import uuid
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, Header
from pydantic import ValidationError
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from services.reporting import arithmetic
from services.reporting.handlers import DailyChange, FactsBatch, items_of, tree_rows
from services.reporting.models import TREE_SERIES, metadata, rebuild_runs
from services.reporting.readmodels import REBUILD_LOCK, ReadModel, Rebuilder, all_tables, merged_handlers
from services.reporting.repository import LIVE_SCHEMA, REBUILD_SCHEMA, Store, driver
from shared.app import Runtime
from shared.db.engine import Sessions, make_engine, make_sessions, unit_of_work
from shared.messaging.connection import NatsLink
from shared.messaging.consumer import PoisonEvent
from shared.messaging.envelope import CloudEvent

log = logging.getLogger("motcua.reporting.rebuild")

# Held (session-level, try) by the one rebuild running anywhere.
RUN_LOCK = zlib.crc32(b"motcua.reporting.rebuild.run")
SPILL_AT = 200_000  # (cell, day) rows of counters held in memory before they go to the staging table
FETCH_TIMEOUT = 2.0


class RebuildBusy(Exception):
    """Another rebuild holds the run lock."""


# -- model A's fast path -------------------------------------------------------------------------------


class FactsRebuilder:
    """Model A in a rebuild: facts folded a batch at a time, counters per (cell, day) in memory until
    `settle` writes the Fenwick tree in one statement; after it, batches write through."""

    def __init__(self, store: Store | None = None) -> None:
        self.store = store or Store(REBUILD_SCHEMA)
        self.batch = FactsBatch(self.store, cell_cache={})
        self.days: dict[tuple[int, int], list[int]] = {}
        self.settled = False
        self.staging = f"{self.store.schema}.tree_days"

    async def apply(self, session: AsyncSession, events: Sequence[CloudEvent]) -> None:
        items = _items_skipping_poison(events)
        conn = await driver(session)
        daily = await self.batch.apply(conn, items)
        if self.settled:
            await self.store.add_to_tree(conn, tree_rows(daily))
            return
        self._hold(daily)
        if len(self.days) >= SPILL_AT:
            await self._spill(conn)

    def _hold(self, daily: DailyChange) -> None:
        index = {s: i for i, s in enumerate(TREE_SERIES)}
        for (cell_id, day, series), amount in daily.items():
            position = arithmetic.day_index(day)
            if position is None:
                continue
            row = self.days.get((cell_id, position))
            if row is None:
                row = self.days[(cell_id, position)] = [0] * len(TREE_SERIES)
            row[index[series]] += amount

    async def _spill(self, conn: Any) -> None:
        if not self.days:
            return
        records = [(cell_id, position, *row) for (cell_id, position), row in self.days.items()]
        await conn.execute(
            f"CREATE UNLOGGED TABLE IF NOT EXISTS {self.staging} (cell_id int, day_index int, "
            + ", ".join(f"{s} int" for s in TREE_SERIES)
            + ")"
        )
        await conn.copy_records_to_table(
            "tree_days",
            schema_name=self.store.schema,
            columns=["cell_id", "day_index", *TREE_SERIES],
            records=records,
        )
        self.days.clear()

    async def settle(self, session: AsyncSession) -> None:
        """Every per-day counter into the tree: each day adds to the (at most 15) nodes covering it."""
        conn = await driver(session)
        await self._spill(conn)
        exists = await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", self.staging)
        if exists:
            await conn.execute(tree_from_days_sql(self.staging, self.store.tree_table))
            await conn.execute(f"DROP TABLE {self.staging}")
        self.settled = True


def tree_from_days_sql(days_table: str, tree_table: str) -> str:
    """Fill an empty tree from per-day counters (`days_table`: cell_id, day_index, the series; several
    rows of one day add up): day d adds to the node q << k of each level k where q = ((d - 1) >> k) + 1
    is odd, exactly the nodes `arithmetic.update_nodes` walks (i += i & -i)."""
    q = "(((d.day_index - 1) >> k) + 1)"
    sums = ", ".join(f"sum({s})" for s in TREE_SERIES)
    return (
        f"INSERT INTO {tree_table} (node, cell_id, {', '.join(TREE_SERIES)}) "  # noqa: S608
        f"SELECT {q} << k, d.cell_id, {sums} FROM {days_table} d "
        f"CROSS JOIN generate_series(0, {arithmetic.SIZE.bit_length() - 1}) AS k "
        f"WHERE {q} % 2 = 1 AND ({q} << k) <= {arithmetic.SIZE} GROUP BY 1, 2"
    )


def _items_skipping_poison(events: Sequence[CloudEvent]) -> list[Any]:
    items = []
    for event in events:
        try:
            items.extend(items_of([event]))
        except PoisonEvent:
            log.warning("rebuild skips a malformed event", extra={"event_id": str(event.id)})
    return items


# -- reading a stream fast ----------------------------------------------------------------------------------


class Fetcher:
    """Batches of a pull consumer through one inbox subscription and a `no_wait` pull request per
    batch: nats-py's `fetch` awaits each message with a timer of its own, which cost a rebuild more
    than folding the events did."""

    def __init__(self, nc: Any, stream: str, consumer: str) -> None:
        self._nc = nc
        self._request = f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}"
        self._inbox = nc.new_inbox()
        self._messages: list[Msg] = []
        self._wanted = 0
        self._done = asyncio.Event()
        self._sub: Any = None

    async def __aenter__(self) -> "Fetcher":
        self._sub = await self._nc.subscribe(
            self._inbox, cb=self._on_message, pending_msgs_limit=-1, pending_bytes_limit=-1
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._sub.unsubscribe()

    async def _on_message(self, msg: Msg) -> None:
        if msg.headers and msg.headers.get(Header.STATUS) and not msg.data:
            self._done.set()  # 404 no messages, 408 timeout: nothing more for this request
            return
        self._messages.append(msg)
        if len(self._messages) >= self._wanted:
            self._done.set()

    async def request(self, batch: int) -> None:
        """Ask for up to `batch` messages that are there now (`collect` returns them)."""
        self._messages, self._wanted = [], batch
        self._done.clear()
        body = json.dumps({"batch": batch, "no_wait": True}).encode()
        await self._nc.publish(self._request, body, reply=self._inbox)

    async def collect(self) -> list[Msg]:
        """The messages of the last request; [] when none was there."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._done.wait(), FETCH_TIMEOUT)
        return self._messages


# -- the run -------------------------------------------------------------------------------------------------


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
        batch_size: int = 2000,
        on_progress: Callable[[Run], None] | None = None,
    ) -> None:
        self.engine = engine
        self.link = link
        self.models = models
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
            if not await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": RUN_LOCK}):
                raise RebuildBusy
            run_id = await conn.scalar(
                rebuild_runs.insert()
                .values(state="running", requested_by=requested_by)
                .returning(rebuild_runs.c.id)
            )
            await conn.commit()
        except BaseException:
            await _release(conn)
            raise
        return conn, int(run_id or 0)

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
            await _release(conn)

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
            values["finished_at"] = text("now()")
        if error is not None:
            values["error"] = error
        async with unit_of_work(self.live) as session:
            await session.execute(
                update(rebuild_runs).where(rebuild_runs.c.id == run.run_id).values(**values)
            )


class Runner:
    """The service's rebuilds (POST /v1/rebuild): started by a request, run by a background job, so
    shutting the service down cancels a rebuild cleanly (marked failed; its copies are dropped by the
    next run)."""

    def __init__(self, models: Callable[[], Sequence[ReadModel]], batch_size: int) -> None:
        self._models = models
        self._batch_size = batch_size
        self._queue: asyncio.Queue[tuple[Rebuild, AsyncConnection, int]] = asyncio.Queue()
        self._runtime: Runtime | None = None

    async def start(self, requested_by: str) -> int:
        """Take the run lock and queue the rebuild; RebuildBusy when one is running."""
        if self._runtime is None:
            raise RuntimeError("the service is still starting")
        rebuild = Rebuild(
            engine=self._runtime.engine,
            link=self._runtime.link,
            models=self._models(),
            batch_size=self._batch_size,
        )
        conn, run_id = await rebuild.start(requested_by)
        await self._queue.put((rebuild, conn, run_id))
        return run_id

    async def serve(self, runtime: "Runtime") -> None:
        self._runtime = runtime
        while True:
            rebuild, conn, run_id = await self._queue.get()
            try:
                await rebuild.run(conn, run_id)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("rebuild failed", extra={"run": run_id})


async def _release(conn: AsyncConnection) -> None:
    """Give the connection back without the session-level locks it took (the pool keeps it open)."""
    try:
        await conn.rollback()
        await conn.execute(text("SELECT pg_advisory_unlock_all()"))
        await conn.commit()
    finally:
        await conn.close()


def _print_progress(run: Run) -> None:
    parts = ", ".join(f"{s} {p.at}/{p.target}" for s, p in run.streams.items())
    print(
        f"rebuild {run.run_id}: {run.events} events ({run.rate():,.0f}/s) {parts}",
        file=sys.stderr,
        flush=True,
    )


async def main_async(batch_size: int | None) -> int:
    from services.reporting.app import read_models  # the service's models, as the app wires them
    from services.reporting.settings import ReportingSettings

    settings = ReportingSettings()
    engine = make_engine(settings.database_url, pool_size=2)
    link = NatsLink(settings.nats_url, name="motcua-reporting-rebuild")
    await link.connect_forever()
    rebuild = Rebuild(
        engine=engine,
        link=link,
        models=read_models(),
        batch_size=batch_size or settings.rebuild_batch_size,
        on_progress=_print_progress,
    )
    try:
        conn, run_id = await rebuild.start("command line")
    except RebuildBusy:
        print("another rebuild is running", file=sys.stderr)
        return 2
    try:
        run = await rebuild.run(conn, run_id)
    finally:
        await link.close()
        await engine.dispose()
    print(json.dumps({"run": run.run_id, "events": run.events, "events_per_second": round(run.rate())}))
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-size", type=int, default=None, help="events per transaction")
    args = parser.parse_args()
    sys.exit(asyncio.run(main_async(args.batch_size)))


if __name__ == "__main__":
    main()
