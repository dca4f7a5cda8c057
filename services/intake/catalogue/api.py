"""Thin routes of the catalogue: agencies and procedures."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from services.intake.catalogue import repository, service
from services.intake.catalogue.schemas import AgencyIn, AgencyOut, Page, ProcedureIn, ProcedureOut
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
async def list_agencies(session: SessionDep, who: CurrentPrincipal) -> list[Any]:
    """Every agency of the catalogue."""
    return await repository.list_agencies(session)


@router.post("/procedures", status_code=201, response_model=ProcedureOut)
async def publish_procedure(
    procedure: ProcedureIn, session: SessionDep, outbox: OutboxDep, clock: ClockDep, who: Admin
) -> dict[str, Any]:
    """Add a procedure (thủ tục hành chính), or a new version of an existing code from `effective_from`.
    Dossiers keep the version in force when they were received."""
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
