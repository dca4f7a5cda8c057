"""The historical import against real PostgreSQL: NDJSON lines in, dossiers, timelines and events out."""

import json
import unicodedata
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
from sqlalchemy import func, select

from services.intake.dossiers.models import applicants, dossiers
from services.intake.importing.service import ImportDesk, import_dossiers
from services.intake.models import audit_log, messaging
from services.intake.settings import IntakeSettings
from shared.auth import Principal, Role
from shared.messaging.envelope import CloudEvent
from tests.intake.conftest import Intake, unique_code

NDJSON = "application/x-ndjson"


def old(**changes: Any) -> dict[str, Any]:
    """A line as the old system exports it; received on Monday 4 January 2021, 08:30."""
    return {
        "procedure_code": "DD-01",
        "external_code": f"OLD-{uuid.uuid4().hex[:12]}",
        "channel": "direct",
        "applicant": {"name": "Nguyễn Văn A", "id_number": "046095001234", "phone": "0912345678"},
        "received_at": "2021-01-04T08:30:00+07:00",
        "due_at": None,
        "resolved_at": None,
        "returned_at": None,
        "withdrawn_at": None,
        **changes,
    }


def ndjson(lines: Sequence[dict[str, Any] | str]) -> bytes:
    return "".join(
        (json.dumps(line, ensure_ascii=False) if isinstance(line, dict) else line) + "\n" for line in lines
    ).encode()


async def send(
    intake: Intake,
    lines: Sequence[dict[str, Any] | str],
    *,
    role: Role = "admin",
    sub: str | None = None,
    content_type: str = NDJSON,
) -> httpx.Response:
    headers = {**intake.auth(role, sub=sub), "content-type": content_type}
    return await intake.http.post("/v1/dossiers/import", content=ndjson(lines), headers=headers)


async def stored(intake: Intake, external_code: str) -> Any:
    async with intake.app.state.sessions() as session:
        query = (
            select(dossiers, applicants.c.name.label("applicant_name"))
            .join(applicants, applicants.c.id == dossiers.c.applicant_id)
            .where(dossiers.c.external_code == external_code)
        )
        return (await session.execute(query)).one()


async def events_of(intake: Intake, code: str) -> list[dict[str, Any]]:
    async with intake.app.state.sessions() as session:
        rows = await session.execute(
            select(messaging.outbox.c.topic, messaging.outbox.c.payload)
            .where(messaging.outbox.c.payload.contains(f'"subject":"{code}"'))
            .order_by(messaging.outbox.c.id)
        )
    # Every payload is a valid CloudEvent (the import serialises them without the model).
    return [
        {"topic": topic, **CloudEvent.model_validate_json(payload).model_dump(mode="json")}
        for topic, payload in rows
    ]


async def test_good_lines_are_imported_with_their_dates_kept_and_the_due_date_computed_when_absent(
    intake: Intake,
) -> None:
    pending = old()
    returned = old(
        service_level=2,
        due_at="2021-01-18T17:00:00+07:00",
        resolved_at="2021-01-15T10:00:00+07:00",
        returned_at="2021-01-18T09:15:00+07:00",
    )
    withdrawn = old(received_at="2021-01-05T14:00:00Z", withdrawn_at="2021-01-08T02:00:00Z")
    response = await send(intake, [pending, returned, withdrawn])

    assert response.status_code == 200, response.text
    assert response.json() == {
        "lines": 3,
        "imported": 3,
        "skipped": 0,
        "failed": 0,
        "errors": [],
        "errors_omitted": 0,
    }
    first = await stored(intake, pending["external_code"])
    assert first.code == f"{intake.unit_code}-210104-0001"
    assert first.status == "received"
    assert first.imported
    assert first.service_level == 3, "the level of DD-01 in force on 4 January 2021"
    # Monday 4 January 2021 08:30 + 10 working days = Monday 18 January 08:30 (01:30 UTC).
    assert first.due_at.isoformat() == "2021-01-18T01:30:00+00:00"
    assert first.received_at.isoformat() == "2021-01-04T01:30:00+00:00"

    second = await stored(intake, returned["external_code"])
    assert second.code == f"{intake.unit_code}-210104-0002"
    assert (second.status, second.service_level, second.return_channel) == ("returned", 2, "counter")
    assert second.due_at.isoformat() == "2021-01-18T10:00:00+00:00", "a given due date is kept"
    assert second.resolved_at.isoformat() == "2021-01-15T03:00:00+00:00"
    assert second.returned_at.isoformat() == "2021-01-18T02:15:00+00:00"

    third = await stored(intake, withdrawn["external_code"])
    assert third.code == f"{intake.unit_code}-210105-0001", (
        "the counter of the receipt date (21:00 in Vietnam)"
    )
    assert third.status == "withdrawn"

    [received] = await events_of(intake, first.code)
    assert received["type"] == "vn.motcua.dossier.received.v1"
    assert received["topic"] == "dossier.VPDK.received"
    assert received["dossierversion"] == 2
    assert received["data"]["imported"] is True
    assert received["data"]["code"] == first.code
    assert received["data"]["due_at"] == "2021-01-18T01:30:00+00:00"
    assert received["data"]["procedure"]["code"] == "DD-01"
    assert received["data"]["applicant"] == {"kind": "person", "name": "Nguyễn Văn A"}
    raw = json.dumps(received, ensure_ascii=False)
    assert "046095001234" not in raw
    assert "0912345678" not in raw

    steps = await events_of(intake, second.code)
    assert [(e["type"].split(".")[3], e["dossierversion"]) for e in steps] == [
        ("received", 2),
        ("resolved", 3),
        ("returned", 4),
    ]
    assert steps[2]["data"]["delivery_channel"] == "counter"
    assert all(e["data"]["imported"] is True for e in steps)
    assert [e["type"] for e in await events_of(intake, third.code)] == [
        "vn.motcua.dossier.received.v1",
        "vn.motcua.dossier.withdrawn.v1",
    ]


