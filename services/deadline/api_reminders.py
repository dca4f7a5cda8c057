"""The reminder lists (đôn đốc) the centre chases agencies with: clocks due soon, and overdue."""

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from services.deadline import reminders
from shared.auth import Principal, require_roles
from shared.deps import ClockDep, SessionDep
from shared.inputs import Text

router = APIRouter(prefix="/v1", tags=["reminders"])

Reader = Annotated[Principal, Depends(require_roles("reception", "officer", "leader", "admin", "auditor"))]
AgencyCode = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_.-]{1,40}$")]


class ReminderOut(BaseModel):
    kind: Literal["due_soon", "overdue"]
    scope: Literal["dossier", "step"]
    dossier_id: UUID
    code: str | None
    step_id: UUID | None
    position: int | None
    agency_code: str = Field(description="the responsible agency: the step's, or the lead for the dossier")
    lead_agency_code: str
    procedure_code: str | None
    procedure_name: str | None
    started_at: datetime | None
    original_due_at: datetime | None = Field(description="the first due, never changed")
    due_at: datetime = Field(description="after pauses: what lateness and warnings go by")
    extended_due_at: datetime | None = Field(description="after a granted extension")
    warn_at: datetime | None
    due_soon_sent_at: datetime | None = Field(description="when `dossier.due_soon` was staged, if yet")
    overdue_sent_at: datetime | None = Field(description="when `dossier.overdue` was staged, if yet")


class ReminderPage(BaseModel):
    agency: str | None = Field(description="the agency listed; null: every agency")
    kind: Literal["due_soon", "overdue"] | None = Field(description="null: both")
    as_of: datetime
    items: list[ReminderOut]
    limit: int
    next_cursor: str | None = Field(description="pass back as `cursor` for the next page; null: the last")


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
    who: Reader,
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
    return await reminders.page(
        session,
        agency=reminders.agency_in_view(who, agency),
        kind=kind,
        now=clock.now(),
        cursor=cursor,
        limit=limit,
    )
