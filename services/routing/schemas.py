"""Request and response models of the routing API."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from shared import inputs
from shared.text import nfc

# Control characters are refused, last (`shared.inputs`): PostgreSQL cannot store U+0000.
Text = Annotated[
    str,
    AfterValidator(nfc),
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
    inputs.ONE_LINE,
]
LongText = Annotated[
    str,
    AfterValidator(nfc),
    StringConstraints(strip_whitespace=True, min_length=1, max_length=4000),
    inputs.MANY_LINES,
]
Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,40}$")]
WaitingState = Literal["assigned", "in_progress", "paused"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CompleteIn(Strict):
    note: LongText = Field(description="the result of the agency's part (kết quả xử lý)")


class SupplementItem(Strict):
    code: Code = Field(description="the checklist item's code")
    name: Text
    reason: Text = Field(description="why it is needed or what is wrong with it")


class SupplementIn(Strict):
    items: list[SupplementItem] = Field(min_length=1, max_length=50)
    override_reason: LongText | None = Field(
        default=None, description="a leader's reason for asking this agency's second supplement"
    )


class NoteIn(Strict):
    note: LongText


class OptionalNoteIn(Strict):
    note: LongText | None = None


class ReasonIn(Strict):
    reason: LongText


class ExtensionIn(Strict):
    reason: LongText
    days: int = Field(ge=1, le=60, description="working days asked beyond the current due")


class StepOut(BaseModel):
    id: UUID
    dossier_id: UUID
    position: int
    group: int
    agency_code: str
    days: Decimal
    state: str
    from_agency_code: str | None
    transfer: str | None
    assigned_at: datetime | None
    accepted_at: datetime | None
    completed_at: datetime | None
    closed_at: datetime | None
    original_due_at: datetime | None = Field(description="the due when assigned, never changed")
    sla_due_at: datetime | None = Field(description="the due the outcome is judged by (pauses move it)")
    due_at: datetime | None = Field(description="the effective due: sla_due_at, or the extended due")
    paused_at: datetime | None
    pause_reason: str | None
    paused_minutes: int
    extension_requested_at: datetime | None
    extension_days: int | None
    extension_decision: str | None
    note: str | None


class PlanOut(BaseModel):
    dossier_id: UUID
    code: str
    procedure_code: str
    procedure_name: str
    lead_agency_code: str
    channel: str
    state: str
    version: int
    received_at: datetime
    due_at: datetime
    closed_at: datetime | None
    steps: list[StepOut]


class QueueItem(BaseModel):
    step_id: UUID
    dossier_id: UUID
    code: str
    procedure_code: str
    procedure_name: str
    applicant_kind: str
    applicant_name: str
    channel: str
    state: str
    position: int
    group: int
    from_agency_code: str | None
    transfer: str | None
    assigned_at: datetime | None
    accepted_at: datetime | None
    due_at: datetime | None
    sla_due_at: datetime | None
    original_due_at: datetime | None
    pause_reason: str | None
    paused_at: datetime | None
    overdue: bool = Field(description="running and past its effective due now")


class QueuePage(BaseModel):
    items: list[QueueItem]
    limit: int
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last")


class DueSoon(BaseModel):
    hours: int
    until: datetime
    steps: int


class LoadOut(BaseModel):
    agency_code: str
    at: datetime
    waiting: int
    by_state: dict[str, int]
    overdue: int = Field(description="running steps past their effective due (paused ones wait)")
    due_within: DueSoon


class SlipRowOut(BaseModel):
    position: int | None
    group: int | None
    giving: str = Field(description="the agency handing over, or 'Trung tâm' for the centre")
    receiving: str
    time_in: datetime | None
    time_out: datetime | None
    due_at: datetime | None = Field(description="the due the outcome is judged by")
    original_due_at: datetime | None
    extended_due_at: datetime | None
    outcome: Literal["early", "on_time", "late"] | None
    outcome_label: str | None = Field(description="Trước hạn / Đúng hạn / Quá hạn")
    overdue_now: bool
    state: str
    note: str | None


class ControlSlipOut(BaseModel):
    form: Literal["05"] = "05"
    code: str
    procedure_code: str
    procedure_name: str
    lead_agency_code: str
    lead_agency_name: str | None
    received_at: datetime
    due_at: datetime
    state: str
    rows: list[SlipRowOut]
