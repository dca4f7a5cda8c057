"""The asyncpg connection under a SQLAlchemy session, for the statements where the ORM's layers cost more
than the database: COPY, array parameters, a hot write built once as SQL, a hot read (`Prebuilt`).

SQLAlchemy's asyncpg adapter sends BEGIN with the session's first statement, not when the session
begins: a statement sent on the driver before that runs outside any transaction and commits on its
own. `driver` begins the session's transaction first; `driver_as_is` does not.

`alone` is for the hot paths whose every statement is atomic by itself (reception at the counter: one
read and one write; routing's accept: one statement; issue #17). Until the session has a connection,
it is a connection of the session's pool that is not the session's, where each statement commits on
its own, and the request never pays for the session's connection, transaction and commit (about
0.3 ms of Python). Once the session has one, it is the session's, as is.

`begin_own_transaction` is for a use case whose statements need one transaction and are all
`Prebuilt` (routing's complete): the request's transaction is the driver's own on a pooled
connection, not the session's, at a third of the Python; the request's session dependency ends it
(`end_own_transaction`)."""

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager, suppress
from types import SimpleNamespace
from typing import Any, Literal, cast

import asyncpg
from sqlalchemy import ClauseElement, Executable, event
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.util import greenlet_spawn

# Where a session keeps its own transaction (`begin_own_transaction`): the pool's connection and
# asyncpg's transaction on it.
_OWN = "motcua.own_transaction"


async def driver(session: AsyncSession) -> Any:
    """The asyncpg connection in the session's transaction, begun now if no statement has begun it:
    statements on it commit or roll back with the session's."""
    own = _own_connection(session)
    if own is not None:
        return own
    adapted = await _adapted(session)
    if not adapted.driver_connection.is_in_transaction():
        try:
            await adapted._start_transaction()  # the adapter's own BEGIN, so its COMMIT and ROLLBACK follow
        except Exception as exc:
            # Lost since its checkout (a failover, a restart): asyncpg says so in several ways (closed
            # in the middle of the operation, closed, another operation in progress), each wrapped in
            # the adapter's own error. The connection's state alone tells a lost one from a bad one.
            if adapted.driver_connection.is_closed():
                raise ConnectionError("the database connection was lost as the transaction began") from exc
            raise
    return adapted.driver_connection


async def driver_as_is(session: AsyncSession) -> Any:
    """The asyncpg connection as the session has it: in its transaction once a statement has begun it,
    before that outside any, where each statement commits on its own."""
    own = _own_connection(session)
    if own is not None:
        return own
    return (await _adapted(session)).driver_connection


@asynccontextmanager
async def alone(session: AsyncSession) -> AsyncIterator[Any]:
    """For the block's statements: the session's connection as is if it has one; else a connection
    of its pool outside it, where each statement commits on its own, given back as the block ends.
    Held for the block only, never while the request waits for another: a request holding it while
    its session waited for a connection of an exhausted pool would wait for itself."""
    if _has_connection(session) or _OWN in session.info:
        db = await driver_as_is(session)
        with _telling_lost(db):
            yield db
        return
    taken = await _checkout(session)
    raw: Any = taken.driver_connection
    try:
        with _telling_lost(raw):
            yield raw
    finally:
        await _give_back(taken)


async def begin_own_transaction(session: AsyncSession) -> None:
    """Begin the request's transaction on a connection of the session's pool, outside the ORM, for a
    use case whose every statement is `Prebuilt` (routing's complete, issue #17). SQLAlchemy's
    connection, transaction and commit cost such a request about 0.3 ms of Python; the driver's own
    BEGIN and COMMIT a third of that.

    Every statement through `driver`, `driver_as_is` or `alone` runs in it until the session's
    dependency ends it (`end_own_transaction`). An ORM statement meanwhile would run in a transaction
    of its own on another connection, so it raises (`_refuse_orm`). A session that has a connection
    already keeps its own transaction: nothing changes."""
    if _has_connection(session) or _OWN in session.info:
        return
    taken = await _checkout(session)
    db = taken.driver_connection
    try:
        with _telling_lost(db):
            transaction = db.transaction()  # refuses a connection found closed, as its start may
            await transaction.start()
    except BaseException:
        await _give_back(taken)
        raise
    session.info[_OWN] = (taken, transaction)


async def end_own_transaction(session: AsyncSession, *, commit: bool) -> None:
    """Commit, or roll back, the session's own transaction if it began one, and give its connection
    back. A rollback that fails leaves the connection dropped, not pooled: the caller's own error is
    what the request answers."""
    own = session.info.pop(_OWN, None)
    if own is None:
        return
    taken, transaction = own
    db = taken.driver_connection
    try:
        if commit:
            with _telling_lost(db):
                await transaction.commit()
        elif not db.is_closed():
            with suppress(Exception):
                await transaction.rollback()
    finally:
        await _give_back(taken)


