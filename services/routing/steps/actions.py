"""Officers' actions on a step of their agency, each audited with who, when and why.

Every action locks the step's plan first (so actions and events on one dossier queue up), then
checks, in this order: the step exists (404), it is the caller's agency's (403 `not_your_agency`),
its state allows the action (409 with a stable code). A refusal raises before anything is written,
and the request's transaction rolls back anyway: a refused action changes nothing.

The lock is held until the commit, so the hot actions hold it for as few round trips as they can:
what needs no database (the audit row, the payloads of the request) is built before it; accepting is
one statement (lock, check, change and audit row); the others read the route under the lock, then
write every change, event and the audit row in one statement (`plan_events`). The step answered is
the one those statements returned or staged, never read again.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing import events
from services.routing.context import Context
from services.routing.inbound import followups
from services.routing.models import audit_log
from services.routing.plans import progress, repository
from services.routing.plans.models import OPEN_STEP_STATES, supplement_requests
from services.routing.plans.stream import PlanEvents, plan_events
from shared import audit
from shared.auth import Principal
from shared.db.raw import begin_own_transaction
from shared.errors import Problem
from shared.events.steps import DossierRejected, DossierStopped, SupplementItem

# Why a state refuses an action, as a stable code for clients.
_REFUSALS = {
    "pending": ("step_not_started", "this step starts when the steps before it are completed"),
    "assigned": ("step_not_accepted", "accept the step first"),
    "in_progress": ("step_already_accepted", "the step was accepted already"),
    "paused": ("step_paused", "the step is paused; it resumes with the supplement or the obligation met"),
    "completed": ("step_closed", "the step is completed"),
    "rejected": ("step_closed", "the dossier was rejected"),
    "stopped": ("step_closed", "processing was stopped"),
    "cancelled": ("step_closed", "the dossier was withdrawn or closed by another step"),
}


@dataclass(frozen=True)
class Officer:
    """Who acts (an officer or leader whose token names an agency), and the service's context."""

    ctx: Context
    who: Principal


def parse_step_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Problem(404, "step_not_found", f"No step {value}.") from None


async def locked_step(
    session: AsyncSession, officer: Officer, step_id: uuid.UUID
) -> tuple[Any, Row[Any], list[Row[Any]]]:
    """The step's plan, the step, and every step of the plan (the route), locked and as they are now."""
    locked = await repository.lock_plan_of_step(session, step_id)
    step = next((s for s in locked.steps if s.id == step_id), None) if locked is not None else None
    if locked is None or step is None:
        raise Problem(404, "step_not_found", f"No step {step_id}.")
    ensure_own_agency(officer.who, step)
    return locked.plan, step, locked.steps


def ensure_own_agency(who: Principal, step: Row[Any]) -> None:
    """Only the step's agency's staff act on it or read what it keeps."""
    if who.agency != step.agency_code:
        raise Problem(
            403,
            "not_your_agency",
            f"This step is at agency {step.agency_code}; your token is for {who.agency}.",
        )


def _require(step: Row[Any], *allowed: str) -> None:
    if step.state not in allowed:
        code, why = _REFUSALS[step.state]
        raise Problem(409, code, f"Not possible now: {why} (state {step.state}).")


async def audit_step(
    session: AsyncSession, officer: Officer, plan: Any, step: Row[Any], action: str, **detail: Any
) -> None:
    """Who did `step.<action>` to the step, when, and with what (`detail`, never personal data)."""
    await audit.record(
        session,
        audit_log,
        who=officer.who,
        at=officer.ctx.clock.now(),
        action=f"step.{action}",
        entity=f"dossier:{plan.code}",
        detail={"step_id": str(step.id), "agency_code": step.agency_code, **detail},
    )


def _step_audit(
    officer: Officer, step_id: uuid.UUID, action: str, at: datetime, entity: str, **detail: Any
) -> dict[str, Any]:
    """The audit row of `step.<action>` by the officer: the step's agency is the officer's (the
    action is refused otherwise)."""
    step_detail = {"step_id": str(step_id), "agency_code": officer.who.agency, **detail}
    return audit.audit_row(who=officer.who, at=at, action=f"step.{action}", entity=entity, detail=step_detail)


