"""SLA clocks on real PostgreSQL, driven through the consumer's own path (inbox + handler together)."""

import random
import uuid
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from services.deadline.clocks.models import clocks, dossiers
from services.deadline.models import messaging
from shared.messaging.consumer import PoisonEvent
from shared.messaging.envelope import CloudEvent
from tests.deadline.conftest import Deadline, Dossier, agency, iso, new_dossier, vn

DUE = vn(2021, 7, 2, 8, 30)  # 10 working days from Friday 18 June 2021, 08:30


def _step(d: Dossier, code: str, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"position": 1, "days": "10", "assigned": d.received_at, "due": DUE, **changes}
    return values


def _at(body: dict[str, Any], field: str) -> datetime | None:
    value = body[field]
    return None if value is None else datetime.fromisoformat(value)


@pytest.mark.parametrize(
    ("policy", "due_after"),
    [
        ("shift", vn(2021, 7, 6, 8, 30)),  # + the two working days paused
        ("restart", vn(2021, 7, 7, 9)),  # 10 full working days from Wednesday 23 June, 09:00
    ],
)
async def test_a_supplement_pauses_the_step_and_the_dossier_and_resumption_moves_both_dues_by_policy(
    deadline: Deadline, policy: str, due_after: datetime
) -> None:
    d = new_dossier(policy=policy)
    await deadline.deliver(d.received(), d.assigned(d.lead, **_step(d, d.lead)))
    await deadline.deliver(
        d.supplement_requested(d.lead, vn(2021, 6, 21, 9)), d.paused(d.lead, vn(2021, 6, 21, 9))
    )
    paused = await deadline.clocks(d.code)
    assert paused["clock"]["state"] == "paused"
    assert [s["state"] for s in paused["steps"]] == ["paused"]
    assert _at(paused["clock"], "paused_at") == vn(2021, 6, 21, 9)

    await deadline.deliver(d.resumed(d.lead, vn(2021, 6, 23, 9)))
    body = await deadline.clocks(d.code)
    for clock in (body["clock"], body["steps"][0]):
        assert clock["state"] == "running"
        assert _at(clock, "original_due_at") == DUE, "the original due is never overwritten"
        assert _at(clock, "due_at") == due_after
        assert clock["paused_minutes"] == 960
        assert clock["paused_at"] is None
        warn_at = _at(clock, "warn_at")
        assert warn_at is not None
        assert warn_at < due_after
    assert body["steps"][0]["step_id"] == str(d.step_id(d.lead))


def _lifecycle(d: Dossier, second: str) -> list[CloudEvent]:
    """Receipt, a step paused for a supplement and resumed, a second step paused for a financial
    obligation that overlaps nothing, both completed, the dossier resolved."""
    first_due, second_due = vn(2021, 6, 25, 8, 30), vn(2021, 7, 2, 8, 30)
    return [
        d.received(),
        d.assigned(d.lead, position=1, days="5", assigned=d.received_at, due=first_due),
        d.supplement_requested(d.lead, vn(2021, 6, 21, 9)),
        d.paused(d.lead, vn(2021, 6, 21, 9)),
        d.resumed(d.lead, vn(2021, 6, 22, 9)),
        d.completed(d.lead, vn(2021, 6, 25, 8), position=1, days="5", assigned=d.received_at, due=first_due),
        d.assigned(second, position=2, days="5", assigned=vn(2021, 6, 25, 8), due=second_due),
        d.paused(second, vn(2021, 6, 28, 9), reason="financial_obligation"),
        d.resumed(second, vn(2021, 6, 28, 13), reason="financial_obligation"),
        d.completed(
            second, vn(2021, 7, 1, 10), position=2, days="5", assigned=vn(2021, 6, 25, 8), due=second_due
        ),
        d.ended("resolved", vn(2021, 7, 1, 10)),
    ]


