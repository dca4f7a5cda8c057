"""Request and response models of the intake API (names and meanings fixed by the architecture brief)."""

from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Generic, Literal, TypeVar
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from shared import inputs
from shared.text import nfc

# Control characters are refused (`shared.inputs`): PostgreSQL cannot store U+0000.
Text = Annotated[str, AfterValidator(nfc), StringConstraints(min_length=1, max_length=500), inputs.ONE_LINE]
LongText = Annotated[
    str, AfterValidator(nfc), StringConstraints(min_length=1, max_length=4000), inputs.MANY_LINES
]
Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,40}$")]
PortalId = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), inputs.ONE_LINE
]
UnitCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9.]{1,40}$")]
Channel = Literal["direct", "post", "online"]
T = TypeVar("T")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AgencyIn(Strict):
    code: Code
    name: Text
    sector: Text
    unit_code: UnitCode | None = Field(default=None, description="defaults to the centre's unit code")
    level: Literal["province", "district", "commune"] = "district"


class AgencyOut(BaseModel):
    code: str
    name: str
    sector: str
    unit_code: str
    level: str


class FieldIn(Strict):
    code: Code
    name: Text


class RouteStep(Strict):
    agency_code: Code
    days: Decimal = Field(gt=0, le=365)
    group: int | None = Field(
        default=None,
        ge=1,
        le=99,
        description="steps with the same group run at the same time (the next starts when all are done); "
        "a step without one runs on its own, in route order",
    )


class DocumentItem(Strict):
    code: Code
    name: Text
    required: bool = True
    original: bool = False
    copies: int = Field(default=1, ge=1, le=100)


class ProcedureIn(Strict):
    """A procedure of the catalogue (thủ tục hành chính). Posting an existing code makes a new version."""

    code: Code
    name: Text
    national_code: Annotated[str, StringConstraints(pattern=r"^[0-9]\.[0-9]{6}$")] | None = None
    field_code: Code
    field_name: Text | None = Field(default=None, description="creates the field when it does not exist yet")
    agency_code: Code
    processing_days: Decimal = Field(gt=0, le=365)
    day_kind: Literal["working", "calendar"] = "working"
    online_processing_days: Decimal | None = Field(default=None, gt=0, le=365)
    same_day: bool = False
    cutoff: inputs.LocalTime = time(15, 0)
    service_level: int = Field(ge=1, le=4)
    supplement_policy: Literal["shift", "restart"] = "shift"
    fee: int = Field(default=0, ge=0)
    fee_note: Text | None = None
    route: list[RouteStep] = Field(default_factory=list, max_length=20)
    documents: list[DocumentItem] = Field(default_factory=list, max_length=100)
    effective_from: inputs.Day | None = Field(default=None, description="default: today")

    @field_validator("documents")
    @classmethod
    def _unique_documents(cls, value: list[DocumentItem]) -> list[DocumentItem]:
        codes = [d.code for d in value]
        if len(codes) != len(set(codes)):
            raise ValueError("document codes must be unique within a procedure")
        return value


class ProcedureOut(BaseModel):
    code: str
    version: int
    effective_from: date
    national_code: str | None
    name: str
    field_code: str
    field_name: str
    agency_code: str
    agency_name: str
    processing_days: Decimal
    day_kind: str
    online_processing_days: Decimal | None
    same_day: bool
    cutoff: inputs.LocalTime
    service_level: int
    supplement_policy: str
    fee: int
    fee_note: str | None
    route: list[RouteStep]
    documents: list[DocumentItem]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class ApplicantIn(Strict):
    kind: Literal["person", "organisation"] = "person"
    name: Text
    id_number: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z]{6,20}$")] | None = None
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9 .-]{8,20}$")] | None = None
    email: Annotated[str, StringConstraints(max_length=200), inputs.ONE_LINE] | None = None
    address: Text | None = None


class DossierIn(Strict):
    """A dossier handed in at the counter, by post, or submitted online by the portal."""

    procedure_code: Code
    channel: Channel = "direct"
    applicant: ApplicantIn
    documents: list[Code] = Field(
        default_factory=list, max_length=100, description="checklist codes handed in"
    )
    eligible: bool = True
    refusal_reason: LongText | None = Field(
        default=None, description="required when eligible is false (form 03)"
    )
    portal_id: PortalId | None = Field(
        default=None, description="the portal's own id of the submission, unique (409 duplicate_portal_id)"
    )
    note: LongText | None = None

    @model_validator(mode="after")
    def _refusal_needs_reason(self) -> "DossierIn":
        if not self.eligible and not self.refusal_reason:
            raise ValueError("refusal_reason is required when eligible is false")
        return self


class AcceptIn(Strict):
    """Reception's check of an online submission: the same completeness decision as at the counter."""

    documents: list[Code] | None = None
    eligible: bool = True
    refusal_reason: LongText | None = None


class DecisionOut(BaseModel):
    form: Literal["02", "03"]
    missing_documents: list[DocumentItem]
    reason: str | None
    issued_at: datetime


class DossierOut(BaseModel):
    id: UUID
    code: str | None
    portal_id: str | None
    status: str
    procedure_code: str
    procedure_version: int
    procedure_name: str
    channel: str
    service_level: int
    applicant_name: str
    submitted_at: datetime
    received_at: datetime | None
    due_at: datetime | None
    returned_at: datetime | None
    withdrawn_at: datetime | None
    documents: list[str]
    decision: DecisionOut | None = None
    lookup_secret: str | None = Field(
        default=None, description="shown once, when the dossier is received; printed on the receipt"
    )


class WithdrawIn(Strict):
    reason: LongText


class ReturnIn(Strict):
    channel: Literal["counter", "post", "electronic"] = "counter"
    note: LongText | None = None


class SupplementIn(Strict):
    """The papers a citizen hands in after an agency asked for a supplement (bổ sung hồ sơ)."""

    documents: list[Code] = Field(
        min_length=1, max_length=100, description="checklist codes handed in now (at least one)"
    )
    note: LongText | None = None


class TimelineEntry(BaseModel):
    at: datetime
    status: str
    note: str | None


class PublicStatus(BaseModel):
    """What a citizen sees with the code and secret: no personal data, no internal notes."""

    code: str
    procedure_name: str
    status: str
    received_at: datetime | None
    due_at: datetime | None
    timeline: list[TimelineEntry]
