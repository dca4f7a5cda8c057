"""Every query of the payments: their rows, and whether a step asked for a financial obligation."""

import uuid
from typing import Any

from sqlalchemy import exists, insert, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.models import audit_log
from services.routing.payments.models import fee_payments


async def obligation_asked(session: AsyncSession, code: str, step_id: uuid.UUID) -> bool:
    """Whether the step ever asked for a financial obligation. The audit row of the request is written
    in its transaction, for requests made before payments were recorded too (the dossier's rows are
    few, found by `ix_audit_log_entity`)."""
    query = select(
        exists().where(
            audit_log.c.entity == f"dossier:{code}",
            audit_log.c.action == "step.obligation_requested",
            audit_log.c.detail["step_id"].astext == str(step_id),
        )
    )
    return bool(await session.scalar(query))


async def by_reference(session: AsyncSession, step_id: uuid.UUID, reference: str) -> Row[Any] | None:
    query = select(fee_payments).where(
        fee_payments.c.step_id == step_id, fee_payments.c.reference == reference
    )
    return (await session.execute(query)).one_or_none()


async def insert_payment(session: AsyncSession, values: dict[str, Any]) -> Row[Any]:
    return (await session.execute(insert(fee_payments).returning(*fee_payments.c), values)).one()


async def payments_of(session: AsyncSession, step_id: uuid.UUID) -> list[Row[Any]]:
    query = (
        select(fee_payments)
        .where(fee_payments.c.step_id == step_id)
        .order_by(fee_payments.c.paid_at, fee_payments.c.payment_id)
    )
    return list((await session.execute(query)).all())
