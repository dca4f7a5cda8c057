"""The queries of a dossier's appointment: the one conditional update that keeps the latest."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, and_, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.dossiers.models import dossiers


async def move_appointment(
    session: AsyncSession,
    dossier_id: UUID,
    *,
    appointment_at: datetime,
    reason: str,
    paused_at: datetime,
    resumed_at: datetime,
) -> Row[Any] | None:
    """Set the received dossier's appointment unless it holds one from a later resumption: a late event
    never takes it back. One from the same resumption with another due replaces it (the sender
    corrected itself); the very same appointment again changes nothing. The dossier's code when it
    changed, else None. Atomic: two deliveries at once cannot both win."""
    current = dossiers.c.appointment_resumed_at
    newer = or_(
        current.is_(None),
        current < resumed_at,
        and_(current == resumed_at, dossiers.c.appointment_at.is_distinct_from(appointment_at)),
    )
    statement = (
        update(dossiers)
        .where(dossiers.c.id == dossier_id, dossiers.c.received_at.is_not(None), newer)
        .values(
            appointment_at=appointment_at,
            appointment_reason=reason,
            appointment_paused_at=paused_at,
            appointment_resumed_at=resumed_at,
        )
        .returning(dossiers.c.code)
    )
    changed: Row[Any] | None = (await session.execute(statement)).first()
    return changed
