"""The reminder lists (đôn đốc) the centre chases agencies with: clocks due soon, and overdue."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from services.deadline.deps import AgencyCode
from services.deadline.reminders import service
from services.deadline.reminders.schemas import ReminderPage
from shared.deps import ClockDep, SessionDep, Staff
from shared.inputs import Text

router = APIRouter(prefix="/v1", tags=["reminders"])


@router.get(
    "/reminders",
    response_model=ReminderPage,
    responses={
        403: {"description": "an officer or leader asking for another agency (`not_your_agency`)"},
        422: {"description": "a bad parameter, or a cursor this API did not give (`invalid_cursor`)"},
    },
)
async def reminder_list(
    session: SessionDep,
    clock: ClockDep,
    who: Staff,
    agency: AgencyCode = None,
    kind: Annotated[
        Literal["due_soon", "overdue"] | None, Query(description="due soon, or overdue; both if absent")
    ] = None,
    cursor: Annotated[Text | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """The reminder list (danh sách đôn đốc) of an agency's running clocks, dossiers' and steps', by
    the agency responsible: due soon (its warning time has come, `MOTCUA_DUE_SOON_HOURS` working hours
    before the due) or overdue (the due after pauses has passed), oldest due first. Paused and
    stopped clocks are not listed. Officers and leaders see their own agency's (the default);
    reception, admin and auditor any agency's, or all. Pages by keyset: pass `next_cursor` back as
    `cursor`."""
    return await service.page(
        session,
        agency=service.agency_in_view(who, agency),
        kind=kind,
        now=clock.now(),
        cursor=cursor,
        limit=limit,
    )
