"""docs/integrators.md's agency subscriber (docs/examples/agency_subscriber.py), run as written against
a nats-server with the rendered permissions: it reads its agency's events only, applies each
dossier's events once in `dossierversion` order, and after downtime reads on from where it stopped;
a fetch that finds no server serving the consumer yet (a cluster, a moment after it is created)
waits."""

import asyncio
import importlib.util
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import nats
import pytest
from nats.js.api import AckPolicy, ConsumerConfig
from nats.js.errors import ServiceUnavailableError

from services.intake.models import messaging  # any outbox table: `row` writes none
from shared.clock import FixedClock
from shared.messaging.outbox import Outbox
from shared.messaging.streams import ensure_streams
from shared.messaging.subjects import dossier_subject

from .nats_auth import Server, authorized_nats

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "agency_subscriber.py"
CODE = "000.00.12.H57-261207-0001"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("agency_subscriber", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with authorized_nats(tmp_path_factory.mktemp("nats-agency"), ("VPDK", "THUE")) as running:
        yield running


def event(service: str, name: str, agency: str, version: int) -> tuple[str, str, str]:
    """(subject, message id, body) of `dossier.<name>` about CODE, as `service`'s outbox writes it."""
    outbox = Outbox(messaging.outbox, service, FixedClock(datetime(2026, 12, 7, 2, tzinfo=UTC)))
    cloud, row = outbox.row(
        name=f"dossier.{name}",
        topic=dossier_subject(agency, name),
        data={"code": CODE},
        subject=CODE,
        dossier_version=version,
    )
    return row["topic"], str(cloud.id), row["payload"]


async def publish(server: Server, events: list[tuple[str, str, str]]) -> None:
    """As intake's user, the way the relay publishes."""
    nc = await nats.connect(server.url, user="intake", password=server.passwords["intake"])
    try:
        js = nc.jetstream()
        await ensure_streams(js)
        for subject, message_id, body in events:
            await js.publish(subject, body.encode(), headers={"Nats-Msg-Id": message_id})
    finally:
        await nc.close()


async def test_the_agency_reads_its_own_events_once_in_order_and_resumes(server: Server) -> None:
    example = load_example()
    applied = example.Applied()

    async def read() -> int:
        return int(await example.read(server.url, "VPDK", server.passwords["agency_VPDK"], applied, idle=0.5))

    received = event("intake", "received", "VPDK", 2)
    assigned = event("routing", "step.assigned", "VPDK", 1)
    await publish(server, [received, assigned, event("routing", "step.assigned", "THUE", 1)])
    assert await read() == 2  # THUE's is not VPDK's to read

    # While the agency's system is down: routing goes on, and a stale copy of an applied event comes
    # (another message with an older version of the same source and dossier).
    accepted = event("routing", "step.accepted", "VPDK", 2)
    completed = event("routing", "step.completed", "VPDK", 3)
    stale = event("routing", "step.assigned", "VPDK", 1)
    await publish(server, [accepted, completed, stale])
    assert await read() == 3  # from where it stopped: nothing again, nothing missed
    assert await read() == 0

    seen = [(e["source"], e["type"], e["dossierversion"]) for e in applied.events]
    assert seen == [
        ("/motcua/intake", "vn.motcua.dossier.received.v1", 2),
        ("/motcua/routing", "vn.motcua.dossier.step.assigned.v1", 1),
        ("/motcua/routing", "vn.motcua.dossier.step.accepted.v1", 2),
        ("/motcua/routing", "vn.motcua.dossier.step.completed.v1", 3),
    ]
    assert applied.versions == {("/motcua/intake", CODE): 2, ("/motcua/routing", CODE): 3}
    assert {e["subject"] for e in applied.events} == {CODE}


async def test_a_fetch_waits_while_no_server_serves_the_consumer_yet(server: Server) -> None:
    """What a cluster of servers does for a moment after the consumer is created (they learn of it
    one after another), made to last here: the consumer deleted under the subscription, then made
    again."""
    example = load_example()
    await publish(server, [event("intake", "received", "THUE", 1)])
    agency = await nats.connect(
        server.url,
        user="agency_THUE",
        password=server.passwords["agency_THUE"],
        inbox_prefix="_INBOX.agency_THUE",
    )
    intake = await nats.connect(server.url, user="intake", password=server.passwords["intake"])
    try:

        async def subscribe() -> nats.js.JetStreamContext.PullSubscription:
            return await agency.jetstream().pull_subscribe(
                "dossier.THUE.>",
                durable="agency_THUE",
                stream=example.STREAM,
                config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT),
            )

        consumer = await subscribe()
        await intake.jetstream().delete_consumer(example.STREAM, "agency_THUE")
        with pytest.raises(ServiceUnavailableError):
            await consumer.fetch(1, timeout=0.5)

        waiting = asyncio.create_task(example.fetch(consumer, 0.5))
        await asyncio.sleep(1.0)
        assert not waiting.done()
        await subscribe()
        messages = await asyncio.wait_for(waiting, timeout=5)
        assert messages
        assert {m.subject.split(".")[1] for m in messages} == {"THUE"}
    finally:
        await intake.close()
        await agency.close()