async def test_an_imported_resolved_dossier_emits_received_then_resolved_with_increasing_dossier_version(
    intake: Intake,
) -> None:
    line = old(resolved_at="2021-01-20T16:00:00+07:00")
    assert (await send(intake, [line])).json()["imported"] == 1
    dossier = await stored(intake, line["external_code"])
    assert (dossier.status, dossier.version) == ("resolved", 3)

    received, resolved = await events_of(intake, dossier.code)
    assert (received["type"], resolved["type"]) == (
        "vn.motcua.dossier.received.v1",
        "vn.motcua.dossier.resolved.v1",
    )
    assert received["dossierversion"] < resolved["dossierversion"]
    assert resolved["topic"] == "dossier.VPDK.resolved"
    assert resolved["subject"] == dossier.code
    assert resolved["data"] == {
        "dossier_id": str(dossier.id),
        "code": dossier.code,
        "portal_id": None,
        "agency_code": "VPDK",
        "resolved_at": "2021-01-20T09:00:00+00:00",
        "due_at": "2021-01-18T01:30:00+00:00",
        "imported": True,
    }
    timeline = await intake.http.get(f"/v1/dossiers/{dossier.code}", headers=intake.auth("admin"))
    assert timeline.json()["status"] == "resolved"


async def test_a_resent_file_imports_nothing_twice(intake: Intake) -> None:
    lines: list[dict[str, Any] | str] = [old(), old(resolved_at="2021-01-06T09:00:00+07:00")]
    new = old()
    first = (await send(intake, lines)).json()
    again = (await send(intake, [*lines, new])).json()
    assert (first["imported"], first["skipped"]) == (2, 0)
    assert (again["imported"], again["skipped"], again["failed"]) == (1, 2, 0)

    codes = [line["external_code"] for line in lines if isinstance(line, dict)]
    async with intake.app.state.sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(dossiers).where(dossiers.c.external_code.in_(codes))
        )
    assert count == 2
    dossier = await stored(intake, codes[1])
    assert len(await events_of(intake, dossier.code)) == 2, "received and resolved, once each"
    assert (await stored(intake, new["external_code"])).code.endswith("-0003"), "skipped lines take no number"
    twice_in_one_file = old()
    assert (await send(intake, [twice_in_one_file, twice_in_one_file])).json()["skipped"] == 1


async def test_bad_lines_are_reported_by_line_number_and_the_good_ones_still_import(intake: Intake) -> None:
    later = unique_code("LATER")
    published = await intake.post(
        "/v1/procedures",
        {
            "code": later,
            "name": "Thủ tục áp dụng từ tháng 5/2021",
            "field_code": "DAT_DAI",
            "agency_code": "VPDK",
            "processing_days": 5,
            "service_level": 2,
            "effective_from": "2021-05-01",
        },
        role="admin",
    )
    assert published.status_code == 201, published.text
    good, also_good = old(), old()
    response = await send(
        intake,
        [
            good,  # 1
            '{"procedure_code": "DD-01", ',  # 2
            "",  # 3: blank lines are not counted
            old(procedure_code="NO-SUCH"),  # 4
            old(resolved_at="2021-01-03T08:00:00+07:00"),  # 5: resolved before received
            old(applicant={"phone": "0912345678"}),  # 6: no name
            old(procedure_code=later),  # 7: received before its first version
            old(returned_at="2021-01-05T08:00:00+07:00"),  # 8: returned, never resolved
            old(resolved_at="2021-01-05T08:00:00+07:00", withdrawn_at="2021-01-05T09:00:00+07:00"),  # 9
            old(received_at="2021-01-04T08:30:00"),  # 10: no offset
            old(service_level="2"),  # 11: a string is not a level
            also_good,  # 12
        ],
    )
    assert response.status_code == 200, response.text
    summary = response.json()
    assert (summary["lines"], summary["imported"], summary["failed"]) == (11, 2, 9)
    assert [(e["line"], e["code"]) for e in summary["errors"]] == [
        (2, "malformed_json"),
        (4, "unknown_procedure"),
        (5, "dates_out_of_order"),
        (6, "validation_error"),
        (7, "procedure_not_in_force"),
        (8, "inconsistent_timeline"),
        (9, "inconsistent_timeline"),
        (10, "validation_error"),
        (11, "validation_error"),
    ]
    assert "applicant.name" in summary["errors"][3]["detail"]
    assert "0912345678" not in response.text, "errors name fields, never echo personal data"
    assert (await stored(intake, good["external_code"])).code.endswith("-0001")
    assert (await stored(intake, also_good["external_code"])).code.endswith("-0002")


