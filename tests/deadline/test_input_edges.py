"""Issue #13 items 5 and 6 at deadline: control characters and dates past any real dossier are a 422
naming the field (path, query, body), never a 500; a forged cursor is `invalid_cursor`."""

from typing import Any

import pytest

from services.deadline.apology.models import apology_letters
from services.deadline.calendar.models import calendar_overrides
from tests.deadline.conftest import Deadline
from tests.edges import assert_refused, forged_cursor, row_counts

NUL = "a\x00b"
LETTER = {
    "reason": "Chậm",
    "apology": "Xin lỗi",
    "new_return_date": "2021-07-01",
    "signed_by_name": "Nguyễn Văn B",
    "signed_by_title": "Giám đốc",
}

# (method, path, role, body, the field named)
PLACES: list[tuple[str, str, str, Any, str]] = [
    ("GET", "/v1/dossiers/a%00b/clock", "auditor", None, "code"),
    ("GET", "/v1/extensions?agency=a%00", "admin", None, "agency"),
    ("GET", "/v1/reminders?cursor=a%00", "admin", None, "cursor"),
    (
        "GET",
        "/v1/calendar/due?start=2021-06-18T08:30:00%2B07:00&days=1&procedure=a%00",
        "admin",
        None,
        "procedure",
    ),
    (
        "POST",
        "/v1/calendar/overrides",
        "admin",
        {"day": "2021-06-21", "working": False, "reason": NUL},
        "reason",
    ),
    ("PUT", "/v1/calendar/overrides/2021-06-21", "admin", {"working": False, "reason": NUL}, "reason"),
    ("POST", "/v1/dossiers/X-1/apologies", "officer", {**LETTER, "reason": NUL}, "reason"),
    ("POST", "/v1/dossiers/X-1/apologies", "officer", {**LETTER, "signed_by_name": NUL}, "signed_by_name"),
    ("POST", "/v1/dossiers/X-1/apologies", "officer", {**LETTER, "apology": "Xin\x00lỗi"}, "apology"),
]
EXTREMES: list[tuple[str, str, str, Any, str]] = [
    ("GET", "/v1/apologies?from=0001-01-01", "admin", None, "from"),
    ("GET", "/v1/apologies?to=9999-12-31", "admin", None, "to"),
    ("GET", "/v1/calendar/due?start=9999-12-31T23:00:00-05:00&days=1", "admin", None, "start"),
    ("GET", "/v1/calendar/due?start=0001-01-01T00:00:00%2B07:00&days=1", "admin", None, "start"),
    ("DELETE", "/v1/calendar/overrides/0001-01-01", "admin", None, "day"),
    ("PUT", "/v1/calendar/overrides/9999-12-31", "admin", {"working": False, "reason": "x"}, "day"),
    (
        "POST",
        "/v1/dossiers/X-1/apologies",
        "officer",
        {**LETTER, "new_return_date": "9999-12-31"},
        "new_return_date",
    ),
]


@pytest.mark.parametrize(("method", "path", "role", "body", "field"), PLACES + EXTREMES)
async def test_a_control_character_or_an_extreme_date_is_422_naming_the_field_and_changes_nothing(
    deadline: Deadline, method: str, path: str, role: Any, body: Any, field: str
) -> None:
    before = await row_counts(deadline.app, calendar_overrides, apology_letters)
    response = await deadline.http.request(method, path, json=body, headers=deadline.auth(role, "VPDK"))
    assert_refused(response, field)
    assert await row_counts(deadline.app, calendar_overrides, apology_letters) == before


@pytest.mark.parametrize(
    "cursor",
    [
        forged_cursor("2021-06-18T08:30:00+07:00", 2**70),
        forged_cursor("9999-12-31T23:59:59-05:00", 1),
        forged_cursor("0001-01-01T00:00:00+07:00", 1),
    ],
)
async def test_a_forged_reminder_cursor_past_bigint_or_datetime_is_invalid_cursor(
    deadline: Deadline, cursor: str
) -> None:
    response = await deadline.http.get(
        "/v1/reminders", params={"cursor": cursor}, headers=deadline.auth("admin")
    )
    assert_refused(response, "cursor", code="invalid_cursor")