def _audited(
    out: PlanEvents, officer: Officer, step_id: uuid.UUID, action: str, at: datetime, **detail: Any
) -> None:
    """Stage the audit row of `step.<action>`, done at ``at``, with the plan's changes (`plan_events`)."""
    out.insert(audit_log, _step_audit(officer, step_id, action, at, f"dossier:{out.code}", **detail))


async def accept(session: AsyncSession, officer: Officer, step_id: uuid.UUID) -> Any:
    """The agency takes the dossier up (tiếp nhận hồ sơ chuyển đến).

    One statement locks the plan and the step, accepts it and writes the audit row if the step is the
    caller's agency's and assigned (`repository.accept_step`); otherwise it changed nothing, and the
    step it returns says why, in the order every action checks."""
    now = officer.ctx.clock.now()
    row = _step_audit(officer, step_id, "accepted", now, entity="")  # the statement names the entity
    step, accepted = await repository.accept_step(
        session, step_id, agency_code=officer.who.agency or "", at=now, by=officer.who.sub, audit=row
    )
    if step is None:
        raise Problem(404, "step_not_found", f"No step {step_id}.")
    if not accepted:
        ensure_own_agency(officer.who, step)
        _require(step, "assigned")
        raise AssertionError(f"step {step_id} is assigned at the caller's agency yet was not accepted")
    return step


async def complete(session: AsyncSession, officer: Officer, step_id: uuid.UUID, note: str) -> Row[Any]:
    """The agency's part is done, with its result note; the next group starts, or the dossier resolves.

    Under the plan's lock: the read of the route, then one statement of every change, event and the
    audit row (`plan_events`), with the paper transfer's statements between them when the papers
    travel. All are prebuilt, so they run in the driver's own transaction (`begin_own_transaction`)."""
    await begin_own_transaction(session)
    plan, step, route = await locked_step(session, officer, step_id)
    _require(step, "in_progress")
    now = officer.ctx.clock.now()
    async with plan_events(session, officer.ctx.outbox, plan) as out:
        done = await progress.complete(
            session, officer.ctx, out, plan, step, route, at=now, by=officer.who.sub, note=note
        )
        _audited(out, officer, step.id, "completed", now, note=note)
    return done


async def request_supplement(
    session: AsyncSession,
    officer: Officer,
    step_id: uuid.UUID,
    items: list[dict[str, str]],
    override_reason: str | None,
) -> Row[Any]:
    """Form 02 through the centre: the step pauses until the citizen hands the papers in.

    Once per agency and dossier; again only by a leader, with the reason for overriding the limit.
    Under the plan's lock: the read of the route, the read of what the limit and an early supplement
    need, then one statement of every change, event and the audit row.
    """
    asked_items = [SupplementItem(**item) for item in items]
    plan, step, _ = await locked_step(session, officer, step_id)
    _require(step, "assigned", "in_progress")
    if override_reason is not None and officer.who.role != "leader":
        raise Problem(403, "override_needs_leader", "Only a leader may override the supplement limit.")
    state = await repository.supplement_state(session, plan.dossier_id, step.agency_code)
    if state.asked and not override_reason:
        raise Problem(
            409,
            "supplement_limit_reached",
            f"Agency {step.agency_code} has asked for a supplement of this dossier already; "
            "a leader may ask again with override_reason.",
        )
    now = officer.ctx.clock.now()
    request = {
        "dossier_id": plan.dossier_id,
        "step_id": step.id,
        "agency_code": step.agency_code,
        "items": items,
        "requested_at": now,
        "requested_by": officer.who.sub,
        "override_reason": override_reason,
    }
    if state.handed_in:
        # A supplement handed in already may answer this request at once, which marks the request
        # answered: the request is written first.
        await repository.insert_supplement_request(session, request)
    async with plan_events(session, officer.ctx.outbox, plan) as out:
        if not state.handed_in:
            out.insert(supplement_requests, request)
        out.emit(
            "supplement_requested",
            step.agency_code,
            events.supplement_requested(
                identity=out.identity,
                step=step,
                items=asked_items,
                requested_at=now,
                override_reason=override_reason,
            ),
        )
        paused = await progress.pause(session, out, step, reason="supplement", at=now)
        if state.handed_in:
            paused = await followups.apply_early_supplement(session, officer.ctx, out, plan, paused)
        _audited(
            out, officer, step.id, "supplement_requested", now, items=items, override_reason=override_reason
        )
    return paused


