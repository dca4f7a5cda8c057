"""The catalogue: the default one loads, procedures are versioned by effective date, search folds accents."""

import json
from typing import Any

from sqlalchemy import select

from services.intake.catalogue.default import seed_data
from services.intake.models import messaging
from tests.intake.conftest import Intake, unique_code, vn


def procedure(code: str, agency: str, **changes: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name": "Cấp giấy phép thử nghiệm đặc biệt",
        "field_code": "HOAT_DONG_XAY_DUNG",
        "agency_code": agency,
        "processing_days": 5,
        "service_level": 3,
        "documents": [{"code": "DON", "name": "Đơn đề nghị"}],
        "effective_from": "2020-01-01",
        **changes,
    }


async def test_the_default_catalogue_is_loaded_on_first_start(intake: Intake) -> None:
    page = (
        await intake.http.get("/v1/procedures", params={"limit": 200}, headers=intake.auth("portal"))
    ).json()
    assert page["total"] >= 40
    # The seed's own procedures: the database is shared, and other tests publish procedures of other
    # fields (the conformance run's among them).
    seeded = {procedure["code"] for procedure in seed_data()["procedures"]}
    assert len({p["field_code"] for p in page["items"] if p["code"] in seeded}) == 19
    land = next(p for p in page["items"] if p["code"] == "DD-01")
    assert [step["agency_code"] for step in land["route"]] == ["VPDK", "THUE", "TNMT"]
    agencies = (await intake.http.get("/v1/agencies", headers=intake.auth("portal"))).json()
    assert {"VPDK", "THUE", "TNMT"} <= {a["code"] for a in agencies}


async def test_search_finds_vietnamese_names_with_or_without_diacritics(intake: Intake) -> None:
    for q in ("đăng ký biến động", "dang ky bien dong", "DANG KY BIEN DONG"):
        page = (
            await intake.http.get("/v1/procedures", params={"q": q}, headers=intake.auth("portal"))
        ).json()
        assert "DD-01" in [p["code"] for p in page["items"]], q


async def test_a_new_version_applies_from_its_date_and_dossiers_keep_theirs(intake: Intake) -> None:
    agency = unique_code("A")
    assert (
        await intake.post("/v1/agencies", {"code": agency, "name": "Phòng thử", "sector": "Thử"}, "admin")
    ).status_code == 201
    code = unique_code("P-")
    first = await intake.post("/v1/procedures", procedure(code, agency), "admin")
    assert first.status_code == 201, first.text
    assert first.json()["version"] == 1
    second = await intake.post(
        "/v1/procedures", procedure(code, agency, processing_days=3, effective_from="2021-07-01"), "admin"
    )
    assert second.json()["version"] == 2
    # Read now: once the clock below moves past the relay's retention (7 days), sent rows may be purged.
    async with intake.app.state.sessions() as session:
        payloads = (
            await session.scalars(select(messaging.outbox.c.payload).order_by(messaging.outbox.c.id))
        ).all()
    published = [json.loads(p) for p in payloads if f'"code":"{code}"' in p]
    assert [
        e["data"]["version"] for e in published if e["type"] == "vn.motcua.catalog.procedure.published.v1"
    ] == [1, 2]

    body = {"procedure_code": code, "applicant": {"name": "Phạm Minh"}, "documents": ["DON"]}
    june = (await intake.post("/v1/dossiers", body)).json()
    assert june["procedure_version"] == 1
    intake.clock.set(vn(2021, 7, 1, 8, 0))
    july = (await intake.post("/v1/dossiers", body)).json()
    assert july["procedure_version"] == 2

    listed = await intake.http.get(
        "/v1/procedures", params={"q": code, "on": "2021-06-30"}, headers=intake.auth("admin")
    )
    assert [p["version"] for p in listed.json()["items"]] == [1]


async def test_catalogue_errors_are_clear_and_change_nothing(intake: Intake) -> None:
    agency = unique_code("A")
    await intake.post("/v1/agencies", {"code": agency, "name": "Phòng thử", "sector": "Thử"}, "admin")
    cases = [
        (procedure(unique_code("P-"), "NOPE"), "unknown_agency"),
        (procedure(unique_code("P-"), agency, field_code="NO_FIELD"), "unknown_field"),
        (
            procedure(unique_code("P-"), agency, route=[{"agency_code": agency, "days": 2}]),
            "route_days_mismatch",
        ),
        (  # in parallel the two steps take 3 days, not 5
            procedure(
                unique_code("P-"),
                agency,
                route=[
                    {"agency_code": agency, "days": 2, "group": 1},
                    {"agency_code": agency, "days": 3, "group": 1},
                ],
            ),
            "route_days_mismatch",
        ),
        (
            procedure(unique_code("P-"), agency, route=[{"agency_code": agency, "days": 5, "group": 0}]),
            "validation_error",
        ),
        (procedure(unique_code("P-"), agency, service_level=7), "validation_error"),
        (procedure("bad code!", agency), "validation_error"),
    ]
    for body, code in cases:
        response = await intake.post("/v1/procedures", body, "admin")
        assert response.status_code == 422, response.text
        assert response.json()["code"] == code
    duplicate = await intake.post(
        "/v1/agencies", {"code": agency, "name": "Lần hai", "sector": "Thử"}, "admin"
    )
    assert duplicate.status_code == 409
    assert (
        await intake.post("/v1/procedures", procedure(unique_code("P-"), agency), "reception")
    ).status_code == 403


async def test_a_route_with_a_parallel_group_is_published_with_its_groups(intake: Intake) -> None:
    lead, tax, env = unique_code("A"), unique_code("A"), unique_code("A")
    for code in (lead, tax, env):
        await intake.post("/v1/agencies", {"code": code, "name": "Cơ quan thử", "sector": "Thử"}, "admin")
    route = [
        {"agency_code": lead, "days": 2},
        {"agency_code": tax, "days": 3, "group": 4},
        {"agency_code": env, "days": 1.5, "group": 4},
    ]
    code = unique_code("P-")
    response = await intake.post("/v1/procedures", procedure(code, lead, route=route), "admin")
    assert response.status_code == 201, response.text  # 2 days, then 3 for the longer of the pair

    async with intake.app.state.sessions() as session:
        payloads = (await session.scalars(select(messaging.outbox.c.payload))).all()
    published = next(
        json.loads(p)["data"] for p in payloads if f'"code":"{code}"' in p and "procedure.published" in p
    )
    assert [(s["agency_code"], s["group"]) for s in published["route"]] == [(lead, None), (tax, 4), (env, 4)]
