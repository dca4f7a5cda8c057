"""Request and response models of feedback and complaints (phản ánh, kiến nghị)."""

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from services.survey.feedback.rules import Kind, Source, State
from shared import inputs
from shared.inputs import Strict
from shared.text import nfc

TOPIC_MAX = 200
CONTENT_MAX = 4000
CONTACT_MAX = 200

# Control characters are refused, last (`shared.inputs`): PostgreSQL cannot store U+0000.
Topic = Annotated[
    str,
    AfterValidator(nfc),
    StringConstraints(strip_whitespace=True, min_length=1, max_length=TOPIC_MAX),
    inputs.ONE_LINE,
]
LongText = Annotated[
    str,
    AfterValidator(nfc),
    StringConstraints(strip_whitespace=True, min_length=1, max_length=CONTENT_MAX),
    inputs.MANY_LINES,
]
Contact = Annotated[
    str,
    AfterValidator(nfc),
    StringConstraints(strip_whitespace=True, min_length=1, max_length=CONTACT_MAX),
    inputs.ONE_LINE,
]
AgencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,40}$")]
DossierCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_.-]{1,60}$")]


class FeedbackIn(Strict):
    kind: Kind = Field(description="feedback (phản ánh), petition (kiến nghị) or complaint (khiếu nại)")
    topic: Topic = Field(description="what it is about, in a few words")
    content: LongText = Field(description=f"the citizen's text, at most {CONTENT_MAX} characters")
    agency_code: AgencyCode | None = Field(
        default=None, description="the agency it is addressed to; else the dossier's lead agency"
    )
    dossier_code: DossierCode | None = Field(default=None, description="the dossier it is about, if any")
    contact: Contact | None = Field(
        default=None,
        description="how to reach the citizen (phone, e-mail, address): personal data, shown only to "
        "the responsible agency and administrators, never in events or logs",
    )


class AnswerIn(Strict):
    answer: LongText = Field(description="the agency's answer (nội dung trả lời)")


class ForwardIn(Strict):
    agency_code: AgencyCode = Field(description="the agency that should answer instead")
    reason: LongText = Field(description="why it is not this agency's to answer")


class FeedbackReceipt(BaseModel):
    """What the citizen is told on receipt (giấy tiếp nhận): the reference, who answers and by when."""

    id: UUID = Field(description="the reference of the item")
    kind: Kind
    agency_code: str = Field(description="the agency that must answer")
    received_at: datetime
    answer_due_at: datetime = Field(description="the answer is due on this date at the latest")


class ForwardOut(BaseModel):
    from_agency_code: str
    to_agency_code: str
    reason: str
    at: datetime
    by: str


class FeedbackSummary(BaseModel):
    """An item as the agency's list shows it (without the citizen's contact)."""

    id: UUID
    kind: Kind
    source: Source
    topic: str
    content: str
    agency_code: str = Field(description="the agency responsible now")
    dossier_code: str | None
    received_at: datetime
    answer_due_at: datetime = Field(description="set at receipt; a forward does not move it")
    state: State
    overdue: bool = Field(description="open and its due date (Vietnam) has passed")
    answered_at: datetime | None
    on_time: bool | None = Field(description="answered on or before the due date (Vietnam); null if open")


class FeedbackOut(FeedbackSummary):
    received_agency_code: str = Field(description="the agency it was first routed to")
    contact: str | None = Field(
        description="only for the responsible agency's officers and leaders, and administrators"
    )
    answer: str | None
    answered_by: str | None
    forwards: list[ForwardOut]


class FeedbackPage(BaseModel):
    items: list[FeedbackSummary]
    limit: int
    next_cursor: str | None = Field(description="pass back as `cursor` for the next page; null at the end")


class SummaryRow(BaseModel):
    received: int
    answered_on_time: int
    answered_late: int
    open_within: int = Field(description="not answered on `as_of`, due date on or after it")
    open_overdue: int = Field(description="not answered on `as_of`, due date before it")


class SummaryAgencyRow(SummaryRow):
    agency_code: str


class SummaryOut(BaseModel):
    from_: date = Field(alias="from")
    to: date
    as_of: date = Field(description="the day open items are judged on: `to`, or today if earlier")
    rows: list[SummaryAgencyRow]
    totals: SummaryRow

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)
