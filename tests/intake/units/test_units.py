"""Receiving units on real PostgreSQL and NATS: registered, listed by the day they are open, closed
(a merger naming the successor), refused without a change, and each change an event in the outbox."""

import asyncio
import json
import uuid
from typing import Any

from sqlalchemy import func, select

from services.intake.app import create_app
from services.intake.dossiers.models import dossiers
from services.intake.models import audit_log, messaging
from services.intake.settings import IntakeSettings
from services.intake.units.models import units
from tests.conftest import Stack, serving
from tests.intake.conftest import Intake, routed_procedure


def unit_code() -> str:
    """A fresh code of the usual shape, lowest level first, ending in the province."""
    return f"{uuid.uuid4().int % 10**9:09d}.01.H57"


def unit(code: str, **changes: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name": "Trung tâm Phục vụ hành chính công phường Hương Trà",
        "kind": "commune_centre",
        **changes,
    }


async def register(intake: Intake, body: dict[str, Any]) -> dict[str, Any]:
    response = await intake.post("/v1/units", body, "admin")
    assert response.status_code == 201, response.text
    registered: dict[str, Any] = response.json()
    return registered


async def listed(intake: Intake, codes: set[str], **params: str) -> set[str]:
    response = await intake.http.get("/v1/units", params=params, headers=intake.auth("portal"))
    assert response.status_code == 200, response.text
    return {u["code"] for u in response.json()} & codes


async def unit_events(intake: Intake, codes: set[str]) -> list[tuple[str, dict[str, Any]]]:
    """The `catalog.unit.*` events in the outbox about `codes`, oldest first: (name, data)."""
    async with intake.app.state.sessions() as session:
        payloads = (
            await session.scalars(
                select(messaging.outbox.c.payload)
                .where(messaging.outbox.c.topic.like("catalog.unit.%"))
                .order_by(messaging.outbox.c.id)
            )
        ).all()
    events = [json.loads(p) for p in payloads]
    return [
        (e["type"].removeprefix("vn.motcua.").removesuffix(".v1"), e["data"])
        for e in events
        if e["data"]["code"] in codes
    ]


async def state(intake: Intake, codes: set[str]) -> tuple[list[Any], list[Any], list[Any]]:
    """The units, their events and their audit rows: what a refused request must leave unchanged."""
    async with intake.app.state.sessions() as session:
        rows = (
            await session.execute(select(units).where(units.c.code.in_(codes)).order_by(units.c.code))
        ).all()
        audited = (
            await session.execute(
                select(audit_log.c.action, audit_log.c.entity)
                .where(audit_log.c.entity.in_([f"unit:{c}" for c in codes]))
                .order_by(audit_log.c.id)
            )
        ).all()
    return [tuple(r) for r in rows], await unit_events(intake, codes), [tuple(a) for a in audited]


async def test_the_default_unit_is_registered_on_start_once(intake: Intake, stack: Stack) -> None:
    response = await intake.http.get(f"/v1/units/{intake.unit_code}", headers=intake.auth("reception"))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "code": intake.unit_code,
        "name": "Bộ phận tiếp nhận và trả kết quả",
        "kind": "district_centre",
        "parent_code": None,
        "address": None,
        "effective_from": "1900-01-01",
        "effective_to": None,
        "successor_code": None,
    }
    assert await listed(intake, {intake.unit_code}, on="2021-06-18") == {intake.unit_code}
    # Another replica of the same deployment starts: the unit is there, registered once.
    settings = stack.settings("intake", IntakeSettings, centre_unit_code=intake.unit_code)
    async with serving(create_app(settings, intake.clock), "http://intake-2"):
        pass
    events = await unit_events(intake, {intake.unit_code})
    assert [name for name, _ in events] == ["catalog.unit.registered"]


async def test_dossiers_are_still_numbered_at_the_default_unit(intake: Intake) -> None:
    procedure = await routed_procedure(intake, prefix="DV-", name="Thủ tục thử đơn vị")
    body = {
        "procedure_code": procedure,
        "applicant": {"name": "Lê Văn An"},
        "documents": ["DON", "GCN", "CCCD"],
    }
    response = await intake.post("/v1/dossiers", body)
    assert response.status_code == 201, response.text
    assert response.json()["code"] == f"{intake.unit_code}-210618-0001"


