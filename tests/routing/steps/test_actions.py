"""Officers' actions on real PostgreSQL: who may act, what each state allows, the supplement limit,
the restart policy, parallel groups, rejections and stops, and the audit trail."""

import asyncio
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from services.routing.models import audit_log
from services.routing.transfers.models import transfer_items
from shared.auth import Role
from tests.routing.conftest import Dossier, Routing, agency, iso, new_dossier, vn

ROLES_OF_AGENCIES: tuple[Role, ...] = ("officer", "leader")
GCN: dict[str, Any] = {"items": [{"code": "GCN", "name": "Giấy chứng nhận", "reason": "Bản sao không rõ"}]}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def started(routing: Routing, dossier: Dossier, *, accept: bool = True) -> dict[str, Any]:
    """Deliver the receipt; the first step, accepted by its agency unless told otherwise."""
    await routing.deliver(dossier.received())
    step = await routing.step(dossier.code, 1)
    if accept:
        response = await routing.act(step["id"], "accept", agency=step["agency_code"])
        assert response.status_code == 200, response.text
        step = response.json()
    return step


async def supplement_back(routing: Routing, dossier: Dossier, when: datetime) -> None:
    await routing.deliver(
        dossier.event(
            "dossier.supplement_received", when, documents=["GCN"], received_at=iso(when), note=None
        )
    )


async def audit_rows(routing: Routing, code: str) -> list[Any]:
    async with routing.app.state.sessions() as session:
        rows = await session.execute(
            select(audit_log).where(audit_log.c.entity == f"dossier:{code}").order_by(audit_log.c.id)
        )
        return list(rows)


async def test_restart_policy_counts_the_step_afresh_from_the_supplement(routing: Routing) -> None:
    dossier = new_dossier((agency("XD"), 5), policy="restart")
    dossier.route = []  # a single-agency procedure: one step with all 5 days
    dossier.processing_days = "5"
    step = await started(routing, dossier)
    assert at(step["due_at"]) == vn(2021, 6, 25, 8, 30)

    routing.clock.set(vn(2021, 6, 22, 8, 30))
    await routing.act(step["id"], "supplement", GCN, agency=step["agency_code"])
    await supplement_back(routing, dossier, vn(2021, 6, 24, 10, 0))

    resumed = await routing.step(dossier.code, 1)
    assert resumed["state"] == "in_progress"
    assert at(resumed["due_at"]) == at(resumed["sla_due_at"]) == vn(2021, 7, 1, 10, 0)  # 5 full days again
    assert at(resumed["original_due_at"]) == vn(2021, 6, 25, 8, 30)
    [resumed_event] = [e for e in await routing.events(dossier.code) if e["type"].endswith("step.resumed.v1")]
    assert resumed_event["data"]["policy"] == "restart"
    assert at(resumed_event["data"]["due_at"]) == vn(2021, 7, 1, 10, 0)


