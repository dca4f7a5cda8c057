"""Receipt regardless of administrative boundary (#15 item 4), on real PostgreSQL: a dossier received at
a unit other than its procedure's lead agency's is `received_across_boundary`, on the dossier, in its
API response and in `dossier.received`; an imported line is judged the same way by its unit."""

import json
from typing import Any

from sqlalchemy import select

from services.intake.dossiers.models import dossiers
from services.intake.dossiers.rules import received_across_boundary
from services.intake.models import messaging
from shared.auth import issue_token
from tests.intake.conftest import Intake, unique_code
from tests.intake.importing.test_import import old, send
from tests.intake.units.test_reception_units import new_unit, receive


def test_across_the_boundary_is_a_receiving_unit_other_than_the_lead_agencys() -> None:
    assert received_across_boundary("A", "B")
    assert not received_across_boundary("A", "A")
    assert not received_across_boundary("A", None), "an agency whose unit is unknown is not across"
    assert not received_across_boundary("A", "")


async def commune_procedure(intake: Intake, unit: str) -> str:
    """A procedure of its own, led by a new commune agency of `unit`, with one required paper."""
    agency = unique_code("XA")
    body = {"code": agency, "name": "Phòng Kinh tế xã", "sector": "Hộ tịch", "unit_code": unit}
    response = await intake.post("/v1/agencies", {**body, "level": "commune"}, "admin")
    assert response.status_code == 201, response.text
    code = unique_code("HT")
    procedure = {
        "code": code,
        "name": "Đăng ký khai sinh",
        "field_code": "HO_TICH",
        "field_name": "Hộ tịch",
        "agency_code": agency,
        "effective_from": "2021-01-01",
        "processing_days": 3,
        "service_level": 3,
        "route": [{"agency_code": agency, "days": 3}],
        "documents": [{"code": "TO_KHAI", "name": "Tờ khai"}],
    }
    response = await intake.post("/v1/procedures", procedure, "admin")
    assert response.status_code == 201, response.text
    return code


async def received_event(intake: Intake, code: str) -> dict[str, Any]:
    async with intake.app.state.sessions() as session:
        payloads = await session.scalars(
            select(messaging.outbox.c.payload).where(messaging.outbox.c.topic.like("dossier.%.received"))
        )
        [event] = [e for e in map(json.loads, payloads) if e.get("subject") == code]
    return dict(event["data"])


async def stored_flag(intake: Intake, dossier_id: str) -> bool:
    async with intake.app.state.sessions() as session:
        query = select(dossiers.c.received_across_boundary).where(dossiers.c.id == dossier_id)
        return bool(await session.scalar(query))


async def test_a_dossier_received_at_another_unit_than_the_lead_agencys_is_across_the_boundary(
    intake: Intake,
) -> None:
    home, elsewhere = await new_unit(intake), await new_unit(intake)
    procedure = await commune_procedure(intake, home)
    paper = {"procedure_code": procedure, "documents": ["TO_KHAI"]}
    for unit, across in ((home, False), (elsewhere, True)):
        response = await receive(intake, unit, **paper)
        assert response.status_code == 201, response.text
        dossier = response.json()
        assert dossier["status"] == "received"
        assert dossier["received_across_boundary"] is across, unit
        assert await stored_flag(intake, dossier["id"]) is across
        event = await received_event(intake, dossier["code"])
        assert (event["unit_code"], event["received_across_boundary"]) == (unit, across)
        looked_up = await intake.http.get(f"/v1/dossiers/{dossier['code']}", headers=intake.auth("admin"))
        assert looked_up.json()["received_across_boundary"] is across


async def test_an_online_dossier_is_across_by_the_unit_the_portal_named(intake: Intake) -> None:
    home, elsewhere = await new_unit(intake), await new_unit(intake)
    procedure = await commune_procedure(intake, home)
    body = {
        "procedure_code": procedure,
        "channel": "online",
        "applicant": {"name": "Trần Thị Bình"},
        "documents": ["TO_KHAI"],
        "unit_code": elsewhere,
    }
    submitted = await intake.post("/v1/dossiers", body, "portal")
    assert submitted.status_code == 201, submitted.text
    assert submitted.json()["received_across_boundary"] is True
    accepted = await receive_online(intake, elsewhere, submitted.json()["id"])
    assert accepted["status"] == "received"
    assert (await received_event(intake, accepted["code"]))["received_across_boundary"] is True


async def receive_online(intake: Intake, unit: str, dossier_id: str) -> dict[str, Any]:
    token = issue_token(intake.secret, sub=f"reception-{unit}", role="reception", unit=unit)
    response = await intake.http.post(
        f"/v1/dossiers/{dossier_id}/accept", json={}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_an_imported_line_is_across_by_its_own_unit(intake: Intake) -> None:
    home, elsewhere = await new_unit(intake), await new_unit(intake)
    procedure = await commune_procedure(intake, home)
    lines = [old(procedure_code=procedure, unit_code=unit) for unit in (home, elsewhere)]
    sent: list[dict[str, Any] | str] = [*lines]
    response = await send(intake, sent)
    assert response.status_code == 200, response.text
    assert response.json()["imported"] == 2, response.text
    for line, across in zip(lines, (False, True), strict=True):
        async with intake.app.state.sessions() as session:
            query = select(dossiers.c.code, dossiers.c.received_across_boundary).where(
                dossiers.c.external_code == line["external_code"]
            )
            row = (await session.execute(query)).one()
        assert row.received_across_boundary is across
        assert (await received_event(intake, row.code))["received_across_boundary"] is across
