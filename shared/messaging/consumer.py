"""The consumer loop: durable pull consumer, inbox + effect + commit, then ack.

- A redelivered event finds its id in the inbox and changes nothing (the effect committed with it).
- A transient failure (the database gone, a deadlock) is tried again in place with a growing delay,
  the message held meanwhile; NATS gone ends the fetch loop, which reconnects.
- Any other failure is nak'ed with a growing delay; a poison message (not a CloudEvent, a
  `PoisonEvent`, or a fifth failed delivery) is written to the dead-letter table once and
  terminated, so the messages behind it keep flowing.
- A subscription with a `batch` handler has the events of one fetch applied together: their inbox
  rows and effects in one transaction, then the acks. If that transaction fails, each event of the
  batch goes the one-at-a-time way above, with its own retries and dead letter.
"""

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from pydantic import ValidationError
from sqlalchemy import Executable, Table, Text, Uuid, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.backoff import backoff_delay
from shared.db.engine import Sessions, unit_of_work
from shared.db.transient import is_transient
from shared.faults import crash_point
from shared.messaging.connection import NatsLink
from shared.messaging.envelope import CloudEvent
from shared.messaging.tables import MessagingTables
from shared.observability import metrics

log = logging.getLogger("motcua.consumer")

Handler = Callable[[CloudEvent, AsyncSession], Awaitable[None]]
# Applies many events in one transaction (the inbox rows are already in it); their stream order kept.
BatchHandler = Callable[[Sequence[CloudEvent], AsyncSession], Awaitable[None]]

# The retry schedule is ours, sent with each NAK (`backoff_delay`, growing with the delivery count).
# JetStream's own BackOff list is deliberately not set: servers apply it to delayed NAKs too, which
# held a failed event back for a whole ack-wait step (seen with nats-server 2.15). A consumer that
# crashes without acking gets its events again after `ack_wait`.


class PoisonEvent(Exception):
    """Raised by a handler for an event it can never process; it goes to the dead-letter table."""


@dataclass(frozen=True)
class Subscription:
    """What a service consumes: a durable consumer on one stream, and a handler per event type."""

    stream: str
    subjects: tuple[str, ...]
    handlers: Mapping[str, Handler]
    # Optional: the events of one fetch in one transaction, for a consumer that must keep up with a
    # busy stream (reporting); `handlers` still serve the one-at-a-time fallback.
    batch: BatchHandler | None = None

    def durable(self, service: str) -> str:
        """The durable consumer's name, e.g. `routing-dossiers`: what ops and the AsyncAPI document
        call it."""
        return f"{service}-{self.stream.lower()}"


