"""An agency's queue (hồ sơ chờ xử lý) in due order with keyset pages, and its load for the leader."""

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.plans.models import OPEN_STEP_STATES
from services.routing.queues import repository
from shared.calendar import WorkingCalendar, add_working_minutes
from shared.cursors import decode_uuid_cursor, encode_cursor
from shared.errors import Problem


async def page(
    session: AsyncSession,
    *,
    agency_code: str,
    states: list[str] | None,
    procedure_code: str | None,
    due_before: datetime | None,
    cursor: str | None,
    limit: int,
    now: datetime,
) -> dict[str, Any]:
    """One page of the queue, earliest due first; `next_cursor` continues right after its last row."""
    if due_before is not None and due_before.tzinfo is None:
        raise Problem(422, "naive_datetime", "due_before needs a time zone, e.g. 2021-06-25T17:00:00+07:00.")
    rows = await repository.queue(
        session,
        agency_code=agency_code,
        states=sorted(set(states)) if states else OPEN_STEP_STATES,
        procedure_code=procedure_code,
        due_before=due_before,
        after=decode_uuid_cursor(cursor) if cursor else None,
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    items = [
        {
            **row._mapping,
            "step_id": row.id,
            "group": row.group_no,
            "overdue": row.state != "paused" and row.due_at is not None and row.due_at < now,
        }
        for row in rows
    ]
    last = rows[-1] if rows else None
    return {
        "items": items,
        "limit": limit,
        "next_cursor": encode_cursor(last.due_at, last.id) if more and last is not None else None,
    }


async def load(
    session: AsyncSession, *, agency_code: str, now: datetime, hours: int, calendar: WorkingCalendar
) -> dict[str, Any]:
    """Waiting steps by state, how many are overdue now, and how many fall due within ``hours``
    working hours (office time: nights, lunch and days off do not count)."""
    until = add_working_minutes(now, hours * 60, calendar) if hours else now
    rows = await repository.load(session, agency_code=agency_code, now=now, until=until)
    by_state = {state: 0 for state in OPEN_STEP_STATES}
    for row in rows:
        by_state[row.state] = row.steps
    return {
        "agency_code": agency_code,
        "at": now,
        "waiting": sum(by_state.values()),
        "by_state": by_state,
        "overdue": sum(row.overdue for row in rows),
        "due_within": {"hours": hours, "until": until, "steps": sum(row.due_soon for row in rows)},
    }
