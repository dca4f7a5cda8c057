"""The asyncpg connection under a SQLAlchemy session, for the statements where the ORM's layers cost more
than the database: COPY, array parameters, a hot write built once as SQL, a hot read (`Prebuilt`).

SQLAlchemy's asyncpg adapter sends BEGIN with the session's first statement, not when the session
begins: a statement sent on the driver before that runs outside any transaction and commits on its
own. `driver` begins the session's transaction first; `driver_as_is` does not, for the hot paths whose
every statement is atomic alone (reception at the counter: two reads and one write, no BEGIN, no
COMMIT, issue #17)."""

from types import SimpleNamespace
from typing import Any

from sqlalchemy import CompoundSelect, Select
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncSession


async def driver(session: AsyncSession) -> Any:
    """The asyncpg connection in the session's transaction, begun now if no statement has begun it:
    statements on it commit or roll back with the session's."""
    adapted = await _adapted(session)
    if not adapted.driver_connection.is_in_transaction():
        await adapted._start_transaction()  # the adapter's own BEGIN, so its COMMIT and ROLLBACK follow
    return adapted.driver_connection


async def driver_as_is(session: AsyncSession) -> Any:
    """The asyncpg connection as the session has it: in its transaction once a statement has begun it,
    before that outside any, where each statement commits on its own."""
    return (await _adapted(session)).driver_connection


async def _adapted(session: AsyncSession) -> Any:
    connection = await session.connection()
    return (await connection.get_raw_connection()).dbapi_connection


class Prebuilt:
    """A Core SELECT (its CTEs may write) compiled once for asyncpg and sent on the driver as is
    (`driver_as_is`): its rows read by attribute as SQLAlchemy's are (the dialect's codecs, JSON among
    them, are the connection's), without the ORM's layers (its cache key, its result processing:
    ~0.15 ms a statement, issue #17)."""

    def __init__(self, statement: Select[Any] | CompoundSelect[Any]) -> None:
        dialect = asyncpg_dialect()  # type: ignore[no-untyped-call]
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        self._order = list(compiled.positiontup or ())
        self._fixed = {name: value for name, value in compiled.params.items() if value is not None}
        # Each value as SQLAlchemy binds it (JSON serialized, for one).
        types = {name: compiled.binds[name].type.dialect_impl(dialect) for name in self._order}
        self._binds = {name: kind.bind_processor(dialect) for name, kind in types.items()}

    async def first(self, session: AsyncSession, **params: Any) -> Any | None:
        values = {**self._fixed, **params}
        bound = [
            value if bind is None else bind(value)
            for bind, value in ((self._binds[name], values[name]) for name in self._order)
        ]
        record = await (await driver_as_is(session)).fetchrow(self.sql, *bound)
        return None if record is None else Record(**record)


class Record(SimpleNamespace):
    """A row read by attribute, or whole as SQLAlchemy's `Row._mapping` and `Row._asdict` give it."""

    @property
    def _mapping(self) -> dict[str, Any]:
        return dict(vars(self))

    def _asdict(self) -> dict[str, Any]:
        return dict(vars(self))
