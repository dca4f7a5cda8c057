"""The watcher (theo dõi hạn): `dossier.due_soon` and `dossier.overdue`, each once per dossier and step.

The database is the truth, never a timer in memory. A clock is warned when its moment has come
(`warn_at`, then `due_at`) and its sent flag (`due_soon_sent_at`, `overdue_sent_at`) is unset; the flag
is set in the transaction that stages the event in the outbox, so a warning staged is a warning
remembered, and a crash before the commit leaves both undone for the next cycle. A cycle reads only
the clocks whose moment has come, by the partial indexes `ix_clocks_warn` and `ix_clocks_overdue`
(models.py): a range scan however many open clocks are not due yet.

One watcher leads per service across worker processes and replicas (a PostgreSQL advisory lock held on
a dedicated connection, as the relay); the others wait and take over when it goes. Leading only saves
work: two cycles at once still send nothing twice, since each batch takes its rows `FOR UPDATE SKIP
LOCKED` and PostgreSQL checks the flag again on the row it locked.
"""

import asyncio
import logging
import time
import uuid
import zlib
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy import Column, ColumnElement, Integer, Uuid, bindparam, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from services.deadline import events
from services.deadline.clocks import Context
from services.deadline.models import clocks as clock_table
from services.deadline.models import dossiers, messaging
from shared.app import Runtime
from shared.backoff import backoff_delay
from shared.db.engine import Sessions, asyncpg_dsn, unit_of_work
from shared.faults import crash_point
from shared.messaging.subjects import dossier_subject

log = logging.getLogger("motcua.deadline.watcher")

BATCH_SIZE = 500
SOURCE = "/motcua/deadline"


def leader_lock_key(service: str) -> int:
    """A stable 32-bit advisory-lock key, distinct from the relay's."""
    return zlib.crc32(f"motcua.watcher.{service}".encode())


@dataclass(frozen=True)
class Trigger:
    """One of the two warnings: the moment that triggers it and the flag that remembers it."""

    event: str  # due_soon | overdue
    moment: Column[Any]  # the clocks column compared to now
    flag: Column[Any]  # the clocks column set when the event is staged
    # The partial index's predicate as SQL text: the planner uses a partial index only for a query whose
    # WHERE implies its predicate, and a bound parameter (state = $1) never does in a generic plan.
    open_and_unsent: str


DUE_SOON = Trigger(
    "due_soon",
    clock_table.c.warn_at,
    clock_table.c.due_soon_sent_at,
    "state = 'running' AND due_soon_sent_at IS NULL",
)
OVERDUE = Trigger(
    "overdue",
    clock_table.c.due_at,
    clock_table.c.overdue_sent_at,
    "state = 'running' AND overdue_sent_at IS NULL",
)

_COLUMNS = (
    "id",
    "scope",
    "dossier_id",
    "step_id",
    "code",
    "portal_id",
    "lead_agency_code",
    "agency_code",
    "due_at",
)

# The keys of repository.lock_dossiers, taken without waiting: a dossier whose events are being handled
# right now waits for the next cycle rather than deadlocking with the handler (which holds that lock,
# then the dossier's row, then its clocks; we hold clocks and want the dossier's row for `sequence`).
_TRY_LOCK_DOSSIERS = text(
    "SELECT k FROM unnest(CAST(:keys AS text[])) AS k WHERE pg_try_advisory_xact_lock(hashtextextended(k, 0))"
)


def _dossier_key(dossier_id: Any) -> str:
    return f"deadline.{dossier_id}"


@dataclass
class Tally:
    """What one cycle did."""

    due_soon: int = 0
    overdue: int = 0
    deferred: int = 0  # due, but its dossier was busy with an event: the next cycle takes it
    seconds: float = 0.0


