"""Receipt regardless of administrative boundary (#15 item 4), intake and routing on the real PostgreSQL:
a dossier received at commune unit A for a procedure led by a province agency is routed to that agency
(routing follows the lead and route's agency codes, wherever the dossier was received), and its result
is handed over at unit B, the return unit the citizen chose."""

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from services.intake.app import create_app
from services.intake.models import messaging as intake_messaging
from services.intake.settings import IntakeSettings
from services.routing.models import audit_log
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


@dataclass(frozen=True)
class AcrossBoundary:
    code: str
    agency: str  # the province agency deciding it
    commune_a: str  # the receiving unit
    unit_b: str  # the return unit
    province: str


async def received_at_a_returned_at_b(intake: Intake) -> AcrossBoundary:
    """A paper dossier received at commune A for a province agency's procedure, returned at unit B."""
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
    assert (dossier["unit_code"], dossier["return_unit_code"]) == (commune_a, unit_b)
    assert dossier["received_across_boundary"] is True
    return AcrossBoundary(dossier["code"], agency, commune_a, unit_b, province)


async def test_received_at_commune_a_routed_to_the_province_agency_and_returned_at_unit_b(
    intake: Intake, routing: Routing
) -> None:
    dossier = await received_at_a_returned_at_b(intake)
    code, agency, unit_b, province = dossier.code, dossier.agency, dossier.unit_b, dossier.province

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


async def test_papers_leave_commune_a_and_the_result_after_the_cutoff_reaches_unit_b_next_morning(
    intake: Intake, routing: Routing
) -> None:
    dossier = await received_at_a_returned_at_b(intake)
    await apply(routing.app, await staged(intake.app, intake_messaging, dossier.code, "received"))
    officer = intake.auth("officer", agency=dossier.agency)

    # The province agency's batch says the papers come from commune A, in JSON and on paper.
    [batch] = (await routing.http.get("/v1/transfers", headers=officer)).json()["items"]
    assert (batch["agency_code"], batch["unit_code"]) == (dossier.agency, None)
    manifest = (await routing.http.get(f"/v1/transfers/{batch['id']}", headers=officer)).json()
    [papers] = manifest["items"]
    assert (papers["kind"], papers["from_unit_code"], papers["from_agency_code"]) == (
        "step",
        dossier.commune_a,
        None,
    )
    page = (await routing.http.get(f"/v1/transfers/{batch['id']}/manifest.html", headers=officer)).text
    assert f"Bộ phận tiếp nhận và trả kết quả {dossier.commune_a}" in page

    # Resolved on Friday after the cut-off: the result leaves for unit B on Monday morning.
    routing.clock.set(vn(2021, 6, 18, 15, 30))
    [step] = (await routing.plan(dossier.code))["steps"]
    for action, body in (("accept", None), ("complete", {"note": "Đã cấp phiếu"})):
        response = await routing.act(step["id"], action, body, agency=dossier.agency)
        assert response.status_code == 200, response.text
    as_a = intake.auth("reception", unit=dossier.commune_a)
    as_b = intake.auth("reception", unit=dossier.unit_b)
    listed = await routing.http.get(f"/v1/transfers?unit={dossier.unit_b}", headers=as_b)
    assert listed.status_code == 200, listed.text
    [result_batch] = listed.json()["items"]
    assert (result_batch["unit_code"], result_batch["agency_code"], result_batch["item_count"]) == (
        dossier.unit_b,
        None,
        1,
    )
    assert datetime.fromisoformat(result_batch["transfer_at"]) == vn(2021, 6, 21, 7, 30)
    batch_id = result_batch["id"]
    result = (await routing.http.get(f"/v1/transfers/{batch_id}", headers=as_b)).json()["items"]
    assert [(r["kind"], r["code"], r["from_agency_code"], r["step_id"]) for r in result] == [
        ("result", dossier.code, dossier.agency, None)
    ]
    page = (await routing.http.get(f"/v1/transfers/{batch_id}/manifest.html", headers=as_b)).text
    assert "PHIẾU BÀN GIAO KẾT QUẢ" in page
    assert f"Đơn vị nhận (nơi trả kết quả): <b>{dossier.unit_b}</b>" in page

    # Unit A's reception neither lists, reads nor signs B's batch; B's signs it once.
    for path in (f"/v1/transfers?unit={dossier.unit_b}", f"/v1/transfers/{batch_id}"):
        refused = await routing.http.get(path, headers=as_a)
        assert (refused.status_code, refused.json()["code"]) == (403, "not_your_unit"), path
    # Unfiltered, each reception lists every agency's batches and its own unit's: B's one more.
    monday = {"date": "2021-06-21"}
    seen = [
        (await routing.http.get("/v1/transfers", params=monday, headers=who)).json()["total"]
        for who in (as_a, as_b)
    ]
    assert seen[1] == seen[0] + 1
    sign = {"signed_by_name": "Trần Thị Bình"}
    refused = await routing.http.post(f"/v1/transfers/{batch_id}/sign", json=sign, headers=as_a)
    assert (refused.status_code, refused.json()["code"]) == (403, "not_your_unit")
    by_officer = await routing.http.post(f"/v1/transfers/{batch_id}/sign", json=sign, headers=officer)
    assert (by_officer.status_code, by_officer.json()["code"]) == (403, "not_your_agency")
    signed = await routing.http.post(f"/v1/transfers/{batch_id}/sign", json=sign, headers=as_b)
    assert signed.status_code == 200, signed.text
    assert (signed.json()["status"], signed.json()["signed_by_name"]) == ("signed", "Trần Thị Bình")
    twice = await routing.http.post(f"/v1/transfers/{batch_id}/sign", json=sign, headers=as_b)
    assert (twice.status_code, twice.json()["code"]) == (409, "already_signed")
    async with routing.app.state.sessions() as session:
        audited = (
            await session.execute(select(audit_log).where(audit_log.c.entity == f"transfer:{batch_id}"))
        ).one()
    assert (audited.action, audited.role, audited.detail["unit_code"]) == (
        "transfer.signed",
        "reception",
        dossier.unit_b,
    )
