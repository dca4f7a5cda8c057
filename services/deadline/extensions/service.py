"""Deciding an extension request (xin gia hạn) by the rules, and recording every request and decision.

The request is judged against the step's due as deadline derives it (pauses included), at the time it
was asked; routing's `current_due_at` is used only while deadline has not heard of the step's start.
The decision is final: the same request heard again (same step, same `requested_at`) changes nothing.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.deadline import events
from services.deadline.clocks import repository as dossier_repository
from services.deadline.clocks.derivation import recompute
from services.deadline.clocks.facts import Facts
from services.deadline.context import Context
from services.deadline.extensions import repository, rules
from shared.events.fields import Payload
from shared.events.steps import ExtensionRequested
from shared.messaging.subjects import dossier_subject


async def requested(
    session: AsyncSession, ctx: Context, data: ExtensionRequested, event_id: uuid.UUID
) -> None:
    """Decide, record, emit `dossier.extension_granted` or `_denied`, and move the extended dues.
    The caller holds the dossier's lock."""
    facts = Facts()
    facts.begin(data)
    facts.step_heard(data, step_id=data.step_id, agency_code=data.step_agency_code)
    await facts.write(session)
    if await repository.extension_for(session, data.step_id, data.requested_at) is not None:
        return  # this request was decided already
    # The step's due as of every fact heard, and what it was derived from.
    derived = (await recompute(session, ctx, [data.dossier_id]))[data.dossier_id]
    step = next(c for c in derived.clocks if c.scope == "step" and c.step_id == data.step_id)  # made above
    current_due: datetime = step.due_at or data.current_due_at
    granted_before = [e for e in derived.granted if e.step_id == data.step_id]
    calendar = derived.calendar
    decision = rules.decide_extension(
        requested_at=data.requested_at,
        reason=data.reason,
        role=data.requested_by_role,
        days=data.days,
        current_due=current_due,
        already_extended=bool(granted_before),
        calendar=calendar,
    )
    now = ctx.clock.now()
    await repository.insert_extension(
        session,
        {
            "id": uuid.uuid4(),
            "dossier_id": data.dossier_id,
            "code": data.code,
            "step_id": data.step_id,
            "lead_agency_code": data.agency_code,
            "step_agency_code": data.step_agency_code,
            "requested_at": data.requested_at,
            "requested_by": data.requested_by,
            "requested_by_role": data.requested_by_role,
            "reason": data.reason,
            "days": data.days,
            "current_due_at": current_due,
            "state": "granted" if decision.granted else "denied",
            "denial_code": decision.denial_code,
            "new_due_at": decision.new_due_at,
            "minutes": decision.minutes or None,
            "decided_at": now,
            "request_event_id": event_id,
        },
    )
    dossier = derived.dossier
    who = events.identity(dossier)
    if decision.granted:
        assert decision.new_due_at is not None
        granted = events.extension_granted(
            identity=who,
            step_id=data.step_id,
            step_agency_code=data.step_agency_code,
            reason=data.reason,
            original_due_at=step.original_due_at or current_due,
            due_at=current_due,
            new_due_at=decision.new_due_at,
            decided_at=now,
        )
        await _emit(session, ctx, dossier, "extension_granted", data.step_agency_code, granted)
        await recompute(session, ctx, [data.dossier_id])
    else:
        assert decision.denial_code is not None
        assert decision.denial_text is not None
        denied = events.extension_denied(
            identity=who,
            step_id=data.step_id,
            step_agency_code=data.step_agency_code,
            code=decision.denial_code,
            text=decision.denial_text,
            decided_at=now,
        )
        await _emit(session, ctx, dossier, "extension_denied", data.step_agency_code, denied)


async def _emit(
    session: AsyncSession, ctx: Context, dossier: Any, name: str, agency_code: str, payload: Payload
) -> None:
    """Stage `dossier.<name>` under `agency_code`, with the dossier's next `dossierversion` at deadline."""
    await ctx.outbox.add(
        session,
        name=f"dossier.{name}",
        topic=dossier_subject(agency_code, name),
        data=payload.data(),
        subject=dossier.code,
        dossier_version=await dossier_repository.next_dossier_version(session, dossier.dossier_id),
    )