async def test_units_are_registered_and_listed_by_the_days_they_are_open(intake: Intake) -> None:
    province, branch, commune, today = unit_code(), unit_code(), unit_code(), unit_code()
    centre = await register(
        intake,
        unit(
            province,
            name="Trung tâm Phục vụ hành chính công tỉnh",
            kind="provincial_centre",
            address="01 Lê Lai, Huế",
            effective_from="2025-07-01",
        ),
    )
    assert centre == {
        "code": province,
        "name": "Trung tâm Phục vụ hành chính công tỉnh",
        "kind": "provincial_centre",
        "parent_code": None,
        "address": "01 Lê Lai, Huế",
        "effective_from": "2025-07-01",
        "effective_to": None,
        "successor_code": None,
    }
    under = await register(
        intake, unit(branch, kind="branch", parent_code=province, effective_from="2025-07-01")
    )
    closing = await register(
        intake, unit(commune, parent_code=province, effective_from="2025-07-01", effective_to="2025-12-31")
    )
    opened_today = await register(intake, unit(today))
    assert opened_today["effective_from"] == "2021-06-18"  # the clock's day in Vietnam

    codes = {province, branch, commune, today}
    assert await listed(intake, codes) == codes
    assert await listed(intake, codes, on="2021-06-17") == set()
    assert await listed(intake, codes, on="2025-06-30") == {today}
    assert await listed(intake, codes, on="2025-07-01") == codes
    assert await listed(intake, codes, on="2025-12-31") == codes  # its last day is a day open
    assert await listed(intake, codes, on="2026-01-01") == {province, branch, today}

    one = await intake.http.get(f"/v1/units/{branch}", headers=intake.auth("auditor"))
    assert one.json()["parent_code"] == province
    missing = await intake.http.get(f"/v1/units/{unit_code()}", headers=intake.auth("admin"))
    assert (missing.status_code, missing.json()["code"]) == (404, "unit_not_found")
    assert (await intake.http.get("/v1/units")).status_code == 401

    # The events carry what the responses say, in the order registered.
    assert await unit_events(intake, codes) == [
        ("catalog.unit.registered", registered) for registered in (centre, under, closing, opened_today)
    ]
    assert closing["effective_to"] == "2025-12-31"


async def test_closing_a_unit_names_its_successor_and_its_dossiers_keep_it(intake: Intake) -> None:
    old, new = unit_code(), unit_code()
    await register(intake, unit(old, effective_from="2021-01-01"))
    await register(intake, unit(new, name="Trung tâm sau sáp nhập", effective_from="2025-07-01"))
    procedure = await routed_procedure(intake, prefix="DV-", name="Thủ tục thử sáp nhập")
    body = {
        "procedure_code": procedure,
        "applicant": {"name": "Lê Văn An"},
        "documents": ["DON", "GCN", "CCCD"],
    }
    dossier = (await intake.post("/v1/dossiers", body)).json()
    # The deployment's own unit closes too: a merger into the new centre.
    default = intake.unit_code

    for code in (old, default):
        response = await intake.post(
            f"/v1/units/{code}/close",
            {"effective_to": "2025-06-30", "successor_code": new},
            "admin",
        )
        assert response.status_code == 200, response.text
        assert (response.json()["effective_to"], response.json()["successor_code"]) == ("2025-06-30", new)
    closed = (await intake.http.get(f"/v1/units/{old}", headers=intake.auth("admin"))).json()
    assert (closed["effective_from"], closed["effective_to"], closed["successor_code"]) == (
        "2021-01-01",
        "2025-06-30",
        new,
    )
    codes = {old, new, default}
    assert await listed(intake, codes, on="2025-06-30") == {old, default}
    assert await listed(intake, codes, on="2025-07-01") == {new}

    async with intake.app.state.sessions() as session:
        kept = (
            await session.execute(
                select(dossiers.c.code, dossiers.c.unit_code).where(dossiers.c.id == dossier["id"])
            )
        ).one()
        audited = (
            await session.execute(
                select(audit_log.c.action, audit_log.c.actor, audit_log.c.role, audit_log.c.detail)
                .where(audit_log.c.entity == f"unit:{old}")
                .order_by(audit_log.c.id)
            )
        ).all()
    assert tuple(kept) == (dossier["code"], default)
    assert [tuple(a) for a in audited] == [
        ("unit.registered", "admin-1", "admin", {}),
        (
            "unit.closed",
            "admin-1",
            "admin",
            {"code": old, "effective_to": "2025-06-30", "successor_code": new},
        ),
    ]
    closings = [
        (name, data) for name, data in await unit_events(intake, codes) if name == "catalog.unit.closed"
    ]
    assert closings == [
        ("catalog.unit.closed", {"code": old, "effective_to": "2025-06-30", "successor_code": new}),
        ("catalog.unit.closed", {"code": default, "effective_to": "2025-06-30", "successor_code": new}),
    ]

    # Closed without a successor: the unit just stops receiving.
    response = await intake.post(f"/v1/units/{new}/close", {"effective_to": "2030-12-31"}, "admin")
    assert response.status_code == 200, response.text
    assert (await unit_events(intake, {new}))[-1] == (
        "catalog.unit.closed",
        {"code": new, "effective_to": "2030-12-31", "successor_code": None},
    )


