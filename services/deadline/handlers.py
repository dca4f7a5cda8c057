"""What deadline takes from intake's and routing's events: the facts its clocks are derived from.

Each handler runs in the consumer's transaction with the inbox row (an exact redelivery never arrives
here), takes the dossier's advisory lock, records the event's fact and derives the dossier's clocks
again (clocks.py). Late, repeated and out-of-order events give the same clocks.
"""

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.deadline import clocks, extensions, repository
from services.deadline.clocks import Context
from services.deadline.inbound import (
    Ended,
    ExtensionRequested,
    Procedure,
    Received,
    StepAssigned,
    StepCompleted,
    StepEnded,
    StepPaused,
    StepResumed,
    SupplementRequested,
)
from shared.messaging.consumer import Handler
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
CATALOG_SUBJECTS = ("catalog.procedure.published",)

Use = Callable[[AsyncSession, Context, CloudEvent], Awaitable[None]]


async def received(session: AsyncSession, ctx: Context, event: CloudEvent) -> None:
    data = parse_data(Received, event)
    await clocks.begin(session, data)
    await clocks.received(session, data)
    await clocks.recompute(session, ctx, data.dossier_id)


async def step_assigned(session: AsyncSession, ctx: Context, event: CloudEvent) -> None:
    data = parse_data(StepAssigned, event)
    await clocks.begin(session, data)
    step = data.step
    await clocks.step_heard(
        session, data, step_id=step.id, agency_code=step.agency_code, step=step, authoritative=True
    )
    await clocks.recompute(session, ctx, data.dossier_id)


async def step_completed(session: AsyncSession, ctx: Context, event: CloudEvent) -> None:
    data = parse_data(StepCompleted, event)
    await clocks.begin(session, data)
    step = data.step
    await clocks.step_heard(session, data, step_id=step.id, agency_code=step.agency_code, step=step)
    await repository.stop_step(session, step.id, at=data.completed_at, reason="completed")
    await clocks.recompute(session, ctx, data.dossier_id)


async def step_paused(session: AsyncSession, ctx: Context, event: CloudEvent) -> None:
    data = parse_data(StepPaused, event)
    await _pause(session, ctx, data, at=data.paused_at, reason=data.reason)


async def supplement_requested(session: AsyncSession, ctx: Context, event: CloudEvent) -> None:
    # Routing also sends `step.paused` at the same instant; whichever comes first makes the mark.
    data = parse_data(SupplementRequested, event)
    await _pause(session, ctx, data, at=data.requested_at, reason="supplement")


async def _pause(
    session: AsyncSession, ctx: Context, data: StepPaused | SupplementRequested, *, at: datetime, reason: str
) -> None:
    await clocks.begin(session, data)
    await clocks.step_heard(session, data, step_id=data.step_id, agency_code=data.step_agency_code)
    await clocks.mark(session, data, step_id=data.step_id, kind="pause", at=at, reason=reason)
    await clocks.recompute(session, ctx, data.dossier_id)


async def step_resumed(session: AsyncSession, ctx: Context, event: CloudEvent) -> None:
    data = parse_data(StepResumed, event)
    await clocks.begin(session, data)
    await clocks.step_heard(session, data, step_id=data.step_id, agency_code=data.step_agency_code)
    await clocks.mark(
        session,
        data,
        step_id=data.step_id,
        kind="resume",
        at=data.resumed_at,
        reason=data.reason,
        policy=data.policy,
    )
    await clocks.recompute(session, ctx, data.dossier_id)


def _ended(reason: str) -> Use:
    """`resolved`, `withdrawn`, `returned`: the dossier's clock stops, and every step still open."""

    async def handle(session: AsyncSession, ctx: Context, event: CloudEvent) -> None:
        data = parse_data(Ended, event)
        at = getattr(data, f"{reason}_at") or event.time
        await clocks.begin(session, data)
        await repository.end_dossier(session, data.dossier_id, at=at, reason=reason)
        await clocks.recompute(session, ctx, data.dossier_id)

    return handle


def _step_ended(reason: str) -> Use:
    """`rejected`, `stopped`: the step that ended it stops with the dossier, and every other step."""

    async def handle(session: AsyncSession, ctx: Context, event: CloudEvent) -> None:
        data = parse_data(StepEnded, event)
        at = getattr(data, f"{reason}_at") or event.time
        await clocks.begin(session, data)
        await clocks.step_heard(session, data, step_id=data.step_id, agency_code=data.step_agency_code)
        await repository.stop_step(session, data.step_id, at=at, reason=reason)
        await repository.end_dossier(session, data.dossier_id, at=at, reason=reason)
        await clocks.recompute(session, ctx, data.dossier_id)

    return handle


async def extension_requested(session: AsyncSession, ctx: Context, event: CloudEvent) -> None:
    await extensions.requested(session, ctx, parse_data(ExtensionRequested, event), event.id)


async def procedure_published(session: AsyncSession, ctx: Context, event: CloudEvent) -> None:
    """Keep the procedure's version for GET /v1/calendar/due?procedure=."""
    procedure = parse_data(Procedure, event)
    await repository.save_procedure(session, clocks.procedure_row(procedure))


def _bind(ctx: Context, use: Use) -> Handler:
    async def handle(event: CloudEvent, session: AsyncSession) -> None:
        await use(session, ctx, event)

    return handle


def dossier_handlers(ctx: Context) -> dict[str, Handler]:
    """The handlers of stream DOSSIERS by event type, bound to the service's outbox, clock and calendar."""
    uses: dict[str, Use] = {
        "dossier.received": received,
        "dossier.step.assigned": step_assigned,
        "dossier.step.completed": step_completed,
        "dossier.step.paused": step_paused,
        "dossier.step.resumed": step_resumed,
        "dossier.supplement_requested": supplement_requested,
        "dossier.resolved": _ended("resolved"),
        "dossier.withdrawn": _ended("withdrawn"),
        "dossier.returned": _ended("returned"),
        "dossier.rejected": _step_ended("rejected"),
        "dossier.stopped": _step_ended("stopped"),
        "dossier.extension_requested": extension_requested,
    }
    return {event_type(name): _bind(ctx, use) for name, use in uses.items()}


def catalog_handlers(ctx: Context) -> dict[str, Handler]:
    return {event_type("catalog.procedure.published"): _bind(ctx, procedure_published)}
