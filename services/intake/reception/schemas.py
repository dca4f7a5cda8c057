"""Request and response models of reception: the dossier handed in, checked, withdrawn, supplemented,
returned, and what the counter and the citizen's look-up see of it."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from services.intake.catalogue.schemas import DocumentItem
from services.intake.schemas import ApplicantIn, Channel, Code, LongText, UnitCode
from shared import inputs
from shared.inputs import Strict

PortalId = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), inputs.ONE_LINE
]


class DossierIn(Strict):
    """A dossier handed in at the counter, by post, or submitted online by the portal."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "procedure_code": "DD-01",
                    "channel": "direct",
                    "applicant": {
                        "name": "Nguyễn Thị Hồng Nhung",
                        "id_number": "046095001234",
                        "phone": "0912345678",
                        "address": "12 Lê Lợi, phường Thuận Hóa, thành phố Huế",
                    },
                    "documents": ["DON_DANG_KY", "HOP_DONG", "GCN", "TO_KHAI_LPTB", "TO_KHAI_TNCN"],
                    "note": "Bản chính giấy chứng nhận đã đối chiếu tại quầy",
                }
            ]
        }
    )

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
    unit_code: UnitCode | None = Field(
        default=None,
        description="the receiving unit: the portal's choice (default: the deployment's default unit); "
        "reception receives at its token's `unit`, and may only repeat it here",
    )
    return_unit_code: UnitCode | None = Field(
        default=None,
        description="the open unit where the citizen takes the result (default: the receiving unit)",
    )

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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "0b8f5a52-6f0e-4d7c-9a51-3f2d8c1e7a10",
                    "code": "000.00.12.H57-261207-0001",
                    "portal_id": None,
                    "status": "received",
                    "procedure_code": "DD-01",
                    "procedure_version": 1,
                    "procedure_name": "Đăng ký biến động quyền sử dụng đất, tài sản gắn liền với đất",
                    "channel": "direct",
                    "service_level": 3,
                    "unit_code": "000.00.12.H57",
                    "return_unit_code": "000.00.12.H57",
                    "received_across_boundary": False,
                    "applicant_name": "Nguyễn Thị Hồng Nhung",
                    "submitted_at": "2026-12-07T02:15:04.120000Z",
                    "received_at": "2026-12-07T02:15:04.120000Z",
                    "rule_set": "nd118-2025",
                    "due_at": "2026-12-21T02:15:04.120000Z",
                    "appointment_at": "2026-12-21T02:15:04.120000Z",
                    "returned_at": None,
                    "withdrawn_at": None,
                    "documents": ["DON_DANG_KY", "GCN", "HOP_DONG", "TO_KHAI_LPTB", "TO_KHAI_TNCN"],
                    "decision": None,
                    "lookup_secret": "K7QM2XHP",
                }
            ]
        }
    )

    id: UUID
    code: str | None
    portal_id: str | None
    status: str
    procedure_code: str
    procedure_version: int
    procedure_name: str
    channel: str
    service_level: int
    unit_code: str = Field(description="the receiving unit (đơn vị tiếp nhận)")
    return_unit_code: str = Field(description="the unit where the result is handed over")
    received_across_boundary: bool = Field(
        description="received at a unit other than the procedure's lead agency's "
        "(không phụ thuộc địa giới hành chính)"
    )
    applicant_name: str
    submitted_at: datetime
    received_at: datetime | None
    rule_set: str | None = Field(
        description="the rule set the dossier is judged by, that of its receipt day (forms, supplement "
        "policy default); null until it is received"
    )
    due_at: datetime | None = Field(
        description="the appointment of the receipt (hẹn trả kết quả), never moved"
    )
    appointment_at: datetime | None = Field(
        description="the citizen's appointment now: `due_at` moved by legitimate pauses (a supplement, a "
        "financial obligation) under the procedure's policy; equal to `due_at` until a pause moves it "
        "(then `GET /v1/dossiers/{key}/appointment` prints the new one); null until received"
    )
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

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "000.00.12.H57-261207-0001",
                    "procedure_name": "Đăng ký biến động quyền sử dụng đất, tài sản gắn liền với đất",
                    "status": "processing",
                    "received_at": "2026-12-07T02:15:04.120000Z",
                    "due_at": "2026-12-21T02:15:04.120000Z",
                    "appointment_at": "2026-12-21T02:15:04.120000Z",
                    "timeline": [
                        {
                            "at": "2026-12-07T02:15:04.120000Z",
                            "status": "submitted",
                            "note": "Hồ sơ đã được nộp",
                        },
                        {
                            "at": "2026-12-07T02:15:04.120000Z",
                            "status": "received",
                            "note": "Đã tiếp nhận, hẹn trả kết quả 09:15 21/12/2026",
                        },
                        {
                            "at": "2026-12-07T03:40:00Z",
                            "status": "processing",
                            "note": "Văn phòng đăng ký đất đai đang giải quyết",
                        },
                    ],
                }
            ]
        }
    )

    code: str
    procedure_name: str
    status: str
    received_at: datetime | None
    due_at: datetime | None = Field(description="the appointment printed on the receipt")
    appointment_at: datetime | None = Field(
        description="the appointment now: `due_at` moved by a supplement or a financial obligation, as "
        "the timeline says (`appointment_changed`); equal to `due_at` until one moves it"
    )
    timeline: list[TimelineEntry]
