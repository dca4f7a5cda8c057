"""Every query of feedback and complaints (phản ánh, kiến nghị); the agencies and dossiers they name are
`services.survey.replicas.repository`'s."""

import uuid
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import ColumnElement, Date, and_, cast, func, insert, or_, select, tuple_, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.survey.feedback.models import feedback_forwards, feedback_items
from services.survey.feedback.rules import Group

_VIETNAM = "Asia/Ho_Chi_Minh"


def _vietnam_date(at: Any) -> ColumnElement[date]:
    return cast(func.timezone(_VIETNAM, at), Date)


_INSERT_ITEM: Final = insert(feedback_items)


async def insert_item(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(_INSERT_ITEM, values)


async def item(session: AsyncSession, item_id: uuid.UUID, *, for_update: bool = False) -> Row[Any] | None:
    query = select(feedback_items).where(feedback_items.c.id == item_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).one_or_none()


async def update_item(session: AsyncSession, item_id: uuid.UUID, **values: Any) -> Row[Any]:
    return (
        await session.execute(
            update(feedback_items)
            .where(feedback_items.c.id == item_id)
            .values(**values)
            .returning(*feedback_items.c)
        )
    ).one()


async def insert_forward(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(feedback_forwards), values)


async def forwards(session: AsyncSession, item_id: uuid.UUID) -> list[Row[Any]]:
    rows = await session.execute(
        select(feedback_forwards)
        .where(feedback_forwards.c.feedback_id == item_id)
        .order_by(feedback_forwards.c.id)
    )
    return list(rows)


async def page(
    session: AsyncSession,
    *,
    agency_code: str | None,
    state: str | None,
    overdue: bool | None,
    today_starts: datetime,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Row[Any]]:
    """Items oldest due first, keyset-paged by (answer_due_at, id). ``today_starts`` is 00:00 today in
    Vietnam: an open item due before it is overdue (its due date has passed)."""
    c = feedback_items.c
    query = select(feedback_items)
    if agency_code is not None:
        query = query.where(c.agency_code == agency_code)
    if state == "open":
        query = query.where(c.answered_at.is_(None))
    elif state == "answered":
        query = query.where(c.answered_at.is_not(None))
    is_overdue = and_(c.answered_at.is_(None), c.answer_due_at < today_starts)
    if overdue is True:
        query = query.where(is_overdue)
    elif overdue is False:
        query = query.where(or_(c.answered_at.is_not(None), c.answer_due_at >= today_starts))
    if after is not None:
        query = query.where(tuple_(c.answer_due_at, c.id) > tuple_(*after))
    query = query.order_by(c.answer_due_at, c.id).limit(limit)
    return list(await session.execute(query))


async def summary_groups(
    session: AsyncSession, *, starts: datetime, ends: datetime, agency_code: str | None
) -> list[Group]:
    """Items received in [starts, ends), grouped by agency, due date and answer date (Vietnam)."""
    c = feedback_items.c
    due_date = _vietnam_date(c.answer_due_at).label("due_date")
    answered_date = _vietnam_date(c.answered_at).label("answered_date")
    query = (
        select(c.agency_code, due_date, answered_date, func.count().label("items"))
        .where(c.received_at >= starts, c.received_at < ends)
        .group_by(c.agency_code, due_date, answered_date)
    )
    if agency_code is not None:
        query = query.where(c.agency_code == agency_code)
    rows = await session.execute(query)
    return [Group(r.agency_code, r.due_date, r.answered_date, r.items) for r in rows]
