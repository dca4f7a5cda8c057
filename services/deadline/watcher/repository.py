"""The watcher's queries: the clocks whose warning has come, locked a batch at a time, their events
staged in the outbox and their sent flags set, each batch in a few statements."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ColumnElement, func, insert, select, text, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.deadline.clocks.models import clocks
from services.deadline.models import messaging


@dataclass(frozen=True)
class Trigger:
    """One of the two warnings: the moment that triggers it and the flag that remembers it."""

    event: str  # due_soon | overdue
    moment: Column[Any]  # the clocks column compared to now
    flag: Column[Any]  # the clocks column set when the event is staged
    # The partial index's predicate as SQL text: the planner uses a partial index only for a query whose
    # WHERE implies its predicate, and a bound parameter (state = $1) never does in a generic plan.
    open_and_unsent: str


DUE_SOON = Trigger(
    "due_soon",
    clocks.c.warn_at,
    clocks.c.due_soon_sent_at,
    "state = 'running' AND due_soon_sent_at IS NULL",
)
OVERDUE = Trigger(
    "overdue",
    clocks.c.due_at,
    clocks.c.overdue_sent_at,
    "state = 'running' AND overdue_sent_at IS NULL",
)

_COLUMNS = (
    "id",
    "scope",
    "dossier_id",
    "step_id",
    "code",
    "portal_id",
    "lead_agency_code",
    "agency_code",
    "due_at",
)


async def due_clocks(
    session: AsyncSession, trigger: Trigger, now: datetime, limit: int
) -> Sequence[Row[Any]]:
    """Up to `limit` clocks whose moment has come and whose warning is unsent, oldest first, locked;
    rows another transaction holds are skipped (a cycle racing this one takes them)."""
    due: ColumnElement[bool] = trigger.moment <= now
    query = (
        select(*(clocks.c[name] for name in _COLUMNS))
        .where(text(trigger.open_and_unsent), due)
        .order_by(trigger.moment)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.execute(query)).all()


async def stage(session: AsyncSession, outbox_rows: list[dict[str, Any]]) -> None:
    """Outbox rows as `Outbox.row` makes them, in one INSERT (one round trip per event was most of a
    busy cycle's time)."""
    await session.execute(insert(messaging.outbox), outbox_rows)


async def mark_sent(session: AsyncSession, trigger: Trigger, clock_ids: list[int], now: datetime) -> None:
    """Set the trigger's flag on the clocks, in the transaction that staged their events."""
    await session.execute(
        update(clocks)
        .where(clocks.c.id.in_(clock_ids))
        .values({trigger.flag: now, clocks.c.updated_at: func.now()})
    )
