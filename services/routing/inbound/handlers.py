"""What routing takes from other services' events: receipts, withdrawals, supplements, extension decisions.

Each handler runs in the consumer's transaction with the inbox row (so an exact redelivery never
arrives here) and first takes the dossier's advisory lock, so two events of one dossier never
interleave, even before its plan exists. Late, repeated or early events give the same outcome:
a second `received` finds the plan; a withdrawal, supplement or decision that comes before the
state it answers is kept as a fact and applied when that state arrives (`followups`).
"""

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.context import Context, context_for
from services.routing.inbound import followups
from services.routing.inbound import repository as facts
from services.routing.plans import progress, repository, rules
from services.routing.plans.stream import plan_events
from shared.clock import Clock
from shared.events.deadline import ExtensionDenied, ExtensionGranted
from shared.events.dossier import DossierReceived, DossierWithdrawn, SupplementReceived
from shared.messaging.consumer import Handler, PoisonEvent
from shared.messaging.envelope import CloudEvent, event_type
from shared.messaging.outbox import Outbox
from shared.messaging.payloads import parse_data as parse

SUBJECTS = (
    "dossier.*.received",
    "dossier.*.withdrawn",
    "dossier.*.supplement_received",
    "dossier.*.extension_granted",
    "dossier.*.extension_denied",
)


async def received(ctx: Context, event: CloudEvent, session: AsyncSession) -> None:
    """Create the plan, once per dossier, and start its first group at once (imported dossiers: none)."""
    data = parse(DossierReceived, event)
    if data.imported:
        return  # routed in the old system; its timeline came with the import
    procedure = data.procedure
    try:
        planned = rules.build_plan(
            # The rules read route items as mappings and check what a plan needs beyond the contract.
            [item.model_dump() for item in procedure.route],
            lead_agency_code=procedure.agency_code,
            processing_days=rules.plan_days(
                procedure.processing_days, procedure.online_processing_days, data.channel
            ),
        )
    except ValueError as exc:
        raise PoisonEvent(f"{data.code}: the procedure's route cannot be planned: {exc}") from exc
    await repository.lock_dossier(session, data.dossier_id)
    withdrawals = await facts.pending(session, data.dossier_id, ("withdrawn",))
    withdrawn_at = withdrawals[0].at if withdrawals else None
    if not await repository.insert_plan(session, _plan_row(data, withdrawn_at)):
        return  # a repeated receipt: the plan exists already
    for fact in withdrawals:
        await facts.mark_applied(session, fact.id, ctx.clock.now())
    if withdrawn_at is not None:
        return  # withdrawn before we heard of it: a closed plan, no live step
    await repository.insert_steps(session, [_step_row(data, step) for step in planned])
    plan = await repository.plan(session, data.dossier_id)
    assert plan is not None
    first = [s for s in await repository.steps_of(session, data.dossier_id) if s.group_no == 1]
    async with plan_events(session, ctx.outbox, plan) as out:
        # Steps count from the dossier's clock start, not from when this event was processed.
        await progress.start_group(
            session, ctx, out, plan, first, at=data.clock_started_at, from_agency_code=None
        )


def _plan_row(data: DossierReceived, withdrawn_at: datetime | None) -> dict[str, Any]:
    procedure = data.procedure
    return {
        "dossier_id": data.dossier_id,
        "code": data.code,
        "portal_id": data.portal_id,
        "lead_agency_code": data.agency_code,
        "procedure_code": procedure.code,
        "procedure_version": procedure.version,
        "procedure_name": procedure.name,
        "lead_agency_name": procedure.agency_name,
        "channel": data.channel,
        "day_kind": procedure.day_kind,
        "same_day": procedure.same_day,
        "cutoff": procedure.cutoff,
        "supplement_policy": procedure.supplement_policy,
        "applicant_kind": data.applicant.kind,
        "applicant_name": data.applicant.name,
        "received_at": data.received_at,
        "clock_started_at": data.clock_started_at,
        "due_at": data.due_at,
        "state": "withdrawn" if withdrawn_at else "open",
        "unit_code": data.unit_code,
        "return_unit_code": data.return_unit_code,
        "received_across_boundary": data.received_across_boundary,
        "closed_at": withdrawn_at,
    }


