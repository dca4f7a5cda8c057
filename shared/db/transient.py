"""Which failures are worth a retry: the database or the network going away, not a bad message."""

import asyncio

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# SQLSTATE classes: 08 connection exception, 53 insufficient resources, 57 operator intervention
# (shutdown, "the database system is starting up"), 40001/40P01 serialization failure and deadlock.
_TRANSIENT_SQLSTATE_PREFIXES = ("08", "53", "57", "40001", "40P01")
UNIQUE_VIOLATION = "23505"  # not transient: the same request would conflict again


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a database error, whichever layer (SQLAlchemy, asyncpg) raised it."""
    for candidate in (exc, getattr(exc, "orig", None), getattr(exc, "__cause__", None)):
        code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(code, str):
            return code
    return None


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    state = sqlstate(exc)
    if state is not None:
        return state.startswith(_TRANSIENT_SQLSTATE_PREFIXES)
    # PoolTimeout: every connection of the pool stayed busy for the pool's whole timeout.
    return isinstance(
        exc,
        OperationalError | InterfaceError | OSError | ConnectionError | asyncio.TimeoutError | PoolTimeout,
    )
