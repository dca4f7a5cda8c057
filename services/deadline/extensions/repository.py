"""Every query of the extension requests and their decisions. The caller's transaction commits."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.deadline.extensions.models import extensions


async def extension_for(session: AsyncSession, step_id: uuid.UUID, requested_at: datetime) -> Row[Any] | None:
    query = select(extensions).where(
        extensions.c.step_id == step_id, extensions.c.requested_at == requested_at
    )
    return (await session.execute(query)).first()


async def insert_extension(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(extensions), values)


async def list_extensions(
    session: AsyncSession, *, agency: str | None, state: str | None, limit: int, offset: int
) -> tuple[Sequence[Row[Any]], int]:
    """Most recent requests first."""
    conditions = []
    if agency is not None:
        conditions.append(extensions.c.step_agency_code == agency)
    if state is not None:
        conditions.append(extensions.c.state == state)
    where = and_(True, *conditions)
    rows = (
        await session.execute(
            select(extensions)
            .where(where)
            .order_by(extensions.c.requested_at.desc(), extensions.c.id)
            .limit(limit)
            .offset(offset)
        )
    ).all()
    total = await session.scalar(select(func.count()).select_from(extensions).where(where))
    return rows, int(total or 0)
