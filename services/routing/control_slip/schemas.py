"""Response models of the control slip (form 05)."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


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