class Watcher:
    """Stages the warnings whose moment has come; `run` leads or waits, `cycle` is one pass."""

    def __init__(self, ctx: Context, *, interval_seconds: float, batch_size: int = BATCH_SIZE) -> None:
        self._ctx = ctx
        self._interval = interval_seconds
        self._batch_size = batch_size
        self.is_leader = False

    async def run(self, runtime: Runtime) -> None:
        """Lead when the lock is free, wait otherwise; survives PostgreSQL restarts. Until cancelled."""
        dsn = asyncpg_dsn(runtime.settings.database_url)
        key = leader_lock_key(runtime.spec.name)
        failures = 0
        while True:
            try:
                conn = await asyncpg.connect(dsn)
                try:
                    if await conn.fetchval("SELECT pg_try_advisory_lock($1)", key):
                        self.is_leader = True
                        log.info("watcher leads", extra={"service": runtime.spec.name})
                        await self._lead(conn, runtime.sessions)
                    else:
                        await asyncio.sleep(self._interval)
                finally:
                    self.is_leader = False
                    await _close_quietly(conn)
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                log.warning("watcher retrying", extra={"error": repr(exc), "attempt": failures})
                await asyncio.sleep(backoff_delay(failures))

    async def _lead(self, conn: asyncpg.Connection, sessions: Sessions) -> None:
        """A cycle every interval, the first one interval after taking the lead."""
        while True:
            await asyncio.sleep(self._interval)
            # The lock lives as long as this connection: make sure it still answers before each cycle.
            await conn.fetchval("SELECT 1")
            await self.cycle(sessions)

    async def cycle(self, sessions: Sessions) -> Tally:
        """Every warning due at one instant, oldest first, in batches of one transaction each."""
        started = time.perf_counter()
        now = self._ctx.clock.now()
        tally = Tally()
        for trigger in (DUE_SOON, OVERDUE):  # in this order, so a clock late at once warns, then is late
            while True:
                async with unit_of_work(sessions) as session:
                    found, sent = await self._batch(session, trigger, now)
                if trigger is DUE_SOON:
                    tally.due_soon += sent
                else:
                    tally.overdue += sent
                tally.deferred += found - sent
                if found < self._batch_size or sent == 0:
                    break
        tally.seconds = time.perf_counter() - started
        if tally.due_soon or tally.overdue or tally.deferred:
            log.info(
                "watcher cycle",
                extra={
                    "due_soon": tally.due_soon,
                    "overdue": tally.overdue,
                    "deferred": tally.deferred,
                    "seconds": round(tally.seconds, 3),
                },
            )
        return tally

    async def _batch(self, session: AsyncSession, trigger: Trigger, now: datetime) -> tuple[int, int]:
        """Lock up to a batch of due clocks, stage their events and set their flags; (found, sent)."""
        due: ColumnElement[bool] = trigger.moment <= now
        query = (
            select(*(clock_table.c[name] for name in _COLUMNS))
            .where(text(trigger.open_and_unsent), due)
            .order_by(trigger.moment)
            .limit(self._batch_size)
            .with_for_update(skip_locked=True)
        )
        rows = (await session.execute(query)).all()
        if not rows:
            return 0, 0
        keys = sorted({_dossier_key(row.dossier_id) for row in rows})
        free = set((await session.execute(_TRY_LOCK_DOSSIERS, {"keys": keys})).scalars())
        sent = [row for row in rows if _dossier_key(row.dossier_id) in free]
        if sent:
            sequences = await _next_sequences(session, [row.dossier_id for row in sent])
            staged = [
                self._event(trigger, row, sequence, now)
                for row, sequence in zip(sent, sequences, strict=True)
            ]
            await session.execute(insert(messaging.outbox), staged)
            await session.execute(
                update(clock_table)
                .where(clock_table.c.id.in_([row.id for row in sent]))
                .values({trigger.flag: now, clock_table.c.updated_at: func.now()})
            )
        crash_point("watcher.before_commit")
        return len(rows), len(sent)

    def _event(self, trigger: Trigger, row: Any, sequence: int | None, now: datetime) -> dict[str, Any]:
        """The outbox row of `dossier.<event>` about the clock, as `Outbox.add` would write it, for a whole
        batch in one INSERT (one round trip per event was most of a busy cycle's time)."""
        if trigger is DUE_SOON:
            data = events.due_soon(clock=row, warned_at=now, hours_before=self._ctx.due_soon_hours)
        else:
            data = events.overdue(clock=row, overdue_at=now)
        _, staged = self._ctx.outbox.row(
            name=f"dossier.{trigger.event}",
            topic=dossier_subject(row.agency_code, trigger.event),
            data=data,
            subject=row.code,
            sequence=sequence,
        )
        return staged


async def _next_sequences(session: AsyncSession, dossier_ids: list[uuid.UUID]) -> list[int | None]:
    """The `sequence` of each event, in order: what `repository.next_sequence` gives one at a time
    (+1 per event deadline emits about the dossier), for a batch in one UPDATE. None for a dossier
    without its row (never expected: its clocks are made after it), rather than stopping every cycle."""
    counts = Counter(dossier_ids)
    bump = (
        func.unnest(
            bindparam("ids", list(counts), type_=ARRAY(Uuid)),
            bindparam("counts", list(counts.values()), type_=ARRAY(Integer)),
        )
        .table_valued("dossier_id", "n")
        .render_derived()
    )
    result = await session.execute(
        update(dossiers)
        .where(dossiers.c.dossier_id == bump.c.dossier_id)
        .values(version=dossiers.c.version + bump.c.n)
        .returning(dossiers.c.dossier_id, dossiers.c.version)
    )
    following = {row.dossier_id: row.version - counts[row.dossier_id] + 1 for row in result}
    sequences: list[int | None] = []
    for dossier_id in dossier_ids:
        sequence = following.get(dossier_id)
        if sequence is None:
            log.error("clock without its dossier", extra={"dossier_id": str(dossier_id)})
        else:
            following[dossier_id] = sequence + 1
        sequences.append(sequence)
    return sequences


async def _close_quietly(conn: asyncpg.Connection) -> None:
    try:
        async with asyncio.timeout(2):
            await conn.close()
    except Exception:
        conn.terminate()
