"""Request and response models of survey forms."""

from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from shared import inputs
from shared.inputs import Strict
from shared.text import nfc

Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
# Control characters are refused, last (`shared.inputs`): PostgreSQL cannot store U+0000.
Label = Annotated[str, AfterValidator(nfc), StringConstraints(min_length=1, max_length=300), inputs.ONE_LINE]


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
