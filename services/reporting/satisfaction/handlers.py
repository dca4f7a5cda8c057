"""The satisfaction read model's consumers: ballots and feedback (SURVEYS), step outcomes (DOSSIERS),
agency names (CATALOG).

Each event is read with its payload type of `shared.events`, the one its producer builds it with; one
that does not fit it goes to the dead-letter table (`parse_data`).

Each handler runs inside the consumer's unit of work, beside the inbox row, and never commits. Every
write is keyed by the id the event carries and sets only the columns that event owns, so a repeated
event (a redelivery, or a rebuild replaying the stream) writes the same values again, and events of
one item in any order give the same row: a forward heard after the answer, or an answer heard before
the receipt, change nothing that another event decides.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import or_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.satisfaction.models import agency_names, ballots, feedback_items, step_outcomes
from shared.clock import vietnam_date
from shared.events.catalog import AgencyRegistered
from shared.events.steps import StepCompleted
from shared.events.survey import BallotSubmitted, FeedbackAnswered, FeedbackForwarded, FeedbackReceived
from shared.messaging.consumer import Handler
from shared.messaging.envelope import CloudEvent, event_type
from shared.messaging.payloads import parse_data


def ballot_row(event: CloudEvent) -> dict[str, Any]:
    """The `ballots` row of a `survey.submitted` event."""
    ballot = parse_data(BallotSubmitted, event)
    return {
        "ballot_id": ballot.ballot_id,
        "agency_code": ballot.agency_code,
        "dossier_code": ballot.dossier_code,
        "channel": ballot.channel,
        "form_code": ballot.form.code,
        "form_version": ballot.form.version,
        "answers": ballot.answers,
        "reason_given": ballot.reason_given,
        "submitted_at": ballot.submitted_at,
        "submitted_on": vietnam_date(ballot.submitted_at),
    }


async def survey_submitted(event: CloudEvent, session: AsyncSession) -> None:
    """A ballot, once: it never changes after it is cast."""
    await session.execute(insert(ballots).values(ballot_row(event)).on_conflict_do_nothing())


def _due(at: datetime) -> dict[str, Any]:
    return {"answer_due_at": at, "answer_due_on": vietnam_date(at)}


async def _upsert_feedback(session: AsyncSession, feedback_id: UUID, owned: dict[str, Any]) -> None:
    """Set ``owned`` on the item, creating it if this is the first event heard of it."""
    statement = insert(feedback_items).values(feedback_id=feedback_id, **owned)
    await session.execute(statement.on_conflict_do_update(index_elements=["feedback_id"], set_=owned))


async def feedback_received(event: CloudEvent, session: AsyncSession) -> None:
    item = parse_data(FeedbackReceived, event)
    owned = {
        "kind": item.kind,
        "topic": item.topic,
        "source": item.source,
        "dossier_code": item.dossier_code,
        "received_agency_code": item.agency_code,
        "received_at": item.received_at,
        "received_on": vietnam_date(item.received_at),
        **_due(item.answer_due_at),
    }
    await _upsert_feedback(session, item.feedback_id, owned)


async def feedback_answered(event: CloudEvent, session: AsyncSession) -> None:
    item = parse_data(FeedbackAnswered, event)
    owned = {
        "answered_agency_code": item.agency_code,
        "answered_at": item.answered_at,
        "answered_on": vietnam_date(item.answered_at),
        "answered_on_time": item.on_time,
        **_due(item.answer_due_at),
    }
    await _upsert_feedback(session, item.feedback_id, owned)


async def feedback_forwarded(event: CloudEvent, session: AsyncSession) -> None:
    """The latest forward by its own time decides who must answer now, whatever the arrival order."""
    item = parse_data(FeedbackForwarded, event)
    owned = {"forwarded_agency_code": item.agency_code, "forwarded_at": item.forwarded_at}
    statement = insert(feedback_items).values(
        feedback_id=item.feedback_id, **owned, **_due(item.answer_due_at)
    )
    current = feedback_items.c
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["feedback_id"],
            set_=owned,
            where=or_(current.forwarded_at.is_(None), current.forwarded_at < statement.excluded.forwarded_at),
        )
    )


def step_row(event: CloudEvent) -> dict[str, Any]:
    """The `step_outcomes` row of a `dossier.step.completed` event."""
    done = parse_data(StepCompleted, event)
    return {
        "step_id": done.step.id,
        "dossier_id": done.dossier_id,
        "dossier_code": done.code,
        "lead_agency_code": done.agency_code,
        "step_agency_code": done.step.agency_code,
        "position": done.step.position,
        "group_no": done.step.group,
        "completed_at": done.completed_at,
        "completed_on": vietnam_date(done.completed_at),
        "due_at": done.due_at,
        "due_on": vietnam_date(done.due_at),
        "outcome": done.outcome,
    }


async def step_completed(event: CloudEvent, session: AsyncSession) -> None:
    """A step's outcome, once per step: routing completes a step once."""
    await session.execute(insert(step_outcomes).values(step_row(event)).on_conflict_do_nothing())


async def agency_registered(event: CloudEvent, session: AsyncSession) -> None:
    """An agency's names; a later registration (by the event's time) replaces them, an older one not."""
    agency = parse_data(AgencyRegistered, event)
    values = {"name": agency.name, "sector": agency.sector, "registered_at": event.time}
    statement = insert(agency_names).values(code=agency.code, **values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["code"],
            set_=values,
            where=agency_names.c.registered_at <= statement.excluded.registered_at,
        )
    )


# Per stream: the subjects the satisfaction read model's consumers filter on, and a handler per event
# type. The service has one durable per stream, so the processing read model's are merged in
# (readmodels.merged_handlers); the subjects are narrow because JetStream refuses a consumer whose
# filters overlap (`dossier.>` would).
SUBJECTS: Mapping[str, tuple[str, ...]] = {
    "SURVEYS": ("survey.>",),
    "DOSSIERS": ("dossier.*.step.completed",),
    "CATALOG": ("catalog.agency.registered",),
}

HANDLERS: Mapping[str, Mapping[str, Handler]] = {
    "SURVEYS": {
        event_type("survey.submitted"): survey_submitted,
        event_type("survey.feedback_received"): feedback_received,
        event_type("survey.feedback_answered"): feedback_answered,
        event_type("survey.feedback_forwarded"): feedback_forwarded,
    },
    "DOSSIERS": {event_type("dossier.step.completed"): step_completed},
    "CATALOG": {event_type("catalog.agency.registered"): agency_registered},
}
