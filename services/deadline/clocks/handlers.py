"""What deadline takes from intake's and routing's events: the facts its clocks are derived from.

The consumer applies the events of one fetch together, in one transaction with their inbox rows (an
exact redelivery never arrives here), and one event at a time when that fails or there is no backlog.
Either way: take the dossiers' advisory locks, record each event's facts in stream order (facts.py),
write them in a few statements, and derive each touched dossier's clocks again once (derivation.py).
Late, repeated and out-of-order events give the same clocks. An extension request is decided on the clocks
of the facts heard before it: the events after it wait for the next round (`_rounds`).
"""

import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.deadline.clocks import repository
from services.deadline.clocks.derivation import recompute
from services.deadline.clocks.facts import Facts
from services.deadline.context import Context
from services.deadline.extensions import service as extensions
from shared.events.dossier import (
    DossierIdentity,
    DossierReceived,
    DossierResolved,
    DossierReturned,
    DossierWithdrawn,
)
from shared.events.steps import (
    DossierRejected,
    DossierStopped,
    ExtensionRequested,
    StepAssigned,
    StepCompleted,
    StepPaused,
    StepResumed,
    SupplementRequested,
)
from shared.messaging.consumer import BatchHandler, Handler
from shared.messaging.envelope import CloudEvent, event_type
from shared.messaging.payloads import parse_data

DOSSIER_SUBJECTS = (
    "dossier.*.received",
    "dossier.*.step.assigned",
    "dossier.*.step.completed",
    "dossier.*.step.paused",
    "dossier.*.step.resumed",
    "dossier.*.supplement_requested",
    "dossier.*.resolved",
    "dossier.*.rejected",
    "dossier.*.stopped",
    "dossier.*.withdrawn",
    "dossier.*.returned",
    "dossier.*.extension_requested",
)

Record = Callable[[Facts, CloudEvent], None]
EXTENSION_REQUESTED = event_type("dossier.extension_requested")


def received(facts: Facts, event: CloudEvent) -> None:
    data = parse_data(DossierReceived, event)
    facts.begin(data)
    facts.received(data)


def step_assigned(facts: Facts, event: CloudEvent) -> None:
    data = parse_data(StepAssigned, event)
    facts.begin(data)
    step = data.step
    facts.step_heard(data, step_id=step.id, agency_code=step.agency_code, step=step, authoritative=True)


def step_completed(facts: Facts, event: CloudEvent) -> None:
    data = parse_data(StepCompleted, event)
    facts.begin(data)
    step = data.step
    facts.step_heard(data, step_id=step.id, agency_code=step.agency_code, step=step)
    facts.stop_step(step.id, at=data.completed_at, reason="completed")


def step_paused(facts: Facts, event: CloudEvent) -> None:
    data = parse_data(StepPaused, event)
    _pause(facts, data, at=data.paused_at, reason=data.reason)


def supplement_requested(facts: Facts, event: CloudEvent) -> None:
    # Routing also sends `step.paused` at the same instant; whichever comes first makes the mark.
    data = parse_data(SupplementRequested, event)
    _pause(facts, data, at=data.requested_at, reason="supplement")


def _pause(facts: Facts, data: StepPaused | SupplementRequested, *, at: datetime, reason: str) -> None:
    facts.begin(data)
    facts.step_heard(data, step_id=data.step_id, agency_code=data.step_agency_code)
    facts.mark(data, step_id=data.step_id, kind="pause", at=at, reason=reason)


def step_resumed(facts: Facts, event: CloudEvent) -> None:
    data = parse_data(StepResumed, event)
    facts.begin(data)
    facts.step_heard(data, step_id=data.step_id, agency_code=data.step_agency_code)
    facts.mark(
        data, step_id=data.step_id, kind="resume", at=data.resumed_at, reason=data.reason, policy=data.policy
    )


def resolved(facts: Facts, event: CloudEvent) -> None:
    data = parse_data(DossierResolved, event)
    _end(facts, data, at=data.resolved_at, reason="resolved")


def withdrawn(facts: Facts, event: CloudEvent) -> None:
    data = parse_data(DossierWithdrawn, event)
    _end(facts, data, at=data.withdrawn_at, reason="withdrawn")


