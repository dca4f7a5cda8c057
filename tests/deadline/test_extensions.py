"""Extensions (gia hạn) decided by the rules, recorded, announced, and listed for leaders."""

import uuid
from datetime import datetime
from typing import Any

import pytest

from tests.deadline.conftest import Deadline, Dossier, agency, new_dossier, vn

DUE = vn(2021, 7, 2, 8, 30)


async def _started(deadline: Deadline, policy: str = "shift") -> Dossier:
    d = new_dossier(policy=policy)
    step = {"position": 1, "days": "10", "assigned": d.received_at, "due": DUE}
    await deadline.deliver(d.received(), d.assigned(d.lead, **step))
    return d


def _at(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


async def _decisions(deadline: Deadline, d: Dossier) -> list[dict[str, Any]]:
    return [
        e
        for e in await deadline.outbox(subject=d.code)
        if e["type"].startswith("vn.motcua.dossier.extension")
    ]


async def test_an_extension_asked_in_time_by_a_leader_is_granted_and_moves_the_extended_dues_only(
    deadline: Deadline,
) -> None:
    d = await _started(deadline)
    await deadline.deliver(d.extension_requested(d.lead, vn(2021, 6, 28, 9), days=3))
    [granted] = await _decisions(deadline, d)
    assert granted["type"] == "vn.motcua.dossier.extension_granted.v1"
    assert granted["topic"] == f"dossier.{d.lead}.extension_granted"
    assert granted["subject"] == d.code
    data = granted["data"]
    assert data["dossier_id"] == str(d.id)
    assert data["agency_code"] == d.lead
    assert (data["step_id"], data["step_agency_code"]) == (str(d.step_id(d.lead)), d.lead)
    assert data["reason"] == "Cần xác minh thực địa"
    assert _at(data["original_due_at"]) == DUE
    assert _at(data["new_due_at"]) == vn(2021, 7, 7, 8, 30), "three working days later"
    assert granted["dossierversion"] == 1

    body = await deadline.clocks(d.code)
    for clock in (body["clock"], body["steps"][0]):
        assert _at(clock["original_due_at"]) == _at(clock["due_at"]) == DUE, "lateness still goes by the due"
        assert _at(clock["extended_due_at"]) == vn(2021, 7, 7, 8, 30)


async def test_a_granted_extension_keeps_its_length_when_a_later_pause_moves_the_due(
    deadline: Deadline,
) -> None:
    d = await _started(deadline)
    await deadline.deliver(d.extension_requested(d.lead, vn(2021, 6, 21, 8), days=1))
    await deadline.deliver(d.paused(d.lead, vn(2021, 6, 21, 9)), d.resumed(d.lead, vn(2021, 6, 23, 9)))
    step = (await deadline.clocks(d.code))["steps"][0]
    assert _at(step["due_at"]) == vn(2021, 7, 6, 8, 30)
    assert _at(step["extended_due_at"]) == vn(2021, 7, 7, 8, 30)


@pytest.mark.parametrize(
    ("code", "request_changes"),
    [
        ("not_a_leader", {"role": "officer"}),
        ("not_a_leader", {"role": None}),  # routing's request without the field: not a leader
        ("no_reason", {"reason": "  "}),
        ("after_due", {"at": vn(2021, 7, 2, 9)}),
    ],
)
async def test_an_extension_breaking_a_rule_is_denied_with_its_code_and_nothing_moves(
    deadline: Deadline, code: str, request_changes: dict[str, Any]
) -> None:
    d = await _started(deadline)
    at = request_changes.pop("at", vn(2021, 6, 28, 9))
    await deadline.deliver(d.extension_requested(d.lead, at, **request_changes))
    [denied] = await _decisions(deadline, d)
    assert denied["type"] == "vn.motcua.dossier.extension_denied.v1"
    assert denied["topic"] == f"dossier.{d.lead}.extension_denied"
    assert denied["data"]["reason"] == code
    assert denied["data"]["reason_text"]
    assert denied["data"]["step_id"] == str(d.step_id(d.lead))
    assert (await deadline.clocks(d.code))["steps"][0]["extended_due_at"] is None


async def test_a_second_extension_of_a_step_is_denied_and_a_resent_request_is_decided_once(
    deadline: Deadline,
) -> None:
    d = await _started(deadline)
    first = d.extension_requested(d.lead, vn(2021, 6, 28, 9))
    await deadline.deliver(first, first.model_copy(update={"id": uuid.uuid4()}))
    await deadline.deliver(d.extension_requested(d.lead, vn(2021, 6, 29, 9)))
    decisions = await _decisions(deadline, d)
    assert [(e["type"].split(".")[3], e["data"].get("reason")) for e in decisions] == [
        ("extension_granted", "Cần xác minh thực địa"),
        ("extension_denied", "already_extended"),
    ]
    assert [e["dossierversion"] for e in decisions] == [1, 2]


async def test_a_request_heard_before_the_step_is_judged_against_the_due_routing_sent(
    deadline: Deadline,
) -> None:
    d = new_dossier()
    await deadline.deliver(d.extension_requested(d.lead, vn(2021, 6, 28, 9), days=1, current_due=DUE))
    [granted] = await _decisions(deadline, d)
    assert _at(granted["data"]["new_due_at"]) == vn(2021, 7, 5, 8, 30)
    # The step's start heard later: its clock carries the extension beyond its own due.
    await deadline.deliver(d.assigned(d.lead, position=1, days="10", assigned=d.received_at, due=DUE))
    assert _at((await deadline.clocks(d.code))["steps"][0]["extended_due_at"]) == vn(2021, 7, 5, 8, 30)


async def test_leaders_list_their_agencys_extensions_and_admins_any(deadline: Deadline) -> None:
    d = await _started(deadline)
    other = await _started(deadline)
    await deadline.deliver(
        d.extension_requested(d.lead, vn(2021, 6, 28, 9)),
        other.extension_requested(other.lead, vn(2021, 6, 28, 9), role="officer"),
    )
    mine = await deadline.http.get("/v1/extensions", headers=deadline.auth("leader", d.lead))
    assert mine.status_code == 200, mine.text
    page = mine.json()
    assert (page["total"], page["items"][0]["code"], page["items"][0]["state"]) == (1, d.code, "granted")

    denied = await deadline.http.get(
        "/v1/extensions", params={"agency": other.lead, "state": "denied"}, headers=deadline.auth("auditor")
    )
    [item] = denied.json()["items"]
    assert (item["code"], item["denial_code"]) == (other.code, "not_a_leader")
    assert item["denial_text"]
    none = await deadline.http.get(
        "/v1/extensions", params={"agency": other.lead, "state": "granted"}, headers=deadline.auth("admin")
    )
    assert none.json()["total"] == 0

    someone_elses = await deadline.http.get(
        "/v1/extensions", params={"agency": other.lead}, headers=deadline.auth("leader", d.lead)
    )
    assert (someone_elses.status_code, someone_elses.json()["code"]) == (403, "not_your_agency")
    officer = await deadline.http.get("/v1/extensions", headers=deadline.auth("officer", d.lead))
    assert (officer.status_code, officer.json()["code"]) == (403, "forbidden_role")
    bad_state = await deadline.http.get(
        "/v1/extensions", params={"state": "maybe"}, headers=deadline.auth("admin")
    )
    assert (bad_state.status_code, bad_state.json()["code"]) == (422, "validation_error")


async def test_a_step_of_another_agency_in_a_parallel_route_is_extended_alone(deadline: Deadline) -> None:
    d = await _started(deadline)
    second = agency("THUE")
    later = vn(2021, 7, 9, 8, 30)
    await deadline.deliver(
        d.assigned(second, position=2, days="5", assigned=vn(2021, 7, 2, 8, 30), due=later)
    )
    await deadline.deliver(d.extension_requested(second, vn(2021, 7, 5, 9), days=2))
    body = await deadline.clocks(d.code)
    first_step, second_step = body["steps"]
    assert first_step["extended_due_at"] is None
    assert _at(second_step["extended_due_at"]) == vn(2021, 7, 13, 8, 30)
    assert _at(body["clock"]["extended_due_at"]) == vn(2021, 7, 13, 8, 30), "past the dossier's due"