def _step_row(data: DossierReceived, step: rules.PlannedStep) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "dossier_id": data.dossier_id,
        "position": step.position,
        "group_no": step.group,
        "agency_code": step.agency_code,
        "days": step.days,
        "procedure_code": data.procedure.code,
    }


async def withdrawn(ctx: Context, event: CloudEvent, session: AsyncSession) -> None:
    """The citizen withdrew the dossier (rút hồ sơ): every step still open is cancelled."""
    data = parse(DossierWithdrawn, event)
    if data.imported:
        return
    await repository.lock_dossier(session, data.dossier_id)
    plan = await repository.plan(session, data.dossier_id, for_update=True)
    if plan is None:
        await facts.record(
            session, dossier_id=data.dossier_id, kind="withdrawn", at=data.withdrawn_at, data={}
        )
    elif plan.state == "open":
        await progress.end_plan(
            session, plan, None, state="withdrawn", at=data.withdrawn_at, reason="withdrawn"
        )


async def supplement_received(ctx: Context, event: CloudEvent, session: AsyncSession) -> None:
    """The citizen handed in the supplement: the paused step's clock runs again from that moment."""
    data = parse(SupplementReceived, event)
    await repository.lock_dossier(session, data.dossier_id)
    plan = await repository.plan(session, data.dossier_id, for_update=True)
    if plan is not None and plan.state != "open":
        return
    if plan is not None:
        async with plan_events(session, ctx.outbox, plan) as out:
            if await followups.supplement_arrived(session, ctx, out, plan, received_at=data.received_at):
                return
    await facts.record(
        session,
        dossier_id=data.dossier_id,
        kind="supplement_received",
        at=data.received_at,
        data={"documents": data.documents},
    )


def _decision(kind: str) -> Handler:
    async def handle(event: CloudEvent, session: AsyncSession) -> None:
        data: ExtensionGranted | ExtensionDenied
        if kind == "extension_granted":
            data = parse(ExtensionGranted, event)
            new_due_at: datetime | None = data.new_due_at
        else:
            data, new_due_at = parse(ExtensionDenied, event), None
        await repository.lock_dossier(session, data.dossier_id)
        plan = await repository.plan(session, data.dossier_id, for_update=True)
        step = await repository.step(session, data.step_id) if plan is not None else None
        if step is not None and step.dossier_id != data.dossier_id:
            raise PoisonEvent(f"step {data.step_id} is not a step of dossier {data.dossier_id}")
        at = event.time
        if step is not None and await followups.extension_decided(
            session, step, decision=kind, new_due_at=new_due_at, at=at
        ):
            return
        await facts.record(
            session,
            dossier_id=data.dossier_id,
            kind=kind,
            step_id=data.step_id,
            at=at,
            data={"new_due_at": new_due_at.isoformat() if new_due_at else None},
        )

    return handle


def handlers(outbox: Outbox, clock: Clock) -> dict[str, Handler]:
    """The handlers by event type, bound to the service's outbox and clock; each event is handled with
    the calendar as the overrides stand when it arrives."""

    def in_context(handler: Callable[[Context, CloudEvent, AsyncSession], Awaitable[None]]) -> Handler:
        async def handle(event: CloudEvent, session: AsyncSession) -> None:
            await handler(await context_for(session, outbox, clock), event, session)

        return handle

    return {
        event_type("dossier.received"): in_context(received),
        event_type("dossier.withdrawn"): in_context(withdrawn),
        event_type("dossier.supplement_received"): in_context(supplement_received),
        event_type("dossier.extension_granted"): _decision("extension_granted"),
        event_type("dossier.extension_denied"): _decision("extension_denied"),
    }