async def test_bad_units_are_refused_and_change_nothing(intake: Intake) -> None:
    parent, taken_over = unit_code(), unit_code()
    await register(intake, unit(parent, kind="provincial_centre", effective_from="2020-01-01"))
    await register(intake, unit(taken_over, effective_from="2020-01-01", effective_to="2024-12-31"))
    fresh, unknown = unit_code(), unit_code()
    codes = {parent, taken_over, fresh, unknown}
    before = await state(intake, codes)

    registering = [
        (unit(parent), 409, "unit_exists"),
        (unit(fresh, parent_code=unknown), 422, "unknown_unit"),
        (unit(fresh, effective_to="2030-01-01", successor_code=unknown), 422, "unknown_unit"),
        (unit(fresh, parent_code=fresh), 422, "unit_cycle"),
        (unit(fresh, effective_to="2030-01-01", successor_code=fresh), 422, "unit_cycle"),
        (unit(fresh, effective_from="2025-07-01", effective_to="2025-06-30"), 422, "invalid_period"),
        (unit(fresh, successor_code=parent), 422, "successor_without_end"),
        (unit("000 00.01.H57"), 422, "validation_error"),
        (unit("000/00.01.H57"), 422, "validation_error"),
        (unit("000..01.H57"), 422, "validation_error"),
        (unit(".."), 422, "validation_error"),
        (unit(f"{fresh}.{'0' * 30}"), 422, "validation_error"),
        (unit(fresh, kind="ward_office"), 422, "validation_error"),
        (unit(fresh, effective_from="1.7.2025"), 422, "validation_error"),
        (unit(fresh, name=""), 422, "validation_error"),
    ]
    for body, status, code in registering:
        response = await intake.post("/v1/units", body, "admin")
        assert (response.status_code, response.json()["code"]) == (status, code), body
    assert (await intake.post("/v1/units", unit(fresh), "reception")).status_code == 403

    closing = [
        (parent, {"effective_to": "2019-12-31"}, 422, "invalid_period"),
        (parent, {"effective_to": "2025-06-30", "successor_code": unknown}, 422, "unknown_unit"),
        (parent, {"effective_to": "2025-06-30", "successor_code": parent}, 422, "unit_cycle"),
        (taken_over, {"effective_to": "2025-06-30"}, 409, "unit_closed"),
        (unknown, {"effective_to": "2025-06-30"}, 404, "unit_not_found"),
        (parent, {"effective_to": "2025-06-31"}, 422, "validation_error"),
        (parent, {}, 422, "validation_error"),
    ]
    for code_, body, status, code in closing:
        response = await intake.post(f"/v1/units/{code_}/close", body, "admin")
        assert (response.status_code, response.json()["code"]) == (status, code), (code_, body)
    assert (
        await intake.post(f"/v1/units/{parent}/close", {"effective_to": "2025-06-30"}, "leader")
    ).status_code == 403

    assert await state(intake, codes) == before


async def test_a_successor_chain_never_loops_back(intake: Intake) -> None:
    first, second, third = unit_code(), unit_code(), unit_code()
    for code in (first, second, third):
        await register(intake, unit(code, effective_from="2020-01-01"))
    for closing, successor in ((first, second), (second, third)):
        response = await intake.post(
            f"/v1/units/{closing}/close", {"effective_to": "2024-12-31", "successor_code": successor}, "admin"
        )
        assert response.status_code == 200, response.text
    before = await state(intake, {first, second, third})
    # third → first would lead first → second → third → first.
    response = await intake.post(
        f"/v1/units/{third}/close", {"effective_to": "2025-12-31", "successor_code": first}, "admin"
    )
    assert (response.status_code, response.json()["code"]) == (422, "unit_cycle")
    assert await state(intake, {first, second, third}) == before


async def test_two_closings_at_once_cannot_make_a_cycle_together(intake: Intake) -> None:
    left, right = unit_code(), unit_code()
    for code in (left, right):
        await register(intake, unit(code, effective_from="2020-01-01"))
    answers = await asyncio.gather(
        intake.post(
            f"/v1/units/{left}/close", {"effective_to": "2025-06-30", "successor_code": right}, "admin"
        ),
        intake.post(
            f"/v1/units/{right}/close", {"effective_to": "2025-06-30", "successor_code": left}, "admin"
        ),
    )
    assert sorted(a.status_code for a in answers) == [200, 422]
    assert [a.json()["code"] for a in answers if a.status_code == 422] == ["unit_cycle"]


async def test_one_code_registered_twice_at_once_is_one_unit(intake: Intake) -> None:
    code = unit_code()
    answers = await asyncio.gather(*(intake.post("/v1/units", unit(code), "admin") for _ in range(2)))
    assert sorted(a.status_code for a in answers) == [201, 409]
    async with intake.app.state.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(units).where(units.c.code == code))
    assert count == 1
    assert len(await unit_events(intake, {code})) == 1
