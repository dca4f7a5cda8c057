"""Days pass in minutes: a soak cannot wait the working days before a clock's warning or due, so it
moves those moments into the past in deadline's table, as the days would have. The watcher, which
reads its moments from the table alone (services/deadline/watcher), then warns as it would.

During the load, a few clocks at a time are brought to their warning (`dossier.due_soon`); officers
go on working those dossiers, which a warning does not change. After the load, every running clock
is brought past its due too (`dossier.overdue`) while the watcher's leader is killed: each clock
must still be warned once and be late once."""

import asyncio
import contextlib
import time

import asyncpg

from shared.db.engine import asyncpg_dsn

EVERY = 10.0  # seconds between two moves during the load
SHARE = 15  # clocks brought to their warning at each move


async def bring_warnings(admin_url: str, stop: asyncio.Event) -> int:
    """Until `stop`: every EVERY seconds, SHARE running clocks not warned yet get their warning now.
    A move that fails (PostgreSQL down) is skipped. Returns how many clocks were moved."""
    moved = 0
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=EVERY)
        if stop.is_set():
            break
        with contextlib.suppress(OSError, TimeoutError, asyncpg.PostgresError):
            moved += await _move(
                admin_url,
                "UPDATE deadline.clocks SET warn_at = now() WHERE id IN (SELECT id FROM deadline.clocks "
                "WHERE state = 'running' AND due_soon_sent_at IS NULL AND warn_at > now() LIMIT $1)",
                SHARE,
            )
    return moved


async def make_everything_due(admin_url: str) -> int:
    """Every running clock's warning and due come now; returns how many clocks were moved."""
    started = time.monotonic()
    moved = await _move(
        admin_url,
        "UPDATE deadline.clocks SET warn_at = least(warn_at, now()), due_at = least(due_at, now()) "
        "WHERE state = 'running' AND (warn_at > now() OR due_at > now())",
    )
    print(f"[time passes] every running clock due: {moved} moved in {time.monotonic() - started:.2f} s")
    return moved


async def _move(admin_url: str, statement: str, *arguments: object) -> int:
    db = await asyncpg.connect(asyncpg_dsn(admin_url), timeout=5)
    try:
        status = await db.execute(statement, *arguments, timeout=30)
    finally:
        await db.close()
    return int(status.split()[-1])
