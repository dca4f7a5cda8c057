"""Events arriving late, twice or out of order give the same outcome (real PostgreSQL and NATS)."""

import asyncio
from datetime import datetime
from typing import Any

import pytest

from shared.messaging.consumer import PoisonEvent
from shared.messaging.subjects import dossier_subject
from tests.conftest import Stack
from tests.platform.toy import connected_link
from tests.routing.conftest import Dossier, Routing, agency, iso, new_dossier, vn

GCN = {"items": [{"code": "GCN", "name": "Giấy chứng nhận", "reason": "Bản sao không rõ"}]}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def supplement(dossier: Dossier, when: datetime) -> Any:
    return dossier.event(
        "dossier.supplement_received", when, documents=["GCN"], received_at=iso(when), note=None
    )


def granted(dossier: Dossier, step: dict[str, Any], new_due: datetime) -> Any:
    decided = vn(2021, 6, 21, 14)
    return dossier.event(
        "dossier.extension_granted",
        decided,
        step_id=step["id"],
        step_agency_code=dossier.lead,
        due_at=step["due_at"],
        new_due_at=iso(new_due),
        reason="Đồng ý",
        decided_at=iso(decided),
    )


async def test_a_repeated_receipt_creates_one_plan_and_assigns_once(routing: Routing) -> None:
    dossier = new_dossier((agency("VPDK"), 5), (agency("THUE"), 3))
    event = dossier.received()
    await routing.deliver(event)
    await routing.deliver(event)  # the same event redelivered: the inbox drops it
    await routing.deliver(dossier.received())  # intake announcing it again under a new event id
    plan = await routing.plan(dossier.code)
    assert [s["state"] for s in plan["steps"]] == ["assigned", "pending"]
    assert [e["type"] for e in await routing.events(dossier.code)] == ["vn.motcua.dossier.step.assigned.v1"]


async def test_a_withdrawal_before_the_receipt_leaves_no_live_plan(routing: Routing) -> None:
    dossier = new_dossier((agency("VPDK"), 5))
    await routing.deliver(
        dossier.event(
            "dossier.withdrawn", vn(2021, 6, 18, 9), withdrawn_at=iso(vn(2021, 6, 18, 9)), imported=False
        )
    )
    await routing.deliver(dossier.received())
    plan = await routing.plan(dossier.code)
    assert (plan["state"], plan["steps"]) == ("withdrawn", [])
    assert await routing.events(dossier.code) == []
    queue = await routing.http.get("/v1/queue", headers=routing.auth("officer", dossier.lead))
    assert queue.json()["items"] == []


async def test_a_withdrawal_after_the_receipt_cancels_the_open_steps(routing: Routing) -> None:
    dossier = new_dossier((agency("VPDK"), 5), (agency("THUE"), 3))
    await routing.deliver(dossier.received())
    await routing.deliver(
        dossier.event(
            "dossier.withdrawn", vn(2021, 6, 21, 9), withdrawn_at=iso(vn(2021, 6, 21, 9)), imported=False
        )
    )
    plan = await routing.plan(dossier.code)
    assert plan["state"] == "withdrawn"
    assert [s["state"] for s in plan["steps"]] == ["cancelled", "cancelled"]
    response = await routing.act(plan["steps"][0]["id"], "accept", agency=dossier.lead)
    assert (response.status_code, response.json()["code"]) == (409, "step_closed")


async def _walk(
    routing: Routing, dossier: Dossier, *, supplement_first: bool, before_plan: bool
) -> dict[str, Any]:
    """Request a supplement on Monday 21 June 09:00 and hand it in on Wednesday 23 June 09:00, the
    supplement's event delivered in order, before the pause, or even before the receipt."""
    if before_plan:
        await routing.deliver(supplement(dossier, vn(2021, 6, 23, 9)))
    await routing.deliver(dossier.received())
    step = await routing.step(dossier.code, 1)
    if supplement_first and not before_plan:
        await routing.deliver(supplement(dossier, vn(2021, 6, 23, 9)))
    routing.clock.set(vn(2021, 6, 21, 9))
    response = await routing.act(step["id"], "supplement", GCN, agency=dossier.lead)
    assert response.status_code == 200, response.text
    if not supplement_first and not before_plan:
        await routing.deliver(supplement(dossier, vn(2021, 6, 23, 9)))
    return await routing.step(dossier.code, 1)


async def test_a_supplement_heard_of_before_the_pause_is_visible_resumes_it_the_same_way(
    routing: Routing,
) -> None:
    in_order = await _walk(routing, new_dossier((agency("A"), 5)), supplement_first=False, before_plan=False)
    early = await _walk(routing, new_dossier((agency("B"), 5)), supplement_first=True, before_plan=False)
    earliest = await _walk(routing, new_dossier((agency("C"), 5)), supplement_first=True, before_plan=True)
    for step in (in_order, early, earliest):
        assert step["state"] == "assigned"
        assert at(step["due_at"]) == vn(2021, 6, 29, 8, 30)
        assert step["paused_minutes"] == 960


