"""An agency's queue and its load, as the API shows them."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from services.routing.deps import AgencyCode
from services.routing.queues import service
from services.routing.queues.schemas import LoadOut, QueuePage, WaitingState
from services.routing.working_calendar import CALENDAR
from shared.deps import AgencyStaff, ClockDep, Leader, SessionDep
from shared.errors import Problem
from shared.inputs import Moment, Text

router = APIRouter(prefix="/v1", tags=["queues"])


@router.get("/queue", response_model=QueuePage)
async def agency_queue(
    session: SessionDep,
    clock: ClockDep,
    who: AgencyStaff,
    state: Annotated[list[WaitingState] | None, Query(description="repeat for several; default all")] = None,
    procedure: Annotated[Text | None, Query(max_length=40, description="procedure code")] = None,
    due_before: Annotated[Moment | None, Query(description="only steps due before this instant")] = None,
    cursor: Annotated[Text | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """The steps waiting at the caller's agency (the token's `agency`): assigned, in progress or
    paused, earliest due first. Pages by keyset: pass `next_cursor` back as `cursor`."""
    assert who.agency is not None
    return await service.page(
        session,
        agency_code=who.agency,
        states=list(state) if state else None,
        procedure_code=procedure,
        due_before=due_before,
        cursor=cursor,
        limit=limit,
        now=clock.now(),
    )


@router.get("/agencies/{code}/load", response_model=LoadOut)
async def agency_load(
    code: AgencyCode,
    session: SessionDep,
    clock: ClockDep,
    who: Leader,
    within_hours: Annotated[int, Query(ge=0, le=240, description="working hours ahead")] = 8,
) -> dict[str, Any]:
    """An agency's load for its leader: waiting steps by state, overdue now, and due within
    `within_hours` working hours (default one working day)."""
    if who.agency != code:
        raise Problem(403, "not_your_agency", f"Your token is for agency {who.agency}, not {code}.")
    return await service.load(
        session, agency_code=code, now=clock.now(), hours=within_hours, calendar=await CALENDAR.get(session)
    )
