"""The outbox relay: publishes committed outbox rows to JetStream, in id order, at least once.

One relay per service leads at a time (`shared.leadership`: a PostgreSQL advisory lock held on a
dedicated connection); the others wait. The leader wakes on NOTIFY from the outbox trigger, polls as
a fallback, publishes a batch with `Nats-Msg-Id` = event id (JetStream drops a republished
duplicate), awaits every PubAck, then marks the rows sent. Sent rows are kept for a retention period
so a stream can be re-driven. Each message also carries the leader's term (`Motcua-Relay-Term`), so
that a stream shows which relay published what, and that two never published at once.
"""

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import timedelta

import asyncpg
from sqlalchemy import ARRAY, BigInteger, Table, any_, bindparam, delete, select, update

from shared.clock import Clock
from shared.db.engine import Sessions, asyncpg_dsn, unit_of_work
from shared.db.raw import Prebuilt
from shared.faults import crash_point
from shared.leadership import Leadership
from shared.messaging.connection import NatsLink
from shared.messaging.tables import MessagingTables
from shared.observability import metrics

log = logging.getLogger("motcua.relay")

PUBACK_TIMEOUT_SECONDS = 5.0
PURGE_EVERY_SECONDS = 600.0
TERM_HEADER = "Motcua-Relay-Term"


class PublishFailed(Exception):
    pass


@dataclass(frozen=True)
class _Batch:
    """A batch's statements, compiled once and sent on the driver in the session's transaction: the
    relay runs them for every batch of every service (issue #17)."""

    pending: Prebuilt
    sent: Prebuilt
    failed: Prebuilt

    @classmethod
    def of(cls, outbox: Table) -> "_Batch":
        return cls(
            pending=Prebuilt(
                select(outbox.c.id, outbox.c.event_id, outbox.c.topic, outbox.c.payload)
                .where(outbox.c.sent_at.is_(None))
                .order_by(outbox.c.id)
                .limit(bindparam("batch_size"))
                .with_for_update(skip_locked=True),
                on="transaction",
            ),
            sent=Prebuilt(
                update(outbox)
                .where(outbox.c.id == any_(bindparam("ids", type_=ARRAY(BigInteger))))
                .values(sent_at=bindparam("at")),
                on="transaction",
            ),
            failed=Prebuilt(
                update(outbox)
                .where(outbox.c.id == bindparam("row_id"))
                .values(attempts=outbox.c.attempts + 1, last_error=bindparam("error")),
                on="transaction",
            ),
        )


class Relay:
    def __init__(
        self,
        *,
        service: str,
        database_url: str,
        sessions: Sessions,
        tables: MessagingTables,
        link: NatsLink,
        clock: Clock,
        batch_size: int = 500,
        poll_seconds: float = 1.0,
        retention: timedelta = timedelta(days=7),
    ) -> None:
        self._service = service
        self._dsn = asyncpg_dsn(database_url)
        self._sessions = sessions
        self._outbox = tables.outbox
        self._channel = tables.notify_channel
        self._link = link
        self._clock = clock
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._retention = retention
        self._leadership = Leadership("relay", log)
        self._batch = _Batch.of(tables.outbox)

    @property
    def is_leader(self) -> bool:
        return self._leadership.is_leader

    @property
    def term(self) -> str | None:
        """While it leads, the term its messages carry (`Motcua-Relay-Term`)."""
        return self._leadership.term

    async def run(self) -> None:
        """Lead when the lock is free, follow otherwise; survives PostgreSQL and NATS restarts."""
        await self._leadership.hold(
            service=self._service,
            dsn=self._dsn,
            lead=self._lead,
            follow_seconds=self._poll_seconds,
            ready=self._link.wait_connected,
        )

    async def _lead(self, conn: asyncpg.Connection) -> None:
        wake = asyncio.Event()
        await conn.add_listener(self._channel, lambda *_: wake.set())
        next_purge = 0.0
        loop = asyncio.get_running_loop()
        while not conn.is_closed():
            wake.clear()
            published = await self.publish_pending()
            if published == self._batch_size:
                continue
            if loop.time() >= next_purge:
                await self.purge_sent()
                next_purge = loop.time() + PURGE_EVERY_SECONDS
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation that
            # arrives as the event is set, and the relay would never stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll_seconds):
                    await wake.wait()
        raise ConnectionError("the relay's leadership connection was lost")

    async def publish_pending(self) -> int:
        """Publish one batch of unsent rows in id order; returns how many were sent."""
        async with unit_of_work(self._sessions) as session:
            rows = await self._batch.pending.all(session, batch_size=self._batch_size)
            if not rows:
                return 0
            crash_point("relay.before_publish")
            js = self._link.jetstream
            stamp = {TERM_HEADER: self.term} if self.term else {}
            # Pipelined on one connection, so JetStream stores them in this order; each ack awaited.
            pending = [
                await js.publish_async(
                    row.topic, row.payload.encode(), headers={"Nats-Msg-Id": str(row.event_id), **stamp}
                )
                for row in rows
            ]
            sent: list[int] = []
            failure: BaseException | None = None
            for row, ack in zip(rows, pending, strict=True):
                if failure is None:
                    try:
                        async with asyncio.timeout(PUBACK_TIMEOUT_SECONDS):
                            await ack
                        sent.append(row.id)
                        continue
                    except Exception as exc:
                        failure = exc
                        await self._batch.failed.execute(session, row_id=row.id, error=repr(exc)[:1000])
                ack.cancel()
            if sent:
                await self._batch.sent.execute(session, ids=sent, at=self._clock.now())
        metrics.events_published.labels(self._service).inc(len(sent))
        if failure is not None:
            raise PublishFailed(f"publish stopped after {len(sent)} of {len(rows)}") from failure
        return len(sent)

    async def purge_sent(self) -> int:
        """Forget rows sent longer ago than the retention period."""
        cutoff = self._clock.now() - self._retention
        async with unit_of_work(self._sessions) as session:
            result = await session.execute(delete(self._outbox).where(self._outbox.c.sent_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)
