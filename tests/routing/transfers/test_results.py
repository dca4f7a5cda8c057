"""Paper results travelling to the return unit (#15 item 4) on the session's real PostgreSQL: when a
paper dossier received across the boundary, or returned at another unit than the receiving one,
resolves, its result goes by the cut-off rule in the batch of the unit that hands it over."""

import uuid
from datetime import datetime, time
from typing import Any

from sqlalchemy import select

from services.routing.transfers import service as transfers
from services.routing.transfers.models import transfer_items
from shared.auth import issue_token
from shared.calendar import WorkingCalendar
from shared.db.engine import unit_of_work
from tests.routing.conftest import Dossier, Routing, agency, new_dossier, vn

SIGN = {"signed_by_name": "Trần Thị Bình"}


def unit() -> str:
    return f"{uuid.uuid4().int % 10**6:06d}.00.H57"


def reception(routing: Routing, unit_code: str | None) -> dict[str, str]:
    token = issue_token(routing.secret, sub=f"reception-{unit_code}", role="reception", unit=unit_code)
    return {"Authorization": f"Bearer {token}"}


async def resolve(routing: Routing, dossier: Dossier, at: datetime, **received: Any) -> None:
    """Deliver the dossier's receipt, then its only agency accepts and completes it at ``at``."""
    await routing.deliver(dossier.received(**received))
    routing.clock.set(at)
    step = await routing.step(dossier.code, 1)
    for action, body in (("accept", None), ("complete", {"note": "Đã có kết quả"})):
        response = await routing.act(step["id"], action, body, agency=dossier.lead)
        assert response.status_code == 200, response.text


async def unit_batches(routing: Routing, unit_code: str) -> list[dict[str, Any]]:
    response = await routing.http.get(f"/v1/transfers?unit={unit_code}", headers=routing.auth("auditor"))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def items_of(routing: Routing, dossier: Dossier) -> list[Any]:
    async with routing.app.state.sessions() as session:
        query = select(transfer_items).where(transfer_items.c.dossier_id == dossier.id)
        return list((await session.execute(query.order_by(transfer_items.c.id))).all())


async def test_a_result_before_the_cutoff_leaves_at_the_end_of_the_session(routing: Routing) -> None:
    commune_a, unit_b = unit(), unit()
    dossier = new_dossier((agency("SO"), 10), channel="direct")
    await resolve(
        routing,
        dossier,
        vn(2021, 6, 18, 14, 0),
        unit_code=commune_a,
        return_unit_code=unit_b,
        received_across_boundary=True,
    )
    [batch] = await unit_batches(routing, unit_b)
    assert (batch["kind"], batch["session"], batch["item_count"]) == ("session", "afternoon", 1)
    assert datetime.fromisoformat(batch["transfer_at"]) == vn(2021, 6, 18, 17, 0)
    manifest = (
        await routing.http.get(f"/v1/transfers/{batch['id']}", headers=reception(routing, unit_b))
    ).json()
    [item] = manifest["items"]
    assert (item["kind"], item["reason"], item["days"], item["from_agency_code"]) == (
        "result",
        "end_of_session",
        None,
        dossier.lead,
    )
    assert await unit_batches(routing, commune_a) == []


async def test_a_result_returned_at_another_unit_travels_there_without_crossing_the_boundary(
    routing: Routing,
) -> None:
    commune_a, unit_b = unit(), unit()
    dossier = new_dossier((agency("VPDK"), 3), channel="direct")
    await resolve(routing, dossier, vn(2021, 6, 18, 9, 0), unit_code=commune_a, return_unit_code=unit_b)
    step_papers, result = await items_of(routing, dossier)
    assert (step_papers.kind, step_papers.from_unit_code) == ("step", None)  # the agency's own side
    assert result.kind == "result"
    [batch] = await unit_batches(routing, unit_b)
    assert datetime.fromisoformat(batch["transfer_at"]) == vn(2021, 6, 18, 11, 30)


