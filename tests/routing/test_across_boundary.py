"""Receipt regardless of administrative boundary (#15 item 4), intake and routing on the real PostgreSQL:
a dossier received at commune unit A for a procedure led by a province agency is routed to that agency
(routing follows the lead and route's agency codes, wherever the dossier was received), and its result
is handed over at unit B, the return unit the citizen chose."""

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from services.intake.app import create_app
from services.intake.models import messaging as intake_messaging
from services.intake.settings import IntakeSettings
from services.routing.models import messaging as routing_messaging
from shared.clock import FixedClock
from shared.messaging.envelope import CloudEvent
from tests.conftest import Stack, serving
from tests.intake.conftest import Intake, unique_code
from tests.intake.units.test_reception_units import new_unit
from tests.routing.conftest import Routing, vn


@pytest.fixture
async def intake(stack: Stack) -> AsyncIterator[Intake]:
    unit = f"{uuid.uuid4().int % 10**6:06d}.12.H57"
    settings = stack.settings("intake", IntakeSettings, centre_unit_code=unit)
    clock = FixedClock(vn(2021, 6, 18, 8, 30))
    app = create_app(settings, clock)
    async with serving(app, "http://intake") as http:
        yield Intake(http, app, clock, unit, stack.jwt_secret)


async def province_procedure(intake: Intake, province: str) -> tuple[str, str]:
    """A province agency registered at the provincial centre, and a procedure it leads alone."""
    agency = unique_code("SO")
    body = {"code": agency, "name": "Sở Tư pháp", "sector": "Tư pháp", "unit_code": province}
    response = await intake.post("/v1/agencies", {**body, "level": "province"}, "admin")
    assert response.status_code == 201, response.text
    code = unique_code("TP")
    procedure = {
        "code": code,
        "name": "Cấp phiếu lý lịch tư pháp",
        "field_code": "LY_LICH_TU_PHAP",
        "field_name": "Lý lịch tư pháp",
        "agency_code": agency,
        "processing_days": 10,
        "service_level": 3,
        "route": [{"agency_code": agency, "days": 10}],
        "documents": [{"code": "TO_KHAI", "name": "Tờ khai"}],
    }
    response = await intake.post("/v1/procedures", procedure, "admin")
    assert response.status_code == 201, response.text
    return agency, code


async def staged(app: Any, messaging: Any, code: str, kind: str) -> CloudEvent:
    """The event `dossier.<agency>.<kind>` about dossier `code` that a service staged in its outbox."""
    outbox = messaging.outbox
    async with app.state.sessions() as session:
        payloads = await session.scalars(
            select(outbox.c.payload).where(outbox.c.topic.like(f"dossier.%.{kind}"))
        )
        [event] = [e for e in map(json.loads, payloads) if e.get("subject") == code]
    return CloudEvent.model_validate(event)


async def apply(app: Any, event: CloudEvent) -> None:
    """The consumer's own path for one event, by the consumer that handles its type."""
    consumer = next(c for c in app.state.runtime.consumers if event.type in c._sub.handlers)
    await consumer.apply(event)


async def test_received_at_commune_a_routed_to_the_province_agency_and_returned_at_unit_b(
    intake: Intake, routing: Routing
) -> None:
    province = await new_unit(intake, kind="provincial_centre")
    commune_a = await new_unit(intake, parent_code=province)
    unit_b = await new_unit(intake, parent_code=province)
    agency, procedure = await province_procedure(intake, province)

    received = await intake.http.post(
        "/v1/dossiers",
        json={
            "procedure_code": procedure,
            "applicant": {"name": "Lê Văn Cường"},
            "documents": ["TO_KHAI"],
            "return_unit_code": unit_b,
        },
        headers=intake.auth("reception", unit=commune_a),
    )
    assert received.status_code == 201, received.text
    dossier = received.json()
    code = dossier["code"]
    assert (dossier["unit_code"], dossier["return_unit_code"]) == (commune_a, unit_b)
    assert dossier["received_across_boundary"] is True

    # Routing hears intake's event and routes the dossier to the province agency.
    await apply(routing.app, await staged(intake.app, intake_messaging, code, "received"))
    plan = await routing.plan(code)
    [step] = plan["steps"]
    assert step["agency_code"] == agency
    for action, body in (("accept", None), ("complete", {"note": "Đã cấp phiếu"})):
        response = await routing.act(step["id"], action, body, agency=agency)
        assert response.status_code == 200, response.text
    as_b = intake.auth("reception", unit=unit_b)
    slip = await routing.http.get(f"/v1/dossiers/{code}/plan", headers=as_b)
    assert slip.status_code == 200, "reception at the return unit reads the plan"

    # Intake hears the result; reception at B hands it over, reception at a third unit may not.
    resolved = await staged(routing.app, routing_messaging, code, "resolved")
    assert resolved.data["agency_code"] == agency
    await apply(intake.app, resolved)
    refused = await intake.http.post(
        f"/v1/dossiers/{code}/return",
        json={"channel": "counter"},
        headers=intake.auth("reception", unit=await new_unit(intake, parent_code=province)),
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "not_your_unit")
    returned = await intake.http.post(
        f"/v1/dossiers/{code}/return", json={"channel": "counter"}, headers=as_b
    )
    assert returned.status_code == 200, returned.text
    assert returned.json()["status"] == "returned"
