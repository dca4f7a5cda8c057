"""Reminder lists (đôn đốc) on real PostgreSQL: what each agency is chased for, and who may see it."""

from datetime import datetime
from typing import Any

from tests.deadline.conftest import Deadline, Dossier, agency, new_dossier, vn

NOW = vn(2021, 6, 28, 10, 0)  # Monday


async def _with_step(
    deadline: Deadline, step_agency: str, due: datetime, *, lead: str | None = None
) -> Dossier:
    d = new_dossier(lead)
    await deadline.deliver(
        d.received(),
        d.assigned(step_agency, position=1, days="5", assigned=vn(2021, 6, 18, 9, 0), due=due),
    )
    return d


async def _list(deadline: Deadline, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = await deadline.http.get("/v1/reminders", params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _rows(body: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(item["code"], item["scope"], item["kind"]) for item in body["items"]]


async def _setting(deadline: Deadline) -> tuple[str, str, dict[str, Dossier]]:
    """At THUE: one step late since Friday, one due tomorrow morning (warned since this morning), one
    paused, one due next week; the dossiers' own clocks are all the lead's and due in July."""
    lead, thue = agency("VPDK"), agency("THUE")
    dossiers = {
        "late": await _with_step(deadline, thue, vn(2021, 6, 25, 9, 0), lead=lead),
        "soon": await _with_step(deadline, thue, vn(2021, 6, 29, 9, 0), lead=lead),
        "paused": await _with_step(deadline, thue, vn(2021, 6, 25, 8, 0), lead=lead),
        "later": await _with_step(deadline, thue, vn(2021, 7, 2, 9, 0), lead=lead),
    }
    await deadline.deliver(dossiers["paused"].paused(thue, vn(2021, 6, 24, 9, 0)))
    deadline.clock.set(NOW)
    return lead, thue, dossiers


async def test_the_centre_lists_an_agencys_clocks_due_soon_and_overdue_oldest_due_first(
    deadline: Deadline,
) -> None:
    lead, thue, d = await _setting(deadline)
    reception = deadline.auth("reception")

    both = await _list(deadline, reception, agency=thue)
    assert _rows(both) == [(d["late"].code, "step", "overdue"), (d["soon"].code, "step", "due_soon")]
    assert (both["agency"], both["kind"], both["next_cursor"]) == (thue, None, None)
    assert datetime.fromisoformat(both["as_of"]) == NOW
    late = both["items"][0]
    assert late["agency_code"] == thue
    assert late["lead_agency_code"] == lead
    assert late["step_id"] == str(d["late"].step_id(thue))
    assert late["procedure_code"] == "DD-01"
    assert datetime.fromisoformat(late["due_at"]) == vn(2021, 6, 25, 9, 0)
    assert datetime.fromisoformat(late["original_due_at"]) == vn(2021, 6, 25, 9, 0)
    assert late["overdue_sent_at"] is None  # read from the clocks, not from the watcher's progress

    overdue = await _list(deadline, deadline.auth("auditor"), agency=thue, kind="overdue")
    assert _rows(overdue) == [(d["late"].code, "step", "overdue")]
    soon = await _list(deadline, deadline.auth("admin"), agency=thue, kind="due_soon")
    assert _rows(soon) == [(d["soon"].code, "step", "due_soon")]

    # The lead's own clocks come due in July, warned from 1 July; the paused dossier's clock waits.
    assert _rows(await _list(deadline, reception, agency=lead)) == []
    deadline.clock.set(vn(2021, 7, 1, 9, 0))
    lead_list = await _list(deadline, reception, agency=lead, kind="due_soon")
    running = [d[name].code for name in ("late", "soon", "later")]
    assert sorted((code, scope) for code, scope, _ in _rows(lead_list)) == sorted(
        (code, "dossier") for code in running
    )

    everyone = await _list(deadline, reception, limit=200)  # no agency: the whole centre
    assert everyone["agency"] is None
    dues = [item["due_at"] for item in everyone["items"]]
    assert [datetime.fromisoformat(x) for x in dues] == sorted(datetime.fromisoformat(x) for x in dues)


async def test_pages_follow_the_cursor_and_a_foreign_cursor_is_refused(deadline: Deadline) -> None:
    _, thue, d = await _setting(deadline)
    headers = deadline.auth("officer", thue)
    first = await _list(deadline, headers, limit=1)
    assert _rows(first) == [(d["late"].code, "step", "overdue")]
    assert first["next_cursor"] is not None
    second = await _list(deadline, headers, limit=1, cursor=first["next_cursor"])
    assert _rows(second) == [(d["soon"].code, "step", "due_soon")]
    assert second["next_cursor"] is None

    bad = await deadline.http.get("/v1/reminders", params={"cursor": "not-ours"}, headers=headers)
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_cursor")
    wrong_kind = await deadline.http.get("/v1/reminders", params={"kind": "late"}, headers=headers)
    assert wrong_kind.status_code == 422


async def test_officers_and_leaders_see_their_own_agency_only(deadline: Deadline) -> None:
    lead, thue, d = await _setting(deadline)
    for role in ("officer", "leader"):
        own = await _list(deadline, deadline.auth(role, thue))
        assert own["agency"] == thue
        assert [code for code, _, _ in _rows(own)] == [d["late"].code, d["soon"].code]
        assert _rows(await _list(deadline, deadline.auth(role, thue), agency=thue)) == _rows(own)

        other = await deadline.http.get(
            "/v1/reminders", params={"agency": thue}, headers=deadline.auth(role, lead)
        )
        assert (other.status_code, other.json()["code"]) == (403, "not_your_agency")
        no_agency = await deadline.http.get("/v1/reminders", headers=deadline.auth(role))
        assert (no_agency.status_code, no_agency.json()["code"]) == (403, "agency_claim_missing")

    portal = await deadline.http.get("/v1/reminders", headers=deadline.auth("portal"))
    assert portal.status_code == 403
    anonymous = await deadline.http.get("/v1/reminders")
    assert anonymous.status_code == 401
