"""`shared.db.raw`: the asyncpg connection under a session. SQLAlchemy's adapter sends BEGIN with the
session's first statement, so `driver` begins the transaction itself when nothing has, and
`driver_as_is` leaves a statement sent first to commit on its own; `alone` sends it on a connection of
the pool outside the session until the session has its own (reception's and accept's hot paths);
`begin_own_transaction` runs them all in a transaction of the driver's own, which the session's
dependency ends (routing's complete)."""

import asyncio
from types import SimpleNamespace
from typing import Any, cast

import pytest
from sqlalchemy import QueuePool, bindparam, func, insert, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from shared.db.engine import make_sessions, unit_of_work
from shared.db.raw import Prebuilt, alone, begin_own_transaction, driver, driver_as_is, end_own_transaction
from shared.deps import _session
from shared.errors import Problem
from tests.conftest import Stack
from tests.platform.toy import Toy


async def _count(engine: AsyncEngine, toy: Toy) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(toy.notes)) or 0)


async def test_a_statement_on_driver_rolls_back_with_the_session_even_sent_first(
    admin_engine: AsyncEngine, toy: Toy
) -> None:
    sessions = make_sessions(admin_engine)
    async with sessions() as session, session.begin():
        await (await driver(session)).execute(f"INSERT INTO {toy.schema}.notes (body) VALUES ('một')")  # noqa: S608
        await session.rollback()
    assert await _count(admin_engine, toy) == 0


async def test_a_statement_on_driver_as_is_sent_first_commits_on_its_own(
    admin_engine: AsyncEngine, toy: Toy
) -> None:
    sessions = make_sessions(admin_engine)
    async with sessions() as session, session.begin():
        await (await driver_as_is(session)).execute(f"INSERT INTO {toy.schema}.notes (body) VALUES ('hai')")  # noqa: S608
        assert await _count(admin_engine, toy) == 1  # seen from another connection before the session ends
        await session.execute(insert(toy.notes).values(body="ba"))  # now the session's transaction begins
        await (await driver_as_is(session)).execute(f"INSERT INTO {toy.schema}.notes (body) VALUES ('bốn')")  # noqa: S608
        await session.rollback()
    assert await _count(admin_engine, toy) == 1  # the two inside the transaction rolled back with it


async def test_a_statement_alone_commits_on_its_own_until_the_session_has_a_connection(
    admin_engine: AsyncEngine, toy: Toy
) -> None:
    sessions = make_sessions(admin_engine)
    pool = cast(QueuePool, admin_engine.sync_engine.pool)
    before = pool.checkedout()
    async with sessions() as session, session.begin():
        async with alone(session) as db:
            await db.execute(f"INSERT INTO {toy.schema}.notes (body) VALUES ('năm')")  # noqa: S608
            assert pool.checkedout() == before + 1
        assert pool.checkedout() == before, "given back as the block ended"
        assert await _count(admin_engine, toy) == 1  # committed: seen from another connection
        await session.execute(insert(toy.notes).values(body="sáu"))  # the session takes its own
        async with alone(session) as db:
            assert pool.checkedout() == before + 1, "the session's own, not another"
            await db.execute(f"INSERT INTO {toy.schema}.notes (body) VALUES ('bảy')")  # noqa: S608
        await session.rollback()
    assert await _count(admin_engine, toy) == 1, "once the session had its connection, alone was in it"


async def test_a_request_alone_never_waits_for_a_second_connection(stack: Stack, toy: Toy) -> None:
    """With one connection in the pool, statements alone and the session's take turns: a request
    that kept the connection alone while its session waited for another would wait for itself."""
    engine = create_async_engine(stack.admin_database_url, pool_size=1, max_overflow=0, pool_timeout=5)
    try:
        async with make_sessions(engine)() as session, session.begin():
            async with alone(session) as db:
                await db.execute(f"INSERT INTO {toy.schema}.notes (body) VALUES ('tám')")  # noqa: S608
            await session.execute(insert(toy.notes).values(body="chín"))
            async with alone(session) as db:  # the session's now
                await db.execute(f"INSERT INTO {toy.schema}.notes (body) VALUES ('mười')")  # noqa: S608
        assert await _count(engine, toy) == 3
    finally:
        await engine.dispose()


async def test_a_prebuilt_read_gives_what_the_orm_gives(admin_engine: AsyncEngine, toy: Toy) -> None:
    sessions = make_sessions(admin_engine)
    query = select(toy.notes).where(toy.notes.c.body == bindparam("body")).order_by(toy.notes.c.id).limit(1)
    async with sessions() as session, session.begin():
        await session.execute(insert(toy.notes), [{"body": "Nguyễn"}, {"body": "Nguyễn"}])
        expected = (await session.execute(query, {"body": "Nguyễn"})).one()
        got = await Prebuilt(query).first(session, body="Nguyễn")
        assert got is not None
        assert (got.id, got.body) == (expected.id, expected.body)
        assert got._asdict() == expected._asdict()
        assert await Prebuilt(query).first(session, body="Trần") is None


async def test_a_prebuilt_statement_binds_values_as_sqlalchemy_binds_them(admin_engine: AsyncEngine) -> None:
    detail = {"lý do": "Nguyễn Văn An", "days": [1, 2]}
    echo = Prebuilt(select(bindparam("detail", type_=JSONB).label("detail")))
    async with make_sessions(admin_engine)() as session:
        got = await echo.first(session, detail=detail)
        assert got is not None
        assert got.detail == detail
        assert got._mapping == {"detail": detail}