class Consumer:
    def __init__(
        self,
        *,
        service: str,
        subscription: Subscription,
        sessions: Sessions,
        tables: MessagingTables,
        link: NatsLink,
        max_deliver: int = 100,
        poison_after: int = 5,
        batch_size: int = 100,
        ack_wait: float = 30.0,
        retry_base: float = 0.5,
    ) -> None:
        self._service = service
        self._sub = subscription
        self._sessions = sessions
        self._tables = tables
        self._link = link
        self._max_deliver = max_deliver
        self._poison_after = poison_after
        self._batch_size = batch_size
        self._ack_wait = ack_wait
        self._retry_base = retry_base
        self.durable = subscription.durable(service)

    def config(self) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=self.durable,
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self._ack_wait,
            max_deliver=self._max_deliver,
            filter_subjects=list(self._sub.subjects),
            max_ack_pending=self._batch_size * 10,
        )

    async def ensure(self) -> None:
        """The durable consumer, as this release subscribes it. A release that reads more subjects
        would otherwise keep the old filter and never hear the new events: the durable is made again
        from the stream's first message, and the inbox skips what was applied already."""
        js = self._link.jetstream
        try:
            info = await js.consumer_info(self._sub.stream, self.durable)
        except NotFoundError:
            await js.add_consumer(self._sub.stream, self.config())
            return
        config = info.config
        had = set(config.filter_subjects or ([config.filter_subject] if config.filter_subject else []))
        if had != set(self._sub.subjects):
            log.warning(
                "consumer subjects changed: reading the stream again",
                extra={"durable": self.durable, "had": sorted(had), "wants": sorted(self._sub.subjects)},
            )
            with contextlib.suppress(NotFoundError):
                await js.delete_consumer(self._sub.stream, self.durable)
            await js.add_consumer(self._sub.stream, self.config())

    async def run(self) -> None:
        """Fetch and process until cancelled; reconnects and re-binds after any failure."""
        failures = 0
        while True:
            try:
                await self._link.wait_connected()
                await self.ensure()
                psub = await self._link.jetstream.pull_subscribe_bind(self.durable, self._sub.stream)
                failures = 0
                try:
                    await self._fetch_loop(psub)
                finally:
                    await _unsubscribe_quietly(psub)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                log.warning("consumer retrying", extra={"durable": self.durable, "error": repr(exc)})
                await asyncio.sleep(backoff_delay(failures))

    async def _fetch_loop(self, psub: JetStreamContext.PullSubscription) -> None:
        # A pull for N messages waits until N arrive or it expires: ask for one when idle (lowest
        # latency) and for as many as the server says are waiting when there is a backlog.
        wanted = 1
        while True:
            try:
                messages = await psub.fetch(wanted, timeout=1.0)
            except (TimeoutError, NatsTimeoutError):
                wanted = 1
                await self._record_lag(psub)
                continue
            if self._sub.batch is not None and len(messages) > 1:
                await self.process_batch(messages)
            else:
                for msg in messages:
                    await self.process(msg)
            wanted = max(1, min(self._batch_size, messages[-1].metadata.num_pending))

    async def process(self, msg: Msg) -> None:
        deliveries = msg.metadata.num_delivered
        try:
            event = CloudEvent.model_validate_json(msg.data)
        except ValidationError as exc:
            await self._dead_letter(msg, None, f"not a CloudEvent: {exc}")
            return
        try:
            await self._riding_out_outages([msg], lambda: self.apply(event))
        except PoisonEvent as exc:
            await self._dead_letter(msg, event, f"poison: {exc}")
            return
        except NatsError:
            raise  # NATS went away while the message was held: it comes back after ack_wait
        except Exception as exc:
            if deliveries >= min(self._poison_after, self._max_deliver):
                await self._dead_letter(msg, event, f"failed {deliveries} times: {exc!r}")
            else:
                metrics.events_consumed.labels(self._service, "retry").inc()
                log.exception("handler failed, will retry", extra={"event_id": str(event.id)})
                await msg.nak(delay=backoff_delay(deliveries, base=self._retry_base))
            return
        crash_point("consumer.after_commit")
        await msg.ack()
        metrics.events_consumed.labels(self._service, "ok").inc()

    async def process_batch(self, messages: Sequence[Msg]) -> None:
        """The batch in one transaction, then the acks; any failure: one message at a time."""
        try:
            events = [CloudEvent.model_validate_json(msg.data) for msg in messages]
            await self._riding_out_outages(messages, lambda: self.apply_batch(events))
        except NatsError:
            raise
        except Exception as exc:
            log.info("batch failed, one event at a time", extra={"events": len(messages), "error": repr(exc)})
            for msg in messages:
                await self.process(msg)
            return
        crash_point("consumer.after_commit")
        for msg in messages:
            await msg.ack()
        metrics.events_consumed.labels(self._service, "ok").inc(len(messages))

    async def _riding_out_outages(
        self, messages: Sequence[Msg], work: Callable[[], Awaitable[object]]
    ) -> None:
        """`work`, tried again in place for as long as the database is away (or a deadlock or
        serialization failure says to), holding the messages meanwhile.

        A nak would cost a delivery per attempt: a long outage would then reach `max_deliver`, after
        which JetStream never delivers the message again, or make a later genuine failure look like
        the fifth. Held with `in_progress`, the messages keep their delivery count however long the
        outage lasts; if NATS goes away too, the error ends the fetch loop and they come back after
        `ack_wait`.
        """
        attempt = 0
        while True:
            try:
                await work()
                return
            except Exception as exc:
                if not is_transient(exc):
                    raise
                attempt += 1
                metrics.events_consumed.labels(self._service, "retry").inc(len(messages))
                if attempt == 1 or attempt % 20 == 0:
                    log.warning(
                        "database unavailable, holding events until it answers",
                        extra={
                            "durable": self.durable,
                            "events": len(messages),
                            "attempt": attempt,
                            "error": repr(exc),
                        },
                    )
                for msg in messages:
                    await msg.in_progress()
                await asyncio.sleep(min(backoff_delay(attempt, base=self._retry_base), self._ack_wait / 3))

    async def apply_batch(self, events: Sequence[CloudEvent]) -> None:
        """The events new to the inbox applied by the batch handler, all in one transaction."""
        assert self._sub.batch is not None
        inbox = self._tables.inbox
        unique = list({event.id: event for event in events}.values())
        async with unit_of_work(self._sessions) as session:
            first_time = set(
                await session.scalars(
                    _recorded(inbox), {"ids": [e.id for e in unique], "types": [e.type for e in unique]}
                )
            )
            new = [e for e in unique if e.id in first_time and e.type in self._sub.handlers]
            if new:
                await self._sub.batch(new, session)

    def handles(self, event_type: str) -> bool:
        return event_type in self._sub.handlers

    async def apply(self, event: CloudEvent) -> bool:
        """The event's effect and its inbox row in one transaction; False when the inbox had it."""
        handler = self._sub.handlers.get(event.type)
        inbox = self._tables.inbox
        async with unit_of_work(self._sessions) as session:
            first_time = await session.scalar(_recorded(inbox), {"ids": [event.id], "types": [event.type]})
            if first_time is not None and handler is not None:
                await handler(event, session)
        return first_time is not None

    async def _dead_letter(self, msg: Msg, event: CloudEvent | None, error: str) -> None:
        # Once per message: a NATS restart between this commit and the term() redelivers it, and the
        # second attempt finds the first row (unique event id, or stream position for a non-event).
        async with unit_of_work(self._sessions) as session:
            await session.execute(
                pg_insert(self._tables.dead_letter)
                .values(
                    event_id=str(event.id) if event else None,
                    topic=msg.subject,
                    stream_sequence=msg.metadata.sequence.stream,
                    deliveries=msg.metadata.num_delivered,
                    payload=msg.data.decode("utf-8", errors="replace"),
                    error=error[:4000],
                )
                .on_conflict_do_nothing()
            )
        crash_point("consumer.after_dead_letter")
        await msg.term()
        metrics.events_consumed.labels(self._service, "dead_letter").inc()
        log.error(
            "event dead-lettered", extra={"topic": msg.subject, "event_id": str(event.id) if event else None}
        )

    async def _record_lag(self, psub: JetStreamContext.PullSubscription) -> None:
        try:
            info = await psub.consumer_info()
            metrics.consumer_lag.labels(self._service).set(
                (info.num_pending or 0) + (info.num_ack_pending or 0)
            )
        except Exception:
            log.debug("consumer info unavailable")


async def _unsubscribe_quietly(psub: JetStreamContext.PullSubscription) -> None:
    try:
        await psub.unsubscribe()
    except Exception:
        log.debug("pull subscription already gone")


@functools.cache
def _recorded(inbox: Table) -> Executable:
    """The inbox rows of a fetch's events (`ids`, `types`), returning the ids it did not have yet. Built
    once per inbox: a multi-row VALUES is another statement for every fetch size, which SQLAlchemy
    compiled again and walked row by row for its cache key on every fetch (issue #17)."""
    ids = bindparam("ids", type_=ARRAY(Uuid()))
    types = bindparam("types", type_=ARRAY(Text()))
    return (
        pg_insert(inbox)
        .from_select(["event_id", "event_type"], select(func.unnest(ids), func.unnest(types)))
        .on_conflict_do_nothing()
        .returning(inbox.c.event_id)
    )
