"""Reception per unit (#15 items 3 and 7), on real PostgreSQL: a dossier is received at the token's unit
(or the unit the portal names), numbered per unit and day without one unit waiting on another, returned
where the citizen chose; reception sees its own unit's dossiers and those to be returned there."""

import asyncio
import json
import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from services.intake.dossiers.models import dossier_counters, dossiers
from services.intake.models import messaging
from services.intake.units.rules import opening, unit_of_reception
from shared.auth import issue_token
from tests.intake.conftest import Intake
from tests.intake.importing.test_import import old, send

LAND = {
    "procedure_code": "DD-01",
    "channel": "direct",
    "applicant": {"name": "Nguyễn Văn An", "id_number": "046095001234", "phone": "0912345678"},
    "documents": ["DON_DANG_KY", "HOP_DONG", "GCN", "TO_KHAI_LPTB", "TO_KHAI_TNCN"],
}


def fresh_code() -> str:
    return f"{uuid.uuid4().int % 10**9:09d}.01.H57"


async def new_unit(intake: Intake, **changes: Any) -> str:
    code = fresh_code()
    body = {
        "code": code,
        "name": f"Trung tâm Phục vụ hành chính công xã {code[:4]}",
        "kind": "commune_centre",
        "address": "12 Lê Lợi, phường Thuận Hóa, thành phố Huế",
        "effective_from": "2021-01-01",
        **changes,
    }
    response = await intake.post("/v1/units", body, "admin")
    assert response.status_code == 201, response.text
    return code


async def receive(intake: Intake, unit: str | None, **changes: Any) -> Any:
    token = issue_token(intake.secret, sub=f"reception-{unit}", role="reception", unit=unit)
    headers = {"Authorization": f"Bearer {token}"}  # `unit=None`: a token without the claim
    return await intake.http.post("/v1/dossiers", json={**LAND, **changes}, headers=headers)


async def count(intake: Intake, *conditions: Any) -> int:
    async with intake.app.state.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(dossiers).where(*conditions)) or 0)


def test_a_unit_receives_from_its_first_day_to_its_last_both_included() -> None:
    first, last = date(2025, 7, 1), date(2025, 12, 31)
    assert opening(first, last, date(2025, 6, 30)) == "unit_not_open"
    assert opening(first, last, first) is None
    assert opening(first, last, last) is None
    assert opening(first, last, date(2026, 1, 1)) == "unit_closed"
    assert opening(first, None, date(2099, 1, 1)) is None


def test_a_reception_token_without_unit_receives_at_the_default_unit_only_while_it_is_alone() -> None:
    assert unit_of_reception("A", default="D", others_open=True) == "A"
    assert unit_of_reception(None, default="D", others_open=False) == "D"
    assert unit_of_reception(None, default="D", others_open=True) is None


async def test_three_units_receiving_thirty_dossiers_each_at_once_get_three_gapless_sequences(
    intake: Intake,
) -> None:
    units = [await new_unit(intake) for _ in range(3)]
    responses = await asyncio.gather(*(receive(intake, units[i % 3]) for i in range(90)))
    assert all(r.status_code == 201 for r in responses), [r.text for r in responses if r.status_code != 201]
    codes = [r.json()["code"] for r in responses]
    for unit in units:
        mine = sorted(c for c in codes if c.startswith(f"{unit}-"))
        assert mine == [f"{unit}-210618-{n:04d}" for n in range(1, 31)]
    assert {r.json()["unit_code"] for r in responses} == set(units)


async def test_a_unit_never_waits_on_another_units_counter(intake: Intake) -> None:
    busy, other = await new_unit(intake), await new_unit(intake)
    async with intake.app.state.sessions() as session, session.begin():
        # An open transaction holds `busy`'s counter row for the day, as a slow reception would.
        await session.execute(
            insert(dossier_counters)
            .values(unit_code=busy, day=date(2021, 6, 18), last=1)
            .on_conflict_do_update(
                index_elements=[dossier_counters.c.unit_code, dossier_counters.c.day],
                set_={"last": dossier_counters.c.last + 1},
            )
        )
        response = await asyncio.wait_for(receive(intake, other), timeout=10)
        assert response.status_code == 201, response.text
        assert response.json()["code"] == f"{other}-210618-0001"
        await session.rollback()
    assert (await receive(intake, busy)).json()["code"] == f"{busy}-210618-0001", "the rollback gave it back"


