"""Idempotent JetStream stream set-up."""

import logging

from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError

from shared.messaging.subjects import STREAMS, StreamSpec

log = logging.getLogger("motcua.streams")

# Longer than the relay's worst retry gap (backoff caps at 30 s, a leader hand-over takes seconds):
# a republished row inside this window is dropped by JetStream, not stored twice.
DUPLICATE_WINDOW_SECONDS = 15 * 60


def stream_config(spec: StreamSpec, replicas: int) -> StreamConfig:
    return StreamConfig(
        name=spec.name,
        description=spec.description,
        subjects=list(spec.subjects),
        storage=StorageType.FILE,
        num_replicas=replicas,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
    )


async def ensure_streams(
    js: JetStreamContext, *, replicas: int = 1, specs: tuple[StreamSpec, ...] = STREAMS
) -> None:
    """Create each stream, or bring its config up to date; safe to call from every replica."""
    for spec in specs:
        config = stream_config(spec, replicas)
        try:
            await js.stream_info(spec.name)
        except NotFoundError:
            await js.add_stream(config)
            log.info("stream created", extra={"stream": spec.name})
        else:
            await js.update_stream(config)
