"""Response models of the clocks' API."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field


class ClockOut(BaseModel):
    scope: Literal["dossier", "step"]
    step_id: UUID | None
    position: int | None
    agency_code: str = Field(description="the responsible agency: the step's, or the lead agency")
    state: Literal["pending", "running", "paused", "stopped"]
    started_at: datetime | None
    original_due_at: datetime | None = Field(description="the first due, never changed")
    due_at: datetime | None = Field(description="after pauses: what lateness and warnings go by")
    extended_due_at: datetime | None = Field(description="after a granted extension")
    warn_at: datetime | None
    paused_at: datetime | None = Field(description="since when it is paused, while it is")
    paused_minutes: int = Field(description="working minutes of the pauses that ended")
    stopped_at: datetime | None
    stop_reason: str | None
    due_soon_sent_at: datetime | None
    overdue_sent_at: datetime | None


class DossierClocksOut(BaseModel):
    dossier_id: UUID
    code: str | None
    lead_agency_code: str
    procedure_code: str | None
    received_at: datetime | None
    ended_at: datetime | None
    end_reason: str | None
    clock: ClockOut | None = Field(description="the dossier's clock; null until its receipt is heard")
    steps: list[ClockOut]
