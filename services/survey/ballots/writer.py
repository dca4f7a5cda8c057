"""Anonymous kiosk ballots written together: a group commit per worker process.

Kiosk ballots that open nothing are independent rows (no unique key but their own id), so the ballots
of requests arriving together are written by ONE statement on one autocommit connection, with their
`survey.submitted` outbox rows: `WITH ballot AS (INSERT ... SELECT FROM unnest(...)) INSERT INTO outbox
... SELECT FROM unnest(...)`. Each request waits for the statement that carries its ballot, so a 201 still
means stored with its event; a failed statement fails every request in it and stores none of them.
One batch is in flight at a time; the ballots arriving meanwhile make the next one.
"""

import asyncio
import json
from typing import Any, Final

from sqlalchemy import ARRAY, Select, Table, bindparam, cast, func, insert, literal_column, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.survey.ballots.models import ballots
from services.survey.models import messaging
from shared.db.transient import is_transient

MAX_BATCH: Final = 200

_BALLOT_COLUMNS: Final = tuple(c.key for c in ballots.c)
_EVENT_COLUMNS: Final = ("event_id", "event_type", "topic", "payload")


def _from_arrays(table: Table, prefix: str, columns: tuple[str, ...]) -> Any:
    """`INSERT INTO table (columns) SELECT * FROM unnest(CAST(:prefix_column AS type[]), ...)`: one row
    per array element, one statement text whatever the batch size."""
    arrays = [cast(bindparam(prefix + name), ARRAY(table.c[name].type)) for name in columns]
    rows: Select[Any] = select(literal_column("*")).select_from(func.unnest(*arrays))
    return insert(table).from_select(list(columns), rows)


_INSERT: Final = _from_arrays(messaging.outbox, "e_", _EVENT_COLUMNS).add_cte(
    _from_arrays(ballots, "b_", _BALLOT_COLUMNS).cte("ballot")
)

_Pending = tuple[dict[str, Any], dict[str, Any], "asyncio.Future[None]"]


class BallotWriter:
    def __init__(self, max_batch: int = MAX_BATCH) -> None:
        self._max_batch = max_batch
        self._pending: list[_Pending] = []
        self._flusher: asyncio.Task[None] | None = None

    async def write(self, engine: AsyncEngine, ballot: dict[str, Any], event: dict[str, Any]) -> None:
        """Store `ballot` (a `ballots` row) with its outbox row `event`; returns once both are committed."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((ballot, event, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(engine), name="survey-ballot-writer")
        await done

    async def _flush(self, engine: AsyncEngine) -> None:
        while self._pending:
            batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
            try:
                await _insert(engine, batch)
            except Exception as exc:
                if len(batch) == 1 or is_transient(exc):
                    _settle(batch, exc)  # the database is away: every request answers 503
                    continue
                # Rows are checked before they queue, but should one still fail, it fails alone.
                for one in batch:
                    try:
                        await _insert(engine, [one])
                    except Exception as alone:
                        _settle([one], alone)
                    else:
                        _settle([one], None)
            except BaseException:
                _settle(batch, asyncio.CancelledError())
                raise
            else:
                _settle(batch, None)


async def _insert(engine: AsyncEngine, batch: list[_Pending]) -> None:
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(_INSERT, _parameters(batch))


def _settle(batch: list[_Pending], error: BaseException | None) -> None:
    for _, _, done in batch:
        if done.done():
            continue  # its request was cancelled; the row is stored or not all the same
        if error is None:
            done.set_result(None)
        else:
            done.set_exception(error)


def _parameters(batch: list[_Pending]) -> dict[str, list[Any]]:
    params: dict[str, list[Any]] = {f"b_{name}": [] for name in _BALLOT_COLUMNS}
    params.update({f"e_{name}": [] for name in _EVENT_COLUMNS})
    for ballot, event, _ in batch:
        for name in _BALLOT_COLUMNS:
            value = ballot[name]
            # The driver takes the elements of a jsonb[] as JSON text.
            params[f"b_{name}"].append(json.dumps(value, ensure_ascii=False) if name == "answers" else value)
        for name in _EVENT_COLUMNS:
            params[f"e_{name}"].append(event[name])
    return params
