"""Nothing accepted is lost, nothing is applied twice: the outbox, the relay, the inbox, the dead letters."""

import json

import pytest
from sqlalchemy import select

from shared.db.engine import Sessions, unit_of_work
from shared.messaging.connection import NatsLink
from shared.messaging.envelope import event_type
from tests.conftest import Stack
from tests.platform.conftest import KILLED, drain, run_worker
from tests.platform.toy import Toy, count, record_note, toy_consumer, toy_outbox, toy_relay


async def stream_count(link: NatsLink, toy: Toy) -> int:
    return int((await link.jetstream.stream_info(toy.stream)).state.messages)


async def test_a_rolled_back_change_leaves_no_event_and_a_committed_one_is_published(
    stack: Stack, toy: Toy, toy_io: tuple[Sessions, NatsLink]
) -> None:
    sessions, link = toy_io
    outbox = toy_outbox(toy)

    async def failing_use_case() -> None:
        async with unit_of_work(sessions) as session:
            await record_note(session, outbox, toy, "Nguyễn Văn A")
            raise RuntimeError("the use case failed after writing")

    with pytest.raises(RuntimeError, match="the use case failed"):
        await failing_use_case()
    assert await count(sessions, toy.notes) == 0
    assert await count(sessions, toy.tables.outbox) == 0

    async with unit_of_work(sessions) as session:
        event = await record_note(session, outbox, toy, "Trần Thị Bích")
    relay = toy_relay(toy, stack.admin_database_url, sessions, link)
    assert await relay.publish_pending() == 1
    assert await stream_count(link, toy) == 1
    stored = await link.jetstream.get_msg(toy.stream, 1)
    assert stored.headers is not None
    assert stored.headers["Nats-Msg-Id"] == str(event.id)
    assert stored.data is not None
    envelope = json.loads(stored.data)
    assert envelope["type"] == event_type("note.recorded")
    assert envelope["data"]["body"] == "Trần Thị Bích"
    assert envelope["specversion"] == "1.0"


async def test_relay_killed_after_commit_and_before_publish_publishes_after_restart(
    stack: Stack, toy: Toy, toy_io: tuple[Sessions, NatsLink]
) -> None:
    sessions, link = toy_io
    async with unit_of_work(sessions) as session:
        await record_note(session, toy_outbox(toy), toy, "hồ sơ đất đai")

    assert run_worker(stack, toy, "relay", crash_at="relay.before_publish") == KILLED
    assert await stream_count(link, toy) == 0

    assert run_worker(stack, toy, "relay") == 0
    assert await stream_count(link, toy) == 1
    await drain(toy_consumer(toy, sessions, link), link, toy.stream)
    assert await count(sessions, toy.effects) == 1


async def test_consumer_killed_after_its_effect_committed_changes_nothing_on_redelivery(
    stack: Stack, toy: Toy, toy_io: tuple[Sessions, NatsLink]
) -> None:
    sessions, link = toy_io
    async with unit_of_work(sessions) as session:
        await record_note(session, toy_outbox(toy), toy, "hộ tịch")
    await toy_relay(toy, stack.admin_database_url, sessions, link).publish_pending()

    assert run_worker(stack, toy, "consume", crash_at="consumer.after_commit", ack_wait=1.0) == KILLED
    assert await count(sessions, toy.effects) == 1
    consumer = toy_consumer(toy, sessions, link, ack_wait=1.0)
    unacked = await link.jetstream.consumer_info(toy.stream, consumer.durable)
    assert unacked.num_ack_pending == 1

    await drain(consumer, link, toy.stream)
    info = await link.jetstream.consumer_info(toy.stream, consumer.durable)
    assert info.delivered.consumer_seq >= 2, "the event must have been delivered again"
    assert await count(sessions, toy.effects) == 1
    assert await count(sessions, toy.tables.inbox) == 1


async def test_poison_messages_are_dead_lettered_and_do_not_block_the_ones_behind(
    stack: Stack, toy: Toy, toy_io: tuple[Sessions, NatsLink]
) -> None:
    sessions, link = toy_io
    await link.jetstream.publish(f"{toy.subject_prefix}.garbage", b"{not json")
    outbox = toy_outbox(toy)
    async with unit_of_work(sessions) as session:
        poisoned = await record_note(session, outbox, toy, "độc", poison=True)
        good = await record_note(session, outbox, toy, "lành")
    await toy_relay(toy, stack.admin_database_url, sessions, link).publish_pending()

    await drain(toy_consumer(toy, sessions, link), link, toy.stream)

    async with sessions() as session:
        applied = (await session.scalars(select(toy.effects.c.event_id))).all()
        dead = (await session.execute(select(toy.tables.dead_letter))).all()
    assert applied == [good.id]
    assert sorted((row.event_id or "", row.topic) for row in dead) == sorted(
        [("", f"{toy.subject_prefix}.garbage"), (str(poisoned.id), toy.topic)]
    )
    assert all(row.error for row in dead)
