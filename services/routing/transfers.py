"""Paper transfers between agencies (bàn giao hồ sơ giấy): batches, their manifests and sign-off.

The core calls `schedule` in its own unit of work when a step of a paper dossier is assigned;
nothing here commits. Where a dossier goes is decided by `transfer_rules.departure`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Row, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.models import audit_log
from services.routing.transfer_models import transfer_batches, transfer_items
from services.routing.transfer_rules import Departure, departure, departure_after
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
        batch_id = await _open_batch(session, agency_code, target)
        if batch_id is not None:
            break
        target = place(target)
    else:
        raise RuntimeError(f"no open transfer batch for {agency_code} within {_MAX_HOPS} departures")

    inserted = await session.execute(
        insert(transfer_items)
        .values(
            step_id=step_id,
            batch_id=batch_id,
            dossier_id=dossier_id,
            code=code,
            procedure_code=procedure_code,
            procedure_name=procedure_name,
            from_agency_code=from_agency_code,
            handed_at=handed_at,
            days=days,
            same_day=same_day,
            reason=target.reason,
        )
        .on_conflict_do_nothing(index_elements=[transfer_items.c.step_id])
        .returning(transfer_items.c.step_id)
    )
    if inserted.first() is None:
        # A concurrent delivery of the same step won: keep its slot, drop our own immediate batch.
        if target.kind == "immediate":
            await session.execute(delete(transfer_batches).where(transfer_batches.c.id == batch_id))
        slot = await _slot_of_step(session, step_id)
        assert slot is not None
        return slot
    return TransferSlot(batch_id, target.transfer_at)


async def _slot_of_step(session: AsyncSession, step_id: UUID) -> TransferSlot | None:
    row = (
        await session.execute(
            select(transfer_batches.c.id, transfer_batches.c.transfer_at)
            .join(transfer_items, transfer_items.c.batch_id == transfer_batches.c.id)
            .where(transfer_items.c.step_id == step_id)
        )
    ).first()
    return None if row is None else TransferSlot(row.id, row.transfer_at)


async def _open_batch(session: AsyncSession, agency_code: str, target: Departure) -> UUID | None:
    """The open batch for ``target``, created if need be and share-locked until commit; None if signed.

    The share lock makes a concurrent sign-off wait for this item rather than close the batch
    under it.
    """
    values = {
        "agency_code": agency_code,
        "kind": target.kind,
        "session": target.session,
        "session_date": target.session_date,
        "transfer_at": target.transfer_at,
    }
    if target.kind == "immediate":
        batch_id = uuid.uuid4()
        await session.execute(insert(transfer_batches).values(id=batch_id, **values))
        return batch_id
    await session.execute(
        insert(transfer_batches)
        .values(id=uuid.uuid4(), **values)
        .on_conflict_do_nothing(
            index_elements=[transfer_batches.c.agency_code, transfer_batches.c.transfer_at],
            # The partial index's predicate as SQL text: ON CONFLICT infers an index only from a
            # predicate that matches it, and a bound parameter never does under a generic plan.
            index_where=text("kind = 'session'"),
        )
    )
    row = (
        await session.execute(
            select(transfer_batches.c.id, transfer_batches.c.status)
            .where(
                transfer_batches.c.agency_code == agency_code,
                transfer_batches.c.transfer_at == target.transfer_at,
                transfer_batches.c.kind == "session",
            )
            .with_for_update(read=True)
        )
    ).one()
    return row.id if row.status == "open" else None


# -- reading and signing -----------------------------------------------------------------------


async def list_batches(
    session: AsyncSession,
    *,
    agency_code: str | None,
    on: date | None,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Row[Any]], int]:
    """Batches, the next to leave first, with their item counts; and the total matching."""
    conditions = []
    if agency_code is not None:
        conditions.append(transfer_batches.c.agency_code == agency_code)
    if on is not None:
        conditions.append(transfer_batches.c.session_date == on)
    if status is not None:
        conditions.append(transfer_batches.c.status == status)
    counts = (
        select(transfer_items.c.batch_id, func.count().label("item_count"))
        .group_by(transfer_items.c.batch_id)
        .subquery()
    )
    query = (
        select(transfer_batches, func.coalesce(counts.c.item_count, 0).label("item_count"))
        .outerjoin(counts, counts.c.batch_id == transfer_batches.c.id)
        .where(*conditions)
        .order_by(transfer_batches.c.transfer_at, transfer_batches.c.agency_code, transfer_batches.c.id)
        .limit(limit)
        .offset(offset)
    )
    rows = list((await session.execute(query)).all())
    total = (
        await session.execute(select(func.count()).select_from(transfer_batches).where(*conditions))
    ).scalar_one()
    return rows, total


async def batch(session: AsyncSession, batch_id: UUID, *, for_update: bool = False) -> Row[Any] | None:
    query = select(transfer_batches).where(transfer_batches.c.id == batch_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).first()


async def items(session: AsyncSession, batch_id: UUID) -> list[Row[Any]]:
    """The papers of a batch in the order they were handed over."""
    return list(
        (
            await session.execute(
                select(transfer_items)
                .where(transfer_items.c.batch_id == batch_id)
                .order_by(transfer_items.c.handed_at, transfer_items.c.code)
            )
        ).all()
    )


def check_agency(who: Principal, agency_code: str) -> None:
    """Officers and leaders see and sign only their own agency's batches."""
    if who.role in ("officer", "leader") and who.agency != agency_code:
        raise Problem(
            403,
            "not_your_agency",
            f"This transfer is addressed to agency {agency_code}; your token is for {who.agency}.",
        )


async def sign(
    session: AsyncSession, *, batch_id: UUID, signed_by_name: str, who: Principal, at: datetime
) -> Row[Any]:
    """The receiving agency signs the batch off (ký nhận), audited; it is closed from then on.

    ``who`` must already be an officer or leader (the route's role check).
    """
    row = await batch(session, batch_id, for_update=True)
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
    signed = (
        await session.execute(
            update(transfer_batches)
            .where(transfer_batches.c.id == batch_id)
            .values(status="signed", signed_by_name=signed_by_name, signed_by=who.sub, signed_at=at)
            .returning(*transfer_batches.c)
        )
    ).one()
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
