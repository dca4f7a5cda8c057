"""The relay's publish rate (target ≥ 1,500 events/s, in order) and the end-to-end latency from
outbox commit to consumer effect committed at 100 events/s (target p99 < 100 ms)."""

import asyncio
import json
import time
from typing import cast
from uuid import UUID

from nats.aio.msg import Msg
from sqlalchemy import insert

from bench.servers import bench_servers, percentile
from shared.clock import SystemClock
from shared.db.engine import make_engine, make_sessions, unit_of_work
from shared.messaging.consumer import Consumer
from shared.messaging.envelope import CloudEvent, event_type
from shared.tasks import cancel_and_wait
from tests.platform.toy import (
    connected,
    create_toy_schema,
    create_toy_stream,
    new_toy,
    record_note,
    toy_consumer,
    toy_outbox,
    toy_relay,
)

PUBLISH_EVENTS = 20_000
LATENCY_RATE = 100  # events/s
LATENCY_SECONDS = 20


def sample_event(i: int) -> CloudEvent:
    return CloudEvent(
        source="/motcua/intake",
        type=event_type("note.recorded"),
        subject=f"000.00.12.H57-210618-{i % 10000:04d}",
        time=SystemClock().now(),
        data={"n": i, "procedure": "DD-01", "field": "Đất đai", "agency": "VPDK", "level": 3},
    )


async def relay_rate(admin_url: str, nats_url: str) -> None:
    toy = new_toy()
    engine = make_engine(admin_url)
    await create_toy_schema(engine, toy)
    events = [sample_event(i) for i in range(PUBLISH_EVENTS)]
    async with unit_of_work(make_sessions(engine)) as session:
        await session.execute(
            insert(toy.tables.outbox),
            [
                {"event_id": e.id, "event_type": e.type, "topic": toy.topic, "payload": e.to_json()}
                for e in events
            ],
        )
    async with connected(admin_url, nats_url) as (sessions, link):
        await create_toy_stream(link, toy)
        relay = toy_relay(toy, admin_url, sessions, link)
        started = time.perf_counter()
        while await relay.publish_pending():
            pass
        elapsed = time.perf_counter() - started
        sub = await link.jetstream.subscribe(toy.topic, ordered_consumer=True)
        seen = []
        for _ in range(PUBLISH_EVENTS):
            msg = await sub.next_msg(timeout=5)
            seen.append(json.loads(msg.data)["data"]["n"])
        await sub.unsubscribe()
    await engine.dispose()
    in_order = seen == list(range(PUBLISH_EVENTS))
    print(
        f"relay: {PUBLISH_EVENTS} events in {elapsed:.2f} s = {PUBLISH_EVENTS / elapsed:,.0f} events/s; "
        f"stream order = outbox order: {in_order}"
    )


class TimedConsumer(Consumer):
    """Notes when each event's effect has committed (process returns after commit and ack)."""

    done: dict[UUID, float]
    expected: int
    all_done: asyncio.Event

    async def process(self, msg: Msg) -> None:
        await super().process(msg)
        self.done[UUID(json.loads(msg.data)["id"])] = time.perf_counter()
        if len(self.done) >= self.expected:
            self.all_done.set()


async def end_to_end_latency(admin_url: str, nats_url: str) -> None:
    toy = new_toy()
    engine = make_engine(admin_url)
    await create_toy_schema(engine, toy)
    await engine.dispose()
    async with connected(admin_url, nats_url) as (sessions, link):
        await create_toy_stream(link, toy)
        untimed = toy_consumer(toy, sessions, link)
        total = LATENCY_RATE * LATENCY_SECONDS
        untimed.__class__ = TimedConsumer  # the toy's consumer as built, its `process` timed
        consumer = cast(TimedConsumer, untimed)
        consumer.done, consumer.expected, consumer.all_done = {}, total, asyncio.Event()
        committed: dict[UUID, float] = {}
        workers = [
            asyncio.create_task(toy_relay(toy, admin_url, sessions, link).run()),
            asyncio.create_task(consumer.run()),
        ]
        outbox = toy_outbox(toy)
        start = time.perf_counter()
        for i in range(total):
            await asyncio.sleep(max(0.0, start + i / LATENCY_RATE - time.perf_counter()))
            async with unit_of_work(sessions) as session:
                event = await record_note(session, outbox, toy, f"ghi chú {i}")
            committed[event.id] = time.perf_counter()
        await asyncio.wait_for(consumer.all_done.wait(), 60)
        await cancel_and_wait(workers)
    latencies = [(consumer.done[i] - committed[i]) * 1000 for i in committed]
    print(
        f"end to end at {LATENCY_RATE} events/s for {LATENCY_SECONDS} s ({total} events): "
        f"p50 {percentile(latencies, 50):.1f} ms, p95 {percentile(latencies, 95):.1f} ms, "
        f"p99 {percentile(latencies, 99):.1f} ms, max {max(latencies):.1f} ms"
    )


async def run() -> None:
    async with bench_servers() as servers:
        await relay_rate(servers.admin_database_url, servers.nats_url)
        await end_to_end_latency(servers.admin_database_url, servers.nats_url)