async def test_the_receiving_and_return_units_are_stored_and_sent_with_the_event(intake: Intake) -> None:
    here, there = await new_unit(intake), await new_unit(intake)
    response = await receive(intake, here, return_unit_code=there)
    assert response.status_code == 201, response.text
    dossier = response.json()
    assert (dossier["unit_code"], dossier["return_unit_code"]) == (here, there)
    async with intake.app.state.sessions() as session:
        payloads = await session.scalars(
            select(messaging.outbox.c.payload).where(messaging.outbox.c.topic.like("dossier.%.received"))
        )
        [event] = [e for e in map(json.loads, payloads) if e.get("subject") == dossier["code"]]
    assert (event["data"]["unit_code"], event["data"]["return_unit_code"]) == (here, there)
    plain = (await receive(intake, here)).json()
    assert plain["return_unit_code"] == here, "by default the result is returned where it was received"


async def test_every_bad_unit_is_refused_and_changes_nothing(intake: Intake) -> None:
    closed = await new_unit(intake, effective_to="2021-05-31")
    later = await new_unit(intake, effective_from="2021-07-01")
    good = await new_unit(intake)
    unknown = fresh_code()
    cases = [
        (unknown, {}, 422, "unknown_unit"),
        # The procedure is read with the token's unit, and still answered for first.
        (unknown, {"procedure_code": "NO-SUCH-PROCEDURE"}, 422, "unknown_procedure"),
        (closed, {}, 422, "unit_closed"),
        (later, {}, 422, "unit_not_open"),
        (good, {"return_unit_code": unknown}, 422, "unknown_unit"),
        (good, {"return_unit_code": closed}, 422, "unit_closed"),
        (good, {"return_unit_code": later}, 422, "unit_not_open"),
        (good, {"unit_code": closed}, 422, "unit_mismatch"),
        (None, {}, 403, "unit_claim_missing"),  # the test database has many open units
    ]
    for unit, changes, status, code in cases:
        response = await receive(intake, unit, **changes)
        assert (response.status_code, response.json()["code"]) == (status, code), (unit, changes)
    for unit, changes, status, code in [
        (unknown, {}, 422, "unknown_unit"),
        (closed, {}, 422, "unit_closed"),
        (good, {"return_unit_code": later}, 422, "unit_not_open"),
    ]:
        body = {**LAND, "channel": "online", "unit_code": unit, **changes}
        response = await intake.post("/v1/dossiers", body, "portal")
        assert (response.status_code, response.json()["code"]) == (status, code), (unit, changes)
    touched = {closed, later, good, unknown}
    assert await count(intake, dossiers.c.unit_code.in_(touched)) == 0
    assert await count(intake, dossiers.c.return_unit_code.in_(touched)) == 0
    assert (await receive(intake, good)).json()["code"] == f"{good}-210618-0001", "no number was used"


