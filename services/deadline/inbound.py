"""The payloads deadline consumes, checked before anything is touched (docs/events.md).

Unknown fields are ignored: a newer producer may add some. What deadline relies on is required; an
event without it can never be processed and goes to the dead-letter table (`parse_data`).
"""

from datetime import date, time
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Procedure(_Payload):
    """The procedure snapshot of `catalog.procedure.published` and `dossier.received`."""

    code: str
    version: int = 1
    effective_from: date | None = None
    name: str = ""
    agency_code: str
    agency_name: str | None = None
    processing_days: Decimal = Field(ge=0)
    online_processing_days: Decimal | None = Field(default=None, ge=0)
    day_kind: Literal["working", "calendar"] = "working"
    same_day: bool = False
    cutoff: time = time(15, 0)
    supplement_policy: Literal["shift", "restart"] = "shift"


class Identity(_Payload):
    dossier_id: UUID
    code: str | None = None
    portal_id: str | None = None
    agency_code: str  # the lead agency


class Applicant(_Payload):
    name: str = ""


class Received(Identity):
    procedure: Procedure
    channel: str = "direct"
    received_at: AwareDatetime
    clock_started_at: AwareDatetime | None = None
    due_at: AwareDatetime
    applicant: Applicant = Field(default_factory=Applicant)
    imported: bool = False


class Step(_Payload):
    id: UUID
    position: int | None = None
    agency_code: str
    days: Decimal | None = Field(default=None, ge=0)
    assigned_at: AwareDatetime | None = None
    due_at: AwareDatetime | None = None


class StepAssigned(Identity):
    step: Step


class StepCompleted(Identity):
    step: Step
    completed_at: AwareDatetime


class AboutStep(Identity):
    step_id: UUID
    step_agency_code: str


class StepPaused(AboutStep):
    reason: str = "supplement"
    paused_at: AwareDatetime


class SupplementRequested(AboutStep):
    requested_at: AwareDatetime


class StepResumed(AboutStep):
    reason: str | None = None
    resumed_at: AwareDatetime
    policy: str | None = None


class Ended(Identity):
    """`resolved`, `withdrawn`, `returned`: the time is in the field named after the event."""

    resolved_at: AwareDatetime | None = None
    withdrawn_at: AwareDatetime | None = None
    returned_at: AwareDatetime | None = None
    imported: bool = False


class StepEnded(AboutStep):
    """`rejected` and `stopped`, which name the step that ended the dossier."""

    rejected_at: AwareDatetime | None = None
    stopped_at: AwareDatetime | None = None
    reason: str = ""


class ExtensionRequested(AboutStep):
    requested_at: AwareDatetime
    reason: str = ""
    days: int = Field(ge=1, le=365)
    current_due_at: AwareDatetime | None = None
    requested_by: str | None = None
    # Absent (routing does not send it yet) means not a leader: the contract's rule.
    requested_by_role: str | None = None
