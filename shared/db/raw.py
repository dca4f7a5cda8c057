"""The asyncpg connection under a SQLAlchemy session's transaction, for the statements where the ORM's
layers cost more than the database: COPY, array parameters, a hot write built once as SQL."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


async def driver(session: AsyncSession) -> Any:
    """The asyncpg connection under the session's transaction: statements on it commit or roll back
    with the session's."""
    connection = await session.connection()
    return (await connection.get_raw_connection()).driver_connection
