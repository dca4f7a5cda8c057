"""Request and response models of the catalogue."""

from datetime import date, time
from decimal import Decimal
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, Field, StringConstraints, field_validator

from services.intake.schemas import Code, Text, UnitCode
from shared import inputs
from shared.events.catalog import AgencyLevel
from shared.inputs import Strict

T = TypeVar("T")


class AgencyIn(Strict):
    """An agency (cơ quan giải quyết), in force from `effective_from` to `effective_to` (both included)."""

    code: Code
    name: Text
    sector: Text
    unit_code: UnitCode | None = Field(
        default=None, description="the registered receiving unit it belongs to; default: the default unit"
    )
    level: AgencyLevel = Field(
        default="district", description="district only for history (before 2025-07-01)"
    )
    effective_from: inputs.Day | None = Field(
        default=None,
        description="its first day in force; default: in force since before any dossier (1900-01-01), "
        "as agencies registered before dates existed",
    )
    effective_to: inputs.Day | None = Field(default=None, description="its last day in force, if known")
    successor_code: Code | None = Field(
        default=None, description="a registered agency that took over (a merger; needs effective_to)"
    )


class AgencyCloseIn(Strict):
    """Closing an agency: its last day in force and, after a merger, the agency that takes over.
    Procedure versions and dossiers that named it keep it."""

    effective_to: inputs.Day = Field(description="its last day in force")
    successor_code: Code | None = None


class AgencyOut(BaseModel):
    code: str
    name: str
    sector: str
    unit_code: str
    level: str
    effective_from: date
    effective_to: date | None
    successor_code: str | None


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
    supplement_policy: Literal["shift", "restart"] | None = Field(
        default=None,
        description="how a due moves when the dossier resumes after a supplement: `shift` by the pause, "
        "`restart` the count; null (the default): by the rule set of each dossier's receipt day "
        "(docs/rules.md, 'Rule sets (eras)')",
    )
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
    supplement_policy: str | None = Field(
        description="the version's own policy; null: the default of each dossier's rule set"
    )
    fee: int
    fee_note: str | None
    route: list[RouteStep]
    documents: list[DocumentItem]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
