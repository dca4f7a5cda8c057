"""The relay's leadership and retention, and a consumer that gives up on a broken handler."""

import asyncio
import os
import socket
from datetime import datetime, timedelta

import asyncpg
import pytest
from sqlalchemy import select, update

from shared.clock import FixedClock, SystemClock
from shared.db.engine import Sessions, asyncpg_dsn, unit_of_work
from shared.leadership import lock_key
from shared.messaging.connection import NatsLink
from shared.messaging.relay import TERM_HEADER, PublishFailed, Relay
from shared.tasks import cancel_and_wait
from tests.conftest import Stack
from tests.platform.conftest import drain
from tests.platform.toy import Toy, count, record_note, toy_consumer, toy_outbox, toy_relay


async def test_only_one_relay_leads_and_another_takes_over_when_it_stops(
    stack: Stack, toy: Toy, toy_io: tuple[Sessions, NatsLink]
) -> None:
    sessions, link = toy_io
    relays = [toy_relay(toy, stack.admin_database_url, sessions, link) for _ in range(2)]
    tasks = [asyncio.create_task(relay.run()) for relay in relays]
    try:
        for _ in range(50):
            await asyncio.sleep(0.1)
            if any(relay.is_leader for relay in relays):
                break
        assert [relay.is_leader for relay in relays].count(True) == 1
        leader = next(i for i, relay in enumerate(relays) if relay.is_leader)
        await cancel_and_wait([tasks[leader]])
        follower = relays[1 - leader]
        for _ in range(50):
            await asyncio.sleep(0.1)
            if follower.is_leader:
                break
        assert follower.is_leader

        async with unit_of_work(sessions) as session:
            await record_note(session, toy_outbox(toy), toy, "sau khi đổi người dẫn")
        for _ in range(50):
            await asyncio.sleep(0.1)
            if (await link.jetstream.stream_info(toy.stream)).state.messages == 1:
                break
        assert (await link.jetstream.stream_info(toy.stream)).state.messages == 1
        # The message names the leader's term; the lock's connection names the leading process.
        stored = await link.jetstream.get_msg(toy.stream, 1)
        assert stored.headers is not None
        assert follower.term is not None
        assert stored.headers[TERM_HEADER] == follower.term
        began, process = follower.term.split(" ")
        assert datetime.strptime(began, "%Y-%m-%dT%H:%M:%S.%fZ")
        assert process == f"{socket.gethostname()}:{os.getpid()}"
        admin = await asyncpg.connect(asyncpg_dsn(stack.admin_database_url))
        try:
            holders = await admin.fetch(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.objid = $1",
                lock_key("relay", toy.schema),
            )
        finally:
            await admin.close()
        assert [h["application_name"] for h in holders] == [f"motcua {toy.schema} relay {process}"]
    finally:
        await cancel_and_wait(tasks)


async def test_sent_rows_are_kept_for_the_retention_period_then_purged(
    stack: Stack, toy: Toy, toy_io: tuple[Sessions, NatsLink]
) -> None:
    sessions, link = toy_io
    async with unit_of_work(sessions) as session:
        old = await record_note(session, toy_outbox(toy), toy, "cũ")
        await record_note(session, toy_outbox(toy), toy, "mới")
    await toy_relay(toy, stack.admin_database_url, sessions, link).publish_pending()
    outbox = toy.tables.outbox
    now = SystemClock().now()
    async with unit_of_work(sessions) as session:
        await session.execute(
            update(outbox).where(outbox.c.event_id == old.id).values(sent_at=now - timedelta(days=8))
        )

    def relay_at(retention_days: int) -> Relay:
        return Relay(
            service=toy.schema,
            database_url=stack.admin_database_url,
            sessions=sessions,
            tables=toy.tables,
            link=link,
            clock=FixedClock(now),
            retention=timedelta(days=retention_days),
        )

    assert await relay_at(30).purge_sent() == 0
    assert await relay_at(7).purge_sent() == 1
    async with sessions() as session:
        kept = (await session.scalars(select(outbox.c.payload))).all()
    assert len(kept) == 1
    assert "mới" in kept[0]


