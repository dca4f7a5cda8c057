"""Thin routes of the receiving units: a province's centre, its branches and commune centres."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from services.intake.schemas import UNIT_CODE_LENGTH, UNIT_CODE_PATTERN
from services.intake.units import repository, service
from services.intake.units.schemas import UnitCloseIn, UnitIn, UnitOut
from shared.deps import Admin, ClockDep, OutboxDep, SessionDep, SignedIn
from shared.inputs import Day

router = APIRouter(prefix="/v1", tags=["units"])

UnitCodePath = Annotated[
    str,
    Path(pattern=UNIT_CODE_PATTERN, max_length=UNIT_CODE_LENGTH, description="the unit's code (mã đơn vị)"),
]


@router.post("/units", status_code=201, response_model=UnitOut)
async def register_unit(
    unit: UnitIn, session: SessionDep, outbox: OutboxDep, clock: ClockDep, who: Admin
) -> dict[str, Any]:
    """Register a receiving unit (đơn vị tiếp nhận), whose code prefixes its dossiers' codes.
    A parent or successor must be registered first."""
    return await service.register_unit(session, outbox=outbox, clock=clock, who=who, unit=unit)


@router.get("/units", response_model=list[UnitOut])
async def list_units(
    session: SessionDep,
    who: SignedIn,
    on: Annotated[
        Day | None, Query(description="only the units open on this day (default: every unit)")
    ] = None,
) -> list[Any]:
    """The receiving units by code; a unit is open from `effective_from` to `effective_to`, both included."""
    return await repository.list_units(session, on=on)


@router.get("/units/{code}", response_model=UnitOut)
async def get_unit(code: UnitCodePath, session: SessionDep, who: SignedIn) -> Any:
    """One receiving unit, open or closed."""
    row = await repository.unit(session, code)
    if row is None:
        raise service.not_found(code)
    return row


@router.post("/units/{code}/close", response_model=UnitOut)
async def close_unit(
    code: UnitCodePath,
    close: UnitCloseIn,
    session: SessionDep,
    outbox: OutboxDep,
    clock: ClockDep,
    who: Admin,
) -> dict[str, Any]:
    """Close a unit after its last day (`effective_to`), a merger naming its `successor_code`.
    Its dossiers keep it as their unit."""
    return await service.close_unit(session, outbox=outbox, clock=clock, who=who, code=code, close=close)
