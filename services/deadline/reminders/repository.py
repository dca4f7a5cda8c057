"""The query of the reminder lists: running clocks whose warning time or due has come, oldest due
first, by keyset."""

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import and_, literal, or_, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.deadline.clocks.models import clocks, dossiers

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


async def running_clocks(
    session: AsyncSession,
    *,
    agency: str | None,
    kind: Kind | None,
    now: datetime,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[Row[Any]]:
    """Up to `limit` running clocks of `kind` (both when None) as of `now`, after the keyset `after`
    (due_at, id), with their dossiers' procedures."""
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
