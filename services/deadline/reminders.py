"""Reminder lists (danh sách đôn đốc): the running clocks due soon or overdue, per responsible agency.

What the centre chases each morning, read from the clocks themselves at the moment asked (not from the
watcher's flags, so a list is right even between two cycles): due soon is ``warn_at <= now < due_at``,
overdue is ``due_at <= now``, by the due after pauses (an extension does not hold a clock back). Paused
clocks wait for the applicant and stopped ones are done: neither is listed. Oldest due first, keyset
pages on (due_at, id).
"""

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import and_, literal, or_, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.deadline.models import clocks, dossiers
from shared.auth import Principal
from shared.cursors import decode_int_cursor, encode_cursor
from shared.errors import Problem

Kind = Literal["due_soon", "overdue"]

_CLOCK_COLUMNS = (
    "id",
    "scope",
    "dossier_id",
    "code",
    "step_id",
    "position",
    "agency_code",
    "lead_agency_code",
    "started_at",
    "original_due_at",
    "due_at",
    "extended_due_at",
    "warn_at",
    "due_soon_sent_at",
    "overdue_sent_at",
)
_COLUMNS = (
    *(clocks.c[name] for name in _CLOCK_COLUMNS),
    dossiers.c.procedure_code,
    dossiers.c.procedure_name,
)


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
    kind: Kind | None,
    now: datetime,
    cursor: str | None,
    limit: int,
) -> dict[str, Any]:
    """One page, oldest due first; `next_cursor` continues right after its last row."""
    rows = await _rows(
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


async def _rows(
    session: AsyncSession,
    *,
    agency: str | None,
    kind: Kind | None,
    now: datetime,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[Row[Any]]:
    c = clocks.c
    # 'running' written into the SQL: a generic plan with it as a parameter could not prove the
    # partial index's predicate (ix_clocks_running_agency_due) and would scan every clock.
    conditions = [c.state == literal("running", literal_execute=True), c.due_at.is_not(None)]
    if kind == "overdue":
        conditions.append(c.due_at <= now)
    else:
        conditions.append(c.warn_at <= now)  # warn_at comes before due_at: both kinds
        if kind == "due_soon":
            conditions.append(c.due_at > now)
    if agency is not None:
        conditions.append(c.agency_code == agency)
    if after is not None:
        due, clock_id = after
        conditions.append(or_(c.due_at > due, and_(c.due_at == due, c.id > clock_id)))
    query = (
        select(*_COLUMNS)
        .select_from(clocks.outerjoin(dossiers, dossiers.c.dossier_id == c.dossier_id))
        .where(*conditions)
        .order_by(c.due_at, c.id)
        .limit(limit)
    )
    return list((await session.execute(query)).all())
