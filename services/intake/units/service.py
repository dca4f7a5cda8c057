"""Use cases of the receiving units (đơn vị tiếp nhận): register, close (a merger names the successor),
and the deployment's default unit.

Each change emits a `catalog.unit.*` event in the same transaction and is audited with who made it.
Units are never changed otherwise: a parent is set when a unit is registered, and dossiers keep the unit
they were received at.
"""

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake import history
from services.intake.models import audit_log
from services.intake.units import repository, rules
from services.intake.units.schemas import UnitCloseIn, UnitIn
from shared import audit
from shared.auth import Principal
from shared.clock import Clock, today
from shared.errors import Problem
from shared.events.catalog import UnitClosed, UnitRegistered
from shared.inputs import FIRST_DAY
from shared.messaging.outbox import Outbox

SYSTEM_PRINCIPAL = Principal(sub="system:default-unit", role="admin")
# How a unit's links are read from one unit on: its parents up, or its successors on.


async def register_unit(
    session: AsyncSession, *, outbox: Outbox, clock: Clock, who: Principal, unit: UnitIn
) -> dict[str, Any]:
    """Register a receiving unit, open from `effective_from` (default today)."""
    if await repository.unit(session, unit.code) is not None:
        raise _exists(unit.code)
    effective_from = unit.effective_from or today(clock)
    history.check_period("unit", effective_from, unit.effective_to)
    if unit.successor_code is not None and unit.effective_to is None:
        raise Problem(
            422,
            "successor_without_end",
            "A successor takes over a closed unit: give effective_to, the unit's last day, too.",
        )
    if unit.parent_code is not None:
        parents = await repository.parent_links(session, unit.parent_code)
        history.check_link("unit", unit.code, unit.parent_code, "parent", parents)
    if unit.successor_code is not None:
        successors = await repository.successor_links(session, unit.successor_code)
        history.check_link("unit", unit.code, unit.successor_code, "successor", successors)
    registered = UnitRegistered(**{**unit.model_dump(), "effective_from": effective_from})
    if not await repository.add_unit(session, {**registered.model_dump(), "created_by": who.sub}):
        raise _exists(unit.code)
    await outbox.add(
        session, name="catalog.unit.registered", topic="catalog.unit.registered", data=registered.data()
    )
    await audit.record(
        session, audit_log, who=who, at=clock.now(), action="unit.registered", entity=f"unit:{unit.code}"
    )
    return registered.model_dump()


async def close_unit(
    session: AsyncSession, *, outbox: Outbox, clock: Clock, who: Principal, code: str, close: UnitCloseIn
) -> dict[str, Any]:
    """Close a unit after its last day `effective_to`; a merger names the unit that takes over. Its
    dossiers keep it as their unit."""
    await repository.lock_units(session)
    row = await repository.unit(session, code)
    if row is None:
        raise not_found(code)
    if row.effective_to is not None:
        raise Problem(
            409, "unit_closed", f"Unit {code} is already closed (its last day: {row.effective_to})."
        )
    history.check_period("unit", row.effective_from, close.effective_to)
    if close.successor_code is not None:
        successors = await repository.successor_links(session, close.successor_code)
        history.check_link("unit", code, close.successor_code, "successor", successors)
    await repository.close_unit(
        session, code, effective_to=close.effective_to, successor_code=close.successor_code
    )
    closed = UnitClosed(code=code, **close.model_dump())
    await outbox.add(session, name="catalog.unit.closed", topic="catalog.unit.closed", data=closed.data())
    await audit.record(
        session,
        audit_log,
        who=who,
        at=clock.now(),
        action="unit.closed",
        entity=f"unit:{code}",
        detail=closed.data(),
    )
    return {**row._asdict(), **close.model_dump()}


async def ensure_default_unit(
    session: AsyncSession, *, outbox: Outbox, clock: Clock, code: str, name: str
) -> bool:
    """The deployment's default unit (`MOTCUA_CENTRE_UNIT_CODE`) as a unit, registered on start when
    absent, open since any day a dossier may have, so existing dossiers and a single-centre deployment
    need no unit set up; True when it registered it."""
    await repository.lock_units(session)
    if await repository.unit(session, code) is not None:
        return False
    unit = UnitIn(code=code, name=name or code, kind="district_centre", effective_from=FIRST_DAY)
    await register_unit(session, outbox=outbox, clock=clock, who=SYSTEM_PRINCIPAL, unit=unit)
    return True


async def open_unit(session: AsyncSession, code: str, day: date, *, as_what: str = "receiving unit") -> Any:
    """The unit `code`, registered and open on `day`, or the 422 that says why not."""
    return checked_open(await repository.unit(session, code), code, day, as_what=as_what)


def checked_open(row: Any | None, code: str, day: date, *, as_what: str = "receiving unit") -> Any:
    """`row`, unit `code` as read, if it is registered and open on `day`; else the 422 that says why
    not."""
    if row is None:
        raise Problem(422, "unknown_unit", f"There is no {as_what} {code}; register it first.")
    why = rules.opening(row.effective_from, row.effective_to, day)
    if why == "unit_not_open":
        raise Problem(422, why, f"Unit {code} ({as_what}) opens on {row.effective_from}, not yet on {day}.")
    if why == "unit_closed":
        successor = f"; its successor is {row.successor_code}" if row.successor_code else ""
        raise Problem(422, why, f"Unit {code} ({as_what}) closed after {row.effective_to}{successor}.")
    return row


async def reception_unit(session: AsyncSession, who: Principal, *, default: str, day: date) -> str:
    """Where reception staff `who` receive on `day`: the token's `unit`; without one, the default unit
    while it is the only unit open, else 403 `unit_claim_missing`. Not yet checked open."""
    others_open = who.unit is None and await repository.another_open(session, default, day)
    unit = rules.unit_of_reception(who.unit, default=default, others_open=others_open)
    if unit is None:
        raise Problem(
            403,
            "unit_claim_missing",
            "More than one receiving unit is open: a reception token must name its unit (claim 'unit').",
        )
    return unit


def not_found(code: str) -> Problem:
    return Problem(404, "unit_not_found", f"No receiving unit {code}.")


def _exists(code: str) -> Problem:
    return Problem(409, "unit_exists", f"Unit {code} already exists; close it, or register another code.")
