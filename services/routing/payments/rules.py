"""What a payment must be to be recorded, as pure functions: facts in, a refusal or None out.

- A payment is recorded at a step that has asked for a financial obligation (`obligation_asked`), in
  whatever state the step is now: the obligation may have been met, or the step finished, before the
  payment's record arrived, and a payment left out would understate the fees paid.
- It was made (`paid_at`) after the dossier was received and not later than now, give or take
  `CLOCK_SKEW` between the payment platform's clock and ours.
- A `reference` names one payment of the step: the same payment sent again is a replay (recorded once,
  announced once); other facts under a recorded reference are a conflict someone must look at.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.routing.events import PaymentChannel

# How far ahead of our clock a payment platform's or a counter terminal's clock may run.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class Refusal:
    """Why a payment is not recorded: a stable `code` and the sentence shown with it."""

    status: int
    code: str
    detail: str


@dataclass(frozen=True)
class Payment:
    """A payment as the request states it."""

    amount: int
    channel: PaymentChannel
    paid_at: datetime
    reference: str | None


def obligation_asked(asked: bool, *, step_id: Any) -> Refusal | None:
    """Fees are paid against a financial obligation this step asked for."""
    if asked:
        return None
    return Refusal(
        409,
        "no_obligation",
        f"Step {step_id} has not asked for a financial obligation: ask for it first "
        f"(POST /v1/steps/{step_id}/obligation), or record the payment at the step that asked.",
    )


def check_paid_at(paid_at: datetime, *, now: datetime, received_at: datetime) -> Refusal | None:
    """A payment is made between the dossier's receipt and now (our clock, `CLOCK_SKEW` allowed)."""
    if paid_at > now + CLOCK_SKEW:
        return Refusal(
            422,
            "paid_at_in_future",
            f"paid_at {paid_at.isoformat()} is later than now ({now.isoformat()}); "
            "a payment is recorded once it has been made.",
        )
    if paid_at < received_at:
        return Refusal(
            422,
            "paid_at_before_receipt",
            f"paid_at {paid_at.isoformat()} is before the dossier was received "
            f"({received_at.isoformat()}); a fee of this dossier cannot have been paid then.",
        )
    return None


def is_replay(recorded: Any, payment: Payment) -> bool:
    """Whether `payment` is the recorded one (a row of `fee_payments`) sent again: every fact equal."""
    return bool(
        recorded.amount == payment.amount
        and recorded.channel == payment.channel
        and recorded.paid_at == payment.paid_at
        and recorded.reference == payment.reference
    )


def reference_conflict(reference: str) -> Refusal:
    return Refusal(
        409,
        "payment_reference_conflict",
        f"A different payment is recorded at this step under reference {reference!r}; nothing was "
        "changed. Check the reference, or read the step's payments (GET .../obligation/payments).",
    )