async def test_a_handler_that_keeps_failing_is_dead_lettered_after_five_attempts(
    stack: Stack, toy: Toy, toy_io: tuple[Sessions, NatsLink]
) -> None:
    sessions, link = toy_io
    async with unit_of_work(sessions) as session:
        broken = await record_note(session, toy_outbox(toy), toy, "lỗi", fail=True)
        fine = await record_note(session, toy_outbox(toy), toy, "ổn")
    await toy_relay(toy, stack.admin_database_url, sessions, link).publish_pending()

    await drain(toy_consumer(toy, sessions, link, retry_base=0.01), link, toy.stream)

    async with sessions() as session:
        applied = (await session.scalars(select(toy.effects.c.event_id))).all()
        dead = (await session.execute(select(toy.tables.dead_letter))).one()
    assert applied == [fine.id]
    assert dead.event_id == str(broken.id)
    assert dead.deliveries == 5
    assert "ValueError" in dead.error
    assert await count(sessions, toy.tables.inbox) == 1


async def test_an_outage_longer_than_max_deliver_holds_the_event_and_costs_no_delivery(
    stack: Stack, toy: Toy, toy_io: tuple[Sessions, NatsLink]
) -> None:
    """A nak per failed attempt would reach max_deliver, after which JetStream never delivers the
    event again: lost. Held in place, it is applied once the database answers, on its first delivery."""
    sessions, link = toy_io
    async with unit_of_work(sessions) as session:
        held = await record_note(session, toy_outbox(toy), toy, "chờ cơ sở dữ liệu", unreachable=8)
    await toy_relay(toy, stack.admin_database_url, sessions, link).publish_pending()

    consumer = toy_consumer(toy, sessions, link, retry_base=0.01, max_deliver=3)
    await drain(consumer, link, toy.stream)

    async with sessions() as session:
        applied = (await session.scalars(select(toy.effects.c.event_id))).all()
        letters = (await session.execute(select(toy.tables.dead_letter))).all()
    assert applied == [held.id]
    assert letters == []
    info = await link.jetstream.consumer_info(toy.stream, consumer.durable)
    assert info.num_redelivered == 0


async def test_a_release_that_reads_more_subjects_hears_the_events_it_missed_and_applies_none_twice(
    stack: Stack, toy: Toy, toy_io: tuple[Sessions, NatsLink]
) -> None:
    """An existing durable keeps the filter it was made with; a release that reads another subject
    (reporting's units, survey's calendar) would never hear it, not even the events already there."""
    sessions, link = toy_io
    outbox = toy_outbox(toy)
    late_subject = f"{toy.subject_prefix}.late.recorded"
    async with unit_of_work(sessions) as session:
        first = await record_note(session, outbox, toy, "một")
        late = await outbox.add(session, name="note.recorded", topic=late_subject, data={"body": "hai"})
    await toy_relay(toy, stack.admin_database_url, sessions, link).publish_pending()

    await drain(toy_consumer(toy, sessions, link, subjects=(toy.topic,)), link, toy.stream)
    await drain(toy_consumer(toy, sessions, link, subjects=(toy.topic, late_subject)), link, toy.stream)

    async with sessions() as session:
        applied = (await session.scalars(select(toy.effects.c.event_id).order_by(toy.effects.c.id))).all()
    assert applied == [first.id, late.id]
    assert await count(sessions, toy.tables.inbox) == 2


async def test_a_publish_no_stream_takes_is_counted_on_its_row_and_the_rows_before_it_are_sent(
    stack: Stack, toy: Toy, toy_io: tuple[Sessions, NatsLink]
) -> None:
    sessions, link = toy_io
    outbox = toy_outbox(toy)
    async with unit_of_work(sessions) as session:
        await record_note(session, outbox, toy, "trước")
        stray = await outbox.add(session, name="note.recorded", topic="nowhere.note", data={"body": "lạc"})
        await record_note(session, outbox, toy, "sau")
    with pytest.raises(PublishFailed):
        await toy_relay(toy, stack.admin_database_url, sessions, link).publish_pending()
    table = toy.tables.outbox
    async with unit_of_work(sessions) as session:
        rows = (await session.execute(select(table).order_by(table.c.id))).all()
    assert [(r.event_id == stray.id, r.sent_at is not None, r.attempts) for r in rows] == [
        (False, True, 0),
        (True, False, 1),
        (False, False, 0),  # after the failure: left for the next batch, in order
    ]
    assert rows[1].last_error
