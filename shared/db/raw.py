"""The asyncpg connection under a SQLAlchemy session, for the statements where the ORM's layers cost more
than the database: COPY, array parameters, a hot write built once as SQL, a hot read (`Prebuilt`).

SQLAlchemy's asyncpg adapter sends BEGIN with the session's first statement, not when the session
begins: a statement sent on the driver before that runs outside any transaction and commits on its
own. `driver` begins the session's transaction first; `driver_as_is` does not.

`alone` is for the hot paths whose every statement is atomic by itself (reception at the counter: one
read and one write; routing's accept: one statement; issue #17). Until the session has a connection,
it is a connection of the session's pool that is not the session's, where each statement commits on
its own, and the request never pays for the session's connection, transaction and commit (about
0.3 ms of Python). Once the session has one, it is the session's, as is. A request never holds two:
the pool's connection goes back as the session takes its own, or when the unit of work ends
(`release`). So call `alone` for each statement; do not keep what it gave across the session's."""

from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import CompoundSelect, Select, event
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.util import greenlet_spawn


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


_ALONE = "motcua.alone"


async def alone(session: AsyncSession) -> Any:
    """The session's connection as is if it has one; else a connection of its pool outside it, where
    each statement commits on its own (the same one until the session takes its own, or `release`)."""
    # Whether the session has a connection: no public attribute says it (`in_transaction` is true from
    # `begin()`, before any connection).
    transaction = session.sync_session.get_transaction()
    if transaction is not None and transaction._connections:
        return await driver_as_is(session)
    taken = session.info.get(_ALONE)
    if taken is None:
        assert session.bind is not None  # our sessions are made bound to their engine
        taken = session.info[_ALONE] = await cast(AsyncEngine, session.bind).raw_connection()
    return taken.driver_connection


async def release(session: AsyncSession) -> None:
    """The session's `alone` connection back to the pool, if it took one."""
    if _ALONE in session.info:
        await greenlet_spawn(_give_back, session.sync_session)


@event.listens_for(Session, "after_begin")
def _give_back(session: Session, *_: Any) -> None:
    # Run where the pool may await (SQLAlchemy's greenlet): as the session takes its own connection,
    # and from `release`. One its statements found dead is dropped, not handed out again.
    taken = session.info.pop(_ALONE, None)
    if taken is None:
        return
    if taken.driver_connection.is_closed():
        taken.invalidate()
    taken.close()


async def _adapted(session: AsyncSession) -> Any:
    connection = await session.connection()
    return (await connection.get_raw_connection()).dbapi_connection


class Prebuilt:
    """A Core SELECT (its CTEs may write) compiled once for asyncpg and sent on the driver as is
    (`driver_as_is`), or `alone` when `atomic`: its rows read by attribute as SQLAlchemy's are (the
    dialect's codecs, JSON among them, are the connection's), without the ORM's layers (its cache key,
    its result processing: ~0.15 ms a statement, issue #17)."""

    def __init__(self, statement: Select[Any] | CompoundSelect[Any], *, atomic: bool = False) -> None:
        """`atomic`: the statement is atomic by itself, and is sent `alone`."""
        self._connection = alone if atomic else driver_as_is
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
        record = await (await self._connection(session)).fetchrow(self.sql, *bound)
        return None if record is None else Record(**record)


class Record(SimpleNamespace):
    """A row read by attribute, or whole as SQLAlchemy's `Row._mapping` and `Row._asdict` give it."""

    @property
    def _mapping(self) -> dict[str, Any]:
        return dict(vars(self))

    def _asdict(self) -> dict[str, Any]:
        return dict(vars(self))
