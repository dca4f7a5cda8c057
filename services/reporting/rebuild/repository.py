"""The rebuild's run lock and its record in `rebuild_runs`: who is rebuilding, and how each run went.

One rebuild runs at a time anywhere: it holds the run lock (session-level) on its own connection for
as long as it runs, so the lock goes when its process does. A run still recorded as running while
nobody holds the lock was interrupted: the next rebuild records it failed when it takes the lock.
"""

import zlib
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Row, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.reporting.rebuild.models import rebuild_runs

# Held (session-level, try) by the one rebuild running anywhere.
RUN_LOCK = zlib.crc32(b"motcua.reporting.rebuild.run")
UNFINISHED: Final = ("running", "swapping")
INTERRUPTED: Final = "interrupted (the process stopped)"


async def take_run_lock(conn: AsyncConnection) -> bool:
    """Take the run lock on `conn` if nobody holds it; False when another rebuild does."""
    return bool(await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": RUN_LOCK}))


async def someone_rebuilds(session: AsyncSession) -> bool:
    """True when a rebuild holds the run lock (taken and given back at once to find out)."""
    free = bool(await session.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": RUN_LOCK}))
    if free:
        await session.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": RUN_LOCK})
    return not free


async def record_start(conn: AsyncConnection, *, requested_by: str, at: datetime) -> int:
    """Record a run started at `at`, under the run lock; a run still unfinished was interrupted, and
    is recorded failed at `at`."""
    await conn.execute(
        update(rebuild_runs)
        .where(rebuild_runs.c.state.in_(UNFINISHED))
        .values(state="failed", error=INTERRUPTED, finished_at=at)
    )
    run_id = await conn.scalar(
        rebuild_runs.insert()
        .values(state="running", requested_by=requested_by, started_at=at)
        .returning(rebuild_runs.c.id)
    )
    return int(run_id or 0)


async def record_progress(session: AsyncSession, run_id: int, values: dict[str, Any]) -> None:
    await session.execute(update(rebuild_runs).where(rebuild_runs.c.id == run_id).values(**values))


async def read_run(session: AsyncSession, run_id: int | None) -> Row[Any] | None:
    """A run, or the latest when `run_id` is None; None when there is none."""
    query = select(rebuild_runs).order_by(rebuild_runs.c.id.desc()).limit(1)
    if run_id is not None:
        query = select(rebuild_runs).where(rebuild_runs.c.id == run_id)
    return (await session.execute(query)).one_or_none()


async def release(conn: AsyncConnection) -> None:
    """Give the connection back without the session-level locks it took (the pool keeps it open)."""
    try:
        await conn.rollback()
        await conn.execute(text("SELECT pg_advisory_unlock_all()"))
        await conn.commit()
    finally:
        await conn.close()
