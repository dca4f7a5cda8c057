"""The citizen's supplement (bổ sung hồ sơ) after an agency asked for one, on real PostgreSQL and NATS."""

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from services.intake.dossiers.models import dossiers, timeline
from services.intake.handlers import HANDLERS
from services.intake.models import audit_log, messaging
from shared.db.engine import unit_of_work
from shared.messaging.envelope import CloudEvent, event_type
from shared.messaging.subjects import dossier_subject
from tests.conftest import Stack
from tests.intake.conftest import Intake, routed_procedure, unique_code
from tests.platform.toy import connected_link

REQUIRED = ["DON", "GCN", "CCCD"]


@pytest.fixture
async def procedure(intake: Intake) -> str:
    return await routed_procedure(intake, prefix="BS-", name="Thủ tục thử bổ sung")


async def receive(intake: Intake, procedure: str) -> dict[str, Any]:
    body = {"procedure_code": procedure, "applicant": {"name": "Phạm Văn Cường"}, "documents": REQUIRED}
    response = await intake.post("/v1/dossiers", body)
    assert response.status_code == 201, response.text
    dossier: dict[str, Any] = response.json()
    assert dossier["status"] == "received"
    return dossier


def routing_event(name: str, code: str, data: dict[str, Any], *, at: datetime) -> CloudEvent:
    return CloudEvent(source="/motcua/routing", type=event_type(name), subject=code, time=at, data=data)


def step_assigned(dossier: dict[str, Any], agency: str, at: datetime) -> CloudEvent:
    """`dossier.step.assigned` as the routing contract has it."""
    step = {
        "id": "11111111-1111-4111-8111-111111111111",
        "position": 1,
        "group": 1,
        "agency_code": agency,
        "days": "3",
        "assigned_at": at.astimezone(UTC).isoformat(),
        "due_at": (at + timedelta(days=5)).astimezone(UTC).isoformat(),
    }
    data = {**identity(dossier), "step": step, "from_agency_code": None, "transfer": "electronic"}
    return routing_event("dossier.step.assigned", dossier["code"], data, at=at)


def supplement_requested(dossier: dict[str, Any], agency: str, at: datetime) -> CloudEvent:
    """`dossier.supplement_requested` as the routing contract has it."""
    data = {
        **identity(dossier),
        "step_id": "11111111-1111-4111-8111-111111111111",
        "step_agency_code": agency,
        "items": [{"code": "MIEN_GIAM", "name": "Giấy tờ miễn giảm", "reason": "Thiếu giấy tờ miễn giảm"}],
        "requested_at": at.astimezone(UTC).isoformat(),
        "override_reason": None,
    }
    return routing_event("dossier.supplement_requested", dossier["code"], data, at=at)


def identity(dossier: dict[str, Any]) -> dict[str, Any]:
    return {
        "dossier_id": dossier["id"],
        "code": dossier["code"],
        "portal_id": dossier["portal_id"],
        "agency_code": "VPDK",
    }


async def deliver(intake: Intake, *events: CloudEvent) -> None:
    """Apply routing's events with intake's own handlers, one unit of work each, as the consumer does."""
    for event in events:
        async with unit_of_work(intake.app.state.sessions) as session:
            await HANDLERS[event.type](event, session)


async def awaiting_supplement(intake: Intake, procedure: str) -> dict[str, Any]:
    """A received dossier whose step at THUE asked for a supplement an hour later."""
    dossier = await receive(intake, procedure)
    now = intake.clock.now()
    await deliver(
        intake,
        step_assigned(dossier, "THUE", now + timedelta(minutes=30)),
        supplement_requested(dossier, "THUE", now + timedelta(hours=1)),
    )
    assert await status(intake, dossier["code"]) == "supplement_requested"
    intake.clock.advance(timedelta(days=3))
    return dossier


async def status(intake: Intake, code: str) -> str:
    response = await intake.http.get(f"/v1/dossiers/{code}", headers=intake.auth("reception"))
    return str(response.json()["status"])


