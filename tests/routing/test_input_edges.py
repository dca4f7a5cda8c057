"""Issue #13 items 5 and 6 at routing: control characters and times past any real dossier are a 422
naming the field (path, query, body), never a 500; a forged cursor is `invalid_cursor`."""

import uuid
from typing import Any

import pytest

from services.routing.plans.models import steps
from services.routing.transfers.models import transfer_batches
from tests.edges import assert_refused, forged_cursor, row_counts
from tests.routing.conftest import Routing

STEP = str(uuid.uuid4())
NUL = "a\x00b"

# (method, path, role, body, the field named)
PLACES: list[tuple[str, str, str, Any, str]] = [
    ("GET", "/v1/queue?procedure=a%00", "officer", None, "procedure"),
    ("GET", "/v1/queue?cursor=a%00", "officer", None, "cursor"),
    ("GET", "/v1/agencies/VP%00DK/load", "leader", None, "code"),
    ("POST", "/v1/steps/a%00b/accept", "officer", None, "step_id"),
    ("POST", "/v1/steps/a%00b/reject", "officer", {"reason": "x"}, "step_id"),
    ("GET", "/v1/dossiers/a%00b/plan", "auditor", None, "code"),
    ("GET", "/v1/dossiers/a%00b/control-slip", "auditor", None, "code"),
    ("GET", "/v1/dossiers/a%00b/control-slip.html", "auditor", None, "code"),
    ("GET", "/v1/transfers?agency=a%00", "auditor", None, "agency"),
    ("POST", f"/v1/steps/{STEP}/complete", "officer", {"note": NUL}, "note"),
    ("POST", f"/v1/steps/{STEP}/reject", "officer", {"reason": NUL}, "reason"),
    (
        "POST",
        f"/v1/steps/{STEP}/supplement",
        "officer",
        {"items": [{"code": "A", "name": NUL, "reason": "x"}]},
        "name",
    ),
    ("POST", f"/v1/transfers/{STEP}/sign", "officer", {"signed_by_name": NUL}, "signed_by_name"),
]


@pytest.mark.parametrize(("method", "path", "role", "body", "field"), PLACES)
async def test_a_control_character_anywhere_is_422_naming_the_field_and_changes_nothing(
    routing: Routing, method: str, path: str, role: Any, body: Any, field: str
) -> None:
    before = await row_counts(routing.app, steps, transfer_batches)
    response = await routing.http.request(method, path, json=body, headers=routing.auth(role, "VPDK"))
    assert_refused(response, field)
    assert await row_counts(routing.app, steps, transfer_batches) == before


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("due_before=9999-12-31T23:59:59-05:00", "due_before"),
        ("due_before=0001-01-01T00:00:00%2B07:00", "due_before"),
    ],
)
async def test_a_due_before_outside_1900_to_2200_is_422(routing: Routing, query: str, field: str) -> None:
    response = await routing.http.get(f"/v1/queue?{query}", headers=routing.auth("officer", "VPDK"))
    assert_refused(response, field)


async def test_a_transfer_day_outside_1900_to_2200_is_422(routing: Routing) -> None:
    response = await routing.http.get("/v1/transfers?date=0001-01-01", headers=routing.auth("auditor"))
    assert_refused(response, "date")


@pytest.mark.parametrize("due", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+07:00"])
async def test_a_forged_queue_cursor_with_an_extreme_time_is_invalid_cursor(
    routing: Routing, due: str
) -> None:
    cursor = forged_cursor(due, str(uuid.uuid4()))
    response = await routing.http.get(
        "/v1/queue", params={"cursor": cursor}, headers=routing.auth("officer", "VPDK")
    )
    assert_refused(response, "cursor", code="invalid_cursor")
