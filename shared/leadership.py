"""One leader among a service's processes: it does the work only one should do, the others wait.

The leader holds a session-level PostgreSQL advisory lock on a connection of its own, so the lock goes
with that connection: a leader that crashes, or loses PostgreSQL, lets another take over without
anyone having to notice. The outbox relay and the deadline watcher lead this way.

The lock's connection is named for the process (`application_name`: service, role, host and pid), so
an operator sees in `pg_stat_activity` which replica leads, and a fault test can kill that one. Each
time a process takes the lead it starts a `term`, named for PostgreSQL's clock at that moment and the
process: the relay stamps what it publishes with it, so a stream shows which leader sent what.
"""

import asyncio
import logging
import os
import socket
import zlib
from collections.abc import Awaitable, Callable
from datetime import UTC

import asyncpg

from shared.backoff import backoff_delay

# The leader's work, given the connection that holds the lock. It runs until that connection fails
# (it should check the connection answers), then raises.
Lead = Callable[[asyncpg.Connection], Awaitable[None]]


def lock_key(role: str, service: str) -> int:
    """A stable 32-bit advisory-lock key per role (`relay`, `watcher`) and service."""
    return zlib.crc32(f"motcua.{role}.{service}".encode())


class Leadership:
    """Whether this process leads `role`; `hold` takes the lead whenever it is free."""

    def __init__(self, role: str, log: logging.Logger) -> None:
        self._role = role
        self._log = log
        self.is_leader = False
        self.term: str | None = None  # while leading: "<when it took the lead, UTC> <host>:<pid>"

    async def hold(
        self,
        *,
        service: str,
        dsn: str,
        lead: Lead,
        follow_seconds: float,
        ready: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Lead when the lock is free, look again every `follow_seconds` when another holds it; give
        the lock up with its connection when `lead` fails, and try again (backing off while attempts
        fail). `ready` is awaited before each attempt: what the leader needs besides PostgreSQL.
        Survives PostgreSQL restarts; runs until cancelled."""
        key = lock_key(self._role, service)
        failures = 0
        while True:
            try:
                if ready is not None:
                    await ready()
                conn = await asyncpg.connect(
                    dsn, server_settings={"application_name": connection_name(service, self._role)}
                )
                try:
                    if await conn.fetchval("SELECT pg_try_advisory_lock($1)", key):
                        since = await conn.fetchval("SELECT clock_timestamp()")
                        # A fixed width, so that terms compare as text in the order they began.
                        self.term = f"{since.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ} {_process()}"
                        self.is_leader = True
                        self._log.info(f"{self._role} leads", extra={"service": service})
                        await lead(conn)
                    else:
                        await asyncio.sleep(follow_seconds)
                finally:
                    self.is_leader = False
                    self.term = None
                    await _close_quietly(conn)
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                self._log.warning(
                    f"{self._role} retrying",
                    extra={"service": service, "error": repr(exc), "attempt": failures},
                )
                await asyncio.sleep(backoff_delay(failures))


def connection_name(service: str, role: str) -> str:
    """The leadership connection's `application_name`: `motcua intake relay <host>:<pid>`."""
    return f"motcua {service} {role} {_process()}"


def _process() -> str:
    # In Kubernetes the host name is the pod's name.
    return f"{socket.gethostname()}:{os.getpid()}"


async def _close_quietly(conn: asyncpg.Connection) -> None:
    # A connection that does not close within 2 s (PostgreSQL gone) is dropped: the lock goes with it.
    try:
        async with asyncio.timeout(2):
            await conn.close()
    except Exception:
        conn.terminate()