def _comparable(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    fields = (
        "state",
        "started_at",
        "original_due_at",
        "due_at",
        "extended_due_at",
        "warn_at",
        "paused_minutes",
        "stopped_at",
        "stop_reason",
    )
    return [tuple(c[f] for f in fields) for c in [body["clock"], *body["steps"]]]


async def test_late_repeated_and_out_of_order_events_give_the_same_clocks(deadline: Deadline) -> None:
    in_order = new_dossier()
    await deadline.deliver(*_lifecycle(in_order, agency("THUE")))
    expected = await deadline.clocks(in_order.code)
    assert [c["state"] for c in [expected["clock"], *expected["steps"]]] == ["stopped"] * 3
    # One working day for the supplement; 09:00-13:00 is 150 office minutes (lunch does not count).
    paused = [c["paused_minutes"] for c in [expected["clock"], *expected["steps"]]]
    assert paused == [480 + 150, 480, 150]

    for seed in range(3):
        shuffled = new_dossier()
        events = _lifecycle(shuffled, agency("THUE"))
        random.Random(seed).shuffle(events)
        # Some heard twice: the same id (the inbox drops it) and the same fact re-sent under a new id.
        resent = [e.model_copy(update={"id": uuid.uuid4()}) for e in events[:4]]
        await deadline.deliver(*events, *events[:3], *resent)
        assert _comparable(await deadline.clocks(shuffled.code)) == _comparable(expected), seed


async def test_a_step_heard_before_the_receipt_gets_its_clock_and_the_dossier_clock_joins_it_paused(
    deadline: Deadline,
) -> None:
    d = new_dossier()
    await deadline.deliver(d.assigned(d.lead, **_step(d, d.lead)), d.paused(d.lead, vn(2021, 6, 21, 9)))
    early = await deadline.clocks(d.code)
    assert early["clock"] is None, "no dossier clock before the receipt is heard"
    assert early["steps"][0]["state"] == "paused"

    await deadline.deliver(d.received())
    body = await deadline.clocks(d.code)
    assert body["clock"]["state"] == "paused"
    assert _at(body["clock"], "paused_at") == vn(2021, 6, 21, 9)
    assert _at(body["clock"], "original_due_at") == DUE


async def test_a_repeated_receipt_with_other_values_changes_nothing(deadline: Deadline) -> None:
    d = new_dossier()
    await deadline.deliver(d.received())
    await deadline.deliver(d.received(due_at=iso(vn(2021, 8, 2, 8, 30))))
    assert _at((await deadline.clocks(d.code))["clock"], "due_at") == DUE


async def test_the_receipt_keeps_the_lead_agencys_name_for_its_letters(deadline: Deadline) -> None:
    d = new_dossier()
    await deadline.deliver(d.received())
    async with deadline.app.state.sessions() as session:
        name = await session.scalar(select(dossiers.c.lead_agency_name).where(dossiers.c.dossier_id == d.id))
    assert name == "Chi nhánh Văn phòng đăng ký đất đai"


async def test_a_withdrawal_stops_the_dossier_and_its_open_steps(deadline: Deadline) -> None:
    d = new_dossier()
    withdrawn_at = vn(2021, 6, 22, 10)
    await deadline.deliver(
        d.received(), d.assigned(d.lead, **_step(d, d.lead)), d.ended("withdrawn", withdrawn_at)
    )
    body = await deadline.clocks(d.code)
    for clock in (body["clock"], body["steps"][0]):
        assert (clock["state"], _at(clock, "stopped_at"), clock["stop_reason"]) == (
            "stopped",
            withdrawn_at,
            "withdrawn",
        )
    # A step assigned late, after the withdrawal, is born stopped: it never warns.
    late = agency("THUE")
    await deadline.deliver(d.assigned(late, position=2, days="3", assigned=vn(2021, 6, 23, 8), due=DUE))
    assert (await deadline.clocks(d.code))["steps"][1]["state"] == "stopped"


async def test_a_rejection_stops_the_step_that_made_it_and_the_dossier(deadline: Deadline) -> None:
    d = new_dossier()
    at = vn(2021, 6, 22, 10)
    rejected = d.event(
        "dossier.rejected", **d.about_step(d.lead), rejected_at=iso(at), reason="Không đủ điều kiện"
    )
    await deadline.deliver(d.received(), d.assigned(d.lead, **_step(d, d.lead)), rejected)
    body = await deadline.clocks(d.code)
    assert [(c["state"], c["stop_reason"]) for c in [body["clock"], *body["steps"]]] == [
        ("stopped", "rejected"),
        ("stopped", "rejected"),
    ]


async def test_an_imported_dossier_is_recorded_closed_and_never_warned(deadline: Deadline) -> None:
    d = new_dossier()
    await deadline.deliver(d.received(imported=True))
    clock = (await deadline.clocks(d.code))["clock"]
    assert (clock["state"], clock["stop_reason"]) == ("stopped", "imported")
    async with deadline.app.state.sessions() as session:
        running = await session.scalar(
            select(clocks.c.id).where(clocks.c.dossier_id == d.id, clocks.c.state == "running")
        )
    assert running is None


async def test_a_payload_deadline_cannot_read_is_poison_and_changes_nothing(deadline: Deadline) -> None:
    d = new_dossier()
    bad = d.event("dossier.step.paused", step_id="not-a-uuid", step_agency_code=d.lead, paused_at="soon")
    with pytest.raises(PoisonEvent):
        await deadline.deliver(bad)
    async with deadline.app.state.sessions() as session:
        assert await session.scalar(select(clocks.c.id).where(clocks.c.dossier_id == d.id)) is None
        inbox = messaging.inbox
        assert await session.scalar(select(inbox.c.event_id).where(inbox.c.event_id == bad.id)) is None


async def test_officers_and_leaders_see_the_clocks_of_dossiers_their_agency_holds(deadline: Deadline) -> None:
    d = new_dossier()
    second = agency("THUE")
    await deadline.deliver(
        d.received(),
        d.assigned(d.lead, **_step(d, d.lead)),
        d.assigned(second, position=2, days="3", assigned=vn(2021, 6, 25, 8), due=DUE),
    )
    assert (await deadline.clocks(d.code, "officer", second))["code"] == d.code
    assert (await deadline.clocks(d.code, "leader", d.lead))["code"] == d.code
    assert (await deadline.clocks(d.code, "reception"))["code"] == d.code
    other = await deadline.http.get(f"/v1/dossiers/{d.code}/clock", headers=deadline.auth("leader", "OTHER"))
    assert (other.status_code, other.json()["code"]) == (403, "not_your_agency")
    portal = await deadline.http.get(f"/v1/dossiers/{d.code}/clock", headers=deadline.auth("portal"))
    assert (portal.status_code, portal.json()["code"]) == (403, "forbidden_role")
    missing = await deadline.http.get("/v1/dossiers/NO-SUCH-CODE/clock", headers=deadline.auth("admin"))
    assert (missing.status_code, missing.json()["code"]) == (404, "dossier_not_found")
    assert missing.headers["content-type"] == "application/problem+json"
    anonymous = await deadline.http.get(f"/v1/dossiers/{d.code}/clock")
    assert anonymous.status_code == 401
