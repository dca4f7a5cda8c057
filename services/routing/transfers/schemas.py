"""Request and response models of the paper transfer batches."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from shared.inputs import ONE_LINE, Strict
from shared.text import nfc

Name = Annotated[
    str,
    AfterValidator(nfc),
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    ONE_LINE,
]


class SignIn(Strict):
    signed_by_name: Name


class BatchOut(BaseModel):
    id: UUID
    agency_code: str | None = Field(description="the receiving agency; null for a unit batch")
    unit_code: str | None = Field(
        description="the receiving unit of a unit batch (results to hand over); null for an agency's"
    )
    kind: Literal["session", "immediate"]
    session: Literal["morning", "afternoon"]
    session_date: date
    transfer_at: datetime
    status: Literal["open", "signed"]
    signed_by_name: str | None
    signed_at: datetime | None
    item_count: int


class ItemOut(BaseModel):
    kind: Literal["step", "result"] = Field(description="a step's papers, or a dossier's result")
    step_id: UUID | None = Field(description="the step the papers go to; null for a result")
    dossier_id: UUID
    code: str
    procedure_code: str | None
    procedure_name: str | None
    from_agency_code: str | None = Field(description="the agency handing over; null: the one-stop centre")
    from_unit_code: str | None = Field(
        description="the receiving unit the papers leave, for a dossier received across the boundary"
    )
    handed_at: datetime
    days: Decimal | None = Field(description="the step's budget; null for a result")
    same_day: bool
    reason: str


class ManifestOut(BatchOut):
    items: list[ItemOut]


class BatchPage(BaseModel):
    items: list[BatchOut]
    total: int
    limit: int
    offset: int
