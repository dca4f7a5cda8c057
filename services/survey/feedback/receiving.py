"""Feedback received (tiếp nhận): from a citizen, routed to the agency that must answer it, or opened by
an unsatisfied ballot."""

import uuid
from datetime import UTC
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.survey import events
from services.survey.feedback import repository, rules
from services.survey.feedback.desk import Desk, record
from services.survey.feedback.schemas import FeedbackIn
from services.survey.replicas import repository as replicas
from services.survey.working_calendar import CALENDAR
from shared.auth import Principal
from shared.clock import Clock
from shared.errors import Problem
from shared.messaging.outbox import Outbox

# Who receives from citizens without a login (portal page, kiosk): recorded as such in the audit.
ANONYMOUS = Principal(sub="anonymous", role="portal")


async def _emit_received(session: AsyncSession, outbox: Outbox, values: dict[str, Any]) -> None:
    await outbox.add(
        session,
        name=events.FEEDBACK_RECEIVED,
        topic=events.FEEDBACK_RECEIVED,
        subject=values["dossier_code"],
        data=events.feedback_received(values).data(),
    )


def _new_item(desk: Desk, **values: Any) -> dict[str, Any]:
    received_at = desk.clock.now()
    due = rules.answer_due(received_at, desk.answer_days, calendar=desk.calendar)
    return {
        "id": uuid.uuid4(),
        "received_agency_code": values["agency_code"],
        "received_at": received_at,
        "answer_due_at": due.astimezone(UTC),
        **values,
    }


async def _route(session: AsyncSession, body: FeedbackIn) -> str:
    named = body.agency_code
    if named is not None and not await replicas.agency_exists(session, named):
        raise Problem(422, "unknown_agency", f"There is no agency {named}; check its code.")
    lead = (
        await replicas.dossier_agency(session, body.dossier_code)
        if named is None and body.dossier_code
        else None
    )
    agency = rules.responsible_agency(named, lead)
    if agency is None:
        known = "" if body.dossier_code is None else f" (dossier {body.dossier_code} is not known here)"
        raise Problem(422, "agency_required", f"Name the agency it is addressed to (agency_code){known}.")
    return agency


async def receive(
    session: AsyncSession, desk: Desk, body: FeedbackIn, who: Principal | None
) -> dict[str, Any]:
    """A citizen's feedback, petition or complaint, routed to the agency that must answer it;
    returns the stored values."""
    agency = await _route(session, body)
    values = _new_item(
        desk,
        kind=body.kind,
        source="citizen",
        topic=body.topic,
        content=body.content,
        agency_code=agency,
        dossier_code=body.dossier_code,
        contact=body.contact,
        citizen_sub=who.sub if who is not None else None,
    )
    await repository.insert_item(session, values)
    await _emit_received(session, desk.outbox, values)
    await record(session, desk, who or ANONYMOUS, values["id"], "received", agency_code=agency)
    return values


async def open_from_ballot(
    session: AsyncSession,
    *,
    outbox: Outbox,
    clock: Clock,
    ballot_id: uuid.UUID,
    agency_code: str,
    dossier_code: str | None,
    reason: str,
    answer_days: int = rules.DEFAULT_ANSWER_DAYS,
) -> uuid.UUID:
    """An unsatisfied ballot opens one feedback item (source `ballot`, topic "Không hài lòng", the
    ballot's reason as content) for the ballot's agency, in the ballot's transaction. The caller has
    checked the agency. Calling it again for the same ballot returns the same item and emits nothing."""
    existing = await repository.item_of_ballot(session, ballot_id)
    if existing is not None:
        return existing
    desk = Desk(outbox=outbox, clock=clock, calendar=await CALENDAR.get(session), answer_days=answer_days)
    values = _new_item(
        desk,
        kind="feedback",
        source="ballot",
        ballot_id=ballot_id,
        topic=rules.BALLOT_TOPIC,
        content=reason,
        agency_code=agency_code,
        dossier_code=dossier_code,
    )
    created = await repository.insert_item(session, values)
    if created is None:  # a concurrent transaction opened it first
        again = await repository.item_of_ballot(session, ballot_id)
        assert again is not None
        return again
    await _emit_received(session, outbox, values)
    who = Principal(sub=f"ballot:{ballot_id}", role="portal")
    await record(session, desk, who, created, "received", agency_code=agency_code, ballot_id=str(ballot_id))
    return created
