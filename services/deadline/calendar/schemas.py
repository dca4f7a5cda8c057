"""Request and response models of the working calendar's API: due times explained, and overrides."""

import unicodedata
from datetime import date, datetime, time
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, StrictBool

from shared.inputs import ISO_DAY, FreeText, Strict, within

FIRST_DAY = date(1990, 1, 1)
# The holidays package knows Vietnam's lunar holidays up to about 2100; beyond, answers would be wrong.
LAST_DAY = date(2099, 12, 31)


def _clean(value: str) -> str:
    return unicodedata.normalize("NFC", value).strip()


# Control characters are refused before normalising (`shared.inputs`): PostgreSQL cannot store U+0000.
Reason = Annotated[FreeText, AfterValidator(_clean), Field(min_length=1, max_length=500)]
# The calendar's own range, narrower than every other date's (`shared.inputs.Day`).
Day = Annotated[date, ISO_DAY, within(FIRST_DAY, LAST_DAY)]


class OverrideIn(Strict):
    """A day off (ngày nghỉ) or a working day (ngày làm bù) decided by the centre."""

    day: Day
    working: StrictBool  # not 0 or "no": a day's kind is said, not guessed
    reason: Reason


class OverrideChange(Strict):
    working: StrictBool
    reason: Reason


class OverrideOut(BaseModel):
    day: date
    working: bool
    reason: str
    set_by: str
    set_at: datetime


class ProcedureRef(BaseModel):
    code: str
    version: int
    name: str


class SkippedOut(BaseModel):
    day: date
    cause: Literal["after_closing", "after_cutoff", "weekend", "holiday", "swap", "override"]
    reason: str = Field(description="why, in Vietnamese: the holiday's name, the admin's reason, ...")


class DueOut(BaseModel):
    start: datetime
    days: str = Field(description="the days counted, as a decimal string")
    kind: Literal["working", "calendar"]
    same_day: bool
    cutoff: time | None = Field(description="the cut-off applied (same-day procedures only)")
    procedure: ProcedureRef | None
    clock_start: datetime = Field(description="when counting started (thời điểm bắt đầu tính)")
    due: datetime = Field(description="the due time (hạn giải quyết), Vietnam time")
    skipped: list[SkippedOut] = Field(description="every day that did not count, in order")
    provisional_years: list[int] = Field(
        description="the years from the receipt to the due with no official decision in the calendar's "
        "table (provisional: their days off are the holidays package's guess and may change), ascending; "
        "empty when every year crossed is official"
    )
    notes: list[str] = Field(
        description="the explanation in sentences, in Vietnamese: one saying which years are provisional"
    )
