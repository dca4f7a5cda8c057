"""Rules by era against real PostgreSQL: a dossier keeps the rule set of its receipt day in Vietnam (the
API, `dossier.received`, its receipt), and a procedure version without a supplement policy of its own
takes that set's default, whatever day it is now."""

import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from services.intake.dossiers.models import dossiers
from services.intake.models import messaging
from shared.rule_sets import _PACKAGED
from tests.intake.conftest import Intake, routed_procedure, vn
from tests.intake.importing.test_import import old, send, stored

COMPLETE = ["DON", "GCN", "CCCD"]
OLD_BASIS = "(Ban hành kèm theo Thông tư số 01/2018/TT-VPCP)"
NEW_BASIS = "(Ban hành kèm theo Thông tư số 03/2025/TT-VPCP (verify))"


def _dossier(procedure: str, **changes: Any) -> dict[str, Any]:
    return {
        "procedure_code": procedure,
        "channel": "direct",
        "applicant": {"name": "Nguyễn Văn An", "id_number": "046095001234", "phone": "0912345678"},
        "documents": COMPLETE,
        **changes,
    }


async def _received_event(intake: Intake, code: str) -> dict[str, Any]:
    async with intake.app.state.sessions() as session:
        payloads = await session.scalars(
            select(messaging.outbox.c.payload).where(
                messaging.outbox.c.payload.contains(f'"subject":"{code}"')
            )
        )
    [event] = [e for e in map(json.loads, payloads) if e["type"] == "vn.motcua.dossier.received.v1"]
    data: dict[str, Any] = event["data"]
    return data


async def _receive(intake: Intake, procedure: str) -> dict[str, Any]:
    response = await intake.post("/v1/dossiers", _dossier(procedure))
    assert response.status_code == 201, response.text
    dossier: dict[str, Any] = response.json()
    assert dossier["status"] == "received"
    return dossier


async def _receipt(intake: Intake, dossier: dict[str, Any]) -> str:
    response = await intake.http.get(
        f"/v1/dossiers/{dossier['code']}/receipt",
        params={"secret": dossier["lookup_secret"], "format": "html"},
        headers=intake.auth("reception"),
    )
    assert response.status_code == 200, response.text
    return response.text


