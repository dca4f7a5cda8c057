"""Quiescence: nothing left to publish in any outbox, nothing left to deliver or acknowledge on any
durable consumer, no running clock due whose event the deadline watcher has not staged. Only then
can the final state be compared with what was acknowledged."""

import asyncio
import time
from dataclasses import dataclass

import asyncpg
import nats

from shared.db.engine import asyncpg_dsn
from shared.messaging.subjects import STREAMS
from shared.services import SERVICES


@dataclass(frozen=True)
class Backlog:
    unsent: dict[str, int]  # service -> outbox rows not yet published
    consumers: dict[str, tuple[int, int]]  # durable -> (pending, ack pending)
    # Running clocks past their warning or their due with the event not yet staged: the watcher's work
    # to come. Without it, the clocks brought due while the watcher's leader restarts looked quiet.
    clocks_owed: int = 0

    @property
    def quiet(self) -> bool:
        return (
            not any(self.unsent.values())
            and not any(p or a for p, a in self.consumers.values())
            and not self.clocks_owed
        )

    def describe(self) -> str:
        unsent = {s: n for s, n in self.unsent.items() if n}
        behind = {c: pa for c, pa in self.consumers.items() if any(pa)}
        return (
            f"outbox unsent {unsent or 'none'}; consumers behind (pending, ack pending) {behind or 'none'}; "
            f"clocks due without their event {self.clocks_owed}"
        )


# What the watcher's two scans (`services/deadline/clocks/models.py`) have still to find.
CLOCKS_OWED = """
SELECT count(*) FROM deadline.clocks WHERE state = 'running'
  AND ((warn_at <= now() AND due_soon_sent_at IS NULL) OR (due_at <= now() AND overdue_sent_at IS NULL))
"""


@dataclass(frozen=True)
class Quiescence:
    reached: bool
    at: float  # monotonic time it was reached (or the wait ended)
    backlog: Backlog  # at the end of the wait
    first: Backlog  # when the wait began: what the load left behind


async def backlog(db: asyncpg.Connection, js: nats.js.JetStreamContext) -> Backlog:
    unsent = {
        # Service names come from the code, never from input.
        s: int(await db.fetchval(f"SELECT count(*) FROM {s}.outbox WHERE sent_at IS NULL"))  # noqa: S608
        for s in SERVICES
    }
    consumers: dict[str, tuple[int, int]] = {}
    for stream in STREAMS:
        for info in await js.consumers_info(stream.name):
            name = f"{stream.name}/{info.name}"
            consumers[name] = (int(info.num_pending or 0), int(info.num_ack_pending or 0))
    return Backlog(unsent, consumers, int(await db.fetchval(CLOCKS_OWED)))


async def wait_quiet(admin_url: str, nats_urls: list[str], *, within: float) -> Quiescence:
    """Poll until two polls a second apart both find nothing to do, or `within` seconds pass."""
    deadline = time.monotonic() + within
    db = await asyncpg.connect(asyncpg_dsn(admin_url))
    link = await nats.connect(nats_urls, connect_timeout=5, max_reconnect_attempts=10)
    try:
        js = link.jetstream()
        quiet_since: float | None = None
        first = state = None
        while True:
            try:
                state = await backlog(db, js)
            except (nats.errors.Error, TimeoutError):
                # JetStream not answering for a moment (a server just restarted, an election): not
                # known to be quiet, so the wait goes on.
                quiet_since = None
            else:
                first = first or state
                now = time.monotonic()
                if state.quiet:
                    quiet_since = quiet_since or now
                    if now - quiet_since >= 1.0:
                        return Quiescence(True, quiet_since, state, first)
                else:
                    quiet_since = None
            now = time.monotonic()
            if now > deadline:
                if state is None or first is None:
                    raise TimeoutError(f"JetStream gave no consumer state within {within:g} s")
                return Quiescence(False, now, state, first)
            await asyncio.sleep(0.5)
    finally:
        await link.close()
        await db.close()
