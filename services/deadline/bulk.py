"""Statements over many rows at once, which the sub-domains' repositories build theirs with: a batch of
events is written and read in a few round trips, however many dossiers it touches."""

import uuid
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import ARRAY, Uuid, any_, bindparam, func, literal
from sqlalchemy.ext.asyncio import AsyncSession


def any_of(column: Any, ids: Collection[uuid.UUID]) -> Any:
    """`column = ANY(:ids)`: one statement (and one prepared plan) whatever the number of ids."""
    return column == any_(literal(list(ids), ARRAY(Uuid)))


async def execute_each(session: AsyncSession, statement: Any, rows: Sequence[dict[str, Any]]) -> None:
    """The statement once per row, in the rows' order (asyncpg sends them all in one round trip), so
    a condition sees what the rows before it wrote (the first receipt, the earliest end)."""
    if rows:
        await session.execute(statement, list(rows))


async def update_each(session: AsyncSession, statement: Any, rows: Sequence[dict[str, Any]]) -> None:
    """`execute_each` of an UPDATE setting `updated_at` and each column the rows give as `v_<column>`
    (a bound name may not be a column's own); the rows find theirs by `b_` parameters."""
    if rows:
        columns = [key.removeprefix("v_") for key in rows[0] if key.startswith("v_")]
        values: dict[str, Any] = {name: bindparam(f"v_{name}") for name in columns}
        await execute_each(session, statement.values({**values, "updated_at": func.now()}), rows)