async def request_obligation(
    session: AsyncSession, officer: Officer, step_id: uuid.UUID, note: str
) -> Row[Any]:
    """A financial obligation is asked of the citizen (nghĩa vụ tài chính): the clock pauses until met."""
    plan, step, _ = await locked_step(session, officer, step_id)
    _require(step, "assigned", "in_progress")
    now = officer.ctx.clock.now()
    async with plan_events(session, officer.ctx.outbox, plan) as out:
        paused = await progress.pause(session, out, step, reason="financial_obligation", at=now)
        _audited(out, officer, step.id, "obligation_requested", now, note=note)
    return paused


async def obligation_fulfilled(
    session: AsyncSession, officer: Officer, step_id: uuid.UUID, note: str | None
) -> Row[Any]:
    """The obligation is met: the clock runs again, the due moved later by the paused working time."""
    plan, step, _ = await locked_step(session, officer, step_id)
    if step.state in OPEN_STEP_STATES and step.pause_reason != "financial_obligation":
        raise Problem(
            409, "step_not_paused_for_obligation", "The step is not waiting for a financial obligation."
        )
    _require(step, "paused")
    now = officer.ctx.clock.now()
    async with plan_events(session, officer.ctx.outbox, plan) as out:
        resumed = await progress.resume(session, officer.ctx, out, plan, step, at=now, policy="shift")
        _audited(out, officer, step.id, "obligation_fulfilled", now, note=note)
    return resumed


async def reject(session: AsyncSession, officer: Officer, step_id: uuid.UUID, reason: str) -> Row[Any]:
    """The dossier is not granted (từ chối giải quyết), with the reason; the plan ends."""
    return await _end(session, officer, step_id, reason, state="rejected")


async def stop(session: AsyncSession, officer: Officer, step_id: uuid.UUID, reason: str) -> Row[Any]:
    """Processing stops (dừng xử lý), with the reason; the plan ends."""
    return await _end(session, officer, step_id, reason, state="stopped")


async def _end(
    session: AsyncSession, officer: Officer, step_id: uuid.UUID, reason: str, *, state: str
) -> Row[Any]:
    plan, step, _ = await locked_step(session, officer, step_id)
    _require(step, *OPEN_STEP_STATES)
    now = officer.ctx.clock.now()
    ended = await progress.end_plan(session, plan, step, state=state, at=now, reason=reason)
    assert ended is not None
    async with plan_events(session, officer.ctx.outbox, plan) as out:
        data: DossierRejected | DossierStopped
        if state == "rejected":
            data = events.rejected(identity=out.identity, step=step, rejected_at=now, reason=reason)
        else:
            data = events.stopped(identity=out.identity, step=step, stopped_at=now, reason=reason)
        out.emit(state, step.agency_code, data)
    await audit_step(session, officer, plan, step, state, reason=reason)
    return ended


async def request_extension(
    session: AsyncSession, officer: Officer, step_id: uuid.UUID, reason: str, days: int
) -> Row[Any]:
    """Ask the deadline service for more time (xin gia hạn): once per step, and only before its due."""
    plan, step, _ = await locked_step(session, officer, step_id)
    _require(step, *OPEN_STEP_STATES)
    now = officer.ctx.clock.now()
    if step.extension_requested_at is not None:
        raise Problem(409, "extension_already_requested", "An extension was asked for this step already.")
    if now >= step.due_at:
        raise Problem(409, "step_past_due", "An extension must be asked before the step's due.")
    role = officer.who.role
    assert role in ("officer", "leader")  # only an agency's staff act on its steps (`AgencyStaff`)
    asked = await repository.update_step(session, step.id, extension_requested_at=now, extension_days=days)
    async with plan_events(session, officer.ctx.outbox, plan) as out:
        out.emit(
            "extension_requested",
            step.agency_code,
            events.extension_requested(
                identity=out.identity,
                step=asked,
                requested_at=now,
                reason=reason,
                days=days,
                requested_by=officer.who.sub,
                requested_by_role=role,
            ),
        )
    asked = await followups.apply_early_decision(session, officer.ctx, asked)
    await audit_step(session, officer, plan, step, "extension_requested", reason=reason, days=days)
    return asked
