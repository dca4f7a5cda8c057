"""Recording a step's payments: the row, its audit and its `dossier.fee_paid`, in the request's
transaction (flush, never commit), under the plan's lock like every action on a step."""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing import events
from services.routing.payments import repository, rules
from services.routing.plans import repository as plans
from services.routing.plans.stream import plan_events
from services.routing.steps.actions import Officer, audit_step, ensure_own_agency, locked_step
from shared.auth import Principal
from shared.errors import Problem


@dataclass(frozen=True)
class Recorded:
    """The payment as recorded, its dossier's code, and whether this request recorded it (False: a
    replay of one recorded before)."""

    row: Row[Any]
    code: str
    created: bool


def _refuse(refusal: rules.Refusal | None) -> None:
    if refusal is not None:
        raise Problem(refusal.status, refusal.code, refusal.detail)


async def record(
    session: AsyncSession, officer: Officer, step_id: uuid.UUID, payment: rules.Payment
) -> Recorded:
    """Record one payment at a step that asked for a financial obligation (checked in this order:
    404, 403, 409 `no_obligation`, 422 on `paid_at`, then the reference: a replay or 409)."""
    plan, step, _ = await locked_step(session, officer, step_id)
    asked = await repository.obligation_asked(session, plan.code, step.id)
    _refuse(rules.obligation_asked(asked, step_id=step.id))
    now = officer.ctx.clock.now()
    _refuse(rules.check_paid_at(payment.paid_at, now=now, received_at=plan.received_at))
    if payment.reference is not None:
        recorded = await repository.by_reference(session, step.id, payment.reference)
        if recorded is not None:
            if rules.is_replay(recorded, payment):
                return Recorded(recorded, plan.code, created=False)
            _refuse(rules.reference_conflict(payment.reference))
    row = await repository.insert_payment(
        session,
        {
            "payment_id": uuid.uuid4(),
            "dossier_id": plan.dossier_id,
            "step_id": step.id,
            "amount": payment.amount,
            "channel": payment.channel,
            "paid_at": payment.paid_at,
            "reference": payment.reference,
            "recorded_by": officer.who.sub,
            "recorded_at": now,
        },
    )
    async with plan_events(session, officer.ctx.outbox, plan) as out:
        out.emit(
            "fee_paid",
            step.agency_code,
            events.fee_paid(
                identity=out.identity,
                step=step,
                payment_id=row.payment_id,
                amount=row.amount,
                channel=row.channel,
                paid_at=row.paid_at,
                reference=row.reference,
            ),
        )
    await audit_step(
        session,
        officer,
        plan,
        step,
        "payment_recorded",
        payment_id=str(row.payment_id),
        amount=row.amount,
        channel=row.channel,
        paid_at=row.paid_at.isoformat(),
        reference=row.reference,
    )
    return Recorded(row, plan.code, created=True)


async def payments(session: AsyncSession, who: Principal, step_id: uuid.UUID) -> tuple[str, list[Row[Any]]]:
    """The step's dossier code and its payments, earliest first, for its agency's staff."""
    step = await plans.step(session, step_id)
    if step is None:
        raise Problem(404, "step_not_found", f"No step {step_id}.")
    ensure_own_agency(who, step)
    plan = await plans.plan(session, step.dossier_id)
    assert plan is not None  # a step's plan is its foreign key
    return plan.code, await repository.payments_of(session, step.id)
