"""Every query of the facts: other services' events kept until the state they answer exists."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.inbound.models import facts


async def record(
    session: AsyncSession,
    *,
    dossier_id: uuid.UUID,
    kind: str,
    at: datetime,
    data: dict[str, Any],
    step_id: uuid.UUID | None = None,
    applied_at: datetime | None = None,
) -> None:
    await session.execute(
        insert(facts),
        {
            "dossier_id": dossier_id,
            "kind": kind,
            "step_id": step_id,
            "at": at,
            "data": data,
            "applied_at": applied_at,
        },
    )


async def pending(
    session: AsyncSession, dossier_id: uuid.UUID, kinds: Sequence[str], *, step_id: uuid.UUID | None = None
) -> list[Row[Any]]:
    """Facts of these kinds not applied yet, the earliest first."""
    query = select(facts).where(
        facts.c.dossier_id == dossier_id, facts.c.kind.in_(kinds), facts.c.applied_at.is_(None)
    )
    if step_id is not None:
        query = query.where(facts.c.step_id == step_id)
    return list((await session.execute(query.order_by(facts.c.at, facts.c.id))).all())


async def mark_applied(session: AsyncSession, fact_id: int, at: datetime) -> None:
    await session.execute(update(facts).where(facts.c.id == fact_id).values(applied_at=at))
