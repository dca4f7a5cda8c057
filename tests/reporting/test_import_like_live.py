"""An imported dossier is reported exactly like a live one: intake's real reception and historical import
emit the events, its relay publishes them, reporting's running consumer applies them."""

import json
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from services.intake.models import messaging as intake_messaging
from services.reporting.processing.arithmetic import ROW_FIELDS
from shared.messaging.envelope import CloudEvent, event_type
from tests.intake.conftest import Intake, intake, unique_code
from tests.reporting.conftest import Reporting, eventually
from tests.reporting.timelines import vn

__all__ = ["intake"]  # the intake app fixture, used here beside reporting's


def procedure(code: str, agency: str) -> dict[str, Any]:
    return {
        "code": code,
        "name": f"Thủ tục thử {code}",
        "field_code": "HOAT_DONG_XAY_DUNG",
        "agency_code": agency,
        "processing_days": 5,
        "service_level": 3,
        "documents": [{"code": "DON", "name": "Đơn đề nghị"}],
        "effective_from": "2020-01-01",
    }


async def received_event(intake: Intake, code: str) -> dict[str, Any]:
    async with intake.app.state.sessions() as session:
        payloads = await session.scalars(
            select(intake_messaging.outbox.c.payload).where(
                intake_messaging.outbox.c.payload.contains(f'"subject":"{code}"')
            )
        )
    events = [json.loads(p) for p in payloads]
    found: dict[str, Any] = next(e for e in events if e["type"] == "vn.motcua.dossier.received.v1")
    return found


async def row(reporting: Reporting, key: str, period: tuple[date, date]) -> dict[str, int] | None:
    body = await reporting.report(period=period, by="procedure")
    return next(({k: r[k] for k in ROW_FIELDS} for r in body["rows"] if r["key"] == key), None)


async def test_an_imported_dossier_is_reported_exactly_like_a_live_one(
    intake: Intake, reporting: Reporting
) -> None:
    agency = unique_code("A")
    created = await intake.post(
        "/v1/agencies", {"code": agency, "name": "Phòng thử", "sector": "Thử"}, "admin"
    )
    assert created.status_code == 201, created.text
    live_code, imported_code = unique_code("PL-"), unique_code("PI-")
    for code in (live_code, imported_code):
        assert (await intake.post("/v1/procedures", procedure(code, agency), "admin")).status_code == 201

    # Live: received at the counter on Tuesday 1 June 2021, resolved (by routing) a day late.
    intake.clock.set(vn(2021, 6, 1, 9))
    body = {
        "procedure_code": live_code,
        "channel": "direct",
        "applicant": {"name": "Phạm Minh"},
        "documents": ["DON"],
    }
    received = await intake.post("/v1/dossiers", body)
    assert received.status_code == 201, received.text
    event = await received_event(intake, received.json()["code"])
    due = datetime.fromisoformat(event["data"]["due_at"])
    resolved_at = due + timedelta(days=1)
    live = {k: event["data"][k] for k in ("dossier_id", "code", "portal_id", "agency_code")}
    await reporting.publish(
        CloudEvent(
            source="/motcua/routing",
            type=event_type("dossier.resolved"),
            subject=live["code"],
            time=resolved_at,
            data={
                **live,
                "resolved_at": resolved_at.isoformat(),
                "due_at": due.isoformat(),
                "imported": False,
            },
        )
    )

    # Imported a month later: the same timeline from the old system.
    intake.clock.set(vn(2021, 7, 1, 9))
    line = {
        "procedure_code": imported_code,
        "external_code": unique_code("OLD-"),
        "channel": "direct",
        "applicant": {"name": "Phạm Minh"},
        "received_at": vn(2021, 6, 1, 9).isoformat(),
        "due_at": due.isoformat(),
        "resolved_at": resolved_at.isoformat(),
        "returned_at": None,
        "withdrawn_at": None,
    }
    imported = await intake.http.post(
        "/v1/dossiers/import",
        content=(json.dumps(line, ensure_ascii=False) + "\n").encode(),
        headers={**intake.auth("admin"), "content-type": "application/x-ndjson"},
    )
    assert imported.status_code == 200, imported.text
    assert imported.json()["imported"] == 1, imported.text

    june, first_days = (date(2021, 6, 1), date(2021, 6, 30)), (date(2021, 6, 1), date(2021, 6, 5))

    async def both_resolved() -> bool:
        live_row, imported_row = (
            await row(reporting, live_code, june),
            await row(reporting, imported_code, june),
        )
        return live_row is not None and live_row == imported_row and live_row["resolved_total"] == 1

    await eventually(both_resolved, seconds=60)
    assert await row(reporting, live_code, june) == {
        **dict.fromkeys(ROW_FIELDS, 0),
        "total": 1, "received": 1, "received_counter": 1, "resolved_total": 1, "resolved_late": 1,
        "late_without_apology": 1,
    }  # fmt: skip
    assert await row(reporting, live_code, first_days) == await row(reporting, imported_code, first_days)
