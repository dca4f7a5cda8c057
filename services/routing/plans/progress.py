"""How a plan moves: a group of steps starts, a step pauses and resumes, completes, or ends the plan.

Shared by the officers' actions and the event handlers; every function works inside the caller's
transaction (flush, never commit) with the plan already locked, and stages its events and its steps'
changes through the plan's `PlanEvents`, written in one statement when its block ends: a step
returned here is the step as it will be (`PlanEvents.update_step`).
"""

from datetime import datetime
from typing import Any, Literal

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing import events
from services.routing.context import Context
from services.routing.plans import repository, rules
from services.routing.plans.stream import PlanEvents
from services.routing.transfers import service as transfers
from services.routing.transfers.rules import result_destination, sending_unit
from shared.calendar import Policy, due_from, resumed_dues

FINISHED = ("completed", "rejected", "stopped", "cancelled")


def step_due(ctx: Context, plan: Any, step: Any, at: datetime) -> datetime:
    """The step's due if its count started at ``at``, in the procedure's kind of days."""
    return due_from(
        at, step.days, calendar=ctx.calendar, kind=plan.day_kind, same_day=plan.same_day, cutoff=plan.cutoff
    )


async def start_group(
    session: AsyncSession,
    ctx: Context,
    out: PlanEvents,
    plan: Any,
    group: list[Row[Any]],
    *,
    at: datetime,
    from_agency_code: str | None,
) -> list[Row[Any]]:
    """Assign every step of a group at ``at``: each counts its days from then."""
    return [
        await _assign(session, ctx, out, plan, step, at=at, from_agency_code=from_agency_code)
        for step in group
    ]


async def _assign(
    session: AsyncSession,
    ctx: Context,
    out: PlanEvents,
    plan: Any,
    step: Row[Any],
    *,
    at: datetime,
    from_agency_code: str | None,
) -> Row[Any]:
    due = step_due(ctx, plan, step, at)
    paper = plan.channel != "online"
    if paper:
        # Paper dossiers travel in the receiving agency's next batch (the cut-off rule, transfers/).
        await transfers.schedule(
            session,
            step_id=step.id,
            dossier_id=plan.dossier_id,
            code=plan.code,
            agency_code=step.agency_code,
            from_agency_code=from_agency_code,
            handed_at=at,
            days=step.days,
            same_day=plan.same_day,
            cutoff=plan.cutoff,
            calendar=ctx.calendar,
            now=ctx.clock.now(),
            procedure_code=plan.procedure_code,
            procedure_name=plan.procedure_name,
            from_unit_code=sending_unit(
                received_across_boundary=plan.received_across_boundary,
                unit_code=plan.unit_code,
                from_agency_code=from_agency_code,
            ),
        )
    transfer: Literal["electronic", "paper"] = "paper" if paper else "electronic"
    assigned = out.update_step(
        step,
        state="assigned",
        assigned_at=at,
        from_agency_code=from_agency_code,
        transfer=transfer,
        original_due_at=due,
        sla_due_at=due,
        due_at=due,
    )
    out.emit(
        "step.assigned",
        step.agency_code,
        events.assigned(identity=out.identity, step=assigned, transfer=transfer),
    )
    return assigned


async def complete(
    session: AsyncSession,
    ctx: Context,
    out: PlanEvents,
    plan: Any,
    step: Row[Any],
    route: list[Row[Any]],
    *,
    at: datetime,
    by: str,
    note: str,
) -> Row[Any]:
    """The step is done; the next group starts when its whole group is, and the last one resolves.

    ``route`` is every step of the plan as read under the plan's lock: nothing but this completion
    changes them before commit, so the hand-off is decided from it, this step counted as finished.
    """
    done = out.update_step(step, state="completed", completed_at=at, completed_by=by, closed_at=at, note=note)
    others = [s for s in route if s.id != step.id]
    group_done = all(s.state in FINISHED for s in others if s.group_no == step.group_no)
    later = sorted({s.group_no for s in others if s.group_no > step.group_no})
    following = [s for s in others if later and s.group_no == later[0]] if group_done else []
    out.emit(
        "step.completed",
        step.agency_code,
        events.completed(
            identity=out.identity,
            step=done,
            completed_at=at,
            due_at=done.sla_due_at,
            outcome=rules.outcome(at, done.sla_due_at),
            next_agency_codes=[s.agency_code for s in following],
        ),
    )
    if following:
        await start_group(session, ctx, out, plan, following, at=at, from_agency_code=step.agency_code)
    elif group_done:
        out.changes.update(state="resolved", closed_at=at)
        out.emit(
            "resolved",
            plan.lead_agency_code,
            events.resolved(identity=out.identity, resolved_at=at, due_at=plan.due_at),
        )
        await _send_result(session, ctx, plan, from_agency_code=step.agency_code, at=at)
    return done


