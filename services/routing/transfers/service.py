"""Paper transfers between agencies (bàn giao hồ sơ giấy): a paper dossier placed in its batch, and the
receiving agency's sign-off.

The plan calls `schedule` in its own unit of work when a step of a paper dossier is assigned;
nothing here commits. Where a dossier goes is decided by `rules.departure`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.models import audit_log
from services.routing.transfers import repository
from services.routing.transfers.rules import Departure, departure, departure_after
from shared import audit
from shared.auth import Principal
from shared.calendar import WorkingCalendar
from shared.clock import VIETNAM
from shared.errors import Problem

# A closed batch sends late papers to the next departure; a handful of hops reaches any open one,
# so more means a bug, not a busy day.
_MAX_HOPS = 8


@dataclass(frozen=True, slots=True)
class TransferSlot:
    """The batch a paper dossier travels in, and when it leaves."""

    batch_id: UUID
    transfer_at: datetime


async def schedule(
    session: AsyncSession,
    *,
    step_id: UUID,
    dossier_id: UUID,
    code: str,
    agency_code: str,
    from_agency_code: str | None,
    handed_at: datetime,
    days: Decimal,
    same_day: bool,
    cutoff: time,
    calendar: WorkingCalendar,
    now: datetime | None = None,
    procedure_code: str | None = None,
    procedure_name: str | None = None,
) -> TransferSlot:
    """Put a paper dossier in the batch of the receiving agency for the session it travels in.

    Idempotent per step: a redelivered assignment gets the slot it already has. ``now`` (the
    caller's clock, default ``handed_at``) sends an item whose batch has already left to the next
    one; a signed batch is closed and does the same.
    """
    existing = await _slot_of_step(session, step_id)
    if existing is not None:
        return existing

    def place(moment: datetime | Departure) -> Departure:
        if isinstance(moment, Departure):
            return departure_after(moment, days=days, same_day=same_day, cutoff=cutoff, calendar=calendar)
        return departure(moment, days=days, same_day=same_day, cutoff=cutoff, calendar=calendar)

    target = place(handed_at)
    if now is not None and now > target.transfer_at:
        target = place(now)  # its departure is past (a late delivery): as if handed over now
    for _ in range(_MAX_HOPS):
        batch_id = await repository.open_batch(session, agency_code, target)
        if batch_id is not None:
            break
        target = place(target)
    else:
        raise RuntimeError(f"no open transfer batch for {agency_code} within {_MAX_HOPS} departures")

    placed = await repository.insert_item(
        session,
        {
            "step_id": step_id,
            "batch_id": batch_id,
            "dossier_id": dossier_id,
            "code": code,
            "procedure_code": procedure_code,
            "procedure_name": procedure_name,
            "from_agency_code": from_agency_code,
            "handed_at": handed_at,
            "days": days,
            "same_day": same_day,
            "reason": target.reason,
        },
    )
    if not placed:
        # A concurrent delivery of the same step won: keep its slot, drop our own immediate batch.
        if target.kind == "immediate":
            await repository.delete_batch(session, batch_id)
        slot = await _slot_of_step(session, step_id)
        assert slot is not None
        return slot
    return TransferSlot(batch_id, target.transfer_at)


async def _slot_of_step(session: AsyncSession, step_id: UUID) -> TransferSlot | None:
    row = await repository.slot_of_step(session, step_id)
    return None if row is None else TransferSlot(row.id, row.transfer_at)


def check_agency(who: Principal, agency_code: str) -> None:
    """Officers and leaders see and sign only their own agency's batches."""
    if who.role in ("officer", "leader") and who.agency != agency_code:
        raise Problem(
            403,
            "not_your_agency",
            f"This transfer is addressed to agency {agency_code}; your token is for {who.agency}.",
        )


async def visible_batch(
    session: AsyncSession, batch_id: UUID, who: Principal
) -> tuple[Row[Any], list[Row[Any]]]:
    """A batch and its papers in the order they were handed over; officers and leaders see their own
    agency's only."""
    row = await repository.batch(session, batch_id)
    if row is None:
        raise Problem(404, "transfer_not_found", f"No transfer batch {batch_id}.")
    check_agency(who, row.agency_code)
    return row, await repository.items(session, batch_id)


async def sign(
    session: AsyncSession, *, batch_id: UUID, signed_by_name: str, who: Principal, at: datetime
) -> Row[Any]:
    """The receiving agency signs the batch off (ký nhận), audited; it is closed from then on.

    ``who`` must already be an officer or leader (the route's role check).
    """
    row = await repository.batch(session, batch_id, for_update=True)
    if row is None:
        raise Problem(404, "transfer_not_found", f"No transfer batch {batch_id}.")
    check_agency(who, row.agency_code)
    if row.status == "signed":
        raise Problem(
            409,
            "already_signed",
            f"This batch was signed off by {row.signed_by_name}"
            f" at {row.signed_at.astimezone(VIETNAM):%H:%M %d/%m/%Y}.",
        )
    signed = await repository.mark_signed(
        session, batch_id, signed_by_name=signed_by_name, signed_by=who.sub, at=at
    )
    await audit.record(
        session,
        audit_log,
        who=who,
        at=at,
        action="transfer.signed",
        entity=f"transfer:{batch_id}",
        detail={"agency_code": row.agency_code, "signed_by_name": signed_by_name},
    )
    return signed
