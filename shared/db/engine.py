"""The async engine, sessions and the one commit boundary (unit of work)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

Sessions = async_sessionmaker[AsyncSession]


def make_engine(database_url: str, *, pool_size: int = 10) -> AsyncEngine:
    # pre_ping lets a service ride out a PostgreSQL restart without restarting itself. hide_parameters
    # keeps statement parameters (citizens' ID and phone numbers among them) out of exception texts,
    # which the error log records.
    return create_async_engine(
        database_url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, hide_parameters=True
    )


def make_sessions(engine: AsyncEngine) -> Sessions:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def unit_of_work(sessions: Sessions) -> AsyncIterator[AsyncSession]:
    """Commits when the block ends normally, rolls back on any exception: state and outbox together."""
    async with sessions() as session, session.begin():
        yield session


def asyncpg_dsn(database_url: str | URL) -> str:
    """The same URL without SQLAlchemy's driver suffix, for asyncpg and the PostgreSQL tools."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)