async def _send_result(
    session: AsyncSession, ctx: Context, plan: Any, *, from_agency_code: str, at: datetime
) -> None:
    """A paper result to be handed over away from the deciding agency's side travels to that unit in
    its batch (`transfers.rules.result_destination`, the cut-off rule); any other stays, as before
    units."""
    unit_code = result_destination(
        paper=plan.channel != "online",
        received_across_boundary=plan.received_across_boundary,
        unit_code=plan.unit_code,
        return_unit_code=plan.return_unit_code,
    )
    if unit_code is None:
        return
    await transfers.schedule_result(
        session,
        dossier_id=plan.dossier_id,
        code=plan.code,
        unit_code=unit_code,
        from_agency_code=from_agency_code,
        resolved_at=at,
        same_day=plan.same_day,
        cutoff=plan.cutoff,
        calendar=ctx.calendar,
        now=ctx.clock.now(),
        procedure_code=plan.procedure_code,
        procedure_name=plan.procedure_name,
    )


async def pause(
    session: AsyncSession, out: PlanEvents, step: Row[Any], *, reason: events.PauseReason, at: datetime
) -> Row[Any]:
    """The step's clock stops (tạm dừng): a supplement asked of the citizen, or a financial obligation."""
    paused = out.update_step(step, state="paused", paused_at=at, pause_reason=reason)
    out.emit(
        "step.paused",
        step.agency_code,
        events.paused(identity=out.identity, step=paused, reason=reason, paused_at=at),
    )
    return paused


async def resume(
    session: AsyncSession,
    ctx: Context,
    out: PlanEvents,
    plan: Any,
    step: Row[Any],
    *,
    at: datetime,
    policy: Policy,
) -> Row[Any]:
    """The clock runs again from ``at``; the dues move by the policy (`shared.calendar.resumed_dues`)."""
    dues = resumed_dues(
        policy=policy,
        sla_due_at=step.sla_due_at,
        due_at=step.due_at,
        paused_at=step.paused_at,
        resumed_at=at,
        restarted_due=step_due(ctx, plan, step, at) if policy == "restart" else step.sla_due_at,
        calendar=ctx.calendar,
    )
    resumed = out.update_step(
        step,
        state="in_progress" if step.accepted_at is not None else "assigned",
        paused_at=None,
        pause_reason=None,
        paused_minutes=step.paused_minutes + dues.paused_minutes,
        sla_due_at=dues.sla_due_at,
        due_at=dues.due_at,
    )
    out.emit(
        "step.resumed",
        step.agency_code,
        events.resumed(
            identity=out.identity,
            step=resumed,
            reason=step.pause_reason,
            resumed_at=at,
            due_at=resumed.due_at,
            policy=policy,
        ),
    )
    return resumed


async def end_plan(
    session: AsyncSession, plan: Any, step: Row[Any] | None, *, state: str, at: datetime, reason: str
) -> Row[Any] | None:
    """The plan ends early: ``step`` (if any) ends in ``state`` with the reason, every other step
    not yet finished is cancelled, and the plan takes ``state`` too."""
    ended = None
    if step is not None:
        ended = await repository.update_step(session, step.id, state=state, closed_at=at, note=reason)
    await repository.close_open_steps(session, plan.dossier_id, state="cancelled", at=at)
    await repository.update_plan(session, plan.dossier_id, state=state, closed_at=at)
    return ended
