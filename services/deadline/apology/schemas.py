"""Request and response models of the apology letters (form 04) API."""

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from shared import inputs
from shared.inputs import Strict
from shared.text import nfc


def _text(max_length: int) -> StringConstraints:
    # Stripped before the length check: a blank signer or reason is missing, not given.
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


# Control characters are refused, last (`shared.inputs`): PostgreSQL cannot store U+0000, and a
# letter is printed.
Name = Annotated[str, _text(200), AfterValidator(nfc), inputs.ONE_LINE]
Reason = Annotated[str, _text(2000), AfterValidator(nfc), inputs.MANY_LINES]
Letter = Annotated[str, _text(4000), AfterValidator(nfc), inputs.MANY_LINES]


class ApologyIn(Strict):
    """Form 04: why the result is late, the apology, the new return date, and the head who signs."""

    step_id: UUID | None = Field(default=None, description="the late step; none: the whole dossier")
    reason: Reason = Field(description="lý do chậm trễ")
    apology: Letter = Field(description="lời xin lỗi, as printed (line breaks make paragraphs)")
    new_return_date: inputs.Day = Field(description="ngày hẹn trả kết quả mới: after today, Vietnam date")
    signed_by_name: Name = Field(description="the agency head who signs (thủ trưởng cơ quan)")
    signed_by_title: Name = Field(description="the signer's title, e.g. Giám đốc, Chủ tịch")
    agency_name: Name | None = Field(
        default=None,
        description="the issuing agency's name for the heading; default: the lead agency's from the "
        "procedure snapshot, another agency's code",
    )


class ApologyOut(BaseModel):
    id: UUID
    dossier_code: str
    dossier_id: UUID | None
    step_id: UUID | None
    agency_code: str = Field(description="the issuing (responsible) agency")
    agency_name: str | None
    reason: str
    apology: str
    new_return_date: date = Field(description="kept beside the due dates below, never replacing them")
    due_at: datetime | None = Field(description="the due the letter apologises for missing, as at issue")
    original_due_at: datetime | None
    issued_before_due: bool | None = Field(
        description="issued on or before the original due date (Vietnam); null when the due is unknown. "
        "Whether the letter was sent in time is `timely`"
    )
    timely: bool | None = Field(
        default=None,
        description="issued no later than one working day before the due (on or before `timely_until`); "
        "false: late, still recorded; null: the due unknown, or a letter issued before this was recorded",
    )
    timely_until: date | None = Field(
        default=None,
        description="the last day a letter was timely: the working day before the due's (the first letter "
        "of a dossier: its clock's due after pauses; a later one: the missed new return date it follows)",
    )
    signed_by_name: str
    signed_by_title: str
    issued_at: datetime
    issued_by: str
    html_url: str
    pdf_url: str


class ApologyList(BaseModel):
    items: list[ApologyOut]


class LateWithoutApology(BaseModel):
    scope: Literal["dossier", "step"]
    dossier_id: UUID
    code: str
    step_id: UUID | None
    agency_code: str = Field(description="the agency responsible for the clock, which owes the letter")
    state: str
    original_due_at: datetime
    due_at: datetime | None
    days_late: int = Field(description="calendar days past the original due date, Vietnam dates")


class LateWithoutApologyList(BaseModel):
    agency: str | None
    as_of: datetime
    items: list[LateWithoutApology]
