"""The async engine, sessions and the one commit boundary (unit of work)."""

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import URL, event, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.util import await_only

from shared.db.raw import end_own_transaction

Sessions = async_sessionmaker[AsyncSession]

# A connection back in the pool for less than this is handed out again without its ping: under load
# every connection is reused within milliseconds, and the ping was one of a reception's eight round
# trips. HikariCP skips its alive check the same way (aliveBypassWindowMs, 500 ms by default). A
# backend lost inside the window fails that one request (a 503), as a connection lost mid-request does.
PING_AFTER_IDLE_SECONDS = 0.5


def make_engine(database_url: str, *, pool_size: int = 10) -> AsyncEngine:
    # The ping at checkout (`_ping`) lets a service ride out a PostgreSQL restart without restarting
    # itself. hide_parameters keeps statement parameters (citizens' ID and phone numbers among them) out
    # of exception texts, which the error log records.
    engine = create_async_engine(
        database_url, pool_size=pool_size, max_overflow=pool_size, hide_parameters=True
    )
    event.listen(engine.sync_engine, "checkout", _ping)
    event.listen(engine.sync_engine, "checkin", _returned)
    return engine


def _returned(_dbapi_connection: Any, record: Any) -> None:
    record.info["returned_at"] = time.monotonic()


def _ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """One empty query on the connection handed out, unless it came back less than
    `PING_AFTER_IDLE_SECONDS` ago; a dead one is dropped and the pool takes another. SQLAlchemy's own
    pre-ping wraps that query in BEGIN and ROLLBACK (for PgBouncer's transaction mode, which our
    deployments do not use): three round trips at the start of every request (issue #17)."""
    if time.monotonic() - record.info.get("returned_at", float("-inf")) < PING_AFTER_IDLE_SECONDS:
        return
    try:
        await_only(dbapi_connection.driver_connection.fetchrow(";"))
    except Exception as exc:  # whatever broke the connection: the pool replaces it
        raise DisconnectionError(f"a pooled connection failed its ping ({type(exc).__name__})") from exc


def make_sessions(engine: AsyncEngine) -> Sessions:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def unit_of_work(sessions: Sessions) -> AsyncIterator[AsyncSession]:
    """Commits when the block ends normally, rolls back on any exception: state and outbox together,
    in the session's transaction or the driver's own (`shared.db.raw.begin_own_transaction`)."""
    async with sessions() as session, session.begin():
        try:
            yield session
        except BaseException:
            await end_own_transaction(session, commit=False)
            raise
        await end_own_transaction(session, commit=True)


def asyncpg_dsn(database_url: str | URL) -> str:
    """The same URL without SQLAlchemy's driver suffix, for asyncpg and the PostgreSQL tools."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)
