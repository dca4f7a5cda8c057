"""Response models of the control slip (form 05)."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class SlipRowOut(BaseModel):
    position: int | None
    group: int | None
    giving: str = Field(description="the agency handing over (its code), or 'Trung tâm' for the centre")
    receiving: str
    giving_name: str = Field(
        description="as printed: the agency's name where routing knows it (the lead's), else its code"
    )
    receiving_name: str
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


class AgencyOut(BaseModel):
    code: str
    name: str | None = Field(description="null: routing knows only the lead agency's name")


class ControlSlipOut(BaseModel):
    form: str = Field(description="the form's number (Mẫu số) in the rule set of the receipt day")
    form_label: str = Field(description="as printed: Mẫu số 05")
    form_title: str
    form_basis: str = Field(description="the text that prescribes the form, as printed under its label")
    code: str
    procedure_code: str
    procedure_name: str
    lead_agency_code: str
    lead_agency_name: str | None
    coordinating_agencies: list[AgencyOut] = Field(
        description="the route's other agencies (cơ quan phối hợp giải quyết), in route order"
    )
    applicant_name: str = Field(description="kèm theo hồ sơ của: who the dossier is for")
    received_at: datetime
    due_at: datetime
    state: str
    rows: list[SlipRowOut]
