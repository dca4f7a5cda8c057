"""The calendar API: due times explained, procedures' ways of counting, admin overrides and their events."""

from datetime import datetime
from typing import Any

import httpx
import pytest

from shared.messaging.envelope import CloudEvent, event_type
from tests.deadline.conftest import Deadline, agency, procedure_code, procedure_snapshot


async def _due(deadline: Deadline, role: str = "officer", **params: Any) -> httpx.Response:
    return await deadline.http.get(
        "/v1/calendar/due",
        params=params,
        headers=deadline.auth(role, "VPDK"),  # type: ignore[arg-type]
    )


async def _due_ok(deadline: Deadline, **params: Any) -> dict[str, Any]:
    response = await _due(deadline, **params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _local(value: str) -> str:
    return datetime.fromisoformat(value).isoformat()


async def test_a_due_across_the_2021_tet_break_lists_every_day_off_and_why(deadline: Deadline) -> None:
    body = await _due_ok(deadline, start="2021-02-09T17:30:00+07:00", days=3)
    assert _local(body["clock_start"]) == "2021-02-17T07:30:00+07:00", (
        "after closing: the next working morning"
    )
    assert _local(body["due"]) == "2021-02-19T17:00:00+07:00"
    assert (body["days"], body["kind"], body["same_day"], body["procedure"]) == ("3", "working", False, None)
    skipped = [(s["day"], s["cause"]) for s in body["skipped"]]
    assert skipped[0] == ("2021-02-09", "after_closing")
    assert [day for day, _ in skipped[1:]] == [f"2021-02-{n}" for n in range(10, 17)]
    assert {cause for _, cause in skipped[1:]} == {"holiday"}
    assert body["skipped"][3]["reason"] == "Tết Nguyên Đán"


async def test_half_a_day_counts_to_the_minute_and_a_lunch_receipt_starts_in_the_afternoon(
    deadline: Deadline,
) -> None:
    body = await _due_ok(deadline, start="2025-03-03T12:00:00+07:00", days="0.5")
    assert _local(body["clock_start"]) == "2025-03-03T13:00:00+07:00"
    assert _local(body["due"]) == "2025-03-03T17:00:00+07:00"
    assert body["skipped"] == []


async def _publish(deadline: Deadline, **changes: Any) -> str:
    code = changes.pop("code", procedure_code())
    snapshot = procedure_snapshot(code, agency("VPDK"), **changes)
    event = CloudEvent(
        source="/motcua/intake",
        type=event_type("catalog.procedure.published"),
        time=datetime.now().astimezone(),
        data=snapshot.data(),
    )
    await deadline.deliver(event)
    return str(code)


async def test_a_same_day_procedure_received_after_its_cutoff_is_due_the_next_working_day(
    deadline: Deadline,
) -> None:
    code = await _publish(deadline, processing_days="1", same_day=True, cutoff="16:00")
    in_time = await _due_ok(deadline, start="2021-06-18T15:45:00+07:00", procedure=code)
    assert _local(in_time["due"]) == "2021-06-18T17:00:00+07:00"
    late = await _due_ok(deadline, start="2021-06-18T16:30:00+07:00", procedure=code)
    assert _local(late["due"]) == "2021-06-21T17:00:00+07:00"
    assert (late["same_day"], late["cutoff"], late["days"]) == (True, "16:00:00", "1")
    assert [(s["day"], s["cause"]) for s in late["skipped"]] == [
        ("2021-06-18", "after_cutoff"),
        ("2021-06-19", "weekend"),
        ("2021-06-20", "weekend"),
    ]
    assert "16:00" in late["skipped"][0]["reason"]
    assert late["procedure"] == {"code": code, "version": 1, "name": "Đăng ký biến động đất đai"}


async def test_a_procedure_counts_in_its_own_days_by_the_version_in_force_on_the_start_date(
    deadline: Deadline,
) -> None:
    code = await _publish(deadline, processing_days="5", day_kind="calendar")
    await _publish(deadline, code=code, version=2, effective_from="2022-01-01", processing_days="2")
    # Monday + 5 calendar days is a Saturday: due at the end of the next working day.
    calendar_days = await _due_ok(deadline, start="2021-06-21T09:00:00+07:00", procedure=code)
    assert (calendar_days["kind"], calendar_days["days"]) == ("calendar", "5")
    assert _local(calendar_days["due"]) == "2021-06-28T17:00:00+07:00"
    newer = await _due_ok(deadline, start="2022-06-20T09:00:00+07:00", procedure=code)
    assert (newer["procedure"]["version"], newer["days"]) == (2, "2")
    explicit = await _due_ok(deadline, start="2021-06-21T09:00:00+07:00", procedure=code, days=1)
    assert _local(explicit["due"]) == "2021-06-22T09:00:00+07:00"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"start": "2021-06-21T09:00:00", "days": 1}, "validation_error"),  # naive: which zone?
        ({"start": "2021-06-21T09:00:00+07:00", "days": -1}, "validation_error"),
        ({"start": "2021-06-21T09:00:00+07:00", "days": "0.001"}, "days_not_whole_minutes"),
        ({"start": "2021-06-21T09:00:00+07:00", "days": "abc"}, "validation_error"),
        ({"start": "2021-06-21T09:00:00+07:00", "days": 5000}, "validation_error"),
        ({"start": "2021-06-21T09:00:00+07:00"}, "days_required"),
        ({"start": "2150-06-21T09:00:00+07:00", "days": 1}, "start_out_of_range"),
        ({"days": 1}, "validation_error"),
    ],
)
async def test_bad_input_to_the_due_is_refused_as_problem_json(
    deadline: Deadline, params: dict[str, Any], code: str
) -> None:
    response = await _due(deadline, **params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code


async def test_an_unknown_procedure_is_a_404_and_no_token_a_401(deadline: Deadline) -> None:
    response = await _due(deadline, start="2021-06-21T09:00:00+07:00", procedure="NO-SUCH-PROCEDURE")
    assert (response.status_code, response.json()["code"]) == (404, "unknown_procedure")
    anonymous = await deadline.http.get("/v1/calendar/due", params={"start": "2021-06-21T09:00:00+07:00"})
    assert anonymous.status_code == 401


async def _overrides(deadline: Deadline, year: int) -> list[dict[str, Any]]:
    response = await deadline.http.get(
        "/v1/calendar/overrides", params={"year": year}, headers=deadline.auth("reception")
    )
    assert response.status_code == 200, response.text
    body: list[dict[str, Any]] = response.json()
    return body


async def test_an_admin_override_changes_dues_at_once_and_is_announced_on_the_catalog_stream(
    deadline: Deadline,
) -> None:
    admin = deadline.auth("admin", sub="admin-calendar")
    start = {"start": "2033-03-14T09:00:00+07:00", "days": 2}
    assert _local((await _due_ok(deadline, **start))["due"]) == "2033-03-16T09:00:00+07:00"

    day_off = {"day": "2033-03-15", "working": False, "reason": "Nghỉ lễ hội địa phương"}
    created = await deadline.http.post("/v1/calendar/overrides", json=day_off, headers=admin)
    assert created.status_code == 201, created.text
    assert (created.json()["set_by"], created.json()["reason"]) == ("admin-calendar", day_off["reason"])
    moved = await _due_ok(deadline, **start)
    assert _local(moved["due"]) == "2033-03-17T09:00:00+07:00"
    assert [(s["day"], s["cause"], s["reason"]) for s in moved["skipped"]] == [
        ("2033-03-15", "override", "Nghỉ lễ hội địa phương")
    ]

    again = await deadline.http.post("/v1/calendar/overrides", json=day_off, headers=admin)
    assert again.status_code == 200, "the same override again is a retry: nothing changes"
    conflicting = await deadline.http.post(
        "/v1/calendar/overrides", json={**day_off, "reason": "Khác"}, headers=admin
    )
    assert (conflicting.status_code, conflicting.json()["code"]) == (409, "override_exists")

    replaced = await deadline.http.put(
        "/v1/calendar/overrides/2033-03-15",
        json={"working": True, "reason": "Làm việc bình thường"},
        headers=admin,
    )
    assert replaced.status_code == 200, replaced.text
    assert [o["working"] for o in await _overrides(deadline, 2033)] == [True]
    saturday = await deadline.http.put(
        "/v1/calendar/overrides/2033-03-19", json={"working": True, "reason": "Làm bù"}, headers=admin
    )
    assert saturday.status_code == 201
    assert [o["day"] for o in await _overrides(deadline, 2033)] == ["2033-03-15", "2033-03-19"]

    for day in ("2033-03-15", "2033-03-19"):
        removed = await deadline.http.delete(f"/v1/calendar/overrides/{day}", headers=admin)
        assert removed.status_code == 204
    again_removed = await deadline.http.delete("/v1/calendar/overrides/2033-03-15", headers=admin)
    assert (again_removed.status_code, again_removed.json()["code"]) == (404, "override_not_found")
    assert await _overrides(deadline, 2033) == []
    assert _local((await _due_ok(deadline, **start))["due"]) == "2033-03-16T09:00:00+07:00"

    announced = [
        e
        for e in await deadline.outbox(topic=None)
        if e["topic"].startswith("catalog.calendar.") and e["data"]["day"].startswith("2033-03-")
    ]
    assert [(e["topic"], e["data"]["day"], e["data"].get("working")) for e in announced] == [
        ("catalog.calendar.override_set", "2033-03-15", False),
        ("catalog.calendar.override_set", "2033-03-15", True),
        ("catalog.calendar.override_set", "2033-03-19", True),
        ("catalog.calendar.override_removed", "2033-03-15", None),
        ("catalog.calendar.override_removed", "2033-03-19", None),
    ]
    assert announced[0]["type"] == "vn.motcua.catalog.calendar.override_set.v1"
    assert announced[0]["data"]["reason"] == "Nghỉ lễ hội địa phương"
    assert "set_at" in announced[0]["data"]
    assert "removed_at" in announced[3]["data"]


@pytest.mark.parametrize("role", ["officer", "leader", "reception", "auditor", "portal"])
async def test_only_an_admin_changes_the_calendar_and_a_refusal_changes_nothing(
    deadline: Deadline, role: str
) -> None:
    headers = deadline.auth(role, "VPDK")  # type: ignore[arg-type]
    body = {"day": "2034-05-15", "working": False, "reason": "Nghỉ"}
    posted = await deadline.http.post("/v1/calendar/overrides", json=body, headers=headers)
    put = await deadline.http.put(
        "/v1/calendar/overrides/2034-05-15", json=body | {"day": None}, headers=headers
    )
    deleted = await deadline.http.delete("/v1/calendar/overrides/2034-05-15", headers=headers)
    assert [r.status_code for r in (posted, put, deleted)] == [403, 403, 403]
    assert posted.json()["code"] == "forbidden_role"
    assert await _overrides(deadline, 2034) == []


@pytest.mark.parametrize(
    "body",
    [
        {"day": "2035-01-02", "working": False, "reason": "  "},
        {"day": "2035-01-02", "working": False},
        {"day": "2150-01-02", "working": False, "reason": "Nghỉ"},
        {"day": "2035-02-30", "working": False, "reason": "Nghỉ"},
        {"day": "2035-01-02", "working": "sometimes", "reason": "Nghỉ"},
        {"day": "2035-01-02", "working": False, "reason": "Nghỉ", "extra": 1},
    ],
)
async def test_a_bad_override_is_refused_and_changes_nothing(
    deadline: Deadline, body: dict[str, Any]
) -> None:
    response = await deadline.http.post("/v1/calendar/overrides", json=body, headers=deadline.auth("admin"))
    assert (response.status_code, response.json()["code"]) == (422, "validation_error")
    assert await _overrides(deadline, 2035) == []
    bad_year = await deadline.http.get(
        "/v1/calendar/overrides", params={"year": 3000}, headers=deadline.auth("admin")
    )
    assert bad_year.status_code == 422


async def test_a_procedure_that_leaves_its_supplement_policy_to_the_rule_set_is_kept(
    deadline: Deadline,
) -> None:
    # catalog.procedure.published carries null for such a version; a dossier's own policy comes resolved
    # in its dossier.received.
    code = await _publish(deadline, supplement_policy=None, processing_days="2")
    body = await _due_ok(deadline, start="2026-01-05T08:30:00+07:00", procedure=code)
    assert (body["procedure"]["code"], body["days"]) == (code, "2")
    assert _local(body["due"]) == "2026-01-07T08:30:00+07:00"


async def test_a_due_that_crosses_into_a_year_without_an_official_decision_says_it_is_provisional(
    deadline: Deadline,
) -> None:
    official = await _due_ok(deadline, start="2026-08-31T09:00:00+07:00", days=2)
    assert _local(official["due"]) == "2026-09-04T17:00:00+07:00", "31/8/2026 off (9441/TB-BNV)"
    assert (official["provisional_years"], official["notes"]) == ([], [])
    assert [(s["day"], s["cause"]) for s in official["skipped"]] == [
        ("2026-08-31", "swap"),
        ("2026-09-01", "holiday"),
        ("2026-09-02", "holiday"),
    ]

    crossing = await _due_ok(deadline, start="2026-12-30T09:00:00+07:00", days=3)
    assert _local(crossing["due"]) == "2027-01-05T09:00:00+07:00"  # 1/1/2027 off, then the weekend
    assert crossing["provisional_years"] == [2027]
    assert len(crossing["notes"]) == 1
    assert "Năm 2027" in crossing["notes"][0]
    assert "tạm tính" in crossing["notes"][0]
