"""Response models of an agency's queue and load."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

WaitingState = Literal["assigned", "in_progress", "paused"]


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
