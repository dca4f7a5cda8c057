"""What the streams hold at the end of a run, read back in order: the final checks compare it with
the services' tables."""

import json
from dataclasses import dataclass
from typing import Any

import nats
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from shared.messaging.relay import TERM_HEADER
from shared.messaging.subjects import STREAMS

BATCH = 1000


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
                    stream += [
                        _stored(spec.name, msg)
                        for msg in await sub.fetch(min(BATCH, count - len(stream)), timeout=10)
                    ]
            finally:
                await sub.unsubscribe()
            found += stream
        return found
    finally:
        await link.close()


def _stored(stream: str, msg: Msg) -> Stored:
    headers = msg.headers or {}
    return Stored(
        stream, msg.metadata.sequence.stream, msg.subject, json.loads(msg.data), headers.get(TERM_HEADER)
    )
