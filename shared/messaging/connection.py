"""One NATS connection per process that keeps trying until NATS is there, and reconnects forever."""

import asyncio
import logging
from urllib.parse import unquote, urlsplit

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext

from shared.backoff import backoff_delay

log = logging.getLogger("motcua.nats")


class NatsLink:
    def __init__(self, url: str, name: str) -> None:
        # Several servers of a cluster, comma-separated (`MOTCUA_NATS_URL`): nats-py takes them as a
        # list, and reconnects to another of them when one goes.
        self._servers = [server.strip() for server in url.split(",") if server.strip()]
        self._login = _login(self._servers)
        self._name = name
        self._client: Client | None = None
        self._jetstream: JetStreamContext | None = None
        self._connected = asyncio.Event()

    @property
    def ready(self) -> bool:
        return self._client is not None and self._client.is_connected

    @property
    def client(self) -> Client:
        if self._client is None:
            raise RuntimeError("NATS is not connected yet")
        return self._client

    @property
    def jetstream(self) -> JetStreamContext:
        # One context per connection: each keeps the reply subscription for its async publishes.
        if self._jetstream is None:
            self._jetstream = self.client.jetstream()
        return self._jetstream

    async def wait_connected(self) -> None:
        await self._connected.wait()

    async def connect_forever(self) -> None:
        """Initial connection with backoff; after it, nats-py reconnects by itself without limit."""
        attempt = 0
        while self._client is None:
            attempt += 1
            try:
                self._client = await nats.connect(
                    self._servers,
                    **self._login,
                    name=self._name,
                    allow_reconnect=True,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=0.5,
                    connect_timeout=2,
                    drain_timeout=5,
                    error_cb=self._on_error,
                    disconnected_cb=self._on_disconnected,
                    reconnected_cb=self._on_reconnected,
                )
            except Exception as exc:
                log.warning("NATS not reachable yet", extra={"attempt": attempt, "error": repr(exc)})
                await asyncio.sleep(backoff_delay(attempt, cap=5.0))
        self._connected.set()
        log.info("NATS connected")

    async def close(self) -> None:
        if self._client is not None and not self._client.is_closed:
            await self._client.drain()

    async def _on_error(self, exc: Exception) -> None:
        log.warning("NATS error", extra={"error": repr(exc)})

    async def _on_disconnected(self) -> None:
        log.warning("NATS disconnected")

    async def _on_reconnected(self) -> None:
        log.info("NATS reconnected")


def _login(servers: list[str]) -> dict[str, str]:
    """The user and password of the URLs, for every server: nats-py also reconnects to the servers
    the cluster advertises, whose addresses carry no login, and would be refused there."""
    for server in servers:
        parts = urlsplit(server)
        if parts.username is not None and parts.password is not None:
            return {"user": unquote(parts.username), "password": unquote(parts.password)}
    return {}
