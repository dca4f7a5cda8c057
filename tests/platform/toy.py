"""A toy service for the platform tests: it records notes and emits `note.recorded`; its consumer
writes one `effects` row per event it applies, so a double application shows up as two rows."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from nats.js.api import StreamConfig
from sqlalchemy import BigInteger, Column, Identity, Table, Text, Uuid, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from shared.clock import SystemClock
from shared.db.engine import Sessions, make_engine, make_sessions
from shared.db.metadata import service_metadata
from shared.messaging.connection import NatsLink
from shared.messaging.consumer import Consumer, Handler, PoisonEvent, Subscription
from shared.messaging.envelope import CloudEvent, event_type
from shared.messaging.outbox import Outbox
from shared.messaging.relay import Relay
from shared.messaging.tables import MessagingTables, messaging_tables, outbox_trigger_ddl


@dataclass(frozen=True)
class Toy:
    suffix: str
    schema: str
    stream: str
    subject_prefix: str
    notes: Table
    effects: Table
    tables: MessagingTables

    @property
    def topic(self) -> str:
        return f"{self.subject_prefix}.note.recorded"


def new_toy(suffix: str | None = None) -> Toy:
    """A fresh toy (new schema and stream names), or the one named by `suffix` (for a worker process)."""
    suffix = suffix or uuid.uuid4().hex[:10]
    schema = f"toy_{suffix}"
    metadata = service_metadata(schema)
    notes = Table(
        "notes", metadata, Column("id", BigInteger, Identity(), primary_key=True), Column("body", Text)
    )
    effects = Table(
        "effects",
        metadata,
        Column("id", BigInteger, Identity(), primary_key=True),
        Column("event_id", Uuid, nullable=False),
        Column("body", Text),
    )
    return Toy(
        suffix, schema, f"TOY_{suffix.upper()}", f"toy{suffix}", notes, effects, messaging_tables(metadata)
    )


async def create_toy_schema(engine: AsyncEngine, toy: Toy) -> None:
    async with engine.begin() as conn:
        await conn.exec_driver_sql(f"CREATE SCHEMA {toy.schema}")
        assert toy.notes.metadata is not None
        await conn.run_sync(toy.notes.metadata.create_all)
        for statement in outbox_trigger_ddl(toy.schema):
            await conn.exec_driver_sql(statement)


async def create_toy_stream(link: NatsLink, toy: Toy) -> None:
    await link.jetstream.add_stream(
        StreamConfig(name=toy.stream, subjects=[f"{toy.subject_prefix}.>"], duplicate_window=600)
    )


async def record_note(
    session: AsyncSession, outbox: Outbox, toy: Toy, body: str, **extra: object
) -> CloudEvent:
    """The toy's use case: a state change and its event, in the caller's transaction."""
    await session.execute(insert(toy.notes).values(body=body))
    return await outbox.add(session, name="note.recorded", topic=toy.topic, data={"body": body, **extra})


def effect_handler(toy: Toy) -> Handler:
    outages: dict[Any, int] = {}

    async def handle(event: CloudEvent, session: AsyncSession) -> None:
        # `unreachable: n`: the first n attempts find the database away, as during an outage.
        outages.setdefault(event.id, int(event.data.get("unreachable", 0)))
        if outages[event.id] > 0:
            outages[event.id] -= 1
            raise ConnectionRefusedError("the toy's database is away")
        await session.execute(insert(toy.effects).values(event_id=event.id, body=event.data.get("body")))
        if event.data.get("poison"):
            raise PoisonEvent("the toy refuses poisoned notes")
        if event.data.get("fail"):
            raise ValueError("the toy's handler has a bug for this note")

    return handle


def toy_outbox(toy: Toy) -> Outbox:
    return Outbox(toy.tables.outbox, "toy", SystemClock())


def toy_relay(toy: Toy, database_url: str, sessions: Sessions, link: NatsLink) -> Relay:
    return Relay(
        service=toy.schema,
        database_url=database_url,
        sessions=sessions,
        tables=toy.tables,
        link=link,
        clock=SystemClock(),
        poll_seconds=0.2,
    )


def toy_consumer(
    toy: Toy,
    sessions: Sessions,
    link: NatsLink,
    *,
    ack_wait: float = 30.0,
    retry_base: float = 0.5,
    max_deliver: int = 100,
    subjects: tuple[str, ...] = (),
) -> Consumer:
    subscription = Subscription(
        stream=toy.stream,
        subjects=subjects or (f"{toy.subject_prefix}.>",),
        handlers={event_type("note.recorded"): effect_handler(toy)},
    )
    return Consumer(
        service=toy.schema,
        subscription=subscription,
        sessions=sessions,
        tables=toy.tables,
        link=link,
        ack_wait=ack_wait,
        retry_base=retry_base,
        max_deliver=max_deliver,
    )


@asynccontextmanager
async def connected_link(nats_url: str) -> AsyncIterator[NatsLink]:
    link = NatsLink(nats_url, "test")
    await link.connect_forever()
    try:
        yield link
    finally:
        await link.close()


async def publish_to(app: Any, nats_url: str, *messages: tuple[str, CloudEvent]) -> None:
    """Publish (subject, event) pairs on JetStream as another service's relay would (deduplicated by
    id), once `app` has made its streams and durable consumers."""
    for _ in range(200):
        if app.state.runtime.streams_ready:
            break
        await asyncio.sleep(0.05)
    async with connected_link(nats_url) as link:
        for subject, event in messages:
            await link.jetstream.publish(
                subject, event.to_json().encode(), headers={"Nats-Msg-Id": str(event.id)}
            )


@asynccontextmanager
async def connected(database_url: str, nats_url: str) -> AsyncIterator[tuple[Sessions, NatsLink]]:
    engine = make_engine(database_url, pool_size=4)
    link = NatsLink(nats_url, "toy")
    await link.connect_forever()
    try:
        yield make_sessions(engine), link
    finally:
        await link.close()
        await engine.dispose()


async def count(sessions: Sessions, table: Table) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)
