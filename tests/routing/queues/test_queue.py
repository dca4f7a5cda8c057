"""The agency queue (due order, filters, keyset pages) and the leader's load view, on real PostgreSQL."""

from datetime import datetime
from typing import Any

from shared.auth import Role
from shared.clock import VIETNAM
from tests.routing.conftest import Routing, agency, new_dossier, vn


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def fill(routing: Routing, code: str) -> list[dict[str, Any]]:
    """Seven dossiers at agency ``code`` received on Monday 21 June (each due two working days later at
    the same time), the last two of
    another procedure; the second is accepted and the third paused for a financial obligation."""
    steps = []
    for n, (hour, minute) in enumerate([(8, 0), (9, 0), (10, 0), (14, 0), (15, 0), (16, 0), (16, 30)]):
        dossier = new_dossier(
            (code, 2),
            received_at=vn(2021, 6, 21, hour, minute),
            procedure_code="DD-01" if n < 5 else "HT-02",
        )
        await routing.deliver(dossier.received())
        steps.append(await routing.step(dossier.code, 1))
    routing.clock.set(vn(2021, 6, 21, 17, 0))
    await routing.act(steps[1]["id"], "accept", agency=code)
    await routing.act(steps[2]["id"], "obligation", {"note": "thuế"}, agency=code)
    return steps


async def queue(routing: Routing, code: str, **params: Any) -> dict[str, Any]:
    response = await routing.http.get("/v1/queue", params=params, headers=routing.auth("officer", code))
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def test_the_queue_lists_the_agencys_waiting_steps_earliest_due_first(routing: Routing) -> None:
    code = agency("Q")
    steps = await fill(routing, code)
    await fill(routing, agency("OTHER"))
    page = await queue(routing, code)
    assert [i["step_id"] for i in page["items"]] == [s["id"] for s in steps]
    assert [i["state"] for i in page["items"][:3]] == ["assigned", "in_progress", "paused"]
    first = page["items"][0]
    assert (first["applicant_name"], first["procedure_name"], first["group"]) == (
        "Nguyễn Văn An",
        "Đăng ký biến động đất đai",
        1,
    )
    assert page["next_cursor"] is None
    dues = [at(i["due_at"]) for i in page["items"]]
    assert dues == sorted(dues)


async def test_the_queue_filters_by_state_procedure_and_due(routing: Routing) -> None:
    code = agency("Q")
    steps = await fill(routing, code)
    paused = await queue(routing, code, state="paused")
    assert [i["step_id"] for i in paused["items"]] == [steps[2]["id"]]
    running = await queue(routing, code, state=["assigned", "in_progress"])
    assert len(running["items"]) == 6
    other_procedure = await queue(routing, code, procedure="HT-02")
    assert [i["step_id"] for i in other_procedure["items"]] == [s["id"] for s in steps[5:]]
    early = await queue(routing, code, due_before=steps[3]["due_at"])
    assert [i["step_id"] for i in early["items"]] == [s["id"] for s in steps[:3]]


async def test_keyset_pages_cover_the_queue_once_in_order(routing: Routing) -> None:
    code = agency("Q")
    steps = await fill(routing, code)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = await queue(routing, code, limit=3, **({"cursor": cursor} if cursor else {}))
        seen += [i["step_id"] for i in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == [s["id"] for s in steps]


async def test_the_queue_refuses_bad_cursors_naive_times_and_other_roles(routing: Routing) -> None:
    code = agency("Q")
    headers = routing.auth("officer", code)
    bad_cursor = await routing.http.get("/v1/queue", params={"cursor": "bm90LWEtY3Vyc29y"}, headers=headers)
    assert (bad_cursor.status_code, bad_cursor.json()["code"]) == (422, "invalid_cursor")
    naive = await routing.http.get("/v1/queue", params={"due_before": "2021-06-25T17:00:00"}, headers=headers)
    assert (naive.status_code, naive.json()["code"]) == (422, "naive_datetime")
    wrong_state = await routing.http.get("/v1/queue", params={"state": "completed"}, headers=headers)
    assert wrong_state.status_code == 422
    reception = await routing.http.get("/v1/queue", headers=routing.auth("reception"))
    assert reception.status_code == 403
    no_agency = await routing.http.get("/v1/queue", headers=routing.auth("officer"))
    assert no_agency.json()["code"] == "agency_claim_missing"


async def test_the_leader_sees_the_agencys_load_overdue_and_due_soon(routing: Routing) -> None:
    code = agency("Q")
    steps = await fill(routing, code)
    # Wednesday 23 June 11:00: the first two (due 08:00 and 09:00) are overdue; the paused third is
    # not counted as overdue; the last four fall due within 8 working hours (by 11:00 the next day).
    routing.clock.set(vn(2021, 6, 23, 11, 0))
    response = await routing.http.get(
        f"/v1/agencies/{code}/load", params={"within_hours": 8}, headers=routing.auth("leader", code)
    )
    assert response.status_code == 200, response.text
    load = response.json()
    assert load["by_state"] == {"assigned": 5, "in_progress": 1, "paused": 1}
    assert load["waiting"] == 7
    assert load["overdue"] == 2
    assert at(load["due_within"]["until"]) == vn(2021, 6, 24, 11, 0)
    assert load["due_within"]["steps"] == 4
    due_times = [at(s["due_at"]).astimezone(VIETNAM) for s in steps]
    assert [(t.day, t.hour, t.minute) for t in due_times][3:] == [
        (23, 14, 0),
        (23, 15, 0),
        (23, 16, 0),
        (23, 16, 30),
    ]
    page = await queue(routing, code)
    assert [i["overdue"] for i in page["items"][:3]] == [True, True, False]

    other = await routing.http.get(f"/v1/agencies/{code}/load", headers=routing.auth("leader", agency("X")))
    assert (other.status_code, other.json()["code"]) == (403, "not_your_agency")
    officer = await routing.http.get(f"/v1/agencies/{code}/load", headers=routing.auth("officer", code))
    assert (officer.status_code, officer.json()["code"]) == (403, "forbidden_role")


async def test_only_the_agencies_on_the_route_read_a_dossiers_plan_and_control_slip(routing: Routing) -> None:
    lead, step, elsewhere = agency("VPDK"), agency("THUE"), agency("STNMT")
    dossier = new_dossier((lead, 5), (step, 3))
    await routing.deliver(dossier.received())
    for path in ("plan", "control-slip", "control-slip.html"):
        url = f"/v1/dossiers/{dossier.code}/{path}"
        role: Role
        for role, code in (("officer", step), ("leader", lead), ("reception", None), ("auditor", None)):
            assert (await routing.http.get(url, headers=routing.auth(role, code))).status_code == 200, (
                path,
                role,
            )
        for role in ("officer", "leader"):
            refused = await routing.http.get(url, headers=routing.auth(role, elsewhere))
            assert (refused.status_code, refused.json()["code"]) == (403, "not_your_agency"), (path, role)