async def test_a_stale_supplement_does_not_resume_a_later_request(routing: Routing) -> None:
    dossier = new_dossier((agency("VPDK"), 5))
    await routing.deliver(dossier.received())
    await routing.deliver(supplement(dossier, vn(2021, 6, 18, 10)))  # handed in before anything was asked
    step = await routing.step(dossier.code, 1)
    routing.clock.set(vn(2021, 6, 21, 9))
    await routing.act(step["id"], "supplement", GCN, agency=dossier.lead)
    assert (await routing.step(dossier.code, 1))["state"] == "paused"


async def test_an_extension_granted_before_the_request_is_visible_applies_when_it_is(
    routing: Routing,
) -> None:
    dossier = new_dossier((agency("VPDK"), 5))
    await routing.deliver(dossier.received())
    step = await routing.step(dossier.code, 1)
    await routing.deliver(granted(dossier, step, vn(2021, 6, 29, 8, 30)))
    assert at((await routing.step(dossier.code, 1))["due_at"]) == vn(2021, 6, 25, 8, 30), "nothing asked yet"

    routing.clock.set(vn(2021, 6, 21, 9))
    response = await routing.act(
        step["id"], "extension", {"reason": "Cần xác minh", "days": 2}, agency=dossier.lead
    )
    assert response.status_code == 200, response.text
    extended = response.json()
    assert extended["extension_decision"] == "granted"
    assert at(extended["due_at"]) == vn(2021, 6, 29, 8, 30)
    assert at(extended["sla_due_at"]) == at(extended["original_due_at"]) == vn(2021, 6, 25, 8, 30)
    # A later, repeated decision changes nothing: the first one stands.
    await routing.deliver(granted(dossier, step, vn(2021, 7, 9, 8, 30)))
    assert at((await routing.step(dossier.code, 1))["due_at"]) == vn(2021, 6, 29, 8, 30)


async def test_a_denied_extension_keeps_the_due(routing: Routing) -> None:
    dossier = new_dossier((agency("VPDK"), 5))
    step = await _received_and_asked(routing, dossier)
    await routing.deliver(
        dossier.event(
            "dossier.extension_denied",
            vn(2021, 6, 21, 14),
            step_id=step["id"],
            step_agency_code=dossier.lead,
            reason="no_reason",
            reason_text="Không đủ lý do",
            decided_at=iso(vn(2021, 6, 21, 14)),
        )
    )
    after = await routing.step(dossier.code, 1)
    assert (after["extension_decision"], at(after["due_at"])) == ("denied", vn(2021, 6, 25, 8, 30))


async def _received_and_asked(routing: Routing, dossier: Dossier) -> dict[str, Any]:
    await routing.deliver(dossier.received())
    step = await routing.step(dossier.code, 1)
    routing.clock.set(vn(2021, 6, 21, 9))
    await routing.act(step["id"], "extension", {"reason": "Cần xác minh", "days": 2}, agency=dossier.lead)
    return step


async def test_imported_dossiers_get_no_plan(routing: Routing) -> None:
    dossier = new_dossier((agency("VPDK"), 5))
    await routing.deliver(dossier.received(imported=True))
    response = await routing.http.get(f"/v1/dossiers/{dossier.code}/plan", headers=routing.auth("admin"))
    assert (response.status_code, response.json()["code"]) == (404, "dossier_not_found")


async def test_a_receipt_whose_route_cannot_be_planned_is_poison(routing: Routing) -> None:
    dossier = new_dossier((agency("VPDK"), 5))
    dossier.route = [{"agency_code": "", "days": 5}]
    with pytest.raises(PoisonEvent, match="route"):
        await routing.deliver(dossier.received())


async def test_the_running_consumer_plans_a_dossier_received_on_the_stream(
    routing: Routing, stack: Stack
) -> None:
    dossier = new_dossier((agency("VPDK"), 5))
    event = dossier.received()
    async with connected_link(stack.nats_url) as link:
        await link.jetstream.publish(
            dossier_subject(dossier.lead, "received"),
            event.to_json().encode(),
            headers={"Nats-Msg-Id": str(event.id)},
        )
    for _ in range(200):
        response = await routing.http.get(f"/v1/dossiers/{dossier.code}/plan", headers=routing.auth("admin"))
        if response.status_code == 200:
            break
        await asyncio.sleep(0.05)
    assert response.status_code == 200
    assert response.json()["steps"][0]["state"] == "assigned"
