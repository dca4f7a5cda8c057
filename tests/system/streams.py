"""What the streams hold at the end of a run, read back in order: the final checks compare it with
the services' tables."""

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

import nats
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import ServiceUnavailableError

from shared.messaging.relay import TERM_HEADER
from shared.messaging.subjects import STREAMS

BATCH = 1000
# How long a fetch may find no responder before the read gives up (see `_fetch`).
UNROUTED_FOR = 10.0


@dataclass(frozen=True)
class Stored:
    stream: str
    seq: int
    subject: str
    event: dict[str, Any]  # the CloudEvents envelope
    term: str | None  # the relay leader's term that published it


async def stored_events(nats_urls: list[str]) -> list[Stored]:
    """Every message of every stream, each stream in its order. Through an ephemeral pull consumer
    without acknowledgements, which a service's NATS login may use (an ordered push consumer's flow
    control would publish where the login may not)."""
    link = await nats.connect(nats_urls, connect_timeout=5, max_reconnect_attempts=10)
    try:
        js = link.jetstream(timeout=10)
        found: list[Stored] = []
        for spec in STREAMS:
            count = (await js.stream_info(spec.name)).state.messages
            sub = await js.pull_subscribe(
                spec.subjects[0],
                stream=spec.name,
                config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL),
            )
            try:
                stream: list[Stored] = []
                while len(stream) < count:
                    stream += [_stored(spec.name, msg) for msg in await _fetch(sub, count - len(stream))]
            finally:
                await sub.unsubscribe()
            found += stream
        return found
    finally:
        await link.close()


async def _fetch(sub: JetStreamContext.PullSubscription, left: int) -> list[Msg]:
    """The next batch. On a cluster, the ephemeral consumer lives on one server, and the interest in
    its pull subject reaches the server this client is on a moment later: a fetch in between has no
    responder (503, about 2 reads in 100 on three servers). That is a wait, not an error."""
    give_up = time.monotonic() + UNROUTED_FOR
    while True:
        try:
            return await sub.fetch(min(BATCH, left), timeout=10)
        except ServiceUnavailableError:
            if time.monotonic() > give_up:
                raise
            await asyncio.sleep(0.1)


def _stored(stream: str, msg: Msg) -> Stored:
    headers = msg.headers or {}
    return Stored(
        stream, msg.metadata.sequence.stream, msg.subject, json.loads(msg.data), headers.get(TERM_HEADER)
    )
