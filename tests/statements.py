"""The statements an app's pool sends to the real server, as it sends them (issue #17's write paths):
SQLAlchemy's, asyncpg's own (BEGIN, COMMIT, the pool's ping), a `CHECKOUT` mark each time the pool
hands a connection out, and which of asyncpg's ran in no transaction."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

CHECKOUT = "-- checkout"


@dataclass
class Statements:
    """Every statement, in order, with the connection that sent it. The relay and the consumers share
    the pool: what one checkout sent is a request's. asyncpg logs a statement a loop iteration after
    it ran, and a request served in-process may end, and the next begin, within that iteration:
    `settle` lets the last statements land before the log is read."""

    seen: list[tuple[int, str]] = field(default_factory=list)
    alone: list[str] = field(default_factory=list)  # asyncpg's, done with its connection in no transaction

    async def settle(self) -> None:
        """What the statements sent so far log, logged (a loop iteration after each ran)."""
        await asyncio.sleep(0)

    def of_checkout_running(self, fragment: str) -> list[str]:
        """What the connection that sent `fragment` last sent while checked out that time."""
        owner = next(conn for conn, query in reversed(self.seen) if fragment in query)
        mine = [query for conn, query in self.seen if conn == owner]
        last = max(i for i, query in enumerate(mine) if fragment in query)
        start = max((i for i, query in enumerate(mine[:last]) if query == CHECKOUT), default=-1) + 1
        end = next((i for i, query in enumerate(mine) if i > last and query == CHECKOUT), len(mine))
        return mine[start:end]


@asynccontextmanager
async def watching(engine: AsyncEngine) -> AsyncIterator[Statements]:
    """The statements `engine`'s connections send while open."""
    log = Statements()
    logging: set[int] = set()

    def on_checkout(dbapi_connection: Any, *_: Any) -> None:
        raw = dbapi_connection.driver_connection
        key = id(raw)
        log.seen.append((key, CHECKOUT))
        if key not in logging:
            logging.add(key)
            raw.add_query_logger(lambda record: log.seen.append((key, record.query)))
            raw.add_query_logger(
                lambda record: None if raw.is_in_transaction() else log.alone.append(record.query)
            )

    def on_execute(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        log.seen.append((id(conn.connection.driver_connection), statement))

    event.listen(engine.sync_engine, "checkout", on_checkout)
    event.listen(engine.sync_engine, "before_cursor_execute", on_execute)
    try:
        yield log
    finally:
        event.remove(engine.sync_engine, "checkout", on_checkout)
        event.remove(engine.sync_engine, "before_cursor_execute", on_execute)
