"""The reporting consumer applies a fetch in one transaction; a batch holding a malformed event falls
back to one event at a time, so the good events count and the bad one is dead-lettered."""

import asyncio
import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.app import read_models
from services.reporting.models import messaging
from services.reporting.readmodels import subscriptions
from shared.messaging.consumer import Consumer, Subscription
from shared.messaging.envelope import CloudEvent, event_type
from shared.messaging.streams import ensure_streams
from shared.messaging.subjects import StreamSpec
from tests.reporting.conftest import Reporting, eventually, fresh
from tests.reporting.timelines import Timeline, vn

PERIOD = (date(2021, 7, 1), date(2021, 12, 31))


STREAM = StreamSpec("RBATCHTEST", ("rbatchtest.>",), "reporting's batch consumer test")


async def test_a_batch_is_one_transaction_and_a_malformed_event_falls_back_to_one_at_a_time(
    reporting: Reporting,
) -> None:
    here: dict[str, Any] = {"procedure": fresh("P"), "field_code": fresh("F"), "agency": fresh("A")}

    def late() -> Timeline:
        return Timeline(**here, received=vn(2021, 8, 1), due=vn(2021, 8, 10), resolved=vn(2021, 8, 12))

    first = [late() for _ in range(3)]
    bad = CloudEvent(  # no procedure
        source="/motcua/intake",
        type=event_type("dossier.received"),
        subject=first[0].code,
        time=vn(2021, 8, 1),
        data={**first[0].identity().data(), "channel": "direct"},
    )
    # The service's handlers, on a stream of the test's own, so only this consumer sees the events.
    [dossiers] = [s for s in subscriptions(read_models()) if s.stream == "DOSSIERS"]
    assert dossiers.batch is not None
    batches: list[int] = []

    async def counting(events: Sequence[CloudEvent], session: AsyncSession) -> None:
        assert dossiers.batch is not None
        await dossiers.batch(events, session)
        batches.append(len(events))

    own = Subscription(
        stream=STREAM.name, subjects=STREAM.subjects, handlers=dossiers.handlers, batch=counting
    )
    link = reporting.app.state.runtime.link
    async with asyncio.timeout(10):
        await link.wait_connected()  # the app connects in the background; this test may run first
    await ensure_streams(link.jetstream, specs=(STREAM,))

    async def publish(events: list[CloudEvent]) -> None:
        for event in events:
            await link.jetstream.publish(f"rbatchtest.{event.type}", event.to_json().encode())

    async def resolved_late() -> int:
        body = await reporting.report(period=PERIOD, by="procedure")
        row = next((r for r in body["rows"] if r["key"] == here["procedure"]), None)
        return 0 if row is None else int(row["resolved_late"])

    await publish([*first[0].events(), bad, *first[1].events(), *first[2].events()])
    consumer = Consumer(
        service=f"test{uuid.uuid4().hex[:8]}",
        subscription=own,
        sessions=reporting.app.state.sessions,
        tables=messaging,
        link=link,
        batch_size=100,
    )
    running = asyncio.create_task(consumer.run())
    try:

        async def dead_lettered() -> bool:
            async with reporting.app.state.sessions() as session:
                found = await session.scalar(
                    select(messaging.dead_letter.c.id).where(messaging.dead_letter.c.event_id == str(bad.id))
                )
            return found is not None

        await eventually(dead_lettered)

        async def three() -> bool:
            return await resolved_late() == 3

        await eventually(three)

        second = [late() for _ in range(4)]
        await publish([e for t in second for e in t.events()])

        async def seven() -> bool:
            return await resolved_late() == 7

        await eventually(seven)
        assert max(batches) > 1, batches  # events of one fetch applied together
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await link.jetstream.delete_stream(STREAM.name)