def returned(facts: Facts, event: CloudEvent) -> None:
    data = parse_data(DossierReturned, event)
    _end(facts, data, at=data.returned_at, reason="returned")


def _end(facts: Facts, data: DossierIdentity, *, at: datetime, reason: str) -> None:
    """`resolved`, `withdrawn`, `returned`: the dossier's clock stops, and every step still open."""
    facts.begin(data)
    facts.end(data.dossier_id, at=at, reason=reason)


def rejected(facts: Facts, event: CloudEvent) -> None:
    data = parse_data(DossierRejected, event)
    _step_end(facts, data, at=data.rejected_at, reason="rejected")


def stopped(facts: Facts, event: CloudEvent) -> None:
    data = parse_data(DossierStopped, event)
    _step_end(facts, data, at=data.stopped_at, reason="stopped")


def _step_end(facts: Facts, data: DossierRejected | DossierStopped, *, at: datetime, reason: str) -> None:
    """`rejected`, `stopped`: the step that ended it stops with the dossier, and every other step."""
    facts.begin(data)
    facts.step_heard(data, step_id=data.step_id, agency_code=data.step_agency_code)
    facts.stop_step(data.step_id, at=at, reason=reason)
    facts.end(data.dossier_id, at=at, reason=reason)


RECORDS: dict[str, Record] = {
    event_type(name): record
    for name, record in {
        "dossier.received": received,
        "dossier.step.assigned": step_assigned,
        "dossier.step.completed": step_completed,
        "dossier.step.paused": step_paused,
        "dossier.step.resumed": step_resumed,
        "dossier.supplement_requested": supplement_requested,
        "dossier.resolved": resolved,
        "dossier.withdrawn": withdrawn,
        "dossier.returned": returned,
        "dossier.rejected": rejected,
        "dossier.stopped": stopped,
    }.items()
}


async def _apply(session: AsyncSession, ctx: Context, events: Sequence[CloudEvent]) -> None:
    """Record the events' facts in order, write them, and derive each dossier's clocks once."""
    if not events:
        return
    facts = Facts()
    for event in events:
        RECORDS[event.type](facts, event)
    await facts.write(session)
    await recompute(session, ctx, facts.dossier_ids)


# Events applied together, then the extension requests decided on the clocks they leave.
Round = tuple[list[CloudEvent], list[CloudEvent]]


def _rounds(dossier_ids: Sequence[uuid.UUID], events: Sequence[CloudEvent]) -> list[Round]:
    """Round k applies each dossier's events after its k-th extension request (all of them in round 0
    for a dossier without one), then decides its (k+1)-th: one round in the usual fetch."""
    rounds: list[Round] = []
    asked: Counter[uuid.UUID] = Counter()
    for dossier_id, event in zip(dossier_ids, events, strict=True):
        number = asked[dossier_id]
        if number == len(rounds):
            rounds.append(([], []))
        if event.type == EXTENSION_REQUESTED:
            rounds[number][1].append(event)
            asked[dossier_id] += 1
        else:
            rounds[number][0].append(event)
    return rounds


def dossier_batch(ctx: Context) -> BatchHandler:
    """The events of stream DOSSIERS in stream order, applied together; bound to the service's
    outbox, clock and calendar."""

    async def handle(events: Sequence[CloudEvent], session: AsyncSession) -> None:
        dossier_ids = [parse_data(DossierIdentity, event).dossier_id for event in events]
        await repository.lock_dossiers(session, dossier_ids)
        for applied, decided in _rounds(dossier_ids, events):
            await _apply(session, ctx, applied)
            for request in decided:
                await extensions.requested(session, ctx, parse_data(ExtensionRequested, request), request.id)

    return handle


def dossier_handlers(ctx: Context) -> dict[str, Handler]:
    """The same, one event at a time (the consumer's way when there is no backlog, or a batch failed)."""
    batch = dossier_batch(ctx)

    async def handle(event: CloudEvent, session: AsyncSession) -> None:
        await batch([event], session)

    return dict.fromkeys([*RECORDS, EXTENSION_REQUESTED], handle)