def _request_of(engine: AsyncEngine) -> Any:
    """What the session dependency reads of a request: the app's sessions."""
    return SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(sessions=make_sessions(engine))))


async def test_an_own_transaction_commits_when_the_route_returns_and_rolls_back_when_it_raises(
    admin_engine: AsyncEngine, toy: Toy
) -> None:
    note = Prebuilt(insert(toy.notes).values(body=bindparam("body")), on="transaction")
    pool = cast(QueuePool, admin_engine.sync_engine.pool)
    before = pool.checkedout()

    kept = _session(_request_of(admin_engine))
    session = await anext(kept)
    await begin_own_transaction(session)
    await note.execute(session, body="một")
    async with alone(session) as db:  # in it too, not a connection of its own
        await db.execute(f"INSERT INTO {toy.schema}.notes (body) VALUES ('hai')")  # noqa: S608
    assert pool.checkedout() == before + 1, "one connection, the transaction's"
    assert await _count(admin_engine, toy) == 0, "not committed before the route returns"
    with pytest.raises(StopAsyncIteration):
        await anext(kept)
    assert await _count(admin_engine, toy) == 2
    assert session.sync_session.get_transaction() is None, "the session itself never began one"

    refused = _session(_request_of(admin_engine))
    session = await anext(refused)
    await begin_own_transaction(session)
    await note.execute(session, body="ba")
    with pytest.raises(Problem):
        await refused.athrow(Problem(409, "note_refused", "refused after writing"))
    assert await _count(admin_engine, toy) == 2, "the route raised: rolled back"
    assert pool.checkedout() == before, "both connections given back"


async def test_an_orm_statement_in_an_own_transaction_raises_rather_than_commit_apart(
    admin_engine: AsyncEngine, toy: Toy
) -> None:
    async with unit_of_work(make_sessions(admin_engine)) as session:
        await begin_own_transaction(session)
        with pytest.raises(RuntimeError, match="make the statement Prebuilt"):
            await session.execute(insert(toy.notes).values(body="bốn"))
        await session.rollback()
    assert await _count(admin_engine, toy) == 0


async def test_a_session_with_a_connection_keeps_its_transaction_for_the_prebuilt_statements(
    admin_engine: AsyncEngine, toy: Toy
) -> None:
    async with unit_of_work(make_sessions(admin_engine)) as session:
        await session.execute(insert(toy.notes).values(body="năm"))
        await begin_own_transaction(session)  # nothing changes: the session's transaction is theirs
        await Prebuilt(insert(toy.notes).values(body="sáu"), on="transaction").execute(session)
        await session.execute(insert(toy.notes).values(body="bảy"))
        await session.rollback()
    assert await _count(admin_engine, toy) == 0, "all three in the session's transaction"


async def _terminate(admin_engine: AsyncEngine, db: Any) -> None:
    """`db`'s backend ended by the administrator, as a failover or a restart ends it; returns once
    asyncpg has seen it closed."""
    cut = asyncio.Event()
    db.add_termination_listener(lambda *_: cut.set())
    async with admin_engine.connect() as admin:
        await admin.execute(select(func.pg_terminate_backend(db.get_server_pid())))
    async with asyncio.timeout(5):
        await cut.wait()


async def test_an_own_transaction_whose_connection_is_lost_ends_in_a_connection_error_and_is_dropped(
    stack: Stack, admin_engine: AsyncEngine, toy: Toy
) -> None:
    """A failover ends the backend between the request's statements: the commit is a ConnectionError
    (a 503, `shared.errors`), not asyncpg's interface error (a 500), and the dead connection is not
    pooled again."""
    engine = create_async_engine(stack.admin_database_url, pool_size=1, max_overflow=0, pool_timeout=5)
    try:
        async with make_sessions(engine)() as session:
            await begin_own_transaction(session)
            try:
                db = await driver(session)
                await db.execute(f"INSERT INTO {toy.schema}.notes (body) VALUES ('tám')")  # noqa: S608
                await _terminate(admin_engine, db)
            finally:
                with pytest.raises(ConnectionError):
                    await end_own_transaction(session, commit=True)
        assert cast(QueuePool, engine.sync_engine.pool).checkedout() == 0
        assert await _count(engine, toy) == 0, "a fresh connection, and nothing committed"
    finally:
        await engine.dispose()


async def test_a_pooled_connection_lost_before_an_own_transaction_begins_is_a_connection_error(
    stack: Stack, admin_engine: AsyncEngine, toy: Toy
) -> None:
    """Found by the soak: the pool hands a connection out again without a ping for half a second, and
    a PostgreSQL restart had closed it; beginning the own transaction on it raised asyncpg's interface
    error (a 500) and left it checked out."""
    engine = create_async_engine(stack.admin_database_url, pool_size=1, max_overflow=0, pool_timeout=5)
    try:
        async with engine.connect() as connection:  # the pool's one connection, back in it at once
            db = (await connection.get_raw_connection()).driver_connection
        await _terminate(admin_engine, db)
        async with make_sessions(engine)() as session:
            with pytest.raises(ConnectionError):
                await begin_own_transaction(session)
        assert cast(QueuePool, engine.sync_engine.pool).checkedout() == 0
        assert await _count(engine, toy) == 0, "the pool's next connection is a live one"
    finally:
        await engine.dispose()
