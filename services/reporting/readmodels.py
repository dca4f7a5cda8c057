"""The read models of the reporting service, and what the consumers and the rebuild need of each.

A `ReadModel` names its tables (what a rebuild refills) and its handlers per stream and event type.
The service has one durable consumer per stream, so `subscriptions` merges the models: the union of
their subjects, and per event type every model's handler in turn, in one transaction with the inbox
row. Each handler is guarded by the rebuild's lock (shared: handlers never wait for each other), so a
rebuild can hold the live consumers still for the moment it swaps the tables.

A model's handlers must be idempotent by state, not only through the inbox: keyed by the ids the
events carry, setting what each event owns. A rebuild hands the consumers tables that already hold
the events it read, and those events may be delivered again (the inbox knew only the old tables).
"""

import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Protocol

from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.lag import Lag
from shared.messaging.consumer import BatchHandler, Handler, Subscription
from shared.messaging.envelope import CloudEvent

# Live handlers and reports hold it shared, the rebuild exclusively while it catches up and swaps.
REBUILD_LOCK = zlib.crc32(b"motcua.reporting.rebuild")
# The read models' tables live in LIVE_SCHEMA; a rebuild fills copies in REBUILD_SCHEMA, then swaps.
LIVE_SCHEMA: Final = "reporting"
REBUILD_SCHEMA: Final = "reporting_rebuild"


class Rebuilder(Protocol):
    """A faster way than one handler call per event to fill a model's tables during a rebuild."""

    async def apply(self, session: AsyncSession, events: Sequence[CloudEvent]) -> None:
        """Apply a batch of the stream's events, in stream order, to the rebuild's tables."""

    async def settle(self, session: AsyncSession) -> None:
        """Write whatever is held in memory; every later `apply` must write through."""


@dataclass(frozen=True)
class ReadModel:
    name: str
    tables: Sequence[Table]
    # stream -> (subjects, handlers by event type)
    handlers: Mapping[str, tuple[Sequence[str], Mapping[str, Handler]]]
    # Optional: the model's events of a whole fetch at once (per stream), for the live consumers;
    # without it, its handlers are called event by event inside the batch's transaction.
    batch: Mapping[str, BatchHandler] = field(default_factory=dict)
    # Optional fast path for the rebuild; without it, the rebuild calls the handlers event by event.
    rebuilder: Callable[[], Rebuilder] | None = field(default=None)

    @property
    def streams(self) -> tuple[str, ...]:
        return tuple(self.handlers)


def guarded(handler: Handler) -> Handler:
    async def handle(event: CloudEvent, session: AsyncSession) -> None:
        await session.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": REBUILD_LOCK})
        await handler(event, session)

    return handle


def _in_turn(handlers: Sequence[Handler]) -> Handler:
    if len(handlers) == 1:
        return handlers[0]

    async def handle(event: CloudEvent, session: AsyncSession) -> None:
        for handler in handlers:
            await handler(event, session)

    return handle


def merged_handlers(models: Sequence[ReadModel]) -> dict[str, tuple[tuple[str, ...], dict[str, Handler]]]:
    """Per stream: every model's subjects, and per event type the models' handlers in turn."""
    subjects: dict[str, list[str]] = {}
    by_type: dict[str, dict[str, list[Handler]]] = {}
    for model in models:
        for stream, (model_subjects, handlers) in model.handlers.items():
            wanted = subjects.setdefault(stream, [])
            wanted.extend(s for s in model_subjects if s not in wanted)
            for type_, handler in handlers.items():
                by_type.setdefault(stream, {}).setdefault(type_, []).append(handler)
    return {
        stream: (tuple(subjects[stream]), {t: _in_turn(hs) for t, hs in by_type.get(stream, {}).items()})
        for stream in subjects
    }


def subscriptions(models: Sequence[ReadModel], lag: Lag | None = None) -> list[Subscription]:
    """One subscription per stream for the service's durable consumers, each handler guarded; a
    fetch is applied in one transaction (`merged_batch`), one event at a time if that fails."""
    out = []
    for stream, (subjects, handlers) in merged_handlers(models).items():
        wrapped = {t: _observed(guarded(h), stream, lag) for t, h in handlers.items()}
        batch = merged_batch(models, stream, lag)
        out.append(Subscription(stream=stream, subjects=subjects, handlers=wrapped, batch=batch))
    return out


def merged_batch(models: Sequence[ReadModel], stream: str, lag: Lag | None = None) -> BatchHandler:
    """Every model's share of a batch of `stream`'s events: by its batch handler, or event by event."""

    async def handle(events: Sequence[CloudEvent], session: AsyncSession) -> None:
        await session.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": REBUILD_LOCK})
        for model in models:
            if stream not in model.handlers:
                continue
            handlers = model.handlers[stream][1]
            mine = [e for e in events if e.type in handlers]
            if not mine:
                continue
            if stream in model.batch:
                await model.batch[stream](mine, session)
            else:
                for event in mine:
                    await handlers[event.type](event, session)
        if lag is not None and events:
            lag.applied(stream, max(e.time for e in events))

    return handle


def _observed(handler: Handler, stream: str, lag: Lag | None) -> Handler:
    if lag is None:
        return handler

    async def handle(event: CloudEvent, session: AsyncSession) -> None:
        await handler(event, session)
        lag.applied(stream, event.time)

    return handle


def all_tables(models: Sequence[ReadModel]) -> list[Table]:
    seen: list[Table] = []
    for model in models:
        seen.extend(t for t in model.tables if t not in seen)
    return seen
