"""The pool's ping at checkout (`shared.db.engine._ping`): one round trip, and a connection the server
has dropped (a PostgreSQL restart, a terminated backend) while it was idle is replaced before a request
uses it; one back in the pool for less than `PING_AFTER_IDLE_SECONDS` goes out unpinged."""

import asyncio
from typing import Any

from sqlalchemy import event, text

from shared.db.engine import PING_AFTER_IDLE_SECONDS, make_engine
from tests.conftest import Stack


async def test_a_connection_the_server_dropped_is_replaced_at_checkout(stack: Stack) -> None:
    engine = make_engine(stack.service_database_urls["intake"], pool_size=1)
    admin = make_engine(stack.admin_database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            first = await connection.scalar(text("SELECT pg_backend_pid()"))
        async with admin.connect() as connection:  # the pooled connection dies while it is idle
            assert await connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        await asyncio.sleep(PING_AFTER_IDLE_SECONDS)
        async with engine.connect() as connection:
            second = await connection.scalar(text("SELECT pg_backend_pid()"))
        assert second != first
    finally:
        await engine.dispose()
        await admin.dispose()


async def test_the_ping_is_one_round_trip_outside_any_transaction_after_an_idle_spell(stack: Stack) -> None:
    engine = make_engine(stack.service_database_urls["intake"], pool_size=1)
    seen: list[str] = []

    def log_queries(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.driver_connection.add_query_logger(lambda record: seen.append(record.query))

    event.listen(engine.sync_engine, "connect", log_queries)
    try:
        # a new connection, the pooled one again at once (not pinged), and again once it has idled
        for pause in (0, 0, PING_AFTER_IDLE_SECONDS):
            await asyncio.sleep(pause)
            async with engine.connect() as connection:
                await connection.scalar(text("SELECT 1"))
        pings = [i for i, query in enumerate(seen) if query == ";"]
        assert len(pings) == 2
        assert seen.count("BEGIN;") == 3
        # each ping alone, in no transaction: the request's BEGIN follows it, no BEGIN comes before it
        assert all(seen[i + 1] == "BEGIN;" and (i == 0 or seen[i - 1] != "BEGIN;") for i in pings), seen
    finally:
        await engine.dispose()
