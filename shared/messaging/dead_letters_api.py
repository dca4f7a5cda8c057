"""`/v1/dead-letters` on every service: what its consumers gave up on, and the way back (admin).

docs/dead-letters.md tells ops when to re-drive and when to discard.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import Row

from shared.deps import Admin, ClockDep
from shared.errors import Problem
from shared.messaging.dead_letters import DeadLetters, Outcome, State

LetterId = Annotated[int, Path(ge=1, le=2**63 - 1, description="the dead letter's id")]
# One call re-drives at most this many: a long list is worked through in several calls, each of
# which answers within a request's time.
REDRIVE_ALL_LIMIT = 500

router = APIRouter(prefix="/v1/dead-letters", tags=["operations"])


class DeadLetter(BaseModel):
    id: int
    event_id: str | None = Field(description="null when the message was not a CloudEvent")
    topic: str
    stream_sequence: int | None
    deliveries: int
    error: str
    failed_at: datetime
    resolved_at: datetime | None
    resolution: Literal["redriven", "discarded"] | None
    resolved_by: str | None


class DeadLetterDetail(DeadLetter):
    payload: str = Field(description="the message as received, byte for byte (UTF-8)")


class DeadLetterPage(BaseModel):
    items: list[DeadLetter]
    next_after: int | None = Field(description="pass as `after` for the next page; null on the last")


class Redriven(BaseModel):
    id: int
    outcome: Outcome = Field(description="applied now, or found already applied in the inbox")


class RedriveFailure(BaseModel):
    id: int
    code: str
    detail: str


class RedriveReport(BaseModel):
    redriven: list[Redriven]
    failed: list[RedriveFailure]
    remaining_open: int = Field(
        description="open letters after this call, the failed ones included: more than the failures "
        "means another call has work to do"
    )


async def _letters(request: Request) -> DeadLetters:
    letters: DeadLetters = request.app.state.runtime.dead_letters
    return letters


Letters = Annotated[DeadLetters, Depends(_letters)]


def _fields(row: Row[Any]) -> dict[str, Any]:
    return dict(row._mapping)


@router.get("", summary="List dead letters, oldest first.", response_model=DeadLetterPage)
async def list_dead_letters(
    letters: Letters,
    _: Admin,
    state: Annotated[State, Query(description="open (default), resolved or all")] = "open",
    after: Annotated[int | None, Query(ge=0, le=2**63 - 1, description="the last id of the page before")] = (
        None
    ),
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> DeadLetterPage:
    rows = await letters.page(state=state, after=after, limit=limit)
    items = [DeadLetter.model_validate(_fields(row)) for row in rows]
    return DeadLetterPage(items=items, next_after=items[-1].id if len(items) == limit else None)


@router.get("/{letter_id:int}", summary="One dead letter with its message.", response_model=DeadLetterDetail)
async def get_dead_letter(letter_id: LetterId, letters: Letters, _: Admin) -> DeadLetterDetail:
    return DeadLetterDetail.model_validate(_fields(await letters.one(letter_id)))


@router.post(
    "/{letter_id:int}/redrive",
    summary="Apply a dead letter's event again, once, through the inbox.",
    response_model=Redriven,
    responses={
        404: {"description": "`dead_letter_not_found`"},
        409: {"description": "`dead_letter_resolved`, `not_redrivable`, or `redrive_failed` (still open)"},
    },
)
async def redrive_dead_letter(letter_id: LetterId, letters: Letters, who: Admin, clock: ClockDep) -> Redriven:
    outcome = await letters.redrive(letter_id, by=who.sub, at=clock.now())
    return Redriven(id=letter_id, outcome=outcome)


@router.post(
    "/redrive",
    summary=f"Re-drive the open dead letters, oldest first, at most {REDRIVE_ALL_LIMIT} a call.",
    response_model=RedriveReport,
)
async def redrive_all(letters: Letters, who: Admin, clock: ClockDep) -> RedriveReport:
    report = RedriveReport(redriven=[], failed=[], remaining_open=0)
    for letter_id in await letters.open_ids(REDRIVE_ALL_LIMIT):
        try:
            outcome = await letters.redrive(letter_id, by=who.sub, at=clock.now())
        except Problem as problem:
            if problem.status >= 500:
                raise
            report.failed.append(RedriveFailure(id=letter_id, code=problem.code, detail=problem.detail))
            continue
        report.redriven.append(Redriven(id=letter_id, outcome=outcome))
    report.remaining_open = await letters.count_open()
    return report


@router.post(
    "/{letter_id:int}/discard",
    summary="Give up on a dead letter that no fix can apply; it stays listed as resolved.",
    status_code=204,
    responses={
        404: {"description": "`dead_letter_not_found`"},
        409: {"description": "`dead_letter_resolved`"},
    },
)
async def discard_dead_letter(letter_id: LetterId, letters: Letters, who: Admin, clock: ClockDep) -> None:
    await letters.discard(letter_id, by=who.sub, at=clock.now())
