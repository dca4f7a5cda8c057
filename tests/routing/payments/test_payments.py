"""Recording a step's payments on real PostgreSQL: the rows, their `dossier.fee_paid` events and audit
rows, replays by reference, and every refusal leaving everything as it was."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from services.routing.models import audit_log
from services.routing.payments.models import fee_payments
from shared.auth import Role
from tests.routing.conftest import Dossier, Routing, agency, iso, new_dossier, vn

NOW = vn(2021, 6, 21, 9)
COUNTER: dict[str, Any] = {
    "amount": 150_000,
    "channel": "counter",
    "paid_at": iso(vn(2021, 6, 21, 8)),
    "reference": "BL-0042",
}
ONLINE: dict[str, Any] = {
    "amount": 2_350_000,
    "channel": "online",
    "paid_at": iso(vn(2021, 6, 21, 8, 45)),
    "reference": "VNP-981",
}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def obligation_asked(routing: Routing, *, lead: str, tax: str) -> tuple[Dossier, dict[str, Any]]:
    """A dossier whose second step (the tax office's, not the lead agency's) asked for a financial
    obligation on ``NOW``."""
    dossier = new_dossier((lead, 5), (tax, 3))
    await routing.deliver(dossier.received())
    first = await routing.step(dossier.code, 1)
    await routing.act(first["id"], "accept", agency=lead)
    await routing.act(first["id"], "complete", {"note": "xong"}, agency=lead)
    step = await routing.step(dossier.code, 2)
    await routing.act(step["id"], "accept", agency=tax)
    routing.clock.set(NOW)
    asked = await routing.act(step["id"], "obligation", {"note": "thuế trước bạ"}, agency=tax)
    assert asked.status_code == 200, asked.text
    return dossier, step


async def pay(
    routing: Routing,
    step_id: str,
    body: Any,
    *,
    agency: str | None,
    role: Role = "officer",
    sub: str | None = None,
) -> httpx.Response:
    return await routing.http.post(
        f"/v1/steps/{step_id}/obligation/payments", json=body, headers=routing.auth(role, agency, sub)
    )


async def listed(routing: Routing, step_id: str, *, agency: str, role: Role = "officer") -> httpx.Response:
    return await routing.http.get(
        f"/v1/steps/{step_id}/obligation/payments", headers=routing.auth(role, agency)
    )


async def fee_events(routing: Routing, code: str) -> list[dict[str, Any]]:
    return [e for e in await routing.events(code) if e["type"] == "vn.motcua.dossier.fee_paid.v1"]


async def stored(routing: Routing, step_id: str) -> list[Any]:
    async with routing.app.state.sessions() as session:
        rows = await session.execute(
            select(fee_payments)
            .where(fee_payments.c.step_id == uuid.UUID(step_id))
            .order_by(fee_payments.c.paid_at)
        )
        return list(rows)


async def audited(routing: Routing, code: str) -> list[Any]:
    async with routing.app.state.sessions() as session:
        rows = await session.execute(
            select(audit_log)
            .where(audit_log.c.entity == f"dossier:{code}", audit_log.c.action == "step.payment_recorded")
            .order_by(audit_log.c.id)
        )
        return list(rows)


async def state(routing: Routing, dossier: Dossier, step_id: str) -> tuple[Any, ...]:
    """Everything a refused request must leave as it was."""
    return (
        await stored(routing, step_id),
        await routing.events(dossier.code),
        await audited(routing, dossier.code),
        await routing.plan(dossier.code),
    )


async def test_counter_and_online_payments_are_stored_announced_under_the_step_agency_and_audited(
    routing: Routing,
) -> None:
    lead, tax = agency("VPDK"), agency("THUE")
    dossier, step = await obligation_asked(routing, lead=lead, tax=tax)

    counter = await pay(routing, step["id"], COUNTER, agency=tax, sub="can-bo-thu")
    online = await pay(routing, step["id"], {**ONLINE, "reference": None}, agency=tax, role="leader")
    assert (counter.status_code, online.status_code) == (201, 201), (counter.text, online.text)
    assert counter.json() | {"paid_at": None, "recorded_at": None} == {
        "payment_id": counter.json()["payment_id"],
        "step_id": step["id"],
        "dossier_code": dossier.code,
        "amount": 150_000,
        "channel": "counter",
        "paid_at": None,
        "reference": "BL-0042",
        "recorded_by": "can-bo-thu",
        "recorded_at": None,
    }
    assert at(counter.json()["paid_at"]) == vn(2021, 6, 21, 8)
    assert at(counter.json()["recorded_at"]) == NOW

    rows = await stored(routing, step["id"])
    assert [(r.amount, r.channel, r.reference, r.recorded_by, r.recorded_at) for r in rows] == [
        (150_000, "counter", "BL-0042", "can-bo-thu", NOW),
        (2_350_000, "online", None, f"leader-{tax}", NOW),
    ]
    assert {r.dossier_id for r in rows} == {dossier.id}

    events = await fee_events(routing, dossier.code)
    assert [e["topic"] for e in events] == [f"dossier.{tax}.fee_paid"] * 2
    first = events[0]["data"]
    assert at(first.pop("paid_at")) == vn(2021, 6, 21, 8)
    assert first == {
        "dossier_id": str(dossier.id),
        "code": dossier.code,
        "portal_id": None,
        "agency_code": lead,
        "step_id": step["id"],
        "step_agency_code": tax,
        "payment_id": counter.json()["payment_id"],
        "amount": 150_000,
        "channel": "counter",
        "reference": "BL-0042",
    }
    assert (events[1]["data"]["channel"], events[1]["data"]["reference"]) == ("online", None)
    assert events[1]["data"]["payment_id"] == online.json()["payment_id"]
    # Each event carries the plan's next version, after the obligation's pause.
    versions = [e["dossierversion"] for e in await routing.events(dossier.code)]
    assert versions == list(range(1, len(versions) + 1))

    audits = await audited(routing, dossier.code)
    assert [(a.actor, a.role, a.agency, a.at) for a in audits] == [
        ("can-bo-thu", "officer", tax, NOW),
        (f"leader-{tax}", "leader", tax, NOW),
    ]
    assert audits[0].detail == {
        "step_id": step["id"],
        "agency_code": tax,
        "payment_id": counter.json()["payment_id"],
        "amount": 150_000,
        "channel": "counter",
        "paid_at": audits[0].detail["paid_at"],
        "reference": "BL-0042",
    }
    assert at(audits[0].detail["paid_at"]) == vn(2021, 6, 21, 8)
    # Recording a payment does not move the step: it waits for the obligation to be declared met.
    assert (await routing.step(dossier.code, 2))["state"] == "paused"


async def test_the_same_payment_sent_again_answers_200_with_it_and_is_announced_once(
    routing: Routing,
) -> None:
    dossier, step = await obligation_asked(routing, lead=agency("VPDK"), tax=(tax := agency("THUE")))
    first = await pay(routing, step["id"], ONLINE, agency=tax)
    assert first.status_code == 201, first.text
    before = await state(routing, dossier, step["id"])

    # The platform's callback again, its time written in UTC this time: the same instant.
    routing.clock.set(NOW + timedelta(hours=1))
    utc = {**ONLINE, "paid_at": at(ONLINE["paid_at"]).astimezone(UTC).isoformat()}
    again = await pay(routing, step["id"], utc, agency=tax, sub="another-officer")
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert await state(routing, dossier, step["id"]) == before
    assert len(await fee_events(routing, dossier.code)) == 1


async def test_another_payment_under_a_recorded_reference_is_409_and_changes_nothing(
    routing: Routing,
) -> None:
    dossier, step = await obligation_asked(routing, lead=agency("VPDK"), tax=(tax := agency("THUE")))
    assert (await pay(routing, step["id"], ONLINE, agency=tax)).status_code == 201
    before = await state(routing, dossier, step["id"])
    for change in (
        {"amount": 2_350_001},
        {"channel": "bank_transfer"},
        {"paid_at": iso(vn(2021, 6, 21, 8, 46))},
    ):
        response = await pay(routing, step["id"], {**ONLINE, **change}, agency=tax)
        assert response.status_code == 409, (change, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "payment_reference_conflict"
    assert await state(routing, dossier, step["id"]) == before
    # The same reference at another step names another payment.
    _, other_step = await obligation_asked(routing, lead=agency("VPDK"), tax=(other_tax := agency("THUE")))
    assert (await pay(routing, other_step["id"], ONLINE, agency=other_tax)).status_code == 201


async def test_a_bad_amount_or_body_is_422_validation_error_and_changes_nothing(routing: Routing) -> None:
    dossier, step = await obligation_asked(routing, lead=agency("VPDK"), tax=(tax := agency("THUE")))
    before = await state(routing, dossier, step["id"])
    missing = {key: value for key, value in COUNTER.items() if key != "amount"}
    bad: list[Any] = [
        missing,
        {**COUNTER, "amount": 0},
        {**COUNTER, "amount": -5_000},
        {**COUNTER, "amount": 10**12 + 1},
        {**COUNTER, "amount": "150000đ"},
        {**COUNTER, "channel": "cash"},
        {**COUNTER, "paid_at": "2021-06-21T08:00:00"},  # no offset
        {**COUNTER, "reference": "x" * 101},
        {**COUNTER, "reference": "BL\u00000042"},
        {**COUNTER, "payer": "Nguyễn Văn An"},
        None,
    ]
    for body in bad:
        response = await pay(routing, step["id"], body, agency=tax)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "validation_error"
    zero = (await pay(routing, step["id"], {**COUNTER, "amount": 0}, agency=tax)).json()
    assert [e["loc"] for e in zero["errors"]] == [["body", "amount"]]
    assert await state(routing, dossier, step["id"]) == before


async def test_a_payment_in_the_future_or_before_the_receipt_is_422_with_its_code(routing: Routing) -> None:
    dossier, step = await obligation_asked(routing, lead=agency("VPDK"), tax=(tax := agency("THUE")))
    before = await state(routing, dossier, step["id"])
    cases = [
        (NOW + timedelta(minutes=5, seconds=1), "paid_at_in_future"),
        (vn(2021, 6, 22, 9), "paid_at_in_future"),
        (dossier.received_at - timedelta(seconds=1), "paid_at_before_receipt"),
    ]
    for paid_at, code in cases:
        response = await pay(routing, step["id"], {**COUNTER, "paid_at": iso(paid_at)}, agency=tax)
        assert (response.status_code, response.json()["code"]) == (422, code), response.text
    assert await state(routing, dossier, step["id"]) == before
    # A terminal's clock a little ahead of ours is not the future.
    skewed = await pay(
        routing, step["id"], {**COUNTER, "paid_at": iso(NOW + timedelta(minutes=5))}, agency=tax
    )
    assert skewed.status_code == 201, skewed.text


async def test_a_step_that_never_asked_for_an_obligation_is_409_no_obligation(routing: Routing) -> None:
    lead, tax = agency("VPDK"), agency("THUE")
    dossier, _ = await obligation_asked(routing, lead=lead, tax=tax)
    first = await routing.step(dossier.code, 1)  # completed without ever asking
    plain = new_dossier((other := agency("VPDK"), 5))
    await routing.deliver(plain.received())
    unasked = await routing.step(plain.code, 1)
    for step_id, who, code in ((first["id"], lead, dossier.code), (unasked["id"], other, plain.code)):
        before_events = await routing.events(code)
        response = await pay(routing, step_id, COUNTER, agency=who)
        assert (response.status_code, response.json()["code"]) == (409, "no_obligation"), response.text
        assert "obligation" in response.json()["detail"]
        assert await stored(routing, step_id) == []
        assert await routing.events(code) == before_events


async def test_a_payment_recorded_after_the_obligation_was_met_is_still_accepted(routing: Routing) -> None:
    dossier, step = await obligation_asked(routing, lead=agency("VPDK"), tax=(tax := agency("THUE")))
    routing.clock.set(NOW + timedelta(hours=2))
    assert (await routing.act(step["id"], "obligation/fulfilled", agency=tax)).status_code == 200
    late = await pay(routing, step["id"], COUNTER, agency=tax)
    assert late.status_code == 201, late.text
    assert (await routing.step(dossier.code, 2))["state"] == "in_progress"
    assert len(await fee_events(routing, dossier.code)) == 1


async def test_only_the_step_agency_staff_record_and_read_payments(routing: Routing) -> None:
    lead, tax = agency("VPDK"), agency("THUE")
    dossier, step = await obligation_asked(routing, lead=lead, tax=tax)
    before = await state(routing, dossier, step["id"])
    role: Role
    for role in ("officer", "leader"):
        refused = await pay(routing, step["id"], COUNTER, agency=lead, role=role)
        assert (refused.status_code, refused.json()["code"]) == (403, "not_your_agency")
        hidden = await listed(routing, step["id"], agency=lead, role=role)
        assert (hidden.status_code, hidden.json()["code"]) == (403, "not_your_agency")
    for role in ("portal", "reception", "admin", "auditor"):
        refused = await pay(routing, step["id"], COUNTER, agency=None, role=role)
        assert (refused.status_code, refused.json()["code"]) == (403, "forbidden_role")
    assert await state(routing, dossier, step["id"]) == before
    for step_id in (str(uuid.uuid4()), "not-a-step"):
        unknown = await pay(routing, step_id, COUNTER, agency=tax)
        assert (unknown.status_code, unknown.json()["code"]) == (404, "step_not_found")
        assert (await listed(routing, step_id, agency=tax)).json()["code"] == "step_not_found"


async def test_the_list_shows_the_step_payments_earliest_paid_first(routing: Routing) -> None:
    dossier, step = await obligation_asked(routing, lead=agency("VPDK"), tax=(tax := agency("THUE")))
    assert (await listed(routing, step["id"], agency=tax)).json() == []
    online = (await pay(routing, step["id"], ONLINE, agency=tax)).json()
    counter = (await pay(routing, step["id"], COUNTER, agency=tax)).json()  # paid earlier, recorded later
    response = await listed(routing, step["id"], agency=tax, role="leader")
    assert response.status_code == 200, response.text
    assert response.json() == [counter, online]
    assert {p["dossier_code"] for p in response.json()} == {dossier.code}


async def test_concurrent_callbacks_of_one_payment_record_it_once(routing: Routing) -> None:
    dossier, step = await obligation_asked(routing, lead=agency("VPDK"), tax=(tax := agency("THUE")))
    responses = await asyncio.gather(*(pay(routing, step["id"], ONLINE, agency=tax) for _ in range(5)))
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 200, 201]
    assert len({r.json()["payment_id"] for r in responses}) == 1
    assert len(await stored(routing, step["id"])) == 1
    assert len(await fee_events(routing, dossier.code)) == 1