async def test_the_body_must_be_ndjson_and_the_caller_an_admin(intake: Intake) -> None:
    wrong_type = await send(intake, [old()], content_type="application/json")
    assert wrong_type.status_code == 415
    assert wrong_type.headers["content-type"] == "application/problem+json"
    assert wrong_type.json()["code"] == "unsupported_media_type"
    assert (await send(intake, [old()], content_type="application/jsonl; charset=utf-8")).status_code == 200
    assert (await send(intake, [old()], role="reception")).status_code == 403
    assert (await intake.http.post("/v1/dossiers/import", content=ndjson([old()]))).status_code == 401
    documented = (await intake.http.get("/openapi.json")).json()["paths"]["/v1/dossiers/import"]["post"]
    assert set(documented["requestBody"]["content"]) == {"application/x-ndjson", "application/jsonl"}
    assert "$ref" not in json.dumps(documented["requestBody"]), "the line's schema is complete in place"


async def test_vietnamese_names_in_nfd_are_stored_and_sent_in_nfc(intake: Intake) -> None:
    nfd = unicodedata.normalize("NFD", "Trần Thị Hường")
    assert nfd != "Trần Thị Hường"
    line = old(applicant={"name": nfd})
    assert (await send(intake, [line])).json()["imported"] == 1
    dossier = await stored(intake, line["external_code"])
    assert dossier.applicant_name == "Trần Thị Hường"
    [received] = await events_of(intake, dossier.code)
    assert received["data"]["applicant"]["name"] == "Trần Thị Hường"


async def test_a_line_over_64_kib_stops_the_request_with_413_after_the_lines_before_it(
    intake: Intake,
) -> None:
    before = old()
    too_long = old(applicant={"name": "A", "address": "x" * 70_000})
    response = await send(intake, [before, too_long, old()])
    assert response.status_code == 413
    problem = response.json()
    assert (problem["code"], problem["line"], problem["imported"]) == ("line_too_long", 2, 1)
    assert (await stored(intake, before["external_code"])).status == "received"


async def test_lines_commit_in_batches_with_duplicates_across_batches_skipped_and_one_audit_row(
    intake: Intake,
) -> None:
    settings: IntakeSettings = intake.app.state.settings
    who = Principal(sub=f"admin-{uuid.uuid4().hex[:8]}", role="admin")
    desk = ImportDesk(
        sessions=intake.app.state.sessions, clock=intake.clock, who=who, unit_code=settings.centre_unit_code
    )
    repeated = old()
    lines: list[dict[str, Any] | str] = [
        old(),
        repeated,
        "not json",
        old(),
        repeated,
        old(received_at="2021-01-06T08:00:00+07:00"),
    ]

    async def chunks() -> AsyncIterator[bytes]:
        body = ndjson(lines)
        for start in range(0, len(body), 7):  # chunks that split lines and characters
            yield body[start : start + 7]

    summary = await import_dossiers(desk, chunks(), batch_size=2)
    assert (summary.imported, summary.skipped, summary.failed) == (4, 1, 1)
    assert [(e.line, e.code) for e in summary.errors] == [(3, "malformed_json")]
    async with intake.app.state.sessions() as session:
        audit = (await session.execute(select(audit_log).where(audit_log.c.actor == who.sub))).all()
        codes = sorted(
            await session.scalars(select(dossiers.c.code).where(dossiers.c.unit_code == intake.unit_code))
        )
    assert [(a.action, a.detail) for a in audit] == [
        ("dossiers.imported", {"lines": 6, "imported": 4, "skipped": 1, "failed": 1})
    ]
    day = f"{intake.unit_code}-210104"
    assert codes == [f"{day}-0001", f"{day}-0002", f"{day}-0003", f"{intake.unit_code}-210106-0001"]