@pytest.fixture
def restart_from_2025(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A deployment's rule-set file whose 2025 set defaults to restarting the count after a supplement,
    so the two sets' defaults differ."""
    data = json.loads(_PACKAGED.read_text(encoding="utf-8"))
    data["rule_sets"][1]["supplement_policy"] = "restart"
    path = tmp_path / "rule_sets.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setenv("MOTCUA_RULE_SETS_FILE", str(path))


async def test_a_2021_and_a_2026_dossier_each_keep_their_own_rule_set_and_receipt(intake: Intake) -> None:
    procedure = await routed_procedure(intake, prefix="ERA", name="Đăng ký theo thời kỳ")
    in_2021 = await _receive(intake, procedure)  # Friday 18 June 2021, 08:30
    intake.clock.set(vn(2026, 1, 5, 8, 30))
    in_2026 = await _receive(intake, procedure)

    assert (in_2021["rule_set"], in_2026["rule_set"]) == ("nd61-2018", "nd118-2025")
    assert (await _received_event(intake, in_2021["code"]))["rule_set"] == "nd61-2018"
    assert (await _received_event(intake, in_2026["code"]))["rule_set"] == "nd118-2025"
    # Read and printed in 2026, the 2021 dossier still says what it said in 2021.
    again = await intake.http.get(f"/v1/dossiers/{in_2021['code']}", headers=intake.auth("reception"))
    assert again.json()["rule_set"] == "nd61-2018"
    old_receipt, new_receipt = await _receipt(intake, in_2021), await _receipt(intake, in_2026)
    assert OLD_BASIS in old_receipt
    assert "03/2025" not in old_receipt
    assert NEW_BASIS in new_receipt
    assert "01/2018" not in new_receipt
    assert "Mẫu số 01" in old_receipt
    assert "Mẫu số 01" in new_receipt


async def test_an_online_submission_has_no_rule_set_until_reception_accepts_it(intake: Intake) -> None:
    procedure = await routed_procedure(intake, prefix="ERA", name="Đăng ký trực tuyến theo thời kỳ")
    submitted = await intake.post("/v1/dossiers", _dossier(procedure, channel="online"), "portal")
    assert submitted.status_code == 201, submitted.text
    assert submitted.json()["rule_set"] is None
    # Submitted on the last day of the old frame, accepted on the first of the new: the receipt decides.
    intake.clock.set(vn(2025, 7, 1, 7, 45))
    accepted = await intake.post(f"/v1/dossiers/{submitted.json()['id']}/accept", {})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["rule_set"] == "nd118-2025"
    assert (await _received_event(intake, accepted.json()["code"]))["rule_set"] == "nd118-2025"


async def test_the_import_gives_each_dossier_the_rule_set_of_its_receipt_day(intake: Intake) -> None:
    intake.clock.set(vn(2026, 1, 6, 9, 0))
    lines = [
        old(received_at="2021-06-18T08:30:00+07:00"),
        old(received_at="2025-06-30T23:30:00+07:00"),  # 16:30 UTC: still 30 June in Vietnam
        old(received_at="2026-01-05T08:30:00+07:00"),
    ]
    response = await send(intake, [*lines])  # a new list: `send` takes lines of either kind
    assert response.status_code == 200, response.text
    assert response.json()["imported"] == 3
    expected = ["nd61-2018", "nd61-2018", "nd118-2025"]
    for line, code in zip(lines, expected, strict=True):
        row = await stored(intake, line["external_code"])
        assert row.rule_set == code
        assert (await _received_event(intake, row.code))["rule_set"] == code
        shown = await intake.http.get(f"/v1/dossiers/{row.code}", headers=intake.auth("admin"))
        assert shown.json()["rule_set"] == code


@pytest.mark.usefixtures("restart_from_2025")
async def test_a_procedure_without_a_policy_takes_the_default_of_each_dossiers_rule_set(
    intake: Intake,
) -> None:
    procedure = await routed_procedure(intake, prefix="ERA", name="Thủ tục không nêu chính sách bổ sung")
    listed = await intake.http.get(
        "/v1/procedures", params={"q": "khong neu chinh sach"}, headers=intake.auth("admin")
    )
    [shown] = [p for p in listed.json()["items"] if p["code"] == procedure]
    assert shown["supplement_policy"] is None, "the catalogue leaves it to the rule set"

    in_2021 = await _receive(intake, procedure)
    intake.clock.set(vn(2026, 1, 5, 8, 30))
    in_2026 = await _receive(intake, procedure)
    imported = old(procedure_code=procedure, received_at="2021-06-18T09:00:00+07:00")
    assert (await send(intake, [imported])).json()["imported"] == 1

    policy = {}
    for code in (in_2021["code"], in_2026["code"], (await stored(intake, imported["external_code"])).code):
        policy[code] = (await _received_event(intake, code))["procedure"]["supplement_policy"]
    assert list(policy.values()) == ["shift", "restart", "shift"]


@pytest.mark.usefixtures("restart_from_2025")
async def test_a_procedures_own_policy_wins_over_its_rule_sets_default(intake: Intake) -> None:
    code = await routed_procedure(intake, prefix="ERA", name="Thủ tục có chính sách riêng")
    own = await intake.http.get(
        "/v1/procedures", params={"q": "co chinh sach rieng"}, headers=intake.auth("admin")
    )
    [version] = [p for p in own.json()["items"] if p["code"] == code]
    body = {
        **{k: version[k] for k in ("code", "name", "field_code", "agency_code", "processing_days")},
        "service_level": 3,
        "supplement_policy": "shift",
        "route": version["route"],
        "documents": version["documents"],
    }
    assert (await intake.post("/v1/procedures", body, "admin")).status_code == 201
    intake.clock.set(vn(2026, 1, 5, 8, 30))
    in_2026 = await _receive(intake, code)
    assert (await _received_event(intake, in_2026["code"]))["procedure"]["supplement_policy"] == "shift"


async def test_an_unknown_supplement_policy_is_a_422(intake: Intake) -> None:
    body = {
        "code": "ERA-BAD",
        "name": "Thủ tục sai chính sách",
        "field_code": "DAT_DAI",
        "agency_code": "VPDK",
        "processing_days": 5,
        "service_level": 3,
        "supplement_policy": "pause",
    }
    response = await intake.post("/v1/procedures", body, "admin")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "supplement_policy" in response.text


async def test_every_received_dossier_has_a_rule_set_and_no_other_has_one(intake: Intake) -> None:
    procedure = await routed_procedure(intake, prefix="ERA", name="Thủ tục kiểm tra cột")
    await _receive(intake, procedure)
    incomplete = await intake.post("/v1/dossiers", _dossier(procedure, documents=["DON"]))
    assert incomplete.json()["status"] == "incomplete"
    async with intake.app.state.sessions() as session:
        mismatched = await session.scalar(
            select(dossiers.c.id).where(
                dossiers.c.unit_code == intake.unit_code,
                dossiers.c.rule_set.is_(None) != dossiers.c.received_at.is_(None),
            )
        )
    assert mismatched is None


async def test_the_migrations_backfill_judges_each_received_dossier_by_its_vietnam_receipt_day(
    intake: Intake,
) -> None:
    migration = importlib.import_module("services.intake.migrations.versions.0010_rule_sets")
    procedure = await routed_procedure(intake, prefix="ERA", name="Thủ tục trước khi có cột")
    in_2021 = await _receive(intake, procedure)
    intake.clock.set(vn(2025, 7, 1, 0, 30))  # 17:30 UTC on 30 June: already the new frame in Vietnam
    at_midnight = await _receive(intake, procedure)
    ids = [in_2021["id"], at_midnight["id"]]
    async with intake.app.state.sessions() as session:
        await session.execute(update(dossiers).where(dossiers.c.id.in_(ids)).values(rule_set=None))
        for statement in migration.backfill():
            await session.execute(statement)
        rows = await session.execute(select(dossiers.c.id, dossiers.c.rule_set).where(dossiers.c.id.in_(ids)))
        backfilled = {str(row.id): row.rule_set for row in rows}
        await session.rollback()
    assert backfilled == {in_2021["id"]: "nd61-2018", at_midnight["id"]: "nd118-2025"}
