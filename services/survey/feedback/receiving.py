"""Feedback received (tiếp nhận): from a citizen, routed to the agency that must answer it, or opened by
an unsatisfied ballot."""

import uuid
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.survey import events
from services.survey.feedback import repository, rules
from services.survey.feedback.desk import Desk, audit_row, record
from services.survey.feedback.schemas import FeedbackIn
from services.survey.replicas import repository as replicas
from shared.auth import Principal
from shared.errors import Problem

# Who receives from citizens without a login (portal page, kiosk): recorded as such in the audit.
ANONYMOUS = Principal(sub="anonymous", role="portal")


def _received(values: dict[str, Any]) -> dict[str, Any]:
    """`survey.feedback_received` of a new item, as `Outbox.add` and `Outbox.row` take it."""
    return {
        "name": events.FEEDBACK_RECEIVED,
        "topic": events.FEEDBACK_RECEIVED,
        "subject": values["dossier_code"],
        "data": events.feedback_received(values).data(),
    }


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
    await desk.outbox.add(session, **_received(values))
    await record(session, desk, who or ANONYMOUS, values["id"], "received", agency_code=agency)
    return values


@dataclass(frozen=True)
class BallotItem:
    """The feedback item an unsatisfied ballot opens, staged for the statement that writes the ballot:
    its row, its `survey.feedback_received` outbox row and its audit row."""

    values: dict[str, Any]
    outbox_row: dict[str, Any]
    audit_row: dict[str, Any]


def from_ballot(
    desk: Desk, *, ballot_id: uuid.UUID, agency_code: str, dossier_code: str | None, reason: str
) -> BallotItem:
    """An unsatisfied ballot's item (source `ballot`, topic "Không hài lòng", the ballot's reason as
    content) for the ballot's agency, which the caller has checked."""
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
    _, outbox_row = desk.outbox.row(**_received(values))
    who = Principal(sub=f"ballot:{ballot_id}", role="portal")
    audit = audit_row(desk, who, values["id"], "received", agency_code=agency_code, ballot_id=str(ballot_id))
    return BallotItem(values, outbox_row, audit)