@event.listens_for(Session, "after_begin")
def _refuse_orm(session: Session, _transaction: Any, _connection: Any) -> None:
    if _OWN in session.info:
        raise RuntimeError(
            "an ORM statement in a session whose transaction is the driver's own (begin_own_transaction): "
            "it would commit apart from it; make the statement Prebuilt"
        )


def _own_connection(session: AsyncSession) -> Any | None:
    """The connection of the session's own transaction, if it began one."""
    own = session.info.get(_OWN)
    return None if own is None else own[0].driver_connection


def _has_connection(session: AsyncSession) -> bool:
    # No public attribute says it (`in_transaction` is true from `begin()`, before any connection).
    transaction = session.sync_session.get_transaction()
    return transaction is not None and bool(transaction._connections)


async def _checkout(session: AsyncSession) -> Any:
    assert session.bind is not None  # our sessions are made bound to their engine
    return await cast(AsyncEngine, session.bind).raw_connection()


async def _give_back(taken: Any) -> None:
    db = taken.driver_connection
    # Found dead, or left in a transaction by a failed end: dropped, not handed out again.
    if db.is_closed() or db.is_in_transaction():
        taken.invalidate()
    await greenlet_spawn(taken.close)  # its checkin may await the driver


@contextmanager
def _telling_lost(db: Any) -> Iterator[None]:
    """ConnectionError (a 503) in place of asyncpg's InterfaceError (a 500) when `db` was found closed.
    The pool hands a connection out again without a ping for half a second (`shared.db.engine`), so
    a failover or a restart can close it before its statement; asyncpg then says "connection is
    closed", an interface error as a wrong argument count is: only the connection's state tells a
    lost connection from a bad statement."""
    try:
        yield
    except asyncpg.InterfaceError as exc:
        if db.is_closed():
            raise ConnectionError("the database connection was lost before its statement") from exc
        raise


async def _adapted(session: AsyncSession) -> Any:
    connection = await session.connection()
    return (await connection.get_raw_connection()).dbapi_connection


On = Literal["as_is", "transaction", "alone"]


@asynccontextmanager
async def _session_connection(
    connection: Callable[[AsyncSession], Awaitable[Any]], session: AsyncSession
) -> AsyncIterator[Any]:
    db = await connection(session)  # the session's: it goes back with the session
    with _telling_lost(db):
        yield db


class Prebuilt:
    """A Core statement (a SELECT whose CTEs may write, an INSERT or an UPDATE) compiled once for
    asyncpg and sent `on` the session's connection "as is" (`driver_as_is`), in its "transaction"
    (`driver`), or "alone" (`alone`), without the ORM's layers (its cache key, its result processing:
    ~0.15 ms a statement, issue #17). Values are bound as SQLAlchemy binds them; rows read by
    attribute as SQLAlchemy's are (the dialect's codecs, JSON among them, are the connection's)."""

    def __init__(self, statement: Executable, *, on: On = "as_is") -> None:
        self._on = on
        dialect = asyncpg_dialect()  # type: ignore[no-untyped-call]
        compiled = cast(SQLCompiler, cast(ClauseElement, statement).compile(dialect=dialect))
        self.sql = str(compiled)
        self._order = list(compiled.positiontup or ())
        self._fixed = {name: value for name, value in compiled.params.items() if value is not None}
        # Each value as SQLAlchemy binds it (JSON serialized, for one).
        types = {name: compiled.binds[name].type.dialect_impl(dialect) for name in self._order}
        self._binds = {name: kind.bind_processor(dialect) for name, kind in types.items()}

    async def first(self, session: AsyncSession, **params: Any) -> Any | None:
        async with self._connection(session) as db:
            record = await db.fetchrow(self.sql, *self.arguments(params))
        return None if record is None else Record(**record)

    async def all(self, session: AsyncSession, **params: Any) -> list[Any]:
        async with self._connection(session) as db:
            records = await db.fetch(self.sql, *self.arguments(params))
        return [Record(**record) for record in records]

    async def execute(self, session: AsyncSession, **params: Any) -> None:
        async with self._connection(session) as db:
            await db.execute(self.sql, *self.arguments(params))

    def _connection(self, session: AsyncSession) -> AbstractAsyncContextManager[Any]:
        if self._on == "alone":
            return alone(session)
        return _session_connection(driver if self._on == "transaction" else driver_as_is, session)

    def arguments(self, params: dict[str, Any]) -> list[Any]:
        """The statement's positional values for `params`, bound as SQLAlchemy binds them."""
        values = {**self._fixed, **params}
        return [
            value if bind is None else bind(value)
            for bind, value in ((self._binds[name], values[name]) for name in self._order)
        ]


class Record(SimpleNamespace):
    """A row read by attribute, or whole as SQLAlchemy's `Row._mapping` and `Row._asdict` give it."""

    @property
    def _mapping(self) -> dict[str, Any]:
        return dict(vars(self))

    def _asdict(self) -> dict[str, Any]:
        return dict(vars(self))