async def supplement(intake: Intake, key: str, body: Any, role: Any = "reception", **auth: Any) -> Any:
    return await intake.http.post(
        f"/v1/dossiers/{key}/supplement", json=body, headers=intake.auth(role, **auth)
    )


async def outbox_events(intake: Intake, code: str) -> list[tuple[str, dict[str, Any]]]:
    async with intake.app.state.sessions() as session:
        rows = (
            await session.execute(
                select(messaging.outbox.c.topic, messaging.outbox.c.payload).order_by(messaging.outbox.c.id)
            )
        ).all()
    events = [(topic, json.loads(payload)) for topic, payload in rows]
    return [(topic, e) for topic, e in events if e.get("subject") == code]


async def snapshot(intake: Intake, dossier: dict[str, Any]) -> dict[str, Any]:
    """Everything a supplement writes, to show that a refused one wrote nothing."""
    code = dossier["code"]
    async with intake.app.state.sessions() as session:
        row = (
            await session.execute(
                select(
                    dossiers.c.status, dossiers.c.documents, dossiers.c.version, dossiers.c.updated_at
                ).where(dossiers.c.code == code)
            )
        ).one()
        entries = await session.scalar(
            select(func.count())
            .select_from(timeline)
            .where(timeline.c.dossier_id == uuid.UUID(dossier["id"]))
        )
        audits = await session.scalar(
            select(func.count()).select_from(audit_log).where(audit_log.c.entity == f"dossier:{code}")
        )
    return {
        "row": tuple(row),
        "timeline": entries,
        "audit": audits,
        "events": await outbox_events(intake, code),
    }


