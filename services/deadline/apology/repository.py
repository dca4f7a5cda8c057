"""Every query of the apology letters: the letters themselves, and what they need of the clocks."""

from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Row, and_, exists, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.deadline.apology.models import apology_letters
from services.deadline.clocks.models import clocks, dossiers
from shared.clock import VIETNAM

# A clock stopped for these reasons delivered (or refused) a result the citizen waited for; a
# withdrawn dossier owes no letter.
FINISHED = ("completed", "resolved", "rejected", "stopped", "returned")


async def dossier_for_update(session: AsyncSession, code: str) -> Row[Any] | None:
    """The dossier deadline heard of under `code`, locked: one letter decision at a time per dossier."""
    query = select(dossiers).where(dossiers.c.code == code).order_by(dossiers.c.dossier_id).limit(1)
    return (await session.execute(query.with_for_update())).first()


async def clock(session: AsyncSession, dossier_id: UUID, step_id: UUID | None) -> Row[Any] | None:
    """The dossier's own clock (`step_id` None) or that step's, if it belongs to this dossier."""
    query = select(clocks).where(clocks.c.dossier_id == dossier_id)
    if step_id is None:
        query = query.where(clocks.c.scope == "dossier")
    else:
        query = query.where(clocks.c.scope == "step", clocks.c.step_id == step_id)
    return (await session.execute(query)).first()


async def latest_return_date(session: AsyncSession, dossier_id: UUID) -> date | None:
    """The latest new return date any letter of the dossier set (its own, or any step's): the one that
    stands, or the last one missed. The caller holds the dossier's lock (`dossier_for_update`)."""
    query = select(func.max(apology_letters.c.new_return_date)).where(
        apology_letters.c.dossier_id == dossier_id
    )
    result: date | None = await session.scalar(query)
    return result


async def add_letter(session: AsyncSession, row: dict[str, Any]) -> None:
    # Parameters beside a bare insert() compile once and are cached.
    await session.execute(insert(apology_letters), row)


async def letter(session: AsyncSession, letter_id: UUID) -> Row[Any] | None:
    return (await session.execute(select(apology_letters).where(apology_letters.c.id == letter_id))).first()


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=VIETNAM)


async def letters(
    session: AsyncSession, *, agency: str | None, issued_from: date | None, issued_to: date | None, limit: int
) -> list[Row[Any]]:
    """Letters by issuing agency and issue date (Vietnam dates, both ends included), newest first."""
    query = select(apology_letters)
    if agency is not None:
        query = query.where(apology_letters.c.agency_code == agency)
    if issued_from is not None:
        query = query.where(apology_letters.c.issued_at >= _start_of(issued_from))
    if issued_to is not None:
        query = query.where(apology_letters.c.issued_at < _start_of(issued_to + timedelta(days=1)))
    query = query.order_by(apology_letters.c.issued_at.desc(), apology_letters.c.id).limit(limit)
    return list((await session.execute(query)).all())


async def late_without_letter(
    session: AsyncSession, *, agency: str | None, today: date, limit: int
) -> list[Row[Any]]:
    """Clocks past their due date (Vietnam) with no letter that covers them, most overdue first.

    Late: a running clock whose due date is before today, or a stopped one that stopped on a later
    date than its due's. The due is `due_at` (moved by pauses, not by extensions nor letters), else
    the original. A dossier's clock is covered by any letter on the dossier; a step's by a letter for
    that step, or by a dossier letter of the step's own agency.
    """
    due = func.coalesce(clocks.c.due_at, clocks.c.original_due_at)
    today_starts = _start_of(today)
    stopped_day_after_due = func.date(func.timezone("Asia/Ho_Chi_Minh", clocks.c.stopped_at)) > func.date(
        func.timezone("Asia/Ho_Chi_Minh", due)
    )
    covered = exists().where(
        apology_letters.c.dossier_id == clocks.c.dossier_id,
        or_(
            clocks.c.scope == "dossier",
            apology_letters.c.step_id == clocks.c.step_id,
            and_(apology_letters.c.step_id.is_(None), apology_letters.c.agency_code == clocks.c.agency_code),
        ),
    )
    query = select(clocks, due.label("late_due_at")).where(
        clocks.c.imported.is_(False),
        due.is_not(None),
        or_(
            and_(clocks.c.state == "running", due < today_starts),
            and_(clocks.c.state == "stopped", clocks.c.stop_reason.in_(FINISHED), stopped_day_after_due),
        ),
        ~covered,
    )
    if agency is not None:
        query = query.where(clocks.c.agency_code == agency)
    query = query.order_by(due, clocks.c.id).limit(limit)
    return list((await session.execute(query)).all())
