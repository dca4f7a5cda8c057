"""Paper transfers (bàn giao hồ sơ giấy): a paper dossier placed in the batch of the agency it goes to,
a paper result in the batch of the unit it is handed over at, and the receiving side's sign-off.

The plan calls `schedule` in its own unit of work when a step of a paper dossier is assigned, and
`schedule_result` when a paper dossier resolves with its result to hand over at another unit;
nothing here commits. Where an item goes is decided by `rules.departure`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.models import audit_log
from services.routing.transfers import repository
from services.routing.transfers.repository import ItemKey
from services.routing.transfers.rules import (
    RESULT_DAYS,
    Departure,
    Destination,
    departure,
    departure_after,
)
from shared import audit
from shared.auth import Principal
from shared.calendar import WorkingCalendar
from shared.clock import VIETNAM
from shared.errors import Problem
from shared.visibility import unit_may_see

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
    from_unit_code: str | None = None,
) -> TransferSlot:
    """Put a paper dossier in the batch of the receiving agency for the session it travels in.

    Idempotent per step: a redelivered assignment gets the slot it already has. ``now`` (the
    caller's clock, default ``handed_at``) sends an item whose batch has already left to the next
    one; a signed batch is closed and does the same. ``from_unit_code``: the receiving unit the
    papers leave, for a dossier received across the boundary (`rules.sending_unit`).
    """
    return await _put(
        session,
        Destination("agency", agency_code),
        ItemKey("step", step_id),
        _placer(days=days, same_day=same_day, cutoff=cutoff, calendar=calendar),
        now=now,
        values={
            "step_id": step_id,
            "dossier_id": dossier_id,
            "code": code,
            "procedure_code": procedure_code,
            "procedure_name": procedure_name,
            "from_agency_code": from_agency_code,
            "from_unit_code": from_unit_code,
            "handed_at": handed_at,
            "days": days,
            "same_day": same_day,
        },
    )


async def schedule_result(
    session: AsyncSession,
    *,
    dossier_id: UUID,
    code: str,
    unit_code: str,
    from_agency_code: str,
    resolved_at: datetime,
    same_day: bool,
    cutoff: time,
    calendar: WorkingCalendar,
    now: datetime,
    procedure_code: str | None = None,
    procedure_name: str | None = None,
) -> TransferSlot:
    """Put a dossier's paper result in the batch of the return unit ``unit_code`` for the session it
    travels in, from the agency that decided it: the cut-off rule of a multi-day dossier
    (`rules.RESULT_DAYS`) with the procedure's ``same_day`` and ``cutoff``.

    Idempotent per dossier: a repeated resolution gets the slot it already has.
    """
    return await _put(
        session,
        Destination("unit", unit_code),
        ItemKey("result", dossier_id),
        _placer(days=RESULT_DAYS, same_day=same_day, cutoff=cutoff, calendar=calendar),
        now=now,
        values={
            "dossier_id": dossier_id,
            "code": code,
            "procedure_code": procedure_code,
            "procedure_name": procedure_name,
            "from_agency_code": from_agency_code,
            "handed_at": resolved_at,
            "same_day": same_day,
        },
    )


def _placer(
    *, days: Decimal, same_day: bool, cutoff: time, calendar: WorkingCalendar
) -> Callable[[datetime | Departure], Departure]:
    """The departure of an item handed over at a moment, or of one whose batch closed or left."""

    def place(moment: datetime | Departure) -> Departure:
        if isinstance(moment, Departure):
            return departure_after(moment, days=days, same_day=same_day, cutoff=cutoff, calendar=calendar)
        return departure(moment, days=days, same_day=same_day, cutoff=cutoff, calendar=calendar)

    return place


async def _put(
    session: AsyncSession,
    destination: Destination,
    key: ItemKey,
    place: Callable[[datetime | Departure], Departure],
    *,
    now: datetime | None,
    values: dict[str, Any],
) -> TransferSlot:
    """Place an item (``values``) in the first open batch to ``destination`` from ``place``'s departure
    of its handover; the slot it had if it was placed already."""
    existing = await _slot_of_item(session, key)
    if existing is not None:
        return existing
    target = place(values["handed_at"])
    if now is not None and now > target.transfer_at:
        target = place(now)  # its departure is past (a late delivery): as if handed over now
    for _ in range(_MAX_HOPS):
        batch_id = await repository.open_batch(session, destination, target)
        if batch_id is not None:
            break
        target = place(target)
    else:
        raise RuntimeError(f"no open transfer batch for {destination} within {_MAX_HOPS} departures")

    if not await repository.insert_item(
        session, key, {**values, "batch_id": batch_id, "reason": target.reason}
    ):
        # A concurrent delivery of the same item won: keep its slot, drop our own immediate batch.
        if target.kind == "immediate":
            await repository.delete_batch(session, batch_id)
        slot = await _slot_of_item(session, key)
        assert slot is not None
        return slot
    return TransferSlot(batch_id, target.transfer_at)


async def _slot_of_item(session: AsyncSession, key: ItemKey) -> TransferSlot | None:
    row = await repository.slot_of_item(session, key)
    return None if row is None else TransferSlot(row.id, row.transfer_at)


def check_destination(who: Principal, *, agency_code: str | None, unit_code: str | None) -> None:
    """Who sees the batches to a destination: officers and leaders their own agency's only; reception
    every agency's (it sends their papers) and its own unit's only (the token's `unit`, by the rule
    of `shared.visibility`: a token without one is a single-unit deployment's); admins and auditors
    every batch."""
    if who.role in ("officer", "leader") and agency_code != who.agency:
        where = f"agency {agency_code}" if agency_code is not None else f"unit {unit_code}"
        raise Problem(
            403, "not_your_agency", f"This transfer is addressed to {where}; your token is for {who.agency}."
        )
    if (
        who.role == "reception"
        and unit_code is not None
        and not unit_may_see(who.unit, receiving_unit=unit_code, return_unit=None)
    ):
        raise Problem(
            403,
            "not_your_unit",
            f"This transfer is addressed to unit {unit_code}; your token is for unit {who.unit}.",
        )


@dataclass(frozen=True, slots=True)
class ListFilter:
    agency_code: str | None
    unit_code: str | None
    units_of: str | None  # of the units' batches, only this one's


def list_filter(who: Principal, *, agency_code: str | None, unit_code: str | None) -> ListFilter:
    """The batches ``who`` lists for the query's destination: officers and leaders default to their
    agency's; reception with a unit sees no other unit's."""
    if agency_code is not None and unit_code is not None:
        raise Problem(
            422, "one_destination", "A batch goes to an agency or to a unit: filter by `agency` or `unit`."
        )
    if unit_code is None and who.role in ("officer", "leader"):
        agency_code = agency_code or who.agency
    check_destination(who, agency_code=agency_code, unit_code=unit_code)
    return ListFilter(agency_code, unit_code, who.unit if who.role == "reception" else None)


async def visible_batch(
    session: AsyncSession, batch_id: UUID, who: Principal
) -> tuple[Row[Any], list[Row[Any]]]:
    """A batch and its items in the order they were handed over, for those who see its destination."""
    row = await repository.batch(session, batch_id)
    if row is None:
        raise Problem(404, "transfer_not_found", f"No transfer batch {batch_id}.")
    check_destination(who, agency_code=row.agency_code, unit_code=row.unit_code)
    return row, await repository.items(session, batch_id)


def _check_signer(who: Principal, row: Row[Any]) -> None:
    """The receiving side signs: an agency's officers or leaders, a unit's reception."""
    check_destination(who, agency_code=row.agency_code, unit_code=row.unit_code)
    signers = ("officer", "leader") if row.agency_code is not None else ("reception",)
    if who.role not in signers:
        side = "agency's" if row.agency_code is not None else "unit's"
        raise Problem(
            403,
            "forbidden_role",
            f"Role '{who.role}' may not sign this {side} batch; it needs one of: {', '.join(signers)}.",
        )


async def sign(
    session: AsyncSession, *, batch_id: UUID, signed_by_name: str, who: Principal, at: datetime
) -> Row[Any]:
    """The receiving side signs the batch off (ký nhận), audited; it is closed from then on."""
    row = await repository.batch(session, batch_id, for_update=True)
    if row is None:
        raise Problem(404, "transfer_not_found", f"No transfer batch {batch_id}.")
    _check_signer(who, row)
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
    destination = {"agency_code": row.agency_code} if row.agency_code else {"unit_code": row.unit_code}
    await audit.record(
        session,
        audit_log,
        who=who,
        at=at,
        action="transfer.signed",
        entity=f"transfer:{batch_id}",
        detail={**destination, "signed_by_name": signed_by_name},
    )
    return signed
