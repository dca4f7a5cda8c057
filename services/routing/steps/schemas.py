"""Request models of the officers' actions on a step."""

from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints

from shared import inputs
from shared.inputs import Strict
from shared.text import nfc

# Control characters are refused, last (`shared.inputs`): PostgreSQL cannot store U+0000.
Text = Annotated[
    str,
    AfterValidator(nfc),
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
    inputs.ONE_LINE,
]
LongText = Annotated[
    str,
    AfterValidator(nfc),
    StringConstraints(strip_whitespace=True, min_length=1, max_length=4000),
    inputs.MANY_LINES,
]
Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,40}$")]


class CompleteIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"note": "Đã xác nhận nội dung biến động, chuyển Chi cục Thuế xác định nghĩa vụ tài chính"}
            ]
        }
    )

    note: LongText = Field(description="the result of the agency's part (kết quả xử lý)")


class SupplementItem(Strict):
    code: Code = Field(description="the checklist item's code")
    name: Text
    reason: Text = Field(description="why it is needed or what is wrong with it")


class SupplementIn(Strict):
    items: list[SupplementItem] = Field(min_length=1, max_length=50)
    override_reason: LongText | None = Field(
        default=None, description="a leader's reason for asking this agency's second supplement"
    )


class NoteIn(Strict):
    note: LongText


class OptionalNoteIn(Strict):
    note: LongText | None = None


class ReasonIn(Strict):
    reason: LongText


class ExtensionIn(Strict):
    reason: LongText
    days: int = Field(ge=1, le=60, description="working days asked beyond the current due")