async def test_the_portal_names_the_unit_and_only_that_units_reception_accepts(intake: Intake) -> None:
    commune, elsewhere = await new_unit(intake), await new_unit(intake)
    body = {**LAND, "channel": "online", "unit_code": commune, "portal_id": f"P-{uuid.uuid4().hex[:10]}"}
    submitted = await intake.post("/v1/dossiers", body, "portal")
    assert submitted.status_code == 201, submitted.text
    assert submitted.json()["unit_code"] == commune
    key = submitted.json()["portal_id"]
    refused = await intake.http.post(
        f"/v1/dossiers/{key}/accept", json={}, headers=intake.auth("reception", unit=elsewhere)
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "not_your_unit")
    accepted = await intake.http.post(
        f"/v1/dossiers/{key}/accept", json={}, headers=intake.auth("reception", unit=commune)
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["code"] == f"{commune}-210618-0001"
    default = await intake.post("/v1/dossiers", {**LAND, "channel": "online"}, "portal")
    assert default.json()["unit_code"] == intake.unit_code, "no unit named: the default unit"


async def test_reception_of_another_unit_is_refused_unless_the_result_is_returned_at_its_unit(
    intake: Intake,
) -> None:
    a, b = await new_unit(intake), await new_unit(intake)
    only_b = (await receive(intake, b)).json()
    back_at_a = (await receive(intake, b, return_unit_code=a)).json()
    as_a = intake.auth("reception", unit=a)
    for path, body in [
        ("", None),
        ("/documents", None),
        ("/withdraw", {"reason": "Công dân đổi ý"}),
        ("/return", {"channel": "counter"}),
        ("/supplement", {"documents": ["GCN"]}),
        ("/accept", {}),
    ]:
        url = f"/v1/dossiers/{only_b['code']}{path}"
        response = await (
            intake.http.get(url, headers=as_a)
            if body is None
            else intake.http.post(url, json=body, headers=as_a)
        )
        assert (response.status_code, response.json()["code"]) == (403, "not_your_unit"), path
    receipt = await intake.http.get(
        f"/v1/dossiers/{only_b['code']}/receipt", params={"secret": only_b["lookup_secret"]}, headers=as_a
    )
    assert receipt.status_code == 403
    seen = await intake.http.get(f"/v1/dossiers/{back_at_a['code']}", headers=as_a)
    assert seen.status_code == 200, seen.text
    withdrawn = await intake.http.post(
        f"/v1/dossiers/{back_at_a['code']}/withdraw", json={"reason": "Công dân đổi ý"}, headers=as_a
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert (await intake.http.get(f"/v1/dossiers/{only_b['code']}", headers=intake.auth("admin"))).is_success
    assert await count(intake, dossiers.c.code == only_b["code"], dossiers.c.status == "received") == 1


async def test_the_receipt_prints_the_receiving_units_name_and_address(intake: Intake) -> None:
    unit = await new_unit(intake, name="Trung tâm Phục vụ hành chính công phường Hương Trà")
    dossier = (await receive(intake, unit)).json()
    response = await intake.http.get(
        f"/v1/dossiers/{dossier['code']}/receipt",
        params={"secret": dossier["lookup_secret"], "format": "html"},
        headers=intake.auth("reception", unit=unit),
    )
    assert response.status_code == 200, response.text
    assert "PHƯỜNG HƯƠNG TRÀ" in response.text
    assert "12 Lê Lợi, phường Thuận Hóa, thành phố Huế" in response.text


async def test_an_import_line_names_its_unit_checked_as_at_the_counter(intake: Intake) -> None:
    unit = await new_unit(intake)
    closed = await new_unit(intake, effective_from="2020-01-01", effective_to="2020-12-31")
    lines = [
        old(unit_code=unit),
        old(),
        old(unit_code=fresh_code()),
        old(unit_code=closed),
        old(unit_code=await new_unit(intake, effective_from="2021-02-01")),
    ]
    response = await send(intake, lines)
    assert response.status_code == 200, response.text
    summary = response.json()
    assert (summary["imported"], summary["failed"]) == (2, 3)
    assert [(e["line"], e["code"]) for e in summary["errors"]] == [
        (3, "unknown_unit"),
        (4, "unit_closed"),
        (5, "unit_not_open"),
    ]
    assert await count(intake, dossiers.c.unit_code == unit, dossiers.c.code == f"{unit}-210104-0001") == 1
    assert (
        await count(
            intake,
            dossiers.c.external_code == lines[1]["external_code"],
            dossiers.c.unit_code == intake.unit_code,
        )
        == 1
    )


async def test_a_reception_token_without_unit_may_not_change_a_dossier_while_several_units_are_open(
    intake: Intake,
) -> None:
    unit = await new_unit(intake)
    dossier = (await receive(intake, unit)).json()
    token = issue_token(intake.secret, sub="reception-x", role="reception")
    response = await intake.http.post(
        f"/v1/dossiers/{dossier['code']}/withdraw",
        json={"reason": "Công dân đổi ý"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert (response.status_code, response.json()["code"]) == (403, "unit_claim_missing")
    assert await count(intake, dossiers.c.code == dossier["code"], dossiers.c.status == "received") == 1


async def test_an_online_dossier_is_not_received_at_a_unit_closed_since_it_was_submitted(
    intake: Intake,
) -> None:
    unit = await new_unit(intake)
    body = {**LAND, "channel": "online", "unit_code": unit, "portal_id": f"P-{uuid.uuid4().hex[:10]}"}
    key = (await intake.post("/v1/dossiers", body, "portal")).json()["portal_id"]
    closed = await intake.post(f"/v1/units/{unit}/close", {"effective_to": "2021-06-17"}, "admin")
    assert closed.status_code == 200, closed.text
    response = await intake.http.post(
        f"/v1/dossiers/{key}/accept", json={}, headers=intake.auth("reception", unit=unit)
    )
    assert (response.status_code, response.json()["code"]) == (422, "unit_closed")
    assert await count(intake, dossiers.c.portal_id == key, dossiers.c.status == "submitted") == 1
