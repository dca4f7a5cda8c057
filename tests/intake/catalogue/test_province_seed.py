"""The two-tier province of 1 July 2025 (seed/province.json): a file that holds together, and loaded
after the 2021 district catalogue through the admin API's use cases, the district's units and agencies
closed on 2025-06-30 with their successors while its 2021 procedure versions keep their agencies.

Loaded inside a transaction that is rolled back: the test database's district catalogue stays open for
the other tests."""

from datetime import date
from typing import Any

from sqlalchemy import select

from services.intake.catalogue import repository
from services.intake.catalogue.default import PROVINCE_SEED, load_seed, seed_data
from services.intake.catalogue.rules import in_force
from services.intake.models import messaging
from services.intake.units import repository as units_repository
from tests.intake.conftest import Intake

THE_DAY = "2025-07-01"


def province() -> dict[str, Any]:
    return seed_data(PROVINCE_SEED)


def test_the_province_has_a_centre_two_branches_and_commune_centres_under_it() -> None:
    units = province()["units"]
    kinds = [u["kind"] for u in units]
    assert kinds.count("provincial_centre") == 1
    assert kinds.count("branch") == 2
    assert kinds.count("commune_centre") >= 3
    centre = next(u["code"] for u in units if u["kind"] == "provincial_centre")
    assert all(u["parent_code"] == centre for u in units if u["kind"] != "provincial_centre")
    assert all(u["effective_from"] == THE_DAY and u["code"].endswith(".H57") for u in units)
    assert "illustrative" in province()["note"]


def test_agencies_sit_at_both_tiers_in_the_provinces_units_and_procedures_name_them() -> None:
    data = province()
    units = {u["code"] for u in data["units"]}
    levels = {a["level"] for a in data["agencies"]}
    assert {"province", "commune"} <= levels
    assert "district" not in levels
    assert all(a["unit_code"] in units and a["effective_from"] == THE_DAY for a in data["agencies"])
    codes = {a["code"] for a in data["agencies"]}
    for procedure in data["procedures"]:
        assert procedure["effective_from"] == THE_DAY
        assert {procedure["agency_code"], *(s["agency_code"] for s in procedure["route"])} <= codes


def test_every_district_agency_and_the_district_centre_close_the_day_before() -> None:
    district = seed_data()
    data = province()
    closed = {c["code"]: c for c in data["closings"]["agencies"]}
    assert set(closed) == {a["code"] for a in district["agencies"]}
    successors = {a["code"] for a in data["agencies"]}
    assert all(c["effective_to"] == "2025-06-30" for c in closed.values())
    assert all(c["successor_code"] in successors for c in closed.values() if c["successor_code"])
    [unit] = data["closings"]["units"]
    assert unit["code"] == district["centre"]["unit_code"]
    assert unit["successor_code"] in {u["code"] for u in data["units"]}


async def test_the_province_loads_after_the_district_and_history_keeps_its_agencies(intake: Intake) -> None:
    data = province()
    async with intake.app.state.sessions() as session:
        try:
            first_event = await session.scalar(
                select(messaging.outbox.c.id).order_by(messaging.outbox.c.id.desc())
            )
            await load_seed(
                session,
                outbox=intake.app.state.outbox,
                clock=intake.clock,
                data=data,
                unit_code=intake.unit_code,
            )
            july, june = date(2025, 7, 1), date(2025, 6, 30)
            in_july = {a.code for a in await repository.list_agencies(session, on=july)}
            in_june = {a.code for a in await repository.list_agencies(session, on=june)}
            assert {a["code"] for a in data["agencies"]} <= in_july
            assert not {"VPDK", "THUE", "TNMT"} & in_july
            assert {"VPDK", "THUE", "TNMT"} <= in_june
            vpdk = await repository.agency(session, "VPDK")
            assert vpdk is not None
            assert (vpdk.effective_to, vpdk.successor_code) == (june, "VPDK_HUE")

            centre = await units_repository.unit(session, seed_data()["centre"]["unit_code"])
            assert centre is not None
            assert centre.effective_to == june

            land_2021 = await repository.procedure_in_force(session, "DD-01", date(2021, 6, 18))
            land_2025 = await repository.procedure_in_force(session, "DD-01", july)
            assert land_2021 is not None
            assert land_2025 is not None
            assert [s["agency_code"] for s in land_2021.route] == ["VPDK", "THUE", "TNMT"]
            assert [s["agency_code"] for s in land_2025.route] == ["VPDK_HUE", "THUE_CS", "SO_NNMT"]
            for row in (land_2021, land_2025):
                lead = await repository.agency(session, row.agency_code)
                assert lead is not None
                assert in_force(lead.effective_from, lead.effective_to, row.effective_from)

            types = list(
                await session.scalars(
                    select(messaging.outbox.c.event_type).where(messaging.outbox.c.id > (first_event or 0))
                )
            )
            assert types.count("vn.motcua.catalog.unit.registered.v1") == len(data["units"])
            assert types.count("vn.motcua.catalog.agency.closed.v1") == len(data["closings"]["agencies"])
            assert types.count("vn.motcua.catalog.unit.closed.v1") == 1
        finally:
            await session.rollback()
