"""Thin routes of the catalogue: agencies and procedures."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from services.intake.catalogue import repository, service
from services.intake.catalogue.schemas import (
    AgencyCloseIn,
    AgencyIn,
    AgencyOut,
    Page,
    ProcedureIn,
    ProcedureOut,
)
from services.intake.catalogue.snapshot import procedure_snapshot
from services.intake.deps import IntakeSettingsDep
from shared.auth import CurrentPrincipal
from shared.clock import today
from shared.deps import Admin, ClockDep, OffsetQuery, OutboxDep, SessionDep
from shared.inputs import Day, Text
from shared.text import search_key

router = APIRouter(prefix="/v1", tags=["catalogue"])


@router.post("/agencies", status_code=201, response_model=AgencyOut)
async def register_agency(
    agency: AgencyIn,
    settings: IntakeSettingsDep,
    session: SessionDep,
    outbox: OutboxDep,
    clock: ClockDep,
    who: Admin,
) -> dict[str, Any]:
    """Register an agency (cơ quan giải quyết). Its code becomes the NATS subject token of its events."""
    return await service.create_agency(
        session,
        outbox=outbox,
        clock=clock,
        who=who,
        agency=agency,
        default_unit=settings.centre_unit_code,
    )


@router.get("/agencies", response_model=list[AgencyOut])
async def list_agencies(
    session: SessionDep,
    who: CurrentPrincipal,
    on: Annotated[
        Day | None, Query(description="only the agencies in force on this day (default: every agency)")
    ] = None,
) -> list[Any]:
    """The agencies of the catalogue by code, or those in force on a day.

    An agency is in force from `effective_from` to `effective_to`, both included."""
    return await repository.list_agencies(session, on=on)


@router.post("/agencies/{code}/close", response_model=AgencyOut)
async def close_agency(
    code: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,40}$", description="the agency's code")],
    close: AgencyCloseIn,
    session: SessionDep,
    outbox: OutboxDep,
    clock: ClockDep,
    who: Admin,
) -> dict[str, Any]:
    """Close an agency after its last day in force (`effective_to`), a merger naming its successor.

    Procedure versions and dossiers that named it keep it."""
    return await service.close_agency(session, outbox=outbox, clock=clock, who=who, code=code, close=close)


@router.post("/procedures", status_code=201, response_model=ProcedureOut)
async def publish_procedure(
    procedure: ProcedureIn, session: SessionDep, outbox: OutboxDep, clock: ClockDep, who: Admin
) -> dict[str, Any]:
    """Add a procedure (thủ tục hành chính), or a new version of an existing code from `effective_from`.
    Dossiers keep the version in force when they were received. A version without `supplement_policy`
    (null) leaves it to the rule set of each dossier's receipt day: `shift` or `restart` as that set
    says (docs/rules.md, "Rule sets (eras)")."""
    published = await service.publish_procedure(
        session, outbox=outbox, clock=clock, who=who, procedure=procedure
    )
    return published.data()


@router.get("/procedures", response_model=Page[ProcedureOut])
async def list_procedures(
    session: SessionDep,
    clock: ClockDep,
    who: CurrentPrincipal,
    field: Annotated[Text | None, Query(max_length=40, description="field (lĩnh vực) code")] = None,
    agency: Annotated[Text | None, Query(max_length=40)] = None,
    q: Annotated[
        Text | None, Query(max_length=100, description="words of the name, with or without diacritics")
    ] = None,
    on: Annotated[Day | None, Query(description="the versions in force on this day (default today)")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: OffsetQuery = 0,
) -> dict[str, Any]:
    """The catalogue as in force on a day, paginated; `q` ignores diacritics (`dang ky` finds `Đăng ký`)."""
    rows, total = await repository.list_procedures(
        session,
        on=on or today(clock),
        field_code=field,
        agency_code=agency,
        query=search_key(q) if q else None,
        limit=limit,
        offset=offset,
    )
    return {
        "items": [procedure_snapshot(r).data() for r in rows],
        "total": total,
        "limit": limit,
        "offset": offset,
    }
