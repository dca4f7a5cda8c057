"""An agency's system reading its own dossiers' events from motcua (docs/integrators.md).

Run it as the agency's NATS user:

    python docs/examples/agency_subscriber.py nats://nats.example:4222 VPDK "$NATS_PASSWORD_VPDK"

It reads through the agency's one durable consumer, `agency_<AGENCY>` on the stream DOSSIERS, which
the server remembers: stopped for an hour (or a week, within the stream's retention), it goes on from
the first event it had not acknowledged. It acknowledges an event only once it has applied it, so
an event can come twice (after a crash between the two); and it applies each dossier's events in
the order of their `dossierversion`, once: a version it has already applied is skipped.
"""

import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import nats
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NoMessages
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig
from nats.js.errors import ServiceUnavailableError

STREAM = "DOSSIERS"
# How long a fetch may find no server serving the consumer before it is an outage (see `fetch`).
UNSERVED_FOR = 10.0


@dataclass
class Applied:
    """What the agency's system has applied. A real one keeps `versions` in its own database, written
    in the same transaction as what it does with each event."""

    versions: dict[tuple[str, str], int] = field(default_factory=dict)  # (source, dossier code) → version
    events: list[dict[str, Any]] = field(default_factory=list)

    def apply(self, event: dict[str, Any]) -> bool:
        """Applies `event` unless it is one already applied; True when applied. Each service that
        emits (`source`) counts its own versions of a dossier (`subject`: its code)."""
        key = (event["source"], event["subject"])
        if event["dossierversion"] <= self.versions.get(key, 0):
            return False  # delivered again: applied already
        self.versions[key] = event["dossierversion"]
        self.events.append(event)  # here: update the agency's own records
        return True


async def read(url: str, agency: str, password: str, applied: Applied, *, idle: float = 2.0) -> int:
    """Reads until no event has come for `idle` seconds; returns how many were delivered."""
    nc = await nats.connect(
        url,
        user=f"agency_{agency}",
        password=password,
        # The agency's user may only receive on its own inbox prefix.
        inbox_prefix=f"_INBOX.agency_{agency}",
    )
    try:
        js = nc.jetstream()
        # Creates the agency's consumer the first time, binds to it after that.
        consumer = await js.pull_subscribe(
            f"dossier.{agency}.>",
            durable=f"agency_{agency}",
            stream=STREAM,
            config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT),
        )
        delivered = 0
        while True:
            try:
                messages = await fetch(consumer, idle)
            except NoMessages:
                return delivered
            for message in messages:
                applied.apply(json.loads(message.data))
                await message.ack_sync()
                delivered += 1
    finally:
        await nc.close()


async def fetch(consumer: JetStreamContext.PullSubscription, idle: float) -> list[Msg]:
    """Up to 100 messages, waiting `idle` seconds for the first. On a cluster the consumer lives on
    one server, and the server this client is on learns of it a moment after it is created: a fetch
    in between finds no one to serve it (ServiceUnavailableError, a few first reads in a hundred on
    three servers). That is waited out; past `UNSERVED_FOR` seconds it is an outage, and raises."""
    give_up = time.monotonic() + UNSERVED_FOR
    while True:
        try:
            return await consumer.fetch(100, timeout=idle)
        except ServiceUnavailableError:
            if time.monotonic() > give_up:
                raise
            await asyncio.sleep(0.1)


if __name__ == "__main__":
    url, agency, password = sys.argv[1:4]
    applied = Applied()
    print(asyncio.run(read(url, agency, password, applied)), "events read")
