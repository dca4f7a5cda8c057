"""Routing's events: a dossier's steps through its agencies, and how the dossier ends there.

An event about a step is published under the STEP's agency (`dossier.THUE.step.assigned`), named
inside as `step.agency_code` or `step_agency_code`; `agency_code` stays the lead agency.
"""

from typing import Literal
from uuid import UUID

from pydantic import Field

from shared.events.dossier import DossierIdentity
from shared.events.fields import DecimalText, Payload, Utc


class Step(Payload):
    """A step of the route: steps of one `group` run at the same time; `due_at` is its effective due."""

    id: UUID
    position: int = Field(ge=1)
    group: int = Field(ge=1)
    agency_code: str
    days: DecimalText
    assigned_at: Utc
    due_at: Utc


class StepAssigned(DossierIdentity):
    """`dossier.step.assigned` (chuyển hồ sơ): `transfer` is `paper` for a dossier received at the
    counter or by post, which travels in a transfer batch."""

    step: Step
    from_agency_code: str | None = None
    transfer: Literal["electronic", "paper"]


class StepCompleted(DossierIdentity):
    """`dossier.step.completed`: `due_at` is the due the outcome is judged by (pauses moved it, an
    extension did not); `next_agency_codes` are the agencies this completion started."""

    step: Step
    completed_at: Utc
    due_at: Utc
    outcome: Literal["early", "on_time", "late"]
    next_agency_codes: list[str] = Field(default_factory=list)


class AboutStep(DossierIdentity):
    """An event about one step that does not carry the whole step."""

    step_id: UUID
    step_agency_code: str


class StepPaused(AboutStep):
    """`dossier.step.paused`: the step's clock stops."""

    reason: Literal["supplement", "financial_obligation"]
    paused_at: Utc


class StepResumed(AboutStep):
    """`dossier.step.resumed`: the clock runs again; `due_at` is the step's due after resumption."""

    reason: Literal["supplement", "financial_obligation"]
    resumed_at: Utc
    due_at: Utc
    policy: Literal["shift", "restart"]


class FeePaid(AboutStep):
    """`dossier.fee_paid` (nộp phí, lệ phí, nghĩa vụ tài chính): one payment recorded at the step that
    asked for the financial obligation. `channel` `online` is a payment through an online payment
    platform (thanh toán trực tuyến), the numerator of Decision 766's online payment rate; `amount` in
    đồng. Never who paid or an account number: `reference` is the payment platform's or the receipt's
    number, as the agency's books name it."""

    payment_id: UUID
    amount: int = Field(gt=0, description="in Vietnamese đồng")
    channel: Literal["online", "counter", "bank_transfer"]
    paid_at: Utc
    reference: str | None = None


class SupplementItem(Payload):
    """A paper asked for on form 02."""

    code: str
    name: str
    reason: str


class SupplementRequested(AboutStep):
    """`dossier.supplement_requested` (form 02 through the centre); `override_reason` is a leader's
    reason for the agency's second request."""

    items: list[SupplementItem]
    requested_at: Utc
    override_reason: str | None = None


class DossierRejected(AboutStep):
    """`dossier.rejected` (không giải quyết)."""

    rejected_at: Utc
    reason: str


class DossierStopped(AboutStep):
    """`dossier.stopped` (dừng xử lý)."""

    stopped_at: Utc
    reason: str


class ExtensionRequested(AboutStep):
    """`dossier.extension_requested` (xin gia hạn): the deadline service grants only a leader's."""

    requested_at: Utc
    reason: str
    days: int = Field(ge=1, le=365)
    current_due_at: Utc
    requested_by: str
    # Absent (older events): the role is unknown, so not a leader's, and never granted.
    requested_by_role: Literal["officer", "leader"] | None = None
