"""Every query of reception's own tables: the forms 02 and 03 issued, and the requests already answered
under an `Idempotency-Key`."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.reception.models import idempotency_keys, reception_decisions


async def add_decision(
    session: AsyncSession,
    *,
    dossier_id: UUID,
    form: str,
    missing: list[dict[str, Any]],
    reason: str | None,
    at: datetime,
    by: str,
) -> None:
    await session.execute(
        insert(reception_decisions),
        {
            "dossier_id": dossier_id,
            "form": form,
            "missing_documents": missing,
            "reason": reason,
            "issued_at": at,
            "issued_by": by,
        },
    )


async def latest_decision(session: AsyncSession, dossier_id: UUID) -> Row[Any] | None:
    query = (
        select(reception_decisions)
        .where(reception_decisions.c.dossier_id == dossier_id)
        .order_by(reception_decisions.c.id.desc())
        .limit(1)
    )
    return (await session.execute(query)).first()


async def lock_request(session: AsyncSession, lock: int) -> None:
    """Until commit: two retries racing with one key queue here, and the second then sees the first's row."""
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock})


async def idempotent_request(session: AsyncSession, key: str, caller: str) -> Row[Any] | None:
    query = select(idempotency_keys).where(idempotency_keys.c.key == key, idempotency_keys.c.caller == caller)
    return (await session.execute(query)).first()


async def remember_request(
    session: AsyncSession, *, key: str, caller: str, request_hash: str, dossier_id: UUID
) -> None:
    await session.execute(
        insert(idempotency_keys),
        {"key": key, "caller": caller, "request_hash": request_hash, "dossier_id": dossier_id},
    )
