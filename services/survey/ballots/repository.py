"""The query of ballots but the kiosks' group commit (`writer`): a ballot that is not group-committed (a
dossier's, or one opening a feedback item) written by ONE statement, built once (issue #17).

A dossier's ballot holds two locks: its entry in the unique index of `ballots.dossier_code` (one
ballot per dossier: of two racing, the second waits there until the first commits, then inserts
nothing) and its invitation's row. Written as a unit of work, they were held from the ballot's insert
across the invitation's update, the outbox, feedback and audit inserts and the COMMIT: four round
trips, eight with a feedback item. Here the ballot is checked and everything it writes staged before,
and `WRITE`, on an autocommit connection, inserts the ballot and, only if it did, uses the invitation
and inserts the events' outbox rows (in their order, which is the publish order), the feedback item
and its audit row: the locks are held for that one statement, which commits as it ends.
"""

import json
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from services.survey.ballots.models import ballots
from services.survey.feedback.models import feedback_items
from services.survey.invitations.models import invitations
from services.survey.models import audit_log, messaging
from shared.db.raw import driver

_BALLOT: Final = tuple(c.key for c in ballots.c)
_EVENT: Final = ("event_id", "event_type", "topic", "payload")
_ITEM: Final = (  # what an item a ballot opens has (`feedback.receiving.from_ballot`)
    "id",
    "kind",
    "source",
    "ballot_id",
    "topic",
    "content",
    "agency_code",
    "received_agency_code",
    "dossier_code",
    "received_at",
    "answer_due_at",
)
_AUDIT: Final = ("at", "actor", "role", "agency", "action", "entity", "detail")
_JSON: Final = frozenset({"answers", "detail"})  # the driver takes jsonb as JSON text


def _typed(table: Table, columns: tuple[str, ...], first: int, suffix: str = "") -> str:
    """`$first::type, ...`: each column's parameter cast to its type (`[]` for arrays)."""
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    return ", ".join(
        f"${first + n}::{table.c[column].type.compile(dialect=dialect)}{suffix}"
        for n, column in enumerate(columns)
    )


def _staged(table: Table, columns: tuple[str, ...], first: int) -> str:
    """`INSERT INTO table (columns)` of the rows staged as arrays from parameter `first` on, in their
    order, if the ballot was inserted. Only this module's table and column names go into it."""
    names = ", ".join(columns)
    values = ", ".join(f"staged.{column}" for column in columns)
    arrays = _typed(table, columns, first, "[]")
    return f"""  INSERT INTO {table.fullname} ({names}) SELECT {values}
  FROM ballot, unnest({arrays}) WITH ORDINALITY AS staged({names}, n) ORDER BY n"""  # noqa: S608


_FIRST_EVENT: Final = 1 + len(_BALLOT)
_FIRST_ITEM: Final = _FIRST_EVENT + len(_EVENT)
_FIRST_AUDIT: Final = _FIRST_ITEM + len(_ITEM)
WRITE: Final = f"""
WITH ballot AS (
  INSERT INTO {ballots.fullname} ({", ".join(_BALLOT)}) VALUES ({_typed(ballots, _BALLOT, 1)})
  ON CONFLICT (dossier_code) DO NOTHING
  RETURNING dossier_code, submitted_at
), used AS (
  UPDATE {invitations.fullname} AS i SET used_at = ballot.submitted_at FROM ballot
  WHERE i.dossier_code = ballot.dossier_code AND i.used_at IS NULL
), events AS (
{_staged(messaging.outbox, _EVENT, _FIRST_EVENT)}
), item AS (
{_staged(feedback_items, _ITEM, _FIRST_ITEM)}
), audit AS (
{_staged(audit_log, _AUDIT, _FIRST_AUDIT)}
)
SELECT count(*) FROM ballot
"""  # noqa: S608


@dataclass(frozen=True)
class Staged:
    """Everything a ballot writes: its `ballots` row, its events' outbox rows (`Outbox.row`) in publish
    order, and the feedback item it opens with that item's audit row, if any."""

    ballot: dict[str, Any]
    events: list[dict[str, Any]]
    items: list[dict[str, Any]]
    audits: list[dict[str, Any]]


async def write(session: AsyncSession, staged: Staged) -> bool:
    """Write `staged` in one statement (`WRITE`) on the session's connection, which must be autocommit;
    False when the dossier has a ballot already (nothing written)."""
    arguments = [_value(column, staged.ballot[column]) for column in _BALLOT]
    for columns, rows in ((_EVENT, staged.events), (_ITEM, staged.items), (_AUDIT, staged.audits)):
        arguments += [[_value(column, row[column]) for row in rows] for column in columns]
    written: int = await (await driver(session)).fetchval(WRITE, *arguments)
    return written == 1


def _value(column: str, value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if column in _JSON else value
