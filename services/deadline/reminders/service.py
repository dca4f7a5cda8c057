"""Reminder lists (danh sách đôn đốc): the running clocks due soon or overdue, per responsible agency.

What the centre chases each morning, read from the clocks themselves at the moment asked (not from the
watcher's flags, so a list is right even between two cycles): due soon is ``warn_at <= now < due_at``,
overdue is ``due_at <= now``, by the due after pauses (an extension does not hold a clock back). Paused
clocks wait for the applicant and stopped ones are done: neither is listed. Oldest due first, keyset
pages on (due_at, id).
"""

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.deadline.reminders import repository
from shared.auth import Principal
from shared.cursors import decode_int_cursor, encode_cursor
from shared.errors import Problem


def agency_in_view(who: Principal, agency: str | None) -> str | None:
    """The agency listed: officers and leaders their own (the default); the centre's roles any, or all."""
    if who.role not in ("officer", "leader"):
        return agency
    if who.agency is None or (agency is not None and agency != who.agency):  # no claim: auth refuses it
        raise Problem(
            403,
            "not_your_agency",
            f"Officers and leaders see their own agency's reminders only, not {agency or 'all agencies'}'s.",
        )
    return who.agency


async def page(
    session: AsyncSession,
    *,
    agency: str | None,
    kind: repository.Kind | None,
    now: datetime,
    cursor: str | None,
    limit: int,
) -> dict[str, Any]:
    """One page, oldest due first; `next_cursor` continues right after its last row."""
    rows = await repository.running_clocks(
        session,
        agency=agency,
        kind=kind,
        now=now,
        after=decode_int_cursor(cursor) if cursor else None,
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    return {
        "agency": agency,
        "kind": kind,
        "as_of": now,
        "items": [{**row._mapping, "kind": "overdue" if row.due_at <= now else "due_soon"} for row in rows],
        "limit": limit,
        "next_cursor": encode_cursor(last.due_at, last.id) if more and last is not None else None,
    }
