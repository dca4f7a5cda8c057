"""What deadline takes from intake's and routing's events: the facts its clocks are derived from.

The consumer applies the events of one fetch together, in one transaction with their inbox rows (an
exact redelivery never arrives here), and one event at a time when that fails or there is no backlog.
Either way: read each event and record its facts in stream order (facts.py), then take the dossiers'
advisory locks, write the facts in two statements, and derive each touched dossier's clocks again
once (derivation.py).
Late, repeated and out-of-order events give the same clocks. An extension request is decided on the clocks
of the facts heard before it: the events after it wait for the next round (`_rounds`).
"""

import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

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

Record = Callable[[Facts, Any], None]
EXTENSION_REQUESTED = event_type("dossier.extension_requested")


def received(facts: Facts, data: DossierReceived) -> None:
    facts.begin(data)
    facts.received(data)


def step_assigned(facts: Facts, data: StepAssigned) -> None:
    facts.begin(data)
    step = data.step
    facts.step_heard(data, step_id=step.id, agency_code=step.agency_code, step=step, authoritative=True)


def step_completed(facts: Facts, data: StepCompleted) -> None:
    facts.begin(data)
    step = data.step
    facts.step_heard(data, step_id=step.id, agency_code=step.agency_code, step=step)
    facts.stop_step(step.id, at=data.completed_at, reason="completed")


def step_paused(facts: Facts, data: StepPaused) -> None:
    _pause(facts, data, at=data.paused_at, reason=data.reason)


def supplement_requested(facts: Facts, data: SupplementRequested) -> None:
    # Routing also sends `step.paused` at the same instant; whichever comes first makes the mark.
    _pause(facts, data, at=data.requested_at, reason="supplement")


def _pause(facts: Facts, data: StepPaused | SupplementRequested, *, at: datetime, reason: str) -> None:
    facts.begin(data)
    facts.step_heard(data, step_id=data.step_id, agency_code=data.step_agency_code)
    facts.mark(data, step_id=data.step_id, kind="pause", at=at, reason=reason)


def step_resumed(facts: Facts, data: StepResumed) -> None:
    facts.begin(data)
    facts.step_heard(data, step_id=data.step_id, agency_code=data.step_agency_code)
    facts.mark(
        data, step_id=data.step_id, kind="resume", at=data.resumed_at, reason=data.reason, policy=data.policy
    )


def resolved(facts: Facts, data: DossierResolved) -> None:
    _end(facts, data, at=data.resolved_at, reason="resolved")


def withdrawn(facts: Facts, data: DossierWithdrawn) -> None:
    _end(facts, data, at=data.withdrawn_at, reason="withdrawn")


def returned(facts: Facts, data: DossierReturned) -> None:
    _end(facts, data, at=data.returned_at, reason="returned")


def _end(facts: Facts, data: DossierIdentity, *, at: datetime, reason: str) -> None:
    """`resolved`, `withdrawn`, `returned`: the dossier's clock stops, and every step still open."""
    facts.begin(data)
    facts.end(data.dossier_id, at=at, reason=reason)


def rejected(facts: Facts, data: DossierRejected) -> None:
    _step_end(facts, data, at=data.rejected_at, reason="rejected")


def stopped(facts: Facts, data: DossierStopped) -> None:
    _step_end(facts, data, at=data.stopped_at, reason="stopped")


def _step_end(facts: Facts, data: DossierRejected | DossierStopped, *, at: datetime, reason: str) -> None:
    """`rejected`, `stopped`: the step that ended it stops with the dossier, and every other step."""
    facts.begin(data)
    facts.step_heard(data, step_id=data.step_id, agency_code=data.step_agency_code)
    facts.stop_step(data.step_id, at=at, reason=reason)
    facts.end(data.dossier_id, at=at, reason=reason)


# Each event type's payload, and what its facts are.
_RECORDS: dict[str, tuple[type[DossierIdentity], Record]] = {
    "dossier.received": (DossierReceived, received),
    "dossier.step.assigned": (StepAssigned, step_assigned),
    "dossier.step.completed": (StepCompleted, step_completed),
    "dossier.step.paused": (StepPaused, step_paused),
    "dossier.step.resumed": (StepResumed, step_resumed),
    "dossier.supplement_requested": (SupplementRequested, supplement_requested),
    "dossier.resolved": (DossierResolved, resolved),
    "dossier.withdrawn": (DossierWithdrawn, withdrawn),
    "dossier.returned": (DossierReturned, returned),
    "dossier.rejected": (DossierRejected, rejected),
    "dossier.stopped": (DossierStopped, stopped),
}
RECORDS = {event_type(name): entry for name, entry in _RECORDS.items()}
PAYLOADS: dict[str, type[DossierIdentity]] = {
    **{name: payload for name, (payload, _) in RECORDS.items()},
    EXTENSION_REQUESTED: ExtensionRequested,
}

# The facts applied together, then the extension requests decided on the clocks they leave (each
# with its event's id).
Round = tuple[Facts, list[tuple[ExtensionRequested, uuid.UUID]]]


def _rounds(events: Sequence[CloudEvent], heard: Sequence[DossierIdentity]) -> list[Round]:
    """Round k records each dossier's events after its k-th extension request (all of them in round 0
    for a dossier without one), then decides its (k+1)-th: one round in the usual fetch."""
    rounds: list[Round] = []
    asked: Counter[uuid.UUID] = Counter()
    for event, data in zip(events, heard, strict=True):
        number = asked[data.dossier_id]
        if number == len(rounds):
            rounds.append((Facts(), []))
        if isinstance(data, ExtensionRequested):
            rounds[number][1].append((data, event.id))
            asked[data.dossier_id] += 1
        else:
            RECORDS[event.type][1](rounds[number][0], data)
    return rounds


def dossier_batch(ctx: Context) -> BatchHandler:
    """The events of stream DOSSIERS in stream order, applied together; bound to the service's
    outbox, clock and calendar."""

    async def handle(events: Sequence[CloudEvent], session: AsyncSession) -> None:
        # Read and recorded before the locks are taken: the facts are the events', whatever the rows.
        heard = [parse_data(PAYLOADS[event.type], event) for event in events]
        rounds = _rounds(events, heard)
        await repository.lock_dossiers(session, [data.dossier_id for data in heard])
        for facts, decided in rounds:
            if facts.dossiers:
                await facts.write(session)
                await recompute(session, ctx, facts.dossier_ids)
            for request, event_id in decided:
                await extensions.requested(session, ctx, request, event_id)

    return handle


def dossier_handlers(ctx: Context) -> dict[str, Handler]:
    """The same, one event at a time (the consumer's way when there is no backlog, or a batch failed)."""
    batch = dossier_batch(ctx)

    async def handle(event: CloudEvent, session: AsyncSession) -> None:
        await batch([event], session)

    return dict.fromkeys(PAYLOADS, handle)
