"""The agency's side of an item: it answers (trả lời), once, or passes it on to the agency that should
(chuyển). Checks come in this order: the item exists (404 `feedback_not_found`), it is the caller's
agency's (403 `not_your_agency`), it is still open (409 `already_answered`); a refusal raises before
anything is written."""

import uuid
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.survey import events
from services.survey.feedback import repository, rules
from services.survey.feedback.desk import Desk, not_yours, record
from services.survey.replicas import repository as replicas
from shared.auth import Principal
from shared.errors import Problem


async def _locked(session: AsyncSession, who: Principal, item_id: uuid.UUID) -> Row[Any]:
    item = await repository.item(session, item_id, for_update=True)
    if item is None:
        raise Problem(404, "feedback_not_found", f"No feedback item {item_id}.")
    if who.role != "admin" and who.agency != item.agency_code:
        raise not_yours(who, item.agency_code)
    if item.answered_at is not None:
        raise Problem(409, "already_answered", "This item was answered already; an answer is given once.")
    return item


async def answer(
    session: AsyncSession, desk: Desk, who: Principal, item_id: uuid.UUID, text: str
) -> Row[Any]:
    """The responsible agency answers (trả lời), once; on time if on or before the due date."""
    item = await _locked(session, who, item_id)
    now = desk.clock.now()
    answered = await repository.update_item(
        session, item.id, answer=text, answered_at=now, answered_by=who.sub
    )
    on_time = rules.answered_on_time(now, item.answer_due_at)
    await desk.outbox.add(
        session,
        name=events.FEEDBACK_ANSWERED,
        topic=events.FEEDBACK_ANSWERED,
        subject=item.dossier_code,
        data=events.feedback_answered(
            feedback_id=item.id,
            agency_code=item.agency_code,
            answered_at=now,
            answer_due_at=item.answer_due_at,
            on_time=on_time,
        ).data(),
    )
    await record(session, desk, who, item.id, "answered", agency_code=item.agency_code, on_time=on_time)
    return answered


async def forward(
    session: AsyncSession, desk: Desk, who: Principal, item_id: uuid.UUID, to_agency: str, reason: str
) -> Row[Any]:
    """Pass an item on to the agency that should answer it (chuyển); the deadline does not restart."""
    item = await _locked(session, who, item_id)
    if to_agency == item.agency_code:
        raise Problem(422, "same_agency", f"The item is already with {to_agency}.")
    if not await replicas.agency_exists(session, to_agency):
        raise Problem(422, "unknown_agency", f"There is no agency {to_agency}; check its code.")
    now = desk.clock.now()
    moved = await repository.update_item(session, item.id, agency_code=to_agency)
    await repository.insert_forward(
        session,
        {
            "feedback_id": item.id,
            "from_agency_code": item.agency_code,
            "to_agency_code": to_agency,
            "reason": reason,
            "at": now,
            "by": who.sub,
        },
    )
    await desk.outbox.add(
        session,
        name=events.FEEDBACK_FORWARDED,
        topic=events.FEEDBACK_FORWARDED,
        subject=item.dossier_code,
        data=events.feedback_forwarded(
            feedback_id=item.id,
            from_agency_code=item.agency_code,
            agency_code=to_agency,
            forwarded_at=now,
            answer_due_at=item.answer_due_at,
        ).data(),
    )
    await record(
        session, desk, who, item.id, "forwarded", from_agency_code=item.agency_code, agency_code=to_agency
    )
    return moved
