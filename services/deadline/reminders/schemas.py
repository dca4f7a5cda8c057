"""Response models of the reminder lists."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field


class ReminderOut(BaseModel):
    kind: Literal["due_soon", "overdue"]
    scope: Literal["dossier", "step"]
    dossier_id: UUID
    code: str | None
    step_id: UUID | None
    position: int | None
    agency_code: str = Field(description="the responsible agency: the step's, or the lead for the dossier")
    lead_agency_code: str
    procedure_code: str | None
    procedure_name: str | None
    started_at: datetime | None
    original_due_at: datetime | None = Field(description="the first due, never changed")
    due_at: datetime = Field(description="after pauses: what lateness and warnings go by")
    extended_due_at: datetime | None = Field(description="after a granted extension")
    warn_at: datetime | None
    due_soon_sent_at: datetime | None = Field(description="when `dossier.due_soon` was staged, if yet")
    overdue_sent_at: datetime | None = Field(description="when `dossier.overdue` was staged, if yet")


class ReminderPage(BaseModel):
    agency: str | None = Field(description="the agency listed; null: every agency")
    kind: Literal["due_soon", "overdue"] | None = Field(description="null: both")
    as_of: datetime
    items: list[ReminderOut]
    limit: int
    next_cursor: str | None = Field(description="pass back as `cursor` for the next page; null: the last")