async def test_an_officer_of_another_agency_gets_403_and_nothing_changes(routing: Routing) -> None:
    own, other = agency("VPDK"), agency("THUE")
    dossier = new_dossier((own, 5), (other, 3))
    step = await started(routing, dossier)
    before_events = await routing.events(dossier.code)
    before_audit = await audit_rows(routing, dossier.code)
    attempts = [
        ("accept", None),
        ("complete", {"note": "xong"}),
        ("supplement", GCN),
        ("obligation", {"note": "thuế"}),
        ("obligation/fulfilled", None),
        ("reject", {"reason": "không đủ điều kiện"}),
        ("extension", {"reason": "cần thêm thời gian", "days": 2}),
        ("stop", {"reason": "dừng"}),
    ]
    for action, body in attempts:
        for role in ROLES_OF_AGENCIES:
            response = await routing.act(step["id"], action, body, agency=other, role=role)
            assert response.status_code == 403, (action, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["code"] == "not_your_agency"
    reception = await routing.act(step["id"], "accept", agency=own, role="reception")
    assert reception.json()["code"] == "forbidden_role"
    assert await routing.step(dossier.code, 1) == step
    assert await routing.events(dossier.code) == before_events
    assert await audit_rows(routing, dossier.code) == before_audit


async def test_a_supplement_is_asked_once_per_agency_unless_a_leader_overrides_with_a_reason(
    routing: Routing,
) -> None:
    vpdk, thue = agency("VPDK"), agency("THUE")
    dossier = new_dossier((vpdk, 5), (thue, 3))
    step = await started(routing, dossier)
    routing.clock.set(vn(2021, 6, 21, 9))
    assert (await routing.act(step["id"], "supplement", GCN, agency=vpdk)).status_code == 200
    await supplement_back(routing, dossier, vn(2021, 6, 22, 9))

    routing.clock.set(vn(2021, 6, 23, 9))
    again = await routing.act(step["id"], "supplement", GCN, agency=vpdk)
    assert (again.status_code, again.json()["code"]) == (409, "supplement_limit_reached")
    by_officer = await routing.act(
        step["id"], "supplement", {**GCN, "override_reason": "Thiếu sót mới"}, agency=vpdk
    )
    assert (by_officer.status_code, by_officer.json()["code"]) == (403, "override_needs_leader")
    leader_without = await routing.act(step["id"], "supplement", GCN, agency=vpdk, role="leader")
    assert leader_without.json()["code"] == "supplement_limit_reached"
    leader = await routing.act(
        step["id"],
        "supplement",
        {**GCN, "override_reason": "Phát hiện sai sót mới"},
        agency=vpdk,
        role="leader",
    )
    assert leader.status_code == 200, leader.text
    assert leader.json()["state"] == "paused"
    requested = [
        e for e in await routing.events(dossier.code) if e["type"].endswith("supplement_requested.v1")
    ]
    assert [e["data"]["override_reason"] for e in requested] == [None, "Phát hiện sai sót mới"]
    assert requested[0]["data"]["items"] == GCN["items"]

    # The limit is per agency: the tax office may still ask its own once.
    await supplement_back(routing, dossier, vn(2021, 6, 24, 9))
    routing.clock.set(vn(2021, 6, 24, 10))
    await routing.act(step["id"], "complete", {"note": "xong"}, agency=vpdk)
    tax = await routing.step(dossier.code, 2)
    assert (await routing.act(tax["id"], "supplement", GCN, agency=thue)).status_code == 200


async def test_each_state_refuses_what_it_does_not_allow_with_a_stable_code(routing: Routing) -> None:
    vpdk, thue = agency("VPDK"), agency("THUE")
    dossier = new_dossier((vpdk, 5), (thue, 3))
    step = await started(routing, dossier, accept=False)
    later = await routing.step(dossier.code, 2)

    async def code(step_id: str, action: str, body: dict[str, Any] | None = None, who: str = vpdk) -> str:
        response = await routing.act(step_id, action, body, agency=who)
        assert response.status_code == 409, (action, response.text)
        return str(response.json()["code"])

    assert await code(step["id"], "complete", {"note": "xong"}) == "step_not_accepted"
    assert await code(later["id"], "accept", who=thue) == "step_not_started"
    await routing.act(step["id"], "accept", agency=vpdk)
    assert await code(step["id"], "accept") == "step_already_accepted"
    assert await code(step["id"], "obligation/fulfilled") == "step_not_paused_for_obligation"
    await routing.act(step["id"], "obligation", {"note": "thuế"}, agency=vpdk)
    assert await code(step["id"], "complete", {"note": "xong"}) == "step_paused"
    assert await code(step["id"], "supplement", GCN) == "step_paused"
    await routing.act(step["id"], "obligation/fulfilled", agency=vpdk)
    await routing.act(step["id"], "supplement", GCN, agency=vpdk)
    assert await code(step["id"], "obligation/fulfilled") == "step_not_paused_for_obligation"
    await routing.deliver(
        dossier.event(
            "dossier.supplement_received",
            vn(2021, 6, 18, 9),
            documents=["GCN"],
            received_at=iso(vn(2021, 6, 18, 9)),
            note=None,
        )
    )

    routing.clock.set(vn(2021, 6, 21, 9))
    assert (
        await routing.act(step["id"], "extension", {"reason": "cần", "days": 1}, agency=vpdk)
    ).status_code == 200
    assert await code(step["id"], "extension", {"reason": "lại", "days": 1}) == "extension_already_requested"

    second = new_dossier((agency("VPDK"), 5))
    late = await started(routing, second)
    routing.clock.set(vn(2021, 6, 25, 8, 30))  # exactly the due: too late to ask
    assert (
        await code(late["id"], "extension", {"reason": "cần", "days": 1}, who=late["agency_code"])
        == "step_past_due"
    )


async def test_unknown_steps_are_404_and_bad_bodies_422_as_problem_json(routing: Routing) -> None:
    vpdk = agency("VPDK")
    dossier = new_dossier((vpdk, 5))
    step = await started(routing, dossier)
    for step_id in (str(uuid.uuid4()), "not-a-step"):
        response = await routing.act(step_id, "accept", agency=vpdk)
        assert (response.status_code, response.json()["code"]) == (404, "step_not_found")
    bad: list[tuple[str, dict[str, Any] | None]] = [
        ("complete", {"note": "   "}),
        ("complete", {}),
        ("supplement", {"items": []}),
        ("supplement", {"items": [{"code": "GCN", "name": "x"}]}),
        ("extension", {"reason": "cần", "days": 0}),
        ("extension", {"reason": "cần", "days": "many"}),
        ("reject", {"reason": "x", "extra": 1}),
        ("stop", None),
    ]
    for action, body in bad:
        response = await routing.act(step["id"], action, body, agency=vpdk)
        assert response.status_code == 422, (action, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert await routing.step(dossier.code, 1) == step, "a refused body changes nothing"


async def test_a_rejection_ends_the_plan_and_later_actions_find_the_step_closed(routing: Routing) -> None:
    vpdk, thue = agency("VPDK"), agency("THUE")
    dossier = new_dossier((vpdk, 5), (thue, 3))
    step = await started(routing, dossier)
    routing.clock.set(vn(2021, 6, 21, 9))
    rejected = await routing.act(step["id"], "reject", {"reason": "Đất đang tranh chấp"}, agency=vpdk)
    assert rejected.json()["state"] == "rejected"
    plan = await routing.plan(dossier.code)
    assert plan["state"] == "rejected"
    assert [s["state"] for s in plan["steps"]] == ["rejected", "cancelled"]
    again = await routing.act(step["id"], "complete", {"note": "x"}, agency=vpdk)
    assert (again.status_code, again.json()["code"]) == (409, "step_closed")
    event = (await routing.events(dossier.code))[-1]
    assert event["topic"] == f"dossier.{vpdk}.rejected"
    assert event["data"]["reason"] == "Đất đang tranh chấp"
    assert at(event["data"]["rejected_at"]) == vn(2021, 6, 21, 9)

    stopped = new_dossier((agency("VPDK"), 5))
    first = await started(routing, stopped)
    await routing.act(first["id"], "stop", {"reason": "Công dân đề nghị dừng"}, agency=first["agency_code"])
    assert (await routing.plan(stopped.code))["state"] == "stopped"
    assert (await routing.events(stopped.code))[-1]["type"] == "vn.motcua.dossier.stopped.v1"


async def test_every_action_is_audited_with_who_when_and_why(routing: Routing) -> None:
    vpdk = agency("VPDK")
    dossier = new_dossier((vpdk, 5))
    step = await started(routing, dossier)
    routing.clock.set(vn(2021, 6, 21, 9))
    await routing.act(step["id"], "complete", {"note": "Đã giải quyết"}, agency=vpdk)
    rows = await audit_rows(routing, dossier.code)
    assert [(r.action, r.actor, r.role, r.agency) for r in rows] == [
        ("step.accepted", f"officer-{vpdk}", "officer", vpdk),
        ("step.completed", f"officer-{vpdk}", "officer", vpdk),
    ]
    assert rows[1].at == vn(2021, 6, 21, 9)
    assert rows[1].detail == {"step_id": step["id"], "agency_code": vpdk, "note": "Đã giải quyết"}


async def test_a_parallel_group_hands_on_only_when_all_its_steps_are_done(routing: Routing) -> None:
    lead, tax, env, last = agency("VPDK"), agency("THUE"), agency("TNMT"), agency("UBND")
    dossier = new_dossier((lead, 2))
    dossier.route = [
        {"agency_code": lead, "days": 2},
        {"agency_code": tax, "days": 3, "group": 9},
        {"agency_code": env, "days": 2, "group": 9},
        {"agency_code": last, "days": 1},
    ]
    first = await started(routing, dossier)
    routing.clock.set(vn(2021, 6, 21, 9))
    await routing.act(first["id"], "complete", {"note": "xong"}, agency=lead)
    plan = await routing.plan(dossier.code)
    assert [(s["agency_code"], s["group"], s["state"]) for s in plan["steps"]] == [
        (lead, 1, "completed"),
        (tax, 2, "assigned"),
        (env, 2, "assigned"),
        (last, 3, "pending"),
    ]
    assert at(plan["steps"][1]["due_at"]) == vn(2021, 6, 24, 9)
    assert at(plan["steps"][2]["due_at"]) == vn(2021, 6, 23, 9)
    for step in plan["steps"][1:3]:
        await routing.act(step["id"], "accept", agency=step["agency_code"])
    routing.clock.set(vn(2021, 6, 22, 9))
    await routing.act(plan["steps"][2]["id"], "complete", {"note": "môi trường xong"}, agency=env)
    assert (await routing.step(dossier.code, 4))["state"] == "pending"
    routing.clock.set(vn(2021, 6, 23, 9))
    await routing.act(plan["steps"][1]["id"], "complete", {"note": "thuế xong"}, agency=tax)
    handed = await routing.step(dossier.code, 4)
    assert (handed["state"], handed["from_agency_code"]) == ("assigned", tax)
    completions = [
        e["data"]["next_agency_codes"]
        for e in await routing.events(dossier.code)
        if e["type"].endswith("completed.v1")
    ]
    assert completions == [[tax, env], [], [last]]


async def test_a_paper_dossier_is_handed_over_in_a_transfer_batch(routing: Routing) -> None:
    vpdk = agency("VPDK")
    dossier = new_dossier((vpdk, 5), channel="direct")
    await routing.deliver(dossier.received())
    [assigned] = await routing.events(dossier.code)
    assert assigned["data"]["transfer"] == "paper"
    async with routing.app.state.sessions() as session:
        items = await session.scalar(
            select(func.count()).where(transfer_items.c.step_id == uuid.UUID(assigned["data"]["step"]["id"]))
        )
    assert items == 1


async def test_concurrent_completions_of_one_step_complete_it_once(routing: Routing) -> None:
    vpdk, thue = agency("VPDK"), agency("THUE")
    dossier = new_dossier((vpdk, 5), (thue, 3))
    step = await started(routing, dossier)
    responses = await asyncio.gather(
        *(routing.act(step["id"], "complete", {"note": f"lần {n}"}, agency=vpdk) for n in range(6))
    )
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409, 409, 409]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"step_closed"}
    kinds = [e["type"].removeprefix("vn.motcua.dossier.") for e in await routing.events(dossier.code)]
    assert kinds == ["step.assigned.v1", "step.completed.v1", "step.assigned.v1"]
    assert [e["dossierversion"] for e in await routing.events(dossier.code)] == [1, 2, 3]


