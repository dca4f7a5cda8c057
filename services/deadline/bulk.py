"""Statements over many rows at once, which the sub-domains' repositories build theirs with: a batch of
events is written and read in a few round trips, however many dossiers it touches."""

import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import ARRAY, Table, Uuid, any_, literal
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession


def any_of(column: Any, ids: Collection[uuid.UUID]) -> Any:
    """`column = ANY(:ids)`: one statement (and one prepared plan) whatever the number of ids."""
    return column == any_(literal(list(ids), ARRAY(Uuid)))


async def execute_each(session: AsyncSession, statement: Any, rows: Sequence[dict[str, Any]]) -> None:
    """The statement once per row, in the rows' order (asyncpg sends them all in one round trip), so
    a condition sees what the rows before it wrote (the first receipt, the earliest end)."""
    if rows:
        await session.execute(statement, list(rows))


def sql_types(table: Table, *columns: str) -> dict[str, str]:
    """The columns' SQL types, to type the arrays `unnested` reads a table's rows from."""
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    return {column: str(table.c[column].type.compile(dialect=dialect)) for column in columns}


def unnested(name: str, types: Mapping[str, str]) -> str:
    """SQL of a relation `name` of rows sent as one array a column (parameters `<name>_<column>`,
    made by `arrays`), numbered `n` in the order sent. A statement reading it is the same text for any
    number of rows (built once, prepared once) and runs once on the server, not once a row."""
    columns = ", ".join(f"CAST(:{name}_{column} AS {sql}[])" for column, sql in types.items())
    return f"unnest({columns}) WITH ORDINALITY AS {name}({', '.join(types)}, n)"


def arrays(name: str, rows: Sequence[Mapping[str, Any]], columns: Iterable[str]) -> dict[str, list[Any]]:
    """The parameters of `unnested(name, ...)` for these rows."""
    return {f"{name}_{column}": [row[column] for row in rows] for column in columns}
