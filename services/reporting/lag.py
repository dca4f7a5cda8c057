"""Reporting lag per stream, as Prometheus gauge `motcua_reporting_lag_seconds{stream}` on /metrics.

The lag is how far the reports are behind the events: 0 while the stream holds nothing this service
has not applied; otherwise now minus the time (the envelope's `time`) of the last event applied from
that stream, or, before this process applied any, of the oldest event not yet acknowledged. A stuck
consumer therefore shows a growing lag, an idle stream none. It is sampled every
`MOTCUA_REPORTING_LAG_POLL_SECONDS` from the durable consumer's state on the server.
"""

import asyncio
import logging
from datetime import datetime
from typing import TYPE_CHECKING

from prometheus_client import Gauge, Histogram

from shared.clock import Clock
from shared.messaging.envelope import CloudEvent

if TYPE_CHECKING:
    from shared.app import Runtime

log = logging.getLogger("motcua.reporting.lag")

lag_seconds = Gauge(
    "motcua_reporting_lag_seconds",
    "Seconds the reports are behind the stream: now minus the time of the last event applied "
    "(0 when none waits)",
    ["stream"],
    multiprocess_mode="mostrecent",  # under several workers, the latest sample of any of them
)
apply_delay = Histogram(
    "motcua_reporting_apply_delay_seconds",
    "Seconds from an event's time to its application to the read models",
    ["stream"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 15, 60, 300, 3600),
)


class Lag:
    def __init__(self, clock: Clock, streams: tuple[str, ...], service: str = "reporting") -> None:
        self._clock = clock
        self._streams = streams
        self._service = service
        self._last: dict[str, datetime] = {}

    def applied(self, stream: str, at: datetime) -> None:
        """An event of `stream` with envelope time `at` was just applied."""
        last = self._last.get(stream)
        if last is None or at > last:
            self._last[stream] = at
        apply_delay.labels(stream).observe(max(0.0, (self._clock.now() - at).total_seconds()))

    def seconds(self, stream: str, pending: int, oldest: datetime | None = None) -> float:
        """The lag of `stream` with `pending` events not yet acknowledged."""
        if pending == 0:
            return 0.0
        since = self._last.get(stream) or oldest
        if since is None:
            return 0.0
        return max(0.0, (self._clock.now() - since).total_seconds())

    async def sample(self, runtime: "Runtime") -> None:
        js = runtime.link.jetstream
        for stream in self._streams:
            info = await js.consumer_info(stream, f"{self._service}-{stream.lower()}")
            pending = (info.num_pending or 0) + (info.num_ack_pending or 0)
            oldest = None
            if pending and stream not in self._last and info.ack_floor is not None:
                try:
                    message = await js.get_msg(stream, (info.ack_floor.stream_seq or 0) + 1)
                    oldest = CloudEvent.model_validate_json(message.data or b"").time
                except Exception:
                    oldest = None
            lag_seconds.labels(stream).set(self.seconds(stream, pending, oldest))

    async def run(self, runtime: "Runtime", poll_seconds: float) -> None:
        """Sample until cancelled; a failed sample (NATS away) is retried at the next poll."""
        while True:
            try:
                if runtime.streams_ready:
                    await self.sample(runtime)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.debug("lag not sampled", extra={"error": repr(exc)})
            await asyncio.sleep(poll_seconds)
