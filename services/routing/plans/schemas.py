"""Response models of a plan and its steps."""

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field
from sqlalchemy.engine import Row


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

    @classmethod
    def from_row(cls, row: Row[Any]) -> "StepOut":
        """A `steps` row as the API shows it."""
        return cls.model_validate({**row._mapping, "group": row.group_no})


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