async def test_concurrent_completions_of_a_parallel_group_hand_on_exactly_once(routing: Routing) -> None:
    # Each completion decides the hand-off from the route it read under the plan's lock: the one that
    # waited for the lock must see the other's completion, or neither would hand on.
    for _ in range(5):
        lead, tax, env, last = agency("VPDK"), agency("THUE"), agency("TNMT"), agency("UBND")
        dossier = new_dossier((lead, 2))
        dossier.route = [
            {"agency_code": lead, "days": 2},
            {"agency_code": tax, "days": 3, "group": 9},
            {"agency_code": env, "days": 2, "group": 9},
            {"agency_code": last, "days": 1},
        ]
        first = await started(routing, dossier)
        await routing.act(first["id"], "complete", {"note": "xong"}, agency=lead)
        parallel = (await routing.plan(dossier.code))["steps"][1:3]
        for step in parallel:
            await routing.act(step["id"], "accept", agency=step["agency_code"])
        responses = await asyncio.gather(
            *(routing.act(s["id"], "complete", {"note": "xong"}, agency=s["agency_code"]) for s in parallel)
        )
        assert [r.status_code for r in responses] == [200, 200]
        assert (await routing.step(dossier.code, 4))["state"] == "assigned"
        completions = [
            e["data"]["next_agency_codes"]
            for e in await routing.events(dossier.code)
            if e["type"].endswith("completed.v1")
        ]
        assert sorted(completions) == sorted([[tax, env], [], [last]])


async def test_the_printable_slip_escapes_what_officers_wrote_and_is_for_staff_only(routing: Routing) -> None:
    vpdk = agency("VPDK")
    dossier = new_dossier((vpdk, 5))
    step = await started(routing, dossier)
    await routing.act(step["id"], "complete", {"note": "<script>alert(1)</script> & xong"}, agency=vpdk)
    path = f"/v1/dossiers/{dossier.code}/control-slip.html"
    html = (await routing.http.get(path, headers=routing.auth("admin"))).text
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; xong" in html
    portal = await routing.http.get(path, headers=routing.auth("portal"))
    assert (portal.status_code, portal.json()["code"]) == (403, "forbidden_role")
    unknown = await routing.http.get("/v1/dossiers/NO-SUCH/control-slip", headers=routing.auth("admin"))
    assert (unknown.status_code, unknown.json()["code"]) == (404, "dossier_not_found")