async def test_a_supplement_takes_the_dossier_back_to_processing_with_its_event(
    intake: Intake, procedure: str
) -> None:
    dossier = await awaiting_supplement(intake, procedure)
    code = dossier["code"]

    response = await supplement(
        intake, code, {"documents": ["MIEN_GIAM", "GCN", "MIEN_GIAM"], "note": "Bản sao có chứng thực"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "in_processing"
    assert body["code"] == code
    assert sorted(body["documents"]) == ["CCCD", "DON", "GCN", "MIEN_GIAM"]
    assert body["due_at"] == dossier["due_at"]

    async with intake.app.state.sessions() as session:
        version = await session.scalar(select(dossiers.c.version).where(dossiers.c.code == code))
        audits = (
            await session.execute(
                select(audit_log.c.actor, audit_log.c.role, audit_log.c.detail).where(
                    audit_log.c.entity == f"dossier:{code}",
                    audit_log.c.action == "dossier.supplement_received",
                )
            )
        ).all()
    assert version == 3  # 1 submitted, 2 received, 3 supplement received (routing's events do not count)
    assert [tuple(a) for a in audits] == [
        ("reception-1", "reception", {"documents": ["GCN", "MIEN_GIAM"], "note": "Bản sao có chứng thực"})
    ]

    (_, received), (topic, event) = await outbox_events(intake, code)
    assert received["type"] == "vn.motcua.dossier.received.v1"
    assert topic == "dossier.VPDK.supplement_received", "the lead agency, not the step's (THUE)"
    assert event["type"] == "vn.motcua.dossier.supplement_received.v1"
    assert event["source"] == "/motcua/intake"
    assert event["subject"] == code
    assert event["dossierversion"] == version
    assert event["data"] == {
        "dossier_id": dossier["id"],
        "code": code,
        "portal_id": None,
        "agency_code": "VPDK",
        "documents": ["GCN", "MIEN_GIAM"],
        "received_at": "2021-06-21T01:30:00+00:00",  # Monday 21 June 08:30 in Vietnam
        "note": "Bản sao có chứng thực",
        "imported": False,
    }

    lookup = await intake.http.get("/v1/lookup", params={"code": code, "secret": dossier["lookup_secret"]})
    entries = [(e["status"], e["note"]) for e in lookup.json()["timeline"]]
    assert entries[-3:] == [
        ("in_processing", "Hồ sơ đang được giải quyết"),
        ("supplement_requested", "Cơ quan giải quyết yêu cầu bổ sung hồ sơ"),
        ("in_processing", "Công dân đã bổ sung hồ sơ"),
    ]
    assert lookup.json()["timeline"][-2]["at"] == "2021-06-18T02:30:00Z", "the contract's requested_at"


async def test_a_supplement_without_a_note_is_taken_too(intake: Intake, procedure: str) -> None:
    dossier = await awaiting_supplement(intake, procedure)
    response = await supplement(intake, dossier["id"], {"documents": ["MIEN_GIAM"]})
    assert response.status_code == 200, response.text
    [*_, (_, event)] = await outbox_events(intake, dossier["code"])
    assert (event["data"]["documents"], event["data"]["note"]) == (["MIEN_GIAM"], None)


async def test_a_dossier_not_awaiting_a_supplement_refuses_one(intake: Intake, procedure: str) -> None:
    dossier = await receive(intake, procedure)
    before = await snapshot(intake, dossier)
    refused = await supplement(intake, dossier["code"], {"documents": ["MIEN_GIAM"]})
    assert (refused.status_code, refused.json()["code"]) == (409, "not_awaiting_supplement")
    assert await snapshot(intake, dossier) == before

    await deliver(intake, step_assigned(dossier, "VPDK", intake.clock.now()))
    in_processing = await supplement(intake, dossier["code"], {"documents": ["MIEN_GIAM"]})
    assert (in_processing.status_code, in_processing.json()["code"]) == (409, "not_awaiting_supplement")

    unknown = await supplement(intake, "NO-SUCH-DOSSIER", {"documents": ["MIEN_GIAM"]})
    assert (unknown.status_code, unknown.json()["code"]) == (404, "dossier_not_found")


async def test_a_supplement_is_taken_once(intake: Intake, procedure: str) -> None:
    dossier = await awaiting_supplement(intake, procedure)
    responses = await asyncio.gather(
        *(supplement(intake, dossier["code"], {"documents": ["MIEN_GIAM"]}) for _ in range(5))
    )
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409, 409]
    kinds = [e["type"] for _, e in await outbox_events(intake, dossier["code"])]
    assert kinds.count("vn.motcua.dossier.supplement_received.v1") == 1


async def test_bad_supplements_are_refused_and_change_nothing(intake: Intake, procedure: str) -> None:
    dossier = await awaiting_supplement(intake, procedure)
    code = dossier["code"]
    before = await snapshot(intake, dossier)
    cases = [
        ({"documents": ["MIEN_GIAM", "PASSPORT"]}, 422, "unknown_document"),
        ({"documents": []}, 422, "validation_error"),
        ({"note": "Không có giấy tờ"}, 422, "validation_error"),
        ({"documents": ["MIEN GIAM"]}, 422, "validation_error"),
        ({"documents": ["MIEN_GIAM"], "note": "x" * 4001}, 422, "validation_error"),
        ({"documents": ["MIEN_GIAM"], "note": ""}, 422, "validation_error"),
        ({"documents": ["MIEN_GIAM"], "unexpected": True}, 422, "validation_error"),
    ]
    for body, http_status, problem in cases:
        response = await supplement(intake, code, body)
        assert (response.status_code, response.json()["code"]) == (http_status, problem), response.text
    officer = await supplement(intake, code, {"documents": ["MIEN_GIAM"]}, "officer", agency="THUE")
    assert officer.status_code == 403
    assert await snapshot(intake, dossier) == before
    assert await status(intake, code) == "supplement_requested"


async def test_the_portal_supplements_only_its_own_online_dossiers(intake: Intake, procedure: str) -> None:
    online = {
        "procedure_code": procedure,
        "channel": "online",
        "portal_id": unique_code("DVC-"),
        "applicant": {"name": "Võ Thị Dung"},
        "documents": REQUIRED,
    }
    submitted = await intake.http.post("/v1/dossiers", json=online, headers=intake.auth("portal", sub="dvc"))
    assert submitted.status_code == 201, submitted.text
    accepted = await intake.post(f"/v1/dossiers/{online['portal_id']}/accept", {})
    dossier = accepted.json()
    assert dossier["status"] == "received"
    await deliver(intake, supplement_requested(dossier, "VPDK", intake.clock.now()))
    before = await snapshot(intake, dossier)

    for key in (dossier["code"], dossier["portal_id"], dossier["id"]):
        stranger = await supplement(intake, key, {"documents": ["MIEN_GIAM"]}, "portal", sub="other-portal")
        assert (stranger.status_code, stranger.json()["code"]) == (404, "dossier_not_found")
    assert await snapshot(intake, dossier) == before

    own = await supplement(intake, dossier["portal_id"], {"documents": ["MIEN_GIAM"]}, "portal", sub="dvc")
    assert own.status_code == 200, own.text
    assert own.json()["status"] == "in_processing"
    [*_, (_, event)] = await outbox_events(intake, dossier["code"])
    assert event["data"]["portal_id"] == dossier["portal_id"]
    async with intake.app.state.sessions() as session:
        actor = await session.scalar(
            select(audit_log.c.actor).where(
                audit_log.c.entity == f"dossier:{dossier['code']}",
                audit_log.c.action == "dossier.supplement_received",
            )
        )
    assert actor == "dvc"

    counter_dossier = await awaiting_supplement(intake, procedure)
    not_its_own = await supplement(
        intake, counter_dossier["code"], {"documents": ["MIEN_GIAM"]}, "portal", sub="dvc"
    )
    assert not_its_own.status_code == 404


async def test_a_late_step_assigned_never_hides_a_pending_or_undoes_a_received_supplement(
    intake: Intake, procedure: str
) -> None:
    dossier = await receive(intake, procedure)
    code = dossier["code"]
    now = intake.clock.now()
    assigned = step_assigned(dossier, "VPDK", now + timedelta(minutes=10))
    # The request arrives first; the assignment emitted before it comes late (another subject token).
    await deliver(intake, supplement_requested(dossier, "VPDK", now + timedelta(hours=1)), assigned)
    assert await status(intake, code) == "supplement_requested", "the citizen still owes papers"

    assert (await supplement(intake, code, {"documents": ["MIEN_GIAM"]})).status_code == 200
    before = await snapshot(intake, dossier)
    await deliver(intake, step_assigned(dossier, "VPDK", now + timedelta(minutes=20)))
    assert await snapshot(intake, dossier) == before
    assert await status(intake, code) == "in_processing"

    # The next agency may ask for its own supplement after the first was brought.
    await deliver(intake, supplement_requested(dossier, "THUE", now + timedelta(days=2)))
    assert await status(intake, code) == "supplement_requested"
    again = await supplement(intake, code, {"documents": ["GCN"]})
    assert again.status_code == 200
    supplements = [
        e for _, e in await outbox_events(intake, code) if e["type"].endswith("supplement_received.v1")
    ]
    assert [e["dossierversion"] for e in supplements] == [3, 4]


async def test_routings_supplement_request_over_nats_opens_the_counters_supplement(
    intake: Intake, procedure: str, stack: Stack
) -> None:
    dossier = await receive(intake, procedure)
    code = dossier["code"]
    now = intake.clock.now()
    async with connected_link(stack.nats_url) as link:
        for agency, event in (
            ("VPDK", step_assigned(dossier, "VPDK", now + timedelta(minutes=5))),
            ("VPDK", supplement_requested(dossier, "VPDK", now + timedelta(hours=2))),
        ):
            name = event.type.removeprefix("vn.motcua.dossier.").removesuffix(".v1")
            await link.jetstream.publish(
                dossier_subject(agency, name),
                event.to_json().encode(),
                headers={"Nats-Msg-Id": str(event.id)},
            )
    for _ in range(100):
        if await status(intake, code) == "supplement_requested":
            break
        await asyncio.sleep(0.05)
    assert await status(intake, code) == "supplement_requested"
    response = await supplement(intake, code, {"documents": ["MIEN_GIAM"], "note": "Nộp qua bưu điện"})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "in_processing"