async def test_a_result_across_the_boundary_returned_where_received_goes_back_to_that_unit(
    routing: Routing,
) -> None:
    commune_a = unit()
    dossier = new_dossier((agency("SO"), 10), channel="direct")
    await resolve(
        routing, dossier, vn(2021, 6, 18, 16, 0), unit_code=commune_a, received_across_boundary=True
    )
    [batch] = await unit_batches(routing, commune_a)
    assert datetime.fromisoformat(batch["transfer_at"]) == vn(2021, 6, 21, 7, 30)  # Friday → Monday
    step_papers, _ = await items_of(routing, dossier)
    assert step_papers.from_unit_code == commune_a


async def test_a_repeated_resolution_adds_no_second_result(routing: Routing) -> None:
    commune_a, unit_b = unit(), unit()
    dossier = new_dossier((agency("SO"), 10), channel="direct")
    await resolve(
        routing,
        dossier,
        vn(2021, 6, 18, 10, 0),
        unit_code=commune_a,
        return_unit_code=unit_b,
        received_across_boundary=True,
    )
    [batch] = await unit_batches(routing, unit_b)
    step = await routing.step(dossier.code, 1)
    again = await routing.act(step["id"], "complete", {"note": "lần hai"}, agency=dossier.lead)
    assert (again.status_code, again.json()["code"]) == (409, "step_closed")
    async with unit_of_work(routing.app.state.sessions) as session:
        slot = await transfers.schedule_result(
            session,
            dossier_id=dossier.id,
            code=dossier.code,
            unit_code=unit_b,
            from_agency_code=dossier.lead,
            resolved_at=vn(2021, 6, 18, 16, 0),  # later, after the cut-off: still the first slot
            same_day=False,
            cutoff=time(15, 0),
            calendar=WorkingCalendar(),
            now=vn(2021, 6, 18, 16, 0),
        )
    assert str(slot.batch_id) == batch["id"]
    assert [i.kind for i in await items_of(routing, dossier)] == ["step", "result"]
    assert (await unit_batches(routing, unit_b))[0]["item_count"] == 1


async def test_an_online_dossier_sends_no_papers_and_no_result(routing: Routing) -> None:
    commune_a, unit_b = unit(), unit()
    dossier = new_dossier((agency("SO"), 10), channel="online")
    await resolve(
        routing,
        dossier,
        vn(2021, 6, 18, 14, 0),
        unit_code=commune_a,
        return_unit_code=unit_b,
        received_across_boundary=True,
    )
    assert await items_of(routing, dossier) == []
    assert await unit_batches(routing, unit_b) == []


async def test_a_single_unit_paper_dossier_keeps_its_result_where_it_was_decided(routing: Routing) -> None:
    dossier = new_dossier((agency("VPDK"), 3), channel="direct")
    await resolve(routing, dossier, vn(2021, 6, 18, 14, 0), unit_code=unit())
    [papers] = await items_of(routing, dossier)
    assert (papers.kind, papers.from_unit_code) == ("step", None)


async def test_who_lists_and_signs_a_unit_batch(routing: Routing) -> None:
    unit_b = unit()
    dossier = new_dossier((agency("SO"), 10), channel="direct")
    await resolve(routing, dossier, vn(2021, 6, 18, 14, 0), unit_code=unit(), return_unit_code=unit_b)
    [batch] = await unit_batches(routing, unit_b)
    officer = routing.auth("officer", dossier.lead)
    both = await routing.http.get(f"/v1/transfers?unit={unit_b}&agency={dossier.lead}", headers=officer)
    assert (both.status_code, both.json()["code"]) == (422, "one_destination")
    for path in (f"/v1/transfers?unit={unit_b}", f"/v1/transfers/{batch['id']}"):
        refused = await routing.http.get(path, headers=officer)
        assert (refused.status_code, refused.json()["code"]) == (403, "not_your_agency"), path
    by_admin = await routing.http.post(
        f"/v1/transfers/{batch['id']}/sign", json=SIGN, headers=routing.auth("admin")
    )
    assert (by_admin.status_code, by_admin.json()["code"]) == (403, "forbidden_role")
    signed = await routing.http.post(
        f"/v1/transfers/{batch['id']}/sign", json=SIGN, headers=reception(routing, unit_b)
    )
    assert signed.status_code == 200, signed.text
