"""Thin routes of feedback and complaints (phản ánh, kiến nghị): parse, authorize, call, shape."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from services.survey.deps import DeskDep, FeedbackHandlers, FeedbackReaders, Sender
from services.survey.feedback import answering, reading, receiving
from services.survey.feedback.rules import State
from services.survey.feedback.schemas import (
    AnswerIn,
    FeedbackIn,
    FeedbackOut,
    FeedbackPage,
    FeedbackReceipt,
    ForwardIn,
    SummaryOut,
)
from shared.clock import today
from shared.deps import AgencyStaff, ClockDep, SessionDep
from shared.errors import Problem
from shared.inputs import Day, Text

router = APIRouter(prefix="/v1", tags=["feedback"])

_ITEM_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such item (`feedback_not_found`)."},
    403: {"description": "The item is another agency's (`not_your_agency`); nothing changed."},
    409: {"description": "The item was answered already (`already_answered`); nothing changed."},
    422: {"description": "The body is not valid, or the agency is unknown (`unknown_agency`)."},
}

ItemId = Annotated[Text, Path(description="the feedback item's id")]


def _item_id(value: str) -> uuid.UUID:
    """An id that is no UUID names no item: 404, as an unknown one."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Problem(404, "feedback_not_found", f"No feedback item {value}.") from None


@router.post(
    "/feedback",
    status_code=201,
    response_model=FeedbackReceipt,
    responses={
        422: {
            "description": "Not valid, `unknown_agency`, or `agency_required` (no agency, unknown dossier)."
        },
        429: {"description": "Too many from this device or address (`rate_limited`)."},
    },
)
async def send_feedback(who: Sender, body: FeedbackIn, session: SessionDep, desk: DeskDep) -> dict[str, Any]:
    """A citizen's feedback (phản ánh), petition (kiến nghị) or complaint, from the portal or a kiosk
    without a login (rate-limited per device and address), or with a portal token.

    Routed to the agency named, else to the lead agency of the dossier named; the answer is due
    within the configured number of working days. `contact` is stored for the agency's reply only."""
    return await receiving.receive(session, desk, body, who)


@router.get("/feedback", response_model=FeedbackPage)
async def list_feedback(
    session: SessionDep,
    clock: ClockDep,
    who: FeedbackReaders,
    state: State | None = None,
    agency: Annotated[Text | None, Query(max_length=40)] = None,
    overdue: Annotated[bool | None, Query(description="open past the due date (Vietnam)")] = None,
    cursor: Annotated[Text | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """Feedback items, oldest due first. Officers and leaders see their own agency's; admins and auditors all,
    or one `agency`. Pages by keyset: pass `next_cursor` back as `cursor`."""
    return await reading.page(
        session,
        who,
        agency=agency,
        state=state,
        overdue=overdue,
        cursor=cursor,
        limit=limit,
        on=today(clock),
    )


@router.get("/feedback/summary", response_model=SummaryOut)
async def feedback_summary(
    session: SessionDep,
    clock: ClockDep,
    who: FeedbackReaders,
    from_: Annotated[Day, Query(alias="from", description="first day received (Vietnam)")],
    to: Annotated[Day, Query(description="last day received (Vietnam), included")],
    agency: Annotated[Text | None, Query(max_length=40)] = None,
) -> dict[str, Any]:
    """Items received in the period, per agency and in total: answered on time, answered late, open
    within the deadline and open past it, judged on `as_of` (`to`, or today while the period runs),
    all by date in Vietnam. Each row's `received` is the sum of the other four."""
    return await reading.summary(
        session, agency=reading.scope(who, agency), start=from_, end=to, on_day=today(clock)
    )


@router.get("/feedback/{item_id}", response_model=FeedbackOut, responses=_ITEM_ERRORS)
async def get_feedback(
    item_id: ItemId, session: SessionDep, clock: ClockDep, who: FeedbackReaders
) -> dict[str, Any]:
    """One item with its answer and forwards. The citizen's contact is shown to the responsible
    agency's officers and leaders and to administrators only."""
    return await reading.get(session, who, _item_id(item_id), today(clock))


@router.post("/feedback/{item_id}/answer", response_model=FeedbackOut, responses=_ITEM_ERRORS)
async def answer_feedback(
    item_id: ItemId, body: AnswerIn, session: SessionDep, clock: ClockDep, desk: DeskDep, who: AgencyStaff
) -> dict[str, Any]:
    """The responsible agency answers (trả lời), once. On time if answered on or before the due
    date in Vietnam (`survey.feedback_answered`)."""
    answered = await answering.answer(session, desk, who, _item_id(item_id), body.answer)
    return await reading.view(session, who, answered, today(clock))


@router.post("/feedback/{item_id}/forward", response_model=FeedbackOut, responses=_ITEM_ERRORS)
async def forward_feedback(
    item_id: ItemId,
    body: ForwardIn,
    session: SessionDep,
    clock: ClockDep,
    desk: DeskDep,
    who: FeedbackHandlers,
) -> dict[str, Any]:
    """An agency passes an item that is not its own on to the agency that should answer (chuyển),
    with the reason; an administrator may re-route any open item. The due date does not move."""
    moved = await answering.forward(session, desk, who, _item_id(item_id), body.agency_code, body.reason)
    return await reading.view(session, who, moved, today(clock))
