"""Agencies in two tiers, with history, on real PostgreSQL: a level, a registered unit and a period;
closed (a merger naming the successor), listed by the day they are in force, refused without a change,
and procedure versions naming only agencies in force on their first day."""

import json
from typing import Any

from sqlalchemy import select

from services.intake.catalogue.models import agencies, procedures
from services.intake.models import audit_log, messaging
from tests.edges import row_counts
from tests.intake.catalogue.test_catalogue import procedure
from tests.intake.conftest import Intake, unique_code


def agency(code: str, **changes: Any) -> dict[str, Any]:
    return {"code": code, "name": "Sở Tư pháp thử", "sector": "Tư pháp", **changes}


async def register(intake: Intake, body: dict[str, Any]) -> dict[str, Any]:
    response = await intake.post("/v1/agencies", body, "admin")
    assert response.status_code == 201, response.text
    registered: dict[str, Any] = response.json()
    return registered


async def events(intake: Intake, code: str) -> list[dict[str, Any]]:
    async with intake.app.state.sessions() as session:
        payloads = (
            await session.scalars(select(messaging.outbox.c.payload).order_by(messaging.outbox.c.id))
        ).all()
    return [e for e in map(json.loads, payloads) if e["data"].get("code") == code]


async def counts(intake: Intake) -> list[int]:
    return await row_counts(intake.app, agencies, procedures, messaging.outbox, audit_log)


async def listed(intake: Intake, on: str) -> set[str]:
    response = await intake.http.get("/v1/agencies", params={"on": on}, headers=intake.auth("portal"))
    assert response.status_code == 200, response.text
    return {a["code"] for a in response.json()}


async def test_an_agency_keeps_its_level_unit_and_period_and_an_old_client_gets_the_defaults(
    intake: Intake,
) -> None:
    old, commune = unique_code("A"), unique_code("A")
    assert await register(intake, agency(old)) == {
        **agency(old),
        "unit_code": intake.unit_code,
        "level": "district",
        "effective_from": "1900-01-01",
        "effective_to": None,
        "successor_code": None,
    }
    body = agency(
        commune,
        level="commune",
        unit_code=intake.unit_code,
        effective_from="2025-07-01",
        effective_to="2030-12-31",
    )
    assert (await register(intake, body))["level"] == "commune"
    central = await register(intake, agency(unique_code("A"), level="central"))
    assert central["level"] == "central"

    [registered] = await events(intake, commune)
    assert registered["type"] == "vn.motcua.catalog.agency.registered.v1"
    assert registered["data"] == {
        **body,
        "effective_to": "2030-12-31",
        "successor_code": None,
    }
    assert old in await listed(intake, "2021-06-18")
    assert commune not in await listed(intake, "2025-06-30")
    assert commune in await listed(intake, "2025-07-01")
    assert commune in await listed(intake, "2030-12-31")
    assert commune not in await listed(intake, "2031-01-01")


async def test_a_merger_closes_the_old_agency_names_its_successor_and_tells_every_service(
    intake: Intake,
) -> None:
    old, new = unique_code("A"), unique_code("A")
    await register(intake, agency(old, level="district"))
    await register(intake, agency(new, level="province", effective_from="2025-07-01"))
    response = await intake.post(
        f"/v1/agencies/{old}/close", {"effective_to": "2025-06-30", "successor_code": new}, "admin"
    )
    assert response.status_code == 200, response.text
    assert (response.json()["effective_to"], response.json()["successor_code"]) == ("2025-06-30", new)
    closed = [e for e in await events(intake, old) if e["type"] == "vn.motcua.catalog.agency.closed.v1"]
    assert [e["data"] for e in closed] == [{"code": old, "effective_to": "2025-06-30", "successor_code": new}]
    assert old in await listed(intake, "2025-06-30")
    assert old not in await listed(intake, "2025-07-01")
    assert new in await listed(intake, "2025-07-01")


async def test_a_procedure_version_names_only_agencies_in_force_on_its_first_day(intake: Intake) -> None:
    old, new = unique_code("A"), unique_code("A")
    await register(intake, agency(old, effective_to="2025-06-30"))
    await register(intake, agency(new, level="commune", effective_from="2025-07-01"))
    code = unique_code("P-")
    assert (await intake.post("/v1/procedures", procedure(code, old), "admin")).status_code == 201
    before = await counts(intake)
    refused = [
        procedure(code, new, effective_from="2025-06-30"),  # the new one not yet
        procedure(code, old, effective_from="2025-07-01"),  # the old one no more
        procedure(  # a route step counts as much as the lead
            code,
            new,
            effective_from="2025-07-01",
            route=[{"agency_code": new, "days": 2}, {"agency_code": old, "days": 3}],
        ),
    ]
    for body in refused:
        response = await intake.post("/v1/procedures", body, "admin")
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "agency_not_in_force"
    assert await counts(intake) == before
    second = await intake.post("/v1/procedures", procedure(code, new, effective_from="2025-07-01"), "admin")
    assert second.status_code == 201, second.text
    assert second.json()["version"] == 2


async def test_bad_agencies_and_closings_are_refused_and_change_nothing(intake: Intake) -> None:
    first, second, closed = unique_code("A"), unique_code("A"), unique_code("A")
    await register(intake, agency(first))
    await register(intake, agency(second, effective_to="2025-06-30", successor_code=first))
    await register(intake, agency(closed, effective_to="2025-06-30"))
    before = await counts(intake)
    cases = [
        ("/v1/agencies", agency(unique_code("A"), unit_code="999.99.99.H57"), 422, "unknown_unit"),
        (
            "/v1/agencies",
            agency(unique_code("A"), effective_to="2025-06-30", successor_code="NOPE"),
            422,
            "unknown_agency",
        ),
        ("/v1/agencies", agency(unique_code("A"), successor_code=first), 422, "successor_without_end"),
        (
            "/v1/agencies",
            agency(unique_code("A"), effective_from="2025-07-01", effective_to="2025-06-30"),
            422,
            "invalid_period",
        ),
        ("/v1/agencies", agency(unique_code("A"), level="hamlet"), 422, "validation_error"),
        ("/v1/agencies", agency(first), 409, "agency_exists"),
        # first → second → first: a merger chain that loops
        (
            f"/v1/agencies/{first}/close",
            {"effective_to": "2025-06-30", "successor_code": second},
            422,
            "agency_cycle",
        ),
        (
            f"/v1/agencies/{first}/close",
            {"effective_to": "2025-06-30", "successor_code": first},
            422,
            "agency_cycle",
        ),
        (
            f"/v1/agencies/{first}/close",
            {"effective_to": "2025-06-30", "successor_code": "NOPE"},
            422,
            "unknown_agency",
        ),
        (f"/v1/agencies/{first}/close", {"effective_to": "1899-12-31"}, 422, "validation_error"),
        (f"/v1/agencies/{closed}/close", {"effective_to": "2025-12-31"}, 409, "agency_closed"),
        ("/v1/agencies/NOPE/close", {"effective_to": "2025-12-31"}, 404, "agency_not_found"),
    ]
    for path, body, status, code in cases:
        response = await intake.post(path, body, "admin")
        assert response.status_code == status, (path, body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == code, (path, body)
    late = await intake.post(f"/v1/agencies/{first}/close", {"effective_to": "2025-06-30"}, "reception")
    assert late.status_code == 403
    assert await counts(intake) == before
