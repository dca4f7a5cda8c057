"""Every query of the paper transfer batches and the papers in them."""

import functools
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import Row, and_, bindparam, delete, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.transfers.models import transfer_batches, transfer_items
from services.routing.transfers.rules import Departure, Destination
from shared.db.raw import Prebuilt

# The partial indexes' predicates as SQL text: ON CONFLICT infers an index only from a predicate
# that matches it, and a bound parameter never does under a generic plan.
_SESSION_SLOT = text("kind = 'session'")
_RESULT_ITEM = text("kind = 'result'")


@dataclass(frozen=True, slots=True)
class ItemKey:
    """What an item is the papers of: a step (``kind`` step) or a dossier's result (``kind`` result)."""

    kind: Literal["step", "result"]
    id: UUID  # the step's id, or the dossier's


# Placing an item is part of an officer's completion, whose statements are all prebuilt (issue #17):
# each of the few shapes below is built and compiled once, and runs in the caller's transaction.
@functools.cache
def _slot_of(kind: str) -> Prebuilt:
    match = (
        transfer_items.c.step_id == bindparam("item_id")
        if kind == "step"
        else and_(transfer_items.c.kind == "result", transfer_items.c.dossier_id == bindparam("item_id"))
    )
    return Prebuilt(
        select(transfer_batches.c.id, transfer_batches.c.transfer_at)
        .join(transfer_items, transfer_items.c.batch_id == transfer_batches.c.id)
        .where(match),
        on="transaction",
    )


async def slot_of_item(session: AsyncSession, key: ItemKey) -> Any | None:
    """The batch (`id`, `transfer_at`) an item travels in, if it was placed already."""
    return await _slot_of(key.kind).first(session, item_id=key.id)


def _batch_values(code_column: str) -> dict[str, Any]:
    # Bound as batch_<column>: a parameter named `session` would be Prebuilt's own.
    columns = ("id", code_column, "kind", "session", "session_date", "transfer_at")
    return {column: bindparam(f"batch_{column}", type_=transfer_batches.c[column].type) for column in columns}


@functools.cache
def _new_batch(code_column: str) -> Prebuilt:
    return Prebuilt(insert(transfer_batches).values(_batch_values(code_column)), on="transaction")


@functools.cache
def _session_batch(code_column: str) -> Prebuilt:
    return Prebuilt(
        insert(transfer_batches)
        .values(_batch_values(code_column))
        .on_conflict_do_nothing(
            index_elements=[transfer_batches.c[code_column], transfer_batches.c.transfer_at],
            index_where=_SESSION_SLOT,
        ),
        on="transaction",
    )


@functools.cache
def _share_session_batch(code_column: str) -> Prebuilt:
    return Prebuilt(
        select(transfer_batches.c.id, transfer_batches.c.status)
        .where(
            transfer_batches.c[code_column] == bindparam("code"),
            transfer_batches.c.transfer_at == bindparam("transfer_at"),
            transfer_batches.c.kind == "session",
        )
        .with_for_update(read=True),
        on="transaction",
    )


async def open_batch(session: AsyncSession, destination: Destination, target: Departure) -> UUID | None:
    """The open batch for ``target``, created if need be and share-locked until commit; None if signed.

    The share lock makes a concurrent sign-off wait for this item rather than close the batch
    under it.
    """
    code_column = f"{destination.kind}_code"
    batch_id = uuid.uuid4()
    values = {
        "batch_id": batch_id,
        f"batch_{code_column}": destination.code,
        "batch_kind": target.kind,
        "batch_session": target.session,
        "batch_session_date": target.session_date,
        "batch_transfer_at": target.transfer_at,
    }
    if target.kind == "immediate":
        await _new_batch(code_column).execute(session, **values)
        return batch_id
    await _session_batch(code_column).execute(session, **values)
    row = await _share_session_batch(code_column).first(
        session, code=destination.code, transfer_at=target.transfer_at
    )
    assert row is not None  # inserted, or there already
    return row.id if row.status == "open" else None


@functools.cache
def _new_item(kind: str, columns: tuple[str, ...]) -> Prebuilt:
    statement = insert(transfer_items).values(
        kind=kind, **{column: bindparam(column, type_=transfer_items.c[column].type) for column in columns}
    )
    if kind == "step":
        statement = statement.on_conflict_do_nothing(index_elements=[transfer_items.c.step_id])
    else:
        statement = statement.on_conflict_do_nothing(
            index_elements=[transfer_items.c.dossier_id], index_where=_RESULT_ITEM
        )
    return Prebuilt(statement.returning(transfer_items.c.id), on="transaction")


async def insert_item(session: AsyncSession, key: ItemKey, values: dict[str, Any]) -> bool:
    """Put an item in a batch; False when it was placed already (by a concurrent delivery of the same
    step, or a concurrent resolution of the same dossier)."""
    return await _new_item(key.kind, tuple(sorted(values))).first(session, **values) is not None


_DELETE_BATCH = Prebuilt(
    delete(transfer_batches).where(transfer_batches.c.id == bindparam("batch_id")), on="transaction"
)


async def delete_batch(session: AsyncSession, batch_id: UUID) -> None:
    await _DELETE_BATCH.execute(session, batch_id=batch_id)


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
