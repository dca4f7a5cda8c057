"""Every query of the paper transfer batches and the papers in them."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import ColumnElement, Row, and_, delete, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.transfers.models import transfer_batches, transfer_items
from services.routing.transfers.rules import Departure, Destination

# The partial indexes' predicates as SQL text: ON CONFLICT infers an index only from a predicate
# that matches it, and a bound parameter never does under a generic plan.
_SESSION_SLOT = text("kind = 'session'")
_RESULT_ITEM = text("kind = 'result'")


@dataclass(frozen=True, slots=True)
class ItemKey:
    """What an item is the papers of: a step (``kind`` step) or a dossier's result (``kind`` result)."""

    kind: Literal["step", "result"]
    id: UUID  # the step's id, or the dossier's

    def matches(self) -> ColumnElement[bool]:
        if self.kind == "step":
            return transfer_items.c.step_id == self.id
        return and_(transfer_items.c.kind == "result", transfer_items.c.dossier_id == self.id)


async def slot_of_item(session: AsyncSession, key: ItemKey) -> Row[Any, Any] | None:
    """The batch (`id`, `transfer_at`) an item travels in, if it was placed already."""
    return (
        await session.execute(
            select(transfer_batches.c.id, transfer_batches.c.transfer_at)
            .join(transfer_items, transfer_items.c.batch_id == transfer_batches.c.id)
            .where(key.matches())
        )
    ).first()


async def open_batch(session: AsyncSession, destination: Destination, target: Departure) -> UUID | None:
    """The open batch for ``target``, created if need be and share-locked until commit; None if signed.

    The share lock makes a concurrent sign-off wait for this item rather than close the batch
    under it.
    """
    code_column = transfer_batches.c[f"{destination.kind}_code"]
    values = {
        code_column.name: destination.code,
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
            index_elements=[code_column, transfer_batches.c.transfer_at], index_where=_SESSION_SLOT
        )
    )
    row = (
        await session.execute(
            select(transfer_batches.c.id, transfer_batches.c.status)
            .where(
                code_column == destination.code,
                transfer_batches.c.transfer_at == target.transfer_at,
                transfer_batches.c.kind == "session",
            )
            .with_for_update(read=True)
        )
    ).one()
    return row.id if row.status == "open" else None


async def insert_item(session: AsyncSession, key: ItemKey, values: dict[str, Any]) -> bool:
    """Put an item in a batch; False when it was placed already (by a concurrent delivery of the same
    step, or a concurrent resolution of the same dossier)."""
    statement = insert(transfer_items).values(kind=key.kind, **values)
    if key.kind == "step":
        statement = statement.on_conflict_do_nothing(index_elements=[transfer_items.c.step_id])
    else:
        statement = statement.on_conflict_do_nothing(
            index_elements=[transfer_items.c.dossier_id], index_where=_RESULT_ITEM
        )
    inserted = await session.execute(statement.returning(transfer_items.c.id))
    return inserted.first() is not None


async def delete_batch(session: AsyncSession, batch_id: UUID) -> None:
    await session.execute(delete(transfer_batches).where(transfer_batches.c.id == batch_id))


async def list_batches(
    session: AsyncSession,
    *,
    agency_code: str | None,
    unit_code: str | None,
    units_of: str | None,
    on: date | None,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Row[Any]], int]:
    """Batches, the next to leave first, with their item counts; and the total matching.

    ``units_of``: of the units' batches, only this unit's (agencies' batches all pass)."""
    conditions = []
    if agency_code is not None:
        conditions.append(transfer_batches.c.agency_code == agency_code)
    if unit_code is not None:
        conditions.append(transfer_batches.c.unit_code == unit_code)
    if units_of is not None:
        unit = transfer_batches.c.unit_code
        conditions.append(or_(unit.is_(None), unit == units_of))
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
        .order_by(
            transfer_batches.c.transfer_at,
            transfer_batches.c.agency_code,
            transfer_batches.c.unit_code,
            transfer_batches.c.id,
        )
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


async def mark_signed(
    session: AsyncSession, batch_id: UUID, *, signed_by_name: str, signed_by: str, at: datetime
) -> Row[Any]:
    """Close a batch with its signer; the batch as it now is."""
    return (
        await session.execute(
            update(transfer_batches)
            .where(transfer_batches.c.id == batch_id)
            .values(status="signed", signed_by_name=signed_by_name, signed_by=signed_by, signed_at=at)
            .returning(*transfer_batches.c)
        )
    ).one()
