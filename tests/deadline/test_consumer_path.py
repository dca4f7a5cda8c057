"""The running service end to end: events published on the streams reach deadline's durable consumers
(DOSSIERS and CATALOG), and its own decisions leave through the outbox relay."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import select

from services.deadline.models import messaging
from shared.messaging.envelope import CloudEvent, event_type
from shared.messaging.subjects import dossier_subject
from tests.conftest import Stack
from tests.deadline.conftest import Deadline, agency, new_dossier, procedure_code, procedure_snapshot, vn
from tests.platform.toy import connected_link


async def _publish(stack: Stack, subject: str, *events: CloudEvent) -> None:
    async with connected_link(stack.nats_url) as link:
        for event in events:
            await link.jetstream.publish(
                subject, event.to_json().encode(), headers={"Nats-Msg-Id": str(event.id)}
            )


async def _eventually(check: Callable[[], Awaitable[bool]], seconds: float = 20.0) -> None:
    """Wait for the background consumer (it may first catch up with the stream's earlier events)."""
    for _ in range(int(seconds / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the running service did not get there in time")


async def test_the_running_consumers_follow_the_streams_and_the_relay_publishes_the_decision(
    deadline: Deadline, stack: Stack
) -> None:
    async def streams_ready() -> bool:
        return bool(deadline.app.state.runtime.streams_ready)

    await _eventually(streams_ready)
    code = procedure_code()
    published = CloudEvent(
        source="/motcua/intake",
        type=event_type("catalog.procedure.published"),
        time=datetime.now().astimezone(),
        data=procedure_snapshot(code, agency("VPDK"), processing_days="3").data(),
    )
    await _publish(stack, "catalog.procedure.published", published)

    async def procedure_known() -> bool:
        response = await deadline.http.get(
            "/v1/calendar/due",
            params={"start": "2021-06-21T09:00:00+07:00", "procedure": code},
            headers=deadline.auth("reception"),
        )
        return response.status_code == 200

    await _eventually(procedure_known)

    d = new_dossier()
    assigned = d.assigned(d.lead, position=1, days="10", assigned=d.received_at, due=d.due_at)
    await _publish(stack, dossier_subject(d.lead, "received"), d.received())
    await _publish(stack, dossier_subject(d.lead, "step.assigned"), assigned)
    await _publish(
        stack,
        dossier_subject(d.lead, "extension_requested"),
        d.extension_requested(d.lead, vn(2021, 6, 28, 9)),
    )

    async def decision_sent() -> bool:
        outbox = messaging.outbox
        async with deadline.app.state.sessions() as session:
            sent = await session.scalar(
                select(outbox.c.sent_at).where(
                    outbox.c.topic == f"dossier.{d.lead}.extension_granted",
                    outbox.c.payload.contains(f'"subject":"{d.code}"'),
                )
            )
        return sent is not None

    await _eventually(decision_sent)
    body = await deadline.clocks(d.code)
    assert body["steps"][0]["extended_due_at"] is not None
