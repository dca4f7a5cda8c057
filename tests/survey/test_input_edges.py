"""Issue #13 items 5 and 6 at survey: control characters and dates past any real period are a 422
naming the field (path, query, header, body), never a 500; a forged cursor is `invalid_cursor`."""

import uuid
from typing import Any

import pytest

from services.survey.ballots.models import ballots
from services.survey.feedback.models import feedback_items
from services.survey.forms.models import forms
from tests.edges import assert_refused, forged_cursor, row_counts
from tests.survey.conftest import Survey

ITEM = str(uuid.uuid4())
NUL = "a\x00b"
FEEDBACK = {"kind": "feedback", "topic": "Thái độ", "content": "Nội dung", "agency_code": "VPDK"}

# (method, path, role or None, body, the field named)
PLACES: list[tuple[str, str, str | None, Any, str]] = [
    ("GET", "/v1/feedback?agency=a%00", "admin", None, "agency"),
    ("GET", "/v1/feedback?cursor=a%00", "admin", None, "cursor"),
    ("GET", "/v1/feedback/summary?from=2021-01-01&to=2021-06-30&agency=a%00", "admin", None, "agency"),
    ("GET", "/v1/feedback/a%00b", "admin", None, "item_id"),
    ("POST", "/v1/feedback/a%00b/answer", "officer", {"answer": "x"}, "item_id"),
    ("POST", "/v1/feedback", None, {**FEEDBACK, "topic": NUL}, "topic"),
    ("POST", "/v1/feedback", None, {**FEEDBACK, "contact": NUL}, "contact"),
    ("POST", "/v1/feedback", None, {**FEEDBACK, "content": NUL}, "content"),
    ("POST", f"/v1/feedback/{ITEM}/answer", "officer", {"answer": NUL}, "answer"),
    ("POST", f"/v1/feedback/{ITEM}/forward", "admin", {"agency_code": "THUE", "reason": NUL}, "reason"),
    ("POST", "/v1/forms", "admin", {"title": NUL, "questions": []}, "title"),
    (
        "POST",
        "/v1/forms",
        "admin",
        {"title": "Phiếu", "effective_from": "9999-12-31", "questions": []},
        "effective_from",
    ),
    ("GET", "/v1/feedback/summary?from=0001-01-01&to=2021-06-30", "admin", None, "from"),
    ("GET", "/v1/feedback/summary?from=2021-01-01&to=9999-12-31", "admin", None, "to"),
]


@pytest.mark.parametrize(("method", "path", "role", "body", "field"), PLACES)
async def test_a_control_character_or_an_extreme_date_is_422_naming_the_field_and_changes_nothing(
    survey: Survey, method: str, path: str, role: Any, body: Any, field: str
) -> None:
    headers = survey.auth(role, agency="VPDK") if role else {}
    before = await row_counts(survey.app, feedback_items, forms, ballots)
    response = await survey.http.request(method, path, json=body, headers=headers)
    assert_refused(response, field)
    assert await row_counts(survey.app, feedback_items, forms, ballots) == before


async def test_a_kiosk_device_id_with_a_control_character_is_422(survey: Survey) -> None:
    body = {"agency_code": "VPDK", "channel": "kiosk", "answers": {"satisfaction": "satisfied"}}
    response = await survey.http.post("/v1/ballots", json=body, headers={"X-Device-Id": "kiosk\x01"})
    assert_refused(response, "x-device-id")


@pytest.mark.parametrize("due", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+07:00"])
async def test_a_forged_feedback_cursor_with_an_extreme_time_is_invalid_cursor(
    survey: Survey, due: str
) -> None:
    cursor = forged_cursor(due, str(uuid.uuid4()))
    response = await survey.http.get("/v1/feedback", params={"cursor": cursor}, headers=survey.auth("admin"))
    assert_refused(response, "cursor", code="invalid_cursor")
