"""The counter's later work on a dossier handed in: the citizen withdraws it (rút hồ sơ), or takes its
result (trả kết quả)."""

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake import events
from services.intake.dossiers import access
from services.intake.dossiers.change import Desk, changing
from services.intake.reception.schemas import ReturnIn, WithdrawIn
from shared.errors import Problem

WITHDRAWABLE = ("submitted", "received", "in_processing", "supplement_requested")


async def withdraw(session: AsyncSession, desk: Desk, key: str, request: WithdrawIn) -> UUID:
    """The citizen takes the dossier back before a result."""
    row = await access.at_desk(session, desk, key)
    if row.status not in WITHDRAWABLE:
        raise Problem(409, "cannot_withdraw", f"Dossier is {row.status}; it can no longer be withdrawn.")
    detail = {"reason": request.reason}
    async with changing(session, desk, row, audit_action="dossier.withdrawn", audit_detail=detail) as change:
        change.to("withdrawn", "Công dân rút hồ sơ", withdrawn_at=change.at)
        if row.code is not None:  # only a received dossier was ever heard of
            change.emit(
                "withdrawn",
                events.withdrawn(identity=change.identity, withdrawn_at=change.at, imported=False),
            )
    dossier_id: UUID = row.id
    return dossier_id


async def return_result(session: AsyncSession, desk: Desk, key: str, request: ReturnIn) -> UUID:
    """The result handed over: at the counter, by post or electronically."""
    row = await access.at_desk(session, desk, key)
    if row.status != "resolved":
        raise Problem(
            409, "result_not_ready", f"Dossier is {row.status}; a result can be returned once resolved."
        )
    detail = {"channel": request.channel}
    async with changing(session, desk, row, audit_action="dossier.returned", audit_detail=detail) as change:
        change.to("returned", "Đã trả kết quả", returned_at=change.at, return_channel=request.channel)
        change.emit(
            "returned",
            events.returned(
                identity=change.identity,
                returned_at=change.at,
                delivery_channel=request.channel,
                imported=False,
                portal_account=events.portal_account_of(row),
            ),
        )
    dossier_id: UUID = row.id
    return dossier_id
