"""Request and response models of ballots (the ballot's shape is fixed by the architecture brief)."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from services.survey.forms.schemas import FormRef
from services.survey.invitations.schemas import DossierCode
from shared import inputs
from shared.inputs import Strict
from shared.text import nfc


def _text_or_none(value: str | None) -> str | None:
    """NFC, trimmed; blank is no text at all."""
    if value is None:
        return None
    return nfc(value) or None


AgencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,40}$")]
# Long texts are limited by MOTCUA_SURVEY_COMMENT_MAX_CHARS in the rules, with their own codes.
FreeText = Annotated[inputs.FreeText | None, AfterValidator(_text_or_none)]
Channel = Literal["portal", "kiosk", "counter"]
AnswerKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_]{1,40}$")]


class BallotIn(Strict):
    """A ballot (phiếu đánh giá). `dossier_code` with `token` from the invitation, or anonymous at a kiosk
    naming only `agency_code`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "dossier_code": "000.00.12.H57-261207-0001",
                    "token": "7KQ2-M9XH-P4TA",
                    "channel": "portal",
                    "answers": {"complexity": "simple", "satisfaction": "very_satisfied"},
                    "comment": "Cán bộ hướng dẫn tận tình, trả kết quả đúng hẹn.",
                }
            ]
        }
    )

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
