"""The types every API input is declared with: text PostgreSQL can store, and dates, times and numbers
inside what the database and Python's datetime can compute with.

Without them a value the database refuses reaches it and the request is a 500: PostgreSQL text cannot
hold U+0000 ("invalid byte sequence for encoding UTF8: 0x00"), a lone surrogate (JSON `"\\ud800"`)
cannot be encoded to UTF-8 at all, a date near year 1 or 9999 overflows once an offset or a period is
applied to it, and an integer past bigint does not fit the column it is compared with. Here each is
a 422 `validation_error` naming the field, before any work is done. The same types serve request
bodies, query, path and header parameters (FastAPI's `Query()`/`Path()`/`Header()` go beside them in
`Annotated`), and the NDJSON import's lines, where a refusal is that line's error only.
"""

import re
from datetime import date, datetime, time
from typing import Annotated, Final, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

# C0 controls, DEL, C1 controls and the surrogate block. Control characters are invisible on screen and
# in printed forms, so they are refused everywhere rather than stored and later printed blank.
_CONTROLS: Final = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# Free text (notes, reasons, letters, comments) keeps its tabs and line breaks: they lay out paragraphs.
_CONTROLS_BUT_LAYOUT: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _refuse(pattern: re.Pattern[str], allowed: str) -> AfterValidator:
    def check(value: str) -> str:
        found = pattern.search(value)
        if found is not None:
            # The position and code point, never the text: it may be personal data.
            raise PydanticCustomError(
                "control_character",
                "Text may not contain control characters ({allowed}); found U+{code} at {position}",
                {"allowed": allowed, "code": f"{ord(found.group()):04X}", "position": found.start()},
            )
        return value

    return AfterValidator(check)


# The checks, to end an `Annotated` of a schema's own constraints: last, so that constraints such as
# `strip_whitespace` keep their meaning (one placed after a validator no longer strips before
# the length checks).
ONE_LINE: Final = _refuse(_CONTROLS, "none on one line")
# Tab, line feed and carriage return are allowed, nothing else below U+0020.
MANY_LINES: Final = _refuse(_CONTROLS_BUT_LAYOUT, "only tab and line breaks")

# One line: codes, keys, names, filters, cursors, header values.
Text = Annotated[str, ONE_LINE]
# Many lines: notes, reasons, letters, comments.
FreeText = Annotated[str, MANY_LINES]

# Dates and times: wide enough for any real dossier (old archives, far appointments), narrow enough
# that adding a period, an offset or a year of working days never leaves datetime's or PostgreSQL's range.
FIRST_DAY: Final = date(1900, 1, 1)
LAST_DAY: Final = date(2200, 12, 31)


_Dated = TypeVar("_Dated", date, datetime)


def within(first: date, last: date) -> AfterValidator:
    """A date's or an instant's day from `first` to `last`, both included. A validator, not
    `Field(ge=..., le=...)`: behind the ISO check those bounds reach the OpenAPI document as `ge` and
    `le` keys, which no JSON Schema knows (Redocly refuses them)."""

    def check(value: _Dated) -> _Dated:
        if not first <= (value.date() if isinstance(value, datetime) else value) <= last:
            raise PydanticCustomError(
                f"{'datetime' if isinstance(value, datetime) else 'date'}_out_of_range",
                "Input should be between {first} and {last}",
                {"first": first.isoformat(), "last": last.isoformat()},
            )
        return value

    return AfterValidator(check)


_WITHIN_YEARS: Final = within(FIRST_DAY, LAST_DAY)


_ISO_DAY: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


def _written_as_iso(kind: type[date]) -> BeforeValidator:
    """Pydantic also reads "0" or "1735689600" as seconds since 1970: a date or time is written out.
    Read here (the strict models, the NDJSON import's, take only what this returns); what Python
    cannot read is left to pydantic, which says what is wrong with it."""

    def read(value: object) -> object:
        if not isinstance(value, str):
            return value
        if not _ISO_DAY.match(value):
            raise PydanticCustomError("iso_date", "Input should be written YYYY-MM-DD… (ISO 8601)")
        try:
            return kind.fromisoformat(value)
        except ValueError:
            return value

    return BeforeValidator(read)


ISO_DAY: Final = _written_as_iso(date)
ISO_TIME: Final = _written_as_iso(datetime)

Day = Annotated[date, ISO_DAY, _WITHIN_YEARS]
# An instant with its offset (`+07:00` or `Z`): a naive one would be read in whichever zone the reader
# assumed.
Instant = Annotated[AwareDatetime, ISO_TIME, _WITHIN_YEARS]
# A bounded time whose missing offset the route itself refuses, with a code of its own.
Moment = Annotated[datetime, ISO_TIME, _WITHIN_YEARS]

# Integers compared with or stored in bigint columns, and ids of bigint keys.
BIGINT_MAX: Final = 2**63 - 1
BigInt = Annotated[int, Field(ge=0, le=BIGINT_MAX)]
RowId = Annotated[int, Field(ge=1, le=BIGINT_MAX)]


def within_bounds(at: datetime) -> bool:
    """Whether a time decoded from elsewhere (a cursor) is inside the range inputs are held to."""
    return FIRST_DAY <= at.date() <= LAST_DAY


# A time of day on the wall clocks of Vietnam (UTC+7, no daylight saving), as "15:00:00". JSON Schema's
# `time` format is RFC 3339's, which requires an offset: a validating client refused the services' own
# answers.
LocalTime = Annotated[
    time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?$",
            "description": "a time of day in Vietnam (UTC+7), HH:MM[:SS]",
            "examples": ["15:00:00"],
        }
    ),
]


class Strict(BaseModel):
    """The base of request bodies: a field the body does not have is refused (422 `validation_error`),
    so a misspelt optional field is reported, never silently dropped."""

    model_config = ConfigDict(extra="forbid")
