"""Routing's dossier events, each built as its shared payload type (`shared.events`, the catalogue:
docs/events.md); the outbox stores `payload.data()`.

Every payload starts with the dossier's identity, whose `agency_code` is the LEAD agency; the step's
own agency is named inside (`step.agency_code` or `step_agency_code`) and is the subject token.
No personal data: the applicant is never named here.
"""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from shared.calendar import Policy
from shared.events.dossier import DossierIdentity, DossierResolved
from shared.events.steps import (
    AboutStep,
    DossierRejected,
    DossierStopped,
    ExtensionRequested,
    FeePaid,
    Step,
    StepAssigned,
    StepCompleted,
    StepPaused,
    StepResumed,
    SupplementItem,
    SupplementRequested,
)

# Every event routing emits; the catalogue documents each (a test holds them together).
EMITTED = (
    "dossier.step.assigned",
    "dossier.step.completed",
    "dossier.step.paused",
    "dossier.step.resumed",
    "dossier.supplement_requested",
    "dossier.resolved",
    "dossier.rejected",
    "dossier.stopped",
    "dossier.extension_requested",
    "dossier.fee_paid",
)

PauseReason = Literal["supplement", "financial_obligation"]
# How a fee was paid: `online` through an online payment platform (thanh toán trực tuyến).
PaymentChannel = Literal["online", "counter", "bank_transfer"]


def identity(plan: Any) -> DossierIdentity:
    """Which dossier: id, code, the portal's id and the lead agency (from a `plans` row)."""
    return DossierIdentity(
        dossier_id=plan.dossier_id,
        code=plan.code,
        portal_id=plan.portal_id,
        agency_code=plan.lead_agency_code,
    )


def step_body(step: Any) -> Step:
    """A step as events show it (from a `steps` row); `due_at` is its effective due."""
    return Step(
        id=step.id,
        position=step.position,
        group=step.group_no,
        agency_code=step.agency_code,
        days=step.days,
        assigned_at=step.assigned_at,
        due_at=step.due_at,
    )


def _about_step(identity: DossierIdentity, step: Any) -> AboutStep:
    """The identity and the step's id and agency, which every `AboutStep` payload starts with."""
    return AboutStep(**dict(identity), step_id=step.id, step_agency_code=step.agency_code)


def assigned(
    *, identity: DossierIdentity, step: Any, transfer: Literal["electronic", "paper"]
) -> StepAssigned:
    """`dossier.step.assigned` (chuyển hồ sơ): the step starts at its agency."""
    return StepAssigned(
        **dict(identity),
        step=step_body(step),
        from_agency_code=step.from_agency_code,
        transfer=transfer,
    )


def completed(
    *,
    identity: DossierIdentity,
    step: Any,
    completed_at: datetime,
    due_at: datetime,
    outcome: Literal["early", "on_time", "late"],
    next_agency_codes: list[str],
) -> StepCompleted:
    """`dossier.step.completed`: `due_at` is the due the outcome is judged by (pauses moved it, an
    extension did not); `next_agency_codes` are the agencies this completion started."""
    return StepCompleted(
        **dict(identity),
        step=step_body(step),
        completed_at=completed_at,
        due_at=due_at,
        outcome=outcome,
        next_agency_codes=next_agency_codes,
    )


def paused(*, identity: DossierIdentity, step: Any, reason: PauseReason, paused_at: datetime) -> StepPaused:
    """`dossier.step.paused`: the step's clock stops (supplement or financial obligation)."""
    return StepPaused(**dict(_about_step(identity, step)), reason=reason, paused_at=paused_at)


def resumed(
    *,
    identity: DossierIdentity,
    step: Any,
    reason: PauseReason,
    resumed_at: datetime,
    due_at: datetime,
    policy: Policy,
) -> StepResumed:
    """`dossier.step.resumed`: the clock runs again; `due_at` is the step's due after resumption."""
    return StepResumed(
        **dict(_about_step(identity, step)),
        reason=reason,
        resumed_at=resumed_at,
        due_at=due_at,
        policy=policy,
    )


def supplement_requested(
    *,
    identity: DossierIdentity,
    step: Any,
    items: list[SupplementItem],
    requested_at: datetime,
    override_reason: str | None,
) -> SupplementRequested:
    """`dossier.supplement_requested` (form 02 through the centre)."""
    return SupplementRequested(
        **dict(_about_step(identity, step)),
        items=items,
        requested_at=requested_at,
        override_reason=override_reason,
    )


def resolved(*, identity: DossierIdentity, resolved_at: datetime, due_at: datetime) -> DossierResolved:
    """`dossier.resolved` (có kết quả): `due_at` is the dossier's original due, as received."""
    return DossierResolved(**dict(identity), resolved_at=resolved_at, due_at=due_at, imported=False)


def rejected(*, identity: DossierIdentity, step: Any, rejected_at: datetime, reason: str) -> DossierRejected:
    """`dossier.rejected` (không giải quyết, with the reason)."""
    return DossierRejected(**dict(_about_step(identity, step)), rejected_at=rejected_at, reason=reason)


def stopped(*, identity: DossierIdentity, step: Any, stopped_at: datetime, reason: str) -> DossierStopped:
    """`dossier.stopped` (dừng xử lý)."""
    return DossierStopped(**dict(_about_step(identity, step)), stopped_at=stopped_at, reason=reason)


def extension_requested(
    *,
    identity: DossierIdentity,
    step: Any,
    requested_at: datetime,
    reason: str,
    days: int,
    requested_by: str,
    requested_by_role: Literal["officer", "leader"],
) -> ExtensionRequested:
    """`dossier.extension_requested` (xin gia hạn): the deadline service decides; only a leader's
    request can be granted, hence the role. `current_due_at` is the step's effective due."""
    return ExtensionRequested(
        **dict(_about_step(identity, step)),
        requested_at=requested_at,
        reason=reason,
        days=days,
        current_due_at=step.due_at,
        requested_by=requested_by,
        requested_by_role=requested_by_role,
    )


def fee_paid(
    *,
    identity: DossierIdentity,
    step: Any,
    payment_id: UUID,
    amount: int,
    channel: PaymentChannel,
    paid_at: datetime,
    reference: str | None,
) -> FeePaid:
    """`dossier.fee_paid` (nộp phí, lệ phí): one payment at the step that asked for the obligation;
    `channel` online is the numerator of Decision 766's online payment rate."""
    return FeePaid(
        **dict(_about_step(identity, step)),
        payment_id=payment_id,
        amount=amount,
        channel=channel,
        paid_at=paid_at,
        reference=reference,
    )
