"""Request and response models of the survey API (the ballot's shape is fixed by the architecture brief)."""

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from shared import inputs
from shared.text import nfc


def _text_or_none(value: str | None) -> str | None:
    """NFC, trimmed; blank is no text at all."""
    if value is None:
        return None
    return nfc(value) or None


Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
AgencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,40}$")]
# Control characters are refused, last (`shared.inputs`): PostgreSQL cannot store U+0000.
Label = Annotated[str, AfterValidator(nfc), StringConstraints(min_length=1, max_length=300), inputs.ONE_LINE]
# Long texts are limited by MOTCUA_SURVEY_COMMENT_MAX_CHARS in the rules, with their own codes.
FreeText = Annotated[inputs.FreeText | None, AfterValidator(_text_or_none)]
Channel = Literal["portal", "kiosk", "counter"]
AnswerKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_]{1,40}$")]
# `<receiving unit>-<yyMMdd>-<NNNN>`, e.g. 000.00.12.H57-210618-0001
DOSSIER_CODE_PATTERN = r"^[A-Za-z0-9._-]{1,60}$"
DossierCode = Annotated[str, StringConstraints(pattern=DOSSIER_CODE_PATTERN)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OptionIn(Strict):
    code: Code
    label: Label
    requires_reason: bool = Field(
        default=False, description="the citizen must say why (e.g. 'Không hài lòng'); opens a feedback item"
    )


class QuestionIn(Strict):
    code: Code
    label: Label
    required: bool = True
    options: list[OptionIn] = Field(max_length=20)


class FormIn(Strict):
    title: Label
    effective_from: inputs.Day | None = Field(default=None, description="today (Vietnam) when absent")
    questions: list[QuestionIn] = Field(max_length=30)


class FormRef(BaseModel):
    code: str
    version: int


class FormOut(FormRef):
    effective_from: date
    title: str
    questions: list[QuestionIn]


class BallotIn(Strict):
    """A ballot (phiếu đánh giá). `dossier_code` with `token` from the invitation, or anonymous at a kiosk
    naming only `agency_code`."""

    agency_code: AgencyCode | None = Field(
        default=None, description="the agency rated; for a dossier ballot, its lead agency (may be omitted)"
    )
    dossier_code: DossierCode | None = None
    channel: Channel
    answers: dict[AnswerKey, AnswerKey] = Field(
        max_length=30, description="{question code: option code}, e.g. {'satisfaction': 'satisfied'}"
    )
    comment: FreeText = None
    reason: FreeText = Field(default=None, description="why not satisfied: required for 'unsatisfied'")
    token: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9 -]{1,40}$")] | None = Field(
        default=None, description="the invitation's token (dossier ballots)"
    )


class BallotOut(BaseModel):
    id: UUID
    form: FormRef
    agency_code: str
    dossier_code: str | None
    channel: Channel
    submitted_at: datetime
    feedback_id: UUID | None = Field(description="the feedback item an unsatisfied ballot opened")


class InvitationOut(BaseModel):
    dossier_code: str
    token: str = Field(description="printed or shown to the citizen; single use")
    agency_code: str
    returned_at: datetime
    expires_at: datetime
    used: bool
    used_at: datetime | None
