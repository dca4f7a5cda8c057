"""What answers a pause or a request: the citizen's supplement, the deadline service's decision.

Each is applied the moment it is applicable. One that arrives before the state it answers (the
supplement before the step's pause is visible, a decision before the extension request) is kept in
the `facts` table, and the action that creates that state applies it at once. So the outcome is the
same in any order of delivery, and no retry timing is relied on.
"""

from datetime import datetime
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.context import Context
from services.routing.inbound import repository as facts
from services.routing.plans import progress, repository
from services.routing.plans.stream import PlanEvents

SUPPLEMENT = "supplement_received"
DECISIONS = ("extension_granted", "extension_denied")


def _waits_for(step: Row[Any], received_at: datetime) -> bool:
    # A supplement answers the request made before it; one handed in earlier belongs to an older round.
    return bool(
        step.state == "paused" and step.pause_reason == "supplement" and step.paused_at <= received_at
    )


async def supplement_arrived(
    session: AsyncSession, ctx: Context, out: PlanEvents, plan: Any, *, received_at: datetime
) -> bool:
    """Resume every step paused for a supplement asked by ``received_at``; False if none waits."""
    resumed = False
    for step in await repository.steps_of(session, plan.dossier_id):
        if _waits_for(step, received_at):
            await _resume_for_supplement(session, ctx, out, plan, step, received_at)
            resumed = True
    return resumed


async def apply_early_supplement(
    session: AsyncSession, ctx: Context, out: PlanEvents, plan: Any, step: Row[Any]
) -> Row[Any]:
    """Right after ``step`` paused for a supplement: a supplement already handed in resumes it."""
    for fact in await facts.pending(session, plan.dossier_id, (SUPPLEMENT,)):
        if _waits_for(step, fact.at):
            await facts.mark_applied(session, fact.id, ctx.clock.now())
            return await _resume_for_supplement(session, ctx, out, plan, step, fact.at)
    return step


async def _resume_for_supplement(
    session: AsyncSession, ctx: Context, out: PlanEvents, plan: Any, step: Row[Any], at: datetime
) -> Row[Any]:
    # The clock runs again from the moment the papers were handed in, whenever we hear of it.
    resumed = await progress.resume(session, ctx, out, plan, step, at=at, policy=plan.supplement_policy)
    await repository.mark_supplement_answered(session, step.id, at)
    return resumed


async def extension_decided(
    session: AsyncSession, step: Row[Any], *, decision: str, new_due_at: datetime | None, at: datetime
) -> bool:
    """Apply the deadline service's decision on the step's extension; False until one was requested.

    Granted: the effective due becomes ``new_due_at``; `original_due_at` and `sla_due_at` stay, so
    the extension never makes the step on time. The first decision stands.
    """
    if step.extension_decision is not None:
        return True  # the first decision stands; a repeat changes nothing
    if step.extension_requested_at is None:
        return False  # nothing asked yet: the caller keeps it for when it is
    granted = decision == "extension_granted" and new_due_at is not None
    values: dict[str, Any] = {
        "extension_decision": "granted" if granted else "denied",
        "extension_decided_at": at,
    }
    if granted:
        values["due_at"] = new_due_at
    await repository.update_step(session, step.id, **values)
    return True


async def apply_early_decision(session: AsyncSession, ctx: Context, step: Row[Any]) -> Row[Any]:
    """Right after an extension was requested: a decision that already arrived applies now. Returns
    the step as it now is."""
    for fact in await facts.pending(session, step.dossier_id, DECISIONS, step_id=step.id):
        new_due = fact.data.get("new_due_at")
        await extension_decided(
            session,
            step,
            decision=fact.kind,
            new_due_at=datetime.fromisoformat(new_due) if isinstance(new_due, str) else None,
            at=fact.at,
        )
        await facts.mark_applied(session, fact.id, ctx.clock.now())
        decided = await repository.step(session, step.id)
        assert decided is not None
        return decided
    return step
