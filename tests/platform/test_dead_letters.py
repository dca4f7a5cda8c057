"""Dead letters: written once per message, then re-driven once through the inbox, or discarded."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from shared.db.engine import Sessions, unit_of_work
from shared.errors import Problem
from shared.messaging.connection import NatsLink
from shared.messaging.dead_letters import DeadLetters
from shared.messaging.envelope import CloudEvent, event_type
from tests.conftest import Stack
from tests.platform.conftest import KILLED, drain, run_worker
from tests.platform.toy import Toy, count, record_note, toy_consumer, toy_outbox, toy_relay

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def note(body: str, **extra: object) -> CloudEvent:
    return CloudEvent(
        source="/motcua/toy", type=event_type("note.recorded"), time=NOW, data={"body": body, **extra}
    )


async def letter_of(sessions: Sessions, toy: Toy, payload: str, event_id: str | None) -> int:
    """A dead letter as the consumer writes one, for a message that failed before a fix."""
    async with unit_of_work(sessions) as session:
        letter_id: int = await session.scalar(
            insert(toy.tables.dead_letter)
            .values(
                event_id=event_id,
                topic=toy.topic,
                stream_sequence=1,
                deliveries=5,
                payload=payload,
                error="x",
            )
            .returning(toy.tables.dead_letter.c.id)
        )
    return letter_id


async def test_a_consumer_killed_between_dead_letter_and_term_writes_the_letter_once(
    stack: Stack, toy: Toy, toy_io: tuple[Sessions, NatsLink]
) -> None:
    sessions, link = toy_io
    await link.jetstream.publish(f"{toy.subject_prefix}.garbage", b"{not json")
    async with unit_of_work(sessions) as session:
        poisoned = await record_note(session, toy_outbox(toy), toy, "độc", poison=True)
    await toy_relay(toy, stack.admin_database_url, sessions, link).publish_pending()

    # Killed after the dead-letter commit and before term(): NATS delivers the message again.
    assert run_worker(stack, toy, "consume", crash_at="consumer.after_dead_letter", ack_wait=1.0) == KILLED
    await drain(toy_consumer(toy, sessions, link, ack_wait=1.0), link, toy.stream)

    async with sessions() as session:
        letters = (await session.execute(select(toy.tables.dead_letter))).all()
    assert sorted(row.event_id or "" for row in letters) == sorted(["", str(poisoned.id)])


async def test_a_redriven_letter_is_applied_once_through_the_inbox_and_resolved(
    toy: Toy, toy_io: tuple[Sessions, NatsLink]
) -> None:
    sessions, link = toy_io
    letters = DeadLetters(toy.tables.dead_letter, [toy_consumer(toy, sessions, link)], sessions)
    event = note("hồ sơ sau khi sửa lỗi")
    letter_id = await letter_of(sessions, toy, event.to_json(), str(event.id))

    assert await letters.redrive(letter_id, by="admin-1", at=NOW) == "applied"

    assert await count(sessions, toy.effects) == 1
    assert await count(sessions, toy.tables.inbox) == 1
    letter = await letters.one(letter_id)
    assert (letter.resolution, letter.resolved_by, letter.resolved_at) == ("redriven", "admin-1", NOW)
    with pytest.raises(Problem) as again:
        await letters.redrive(letter_id, by="admin-1", at=NOW)
    assert (again.value.status, again.value.code) == (409, "dead_letter_resolved")
    assert await count(sessions, toy.effects) == 1
    assert await letters.count_open() == 0


async def test_a_letter_whose_event_the_inbox_already_holds_is_resolved_without_applying_it_again(
    toy: Toy, toy_io: tuple[Sessions, NatsLink]
) -> None:
    sessions, link = toy_io
    consumer = toy_consumer(toy, sessions, link)
    letters = DeadLetters(toy.tables.dead_letter, [consumer], sessions)
    event = note("đã áp dụng")
    assert await consumer.apply(event) is True  # e.g. a re-drive that crashed before resolving
    letter_id = await letter_of(sessions, toy, event.to_json(), str(event.id))

    assert await letters.redrive(letter_id, by="admin-1", at=NOW) == "already_applied"

    assert await count(sessions, toy.effects) == 1
    assert (await letters.one(letter_id)).resolution == "redriven"


async def test_a_letter_that_fails_again_stays_open_and_changes_nothing(
    toy: Toy, toy_io: tuple[Sessions, NatsLink]
) -> None:
    sessions, link = toy_io
    letters = DeadLetters(toy.tables.dead_letter, [toy_consumer(toy, sessions, link)], sessions)
    event = note("vẫn lỗi", fail=True)
    letter_id = await letter_of(sessions, toy, event.to_json(), str(event.id))

    with pytest.raises(Problem) as failed:
        await letters.redrive(letter_id, by="admin-1", at=NOW)

    assert (failed.value.status, failed.value.code) == (409, "redrive_failed")
    assert await count(sessions, toy.effects) == 0
    assert await count(sessions, toy.tables.inbox) == 0
    assert (await letters.one(letter_id)).resolved_at is None


async def test_a_message_that_is_no_event_cannot_be_redriven_but_can_be_discarded(
    toy: Toy, toy_io: tuple[Sessions, NatsLink]
) -> None:
    sessions, link = toy_io
    letters = DeadLetters(toy.tables.dead_letter, [toy_consumer(toy, sessions, link)], sessions)
    letter_id = await letter_of(sessions, toy, "{not json", None)

    with pytest.raises(Problem) as refused:
        await letters.redrive(letter_id, by="admin-1", at=NOW)
    assert (refused.value.status, refused.value.code) == (409, "not_redrivable")

    await letters.discard(letter_id, by="admin-2", at=NOW)
    letter = await letters.one(letter_id)
    assert (letter.resolution, letter.resolved_by) == ("discarded", "admin-2")
    assert [row.id for row in await letters.page(state="resolved", after=None, limit=10)] == [letter_id]
    assert await letters.page(state="open", after=None, limit=10) == []


@pytest.mark.parametrize("is_event", [True, False])
async def test_the_table_holds_one_letter_per_message(
    toy: Toy, toy_io: tuple[Sessions, NatsLink], is_event: bool
) -> None:
    """What the consumer's ON CONFLICT DO NOTHING relies on: a second row for the same event id, or
    for the same stream position of a message that is no event, trips a unique index."""
    sessions, _ = toy_io
    event = note("một lần")
    payload, event_id = (event.to_json(), str(event.id)) if is_event else ("{not json", None)
    await letter_of(sessions, toy, payload, event_id)

    with pytest.raises(IntegrityError):
        await letter_of(sessions, toy, payload, event_id)
    assert await count(sessions, toy.tables.dead_letter) == 1
