"""The watcher (theo dõi hạn): `dossier.due_soon` and `dossier.overdue`, each once per dossier and step.

The database is the truth, never a timer in memory. A clock is warned when its moment has come
(`warn_at`, then `due_at`) and its sent flag (`due_soon_sent_at`, `overdue_sent_at`) is unset; the flag
is set in the transaction that stages the event in the outbox, so a warning staged is a warning
remembered, and a crash before the commit leaves both undone for the next cycle. A cycle reads only
the clocks whose moment has come, by the partial indexes `ix_clocks_warn` and `ix_clocks_overdue`
(clocks/models.py): a range scan however many open clocks are not due yet.

One watcher leads per service across worker processes and replicas (`shared.leadership`, as the
relay); the others wait and take over when it goes. Leading only saves work: two cycles at once still
send nothing twice, since each batch takes its rows `FOR UPDATE SKIP LOCKED` and PostgreSQL checks the
flag again on the row it locked.
"""

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from services.deadline import events
from services.deadline.clocks import repository as dossier_repository
from services.deadline.context import Context
from services.deadline.watcher import repository
from services.deadline.watcher.repository import DUE_SOON, OVERDUE, Trigger
from shared.app import Runtime
from shared.db.engine import Sessions, asyncpg_dsn, unit_of_work
from shared.events.deadline import DueSoon, Overdue
from shared.faults import crash_point
from shared.leadership import Leadership
from shared.messaging.subjects import dossier_subject

log = logging.getLogger("motcua.deadline.watcher")

BATCH_SIZE = 500


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
        self._leadership = Leadership("watcher", log)

    @property
    def is_leader(self) -> bool:
        return self._leadership.is_leader

    async def run(self, runtime: Runtime) -> None:
        """Lead when the lock is free, wait otherwise; survives PostgreSQL restarts. Until cancelled."""

        async def lead(conn: asyncpg.Connection) -> None:
            await self._lead(conn, runtime.sessions)

        await self._leadership.hold(
            service=runtime.spec.name,
            dsn=asyncpg_dsn(runtime.settings.database_url),
            lead=lead,
            follow_seconds=self._interval,
        )

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
        rows = await repository.due_clocks(session, trigger, now, self._batch_size)
        if not rows:
            return 0, 0
        # Without waiting: a dossier whose events are being handled right now waits for the next cycle
        # rather than deadlocking with the handler (which holds that lock, then the dossier's row, then
        # its clocks; we hold clocks and want the dossier's row for its `dossierversion`).
        free = await dossier_repository.try_lock_dossiers(session, {row.dossier_id for row in rows})
        sent = [row for row in rows if row.dossier_id in free]
        if sent:
            versions = await dossier_repository.next_dossier_versions(
                session, [row.dossier_id for row in sent]
            )
            staged = [
                self._event(trigger, row, version, now) for row, version in zip(sent, versions, strict=True)
            ]
            await repository.stage(session, staged)
            await repository.mark_sent(session, trigger, [row.id for row in sent], now)
        crash_point("watcher.before_commit")
        return len(rows), len(sent)

    def _event(
        self, trigger: Trigger, row: Any, dossier_version: int | None, now: datetime
    ) -> dict[str, Any]:
        """The outbox row of `dossier.<event>` about the clock, as `Outbox.add` would write it. Without a
        `dossierversion` when the dossier has no row (never expected: its clocks are made after it),
        rather than stopping every cycle."""
        if dossier_version is None:
            log.error("clock without its dossier", extra={"dossier_id": str(row.dossier_id)})
        payload: DueSoon | Overdue
        if trigger is DUE_SOON:
            payload = events.due_soon(clock=row, warned_at=now, hours_before=self._ctx.due_soon_hours)
        else:
            payload = events.overdue(clock=row, overdue_at=now)
        _, staged = self._ctx.outbox.row(
            name=f"dossier.{trigger.event}",
            topic=dossier_subject(row.agency_code, trigger.event),
            data=payload.data(),
            subject=row.code,
            dossier_version=dossier_version,
        )
        return staged
