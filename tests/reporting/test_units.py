"""Reports by receiving unit (issue #15 item 6) on the real PostgreSQL and NATS: the units read model
fed by intake's catalogue events (through the consumer's path and on the real CATALOG stream), the
processing report's `by=unit`, `unit=` (the unit and the units under it), `by=level`, and the leader
whose token carries a unit."""

import uuid
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import text

from services.reporting.percent import percent
from services.reporting.processing.arithmetic import ROW_FIELDS
from services.reporting.six_month.service import six_month_tables
from shared.auth import Role, issue_token
from shared.events.catalog import AgencyRegistered, UnitClosed, UnitKind, UnitRegistered
from shared.events.fields import Payload
from shared.messaging.envelope import CloudEvent, event_type
from tests.platform.toy import connected_link
from tests.reporting.conftest import Reporting, eventually, fresh
from tests.reporting.test_satisfaction_e2e import ballot
from tests.reporting.timelines import Timeline, expected_rows, reconciles, vn

PERIOD = (date(2025, 8, 1), date(2025, 12, 31))


def catalog(name: str, payload: Payload, at: datetime) -> CloudEvent:
    """A catalogue event as intake's relay publishes it."""
    return CloudEvent(source="/motcua/intake", type=event_type(name), time=at, data=payload.data())


def unit_registered(
    code: str, kind: UnitKind, parent: str | None, at: datetime, name: str | None = None
) -> CloudEvent:
    payload = UnitRegistered(
        code=code,
        name=name or f"Đơn vị {code}",
        kind=kind,
        parent_code=parent,
        effective_from=date(2025, 7, 1),
    )
    return catalog("catalog.unit.registered", payload, at)


def unit_closed(code: str, last_day: date, successor: str | None, at: datetime) -> CloudEvent:
    payload = UnitClosed(code=code, effective_to=last_day, successor_code=successor)
    return catalog("catalog.unit.closed", payload, at)


def agency_registered(code: str, level: Any, unit: str, at: datetime) -> CloudEvent:
    payload = AgencyRegistered(code=code, name=f"Cơ quan {code}", sector="", unit_code=unit, level=level)
    return catalog("catalog.agency.registered", payload, at)


class Hierarchy:
    """A province centre, its branch, two commune centres under the branch and one under the centre."""

    def __init__(self) -> None:
        suffix = uuid.uuid4().hex[:6].upper()
        self.province = f"P{suffix}"
        self.branch = f"B{suffix}"
        self.commune_1, self.commune_2, self.commune_3 = (f"C{n}{suffix}" for n in (1, 2, 3))

    @property
    def all(self) -> list[str]:
        return [self.province, self.branch, self.commune_1, self.commune_2, self.commune_3]

    def registrations(self) -> list[CloudEvent]:
        at = vn(2025, 7, 1, 7)
        return [
            unit_registered(
                self.province, "provincial_centre", None, at, "Trung tâm Phục vụ hành chính công tỉnh"
            ),
            unit_registered(self.branch, "branch", self.province, at, "Chi nhánh số 1"),
            unit_registered(self.commune_1, "commune_centre", self.branch, at, "Trung tâm phường Một"),
            unit_registered(self.commune_2, "commune_centre", self.branch, at, "Trung tâm phường Hai"),
            unit_registered(self.commune_3, "commune_centre", self.province, at, "Trung tâm xã Ba"),
        ]


def dossiers(places: list[str], here: dict[str, Any]) -> list[Timeline]:
    """Per unit, a few dossiers of one cell: one resolved late, one pending past its due, one carried
    over and resolved early; more at the first units so the rows differ."""
    out: list[Timeline] = []
    for n, unit in enumerate(places):
        base = Timeline(**here, unit=unit, received=vn(2025, 9, 1), due=vn(2025, 9, 10))
        out += [replace(base, resolved=vn(2025, 9, 12), dossier_id=uuid.uuid4())]
        out += [replace(base, received=vn(2025, 12, 1), due=vn(2025, 12, 5), dossier_id=uuid.uuid4())]
        out += [
            replace(
                base,
                received=vn(2025, 7, 20),
                due=vn(2025, 8, 5),
                resolved=vn(2025, 8, 1),
                dossier_id=uuid.uuid4(),
            )
            for _ in range(len(places) - n)
        ]
    return out


def cell() -> dict[str, Any]:
    return {"procedure": fresh("P"), "field_code": fresh("F"), "agency": fresh("A")}


def by_key(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["key"]: row for row in body["rows"]}


def counts(row: dict[str, Any]) -> dict[str, int]:
    return {k: row[k] for k in ROW_FIELDS}


def sums_of(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {k: sum(r[k] for r in rows) for k in ROW_FIELDS}


async def report(
    reporting: Reporting, *, role: Role = "admin", unit_claim: str | None = None, **params: str
) -> Any:
    token = issue_token(
        reporting.secret,
        sub=f"{role}-u",
        role=role,
        agency="VPDK" if role == "leader" else None,
        unit=unit_claim,
    )
    return await reporting.http.get(
        "/v1/reports/processing",
        params={"from": PERIOD[0].isoformat(), "to": PERIOD[1].isoformat(), **params},
        headers={"Authorization": f"Bearer {token}"},
    )


async def ok(reporting: Reporting, **kwargs: Any) -> dict[str, Any]:
    response = await report(reporting, **kwargs)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["totals"] == {"key": None, "name": "Tổng cộng", **sums_of(body["rows"])}
    assert reconciles(body["totals"])
    return body


async def test_by_unit_gives_a_row_per_receiving_unit_named_whether_the_unit_came_before_or_after(
    reporting: Reporting,
) -> None:
    units = Hierarchy()
    here = cell()
    timelines = dossiers(units.all, here)
    registrations = units.registrations()
    # The province centre and the branch are heard of first, the commune centres after their dossiers.
    await reporting.deliver(*registrations[:2])
    await reporting.deliver(*[e for t in timelines for e in t.events()])
    await reporting.deliver(*registrations[2:])
    body = await ok(reporting, by="unit")
    rows = by_key(body)
    expected = expected_rows(timelines, *PERIOD)
    for unit, registered in zip(units.all, registrations, strict=True):
        assert rows[unit]["name"] == registered.data["name"]
        assert counts(rows[unit]) == expected[(here["procedure"], here["field_code"], here["agency"], unit)]
    assert rows[units.commune_1]["carried_over"] == 3
    assert rows[units.province]["carried_over"] == 5
    # The rows of the other reports are the same dossiers: by procedure, this cell's row is their sum.
    by_procedure = by_key(await ok(reporting, by="procedure"))
    assert counts(by_procedure[here["procedure"]]) == sums_of([rows[u] for u in units.all])


async def test_unit_keeps_that_unit_and_the_units_under_it_by_the_parent_hierarchy(
    reporting: Reporting,
) -> None:
    units = Hierarchy()
    here = cell()
    timelines = dossiers(units.all, here)
    await reporting.deliver(*[e for t in timelines for e in t.events()], *units.registrations())
    whole = by_key(await ok(reporting, by="unit"))

    branch = await ok(reporting, by="unit", unit=units.branch)
    assert [r["key"] for r in branch["rows"]] == sorted([units.branch, units.commune_1, units.commune_2])
    assert branch["totals"] == {"key": None, "name": "Tổng cộng", **sums_of(
        [whole[u] for u in (units.branch, units.commune_1, units.commune_2)]
    )}  # fmt: skip
    province = await ok(reporting, by="unit", unit=units.province)
    assert {r["key"] for r in province["rows"]} == set(units.all)
    commune = await ok(reporting, by="procedure", unit=units.commune_3)
    assert [counts(r) for r in commune["rows"]] == [counts(whole[units.commune_3])]
    # Other groupings take the filter too: one field row, the branch's three units' sum.
    by_field = await ok(reporting, by="field", unit=units.branch)
    assert [(r["key"], counts(r)) for r in by_field["rows"]] == [
        (here["field_code"], counts(branch["totals"]))
    ]


async def test_an_unknown_unit_is_refused_with_unknown_unit(reporting: Reporting) -> None:
    response = await report(reporting, by="unit", unit=fresh("NOWHERE"))
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_unit"


async def test_a_leader_with_a_unit_sees_only_that_subtree(reporting: Reporting) -> None:
    units = Hierarchy()
    here = cell()
    timelines = dossiers(units.all, here)
    await reporting.deliver(*units.registrations(), *[e for t in timelines for e in t.events()])

    mine = await ok(reporting, role="leader", unit_claim=units.branch, by="unit")
    assert [r["key"] for r in mine["rows"]] == sorted([units.branch, units.commune_1, units.commune_2])
    below = await ok(reporting, role="leader", unit_claim=units.branch, by="unit", unit=units.commune_2)
    assert [r["key"] for r in below["rows"]] == [units.commune_2]
    for outside in (units.province, units.commune_3):
        refused = await report(reporting, role="leader", unit_claim=units.branch, by="unit", unit=outside)
        assert refused.status_code == 403
        assert refused.json()["code"] == "not_your_unit"
    # Administrators, auditors and a leader without a unit see every unit.
    roles: tuple[Role, ...] = ("admin", "auditor", "leader")
    for role in roles:
        every = by_key(await ok(reporting, role=role, by="unit"))
        assert set(units.all) <= set(every)


async def test_by_level_groups_by_the_lead_agencys_level_from_the_catalogue(reporting: Reporting) -> None:
    units = Hierarchy()
    province_cell, commune_cell, unheard_cell = cell(), cell(), cell()
    at = vn(2025, 7, 1, 8)
    agencies = [
        agency_registered(province_cell["agency"], "province", units.province, at),
        agency_registered(commune_cell["agency"], "commune", units.commune_1, at),
    ]
    timelines = [
        *dossiers([units.province], province_cell),
        *dossiers([units.commune_1, units.commune_2], commune_cell),
        *dossiers([units.commune_3], unheard_cell),
    ]
    await reporting.deliver(*units.registrations(), *agencies, *[e for t in timelines for e in t.events()])
    levels = by_key(await ok(reporting, by="level", unit=units.province))
    expected = expected_rows(timelines, *PERIOD)

    def of(agency: str) -> dict[str, int]:
        return sums_of([row for key, row in expected.items() if key[2] == agency])

    assert counts(levels["province"]) == of(province_cell["agency"])
    assert levels["province"]["name"] == "Cấp tỉnh"
    assert counts(levels["commune"]) == of(commune_cell["agency"])
    assert counts(levels[""]) == of(unheard_cell["agency"])  # an agency not yet heard of


async def test_unit_events_in_any_order_and_repeated_end_in_the_same_row(reporting: Reporting) -> None:
    code, successor = fresh("U"), fresh("S")
    registered = unit_registered(code, "commune_centre", None, vn(2025, 7, 1, 8), "Trung tâm xã Cũ")
    renamed = unit_registered(code, "commune_centre", None, vn(2025, 7, 2, 8), "Trung tâm xã Mới")
    closed = unit_closed(code, date(2025, 9, 30), successor, vn(2025, 9, 1, 8))
    await reporting.deliver(closed, renamed, registered)
    await reporting.deliver(registered, closed, renamed)  # a redelivery changes nothing
    again = [CloudEvent(**{**e.model_dump(), "id": uuid.uuid4()}) for e in (registered, closed)]
    await reporting.deliver(*again)  # nor does the same event under a new id
    async with reporting.app.state.sessions() as session:
        row = (
            await session.execute(
                text(
                    "SELECT name, kind, closed_to, closed_successor_code FROM reporting.units WHERE code = :c"
                ),
                {"c": code},
            )
        ).one()
    assert tuple(row) == ("Trung tâm xã Mới", "commune_centre", date(2025, 9, 30), successor)


async def test_units_published_on_the_catalog_stream_reach_the_report(reporting: Reporting) -> None:
    units = Hierarchy()
    here = cell()
    timelines = dossiers([units.commune_1], here)
    await reporting.deliver(*[e for t in timelines for e in t.events()])

    async def streams_ready() -> bool:
        return bool(reporting.app.state.runtime.streams_ready)

    await eventually(streams_ready)
    async with connected_link(reporting.stack.nats_url) as link:
        for event in units.registrations():
            name = event.type.removeprefix("vn.motcua.").rsplit(".v", 1)[0]
            await link.jetstream.publish(
                name, event.to_json().encode(), headers={"Nats-Msg-Id": str(event.id)}
            )

    async def named() -> bool:
        body = await ok(reporting, by="unit", unit=units.province)
        return by_key(body).get(units.commune_1, {}).get("name") == "Trung tâm phường Một"

    await eventually(named)


async def indicators(
    reporting: Reporting, *, role: Role = "admin", unit_claim: str | None = None, **params: str
) -> Any:
    agency = "VPDK" if role == "leader" else None  # a leader's token names an agency
    token = issue_token(reporting.secret, sub=f"{role}-u", role=role, agency=agency, unit=unit_claim)
    return await reporting.http.get(
        "/v1/reports/indicators",
        params={"from": PERIOD[0].isoformat(), "to": PERIOD[1].isoformat(), **params},
        headers={"Authorization": f"Bearer {token}"},
    )


async def test_indicators_by_unit_count_dossiers_and_their_dissatisfaction_where_the_dossier_was_received(
    reporting: Reporting,
) -> None:
    units = Hierarchy()
    here = cell()
    timelines = [replace(t, code=fresh("D")) for t in dossiers(units.all, here)]
    at_1 = next(t for t in timelines if t.unit == units.commune_1)
    at_3 = next(t for t in timelines if t.unit == units.commune_3)
    ballots = [
        ballot(here["agency"], vn(2025, 10, 1), satisfaction="satisfied", dossier_code=at_1.code),
        ballot(here["agency"], vn(2025, 10, 2), satisfaction="unsatisfied", dossier_code=at_3.code),
        ballot(here["agency"], vn(2025, 10, 3), satisfaction="very_satisfied"),  # at a kiosk: no dossier
    ]
    await reporting.deliver(*units.registrations(), *[e for t in timelines for e in t.events()], *ballots)
    processing = by_key(await ok(reporting, by="unit", unit=units.province))

    response = await indicators(reporting, by="unit", unit=units.province)
    assert response.status_code == 200, response.text
    body = response.json()
    rows = by_key(body)
    assert set(rows) == set(units.all)  # the kiosk ballot has no unit: not in a unit's subtree
    assert rows[units.commune_1]["name"] == "Trung tâm phường Một"
    for unit in units.all:
        assert rows[unit]["received"] == processing[unit]["received"]
        assert rows[unit]["resolved"] == processing[unit]["resolved_total"]
    # Decision 766 counts dossiers: commune 3's dossier rated "not satisfied" is its dissatisfied one.
    assert (rows[units.commune_1]["dissatisfied"], rows[units.commune_3]["dissatisfied"]) == (0, 1)
    resolved_3 = rows[units.commune_3]["resolved"]
    assert rows[units.commune_3]["satisfaction_rate"] == float(percent(resolved_3 - 1, resolved_3) or 0)
    assert body["totals"]["dissatisfied"] == 1
    assert body["totals"]["received"] == sum(r["received"] for r in body["rows"])
    assert [c["heading"] for c in body["columns"][:2]] == ["Mã đơn vị", "Đơn vị tiếp nhận"]

    # Per agency within the branch: its dossiers only, none of them rated unsatisfied.
    branch = by_key((await indicators(reporting, unit=units.branch)).json())
    assert list(branch) == [here["agency"]]
    assert branch[here["agency"]]["received"] == sum(processing[u]["received"] for u in units.all[1:4])
    assert branch[here["agency"]]["dissatisfied"] == 0
    # Without a unit, the agency's row: the kiosk's ballot names no dossier and counts in none.
    whole = by_key((await indicators(reporting)).json())
    assert whole[here["agency"]]["dissatisfied"] == 1


async def test_indicators_refuse_an_unknown_unit_and_a_unit_outside_the_leaders(reporting: Reporting) -> None:
    units = Hierarchy()
    await reporting.deliver(*units.registrations())
    unknown = await indicators(reporting, unit=fresh("NOWHERE"))
    assert (unknown.status_code, unknown.json()["code"]) == (422, "unknown_unit")
    outside = await indicators(reporting, role="leader", unit_claim=units.commune_1, unit=units.branch)
    assert (outside.status_code, outside.json()["code"]) == (403, "not_your_unit")
    mine = await indicators(reporting, role="leader", unit_claim=units.commune_1, by="unit")
    assert mine.status_code == 200
    assert {r["key"] for r in mine.json()["rows"]} <= {units.commune_1}


async def get(
    reporting: Reporting, path: str, *, role: Role = "admin", unit_claim: str | None = None, **params: Any
) -> Any:
    agency = "VPDK" if role == "leader" else None
    token = issue_token(reporting.secret, sub=f"{role}-u", role=role, agency=agency, unit=unit_claim)
    return await reporting.http.get(path, params=params, headers={"Authorization": f"Bearer {token}"})


async def test_satisfaction_by_the_unit_where_the_rated_dossier_was_received(reporting: Reporting) -> None:
    units = Hierarchy()
    here = cell()
    timelines = [replace(t, code=fresh("D")) for t in dossiers(units.all, here)]
    at = {t.unit: t for t in timelines}
    ballots = [
        ballot(
            here["agency"], vn(2025, 10, 1), satisfaction="satisfied", dossier_code=at[units.commune_1].code
        ),
        ballot(
            here["agency"], vn(2025, 10, 1), satisfaction="unsatisfied", dossier_code=at[units.commune_2].code
        ),
        ballot(
            here["agency"],
            vn(2025, 10, 2),
            satisfaction="very_satisfied",
            dossier_code=at[units.commune_3].code,
        ),
        ballot(here["agency"], vn(2025, 10, 3), satisfaction="satisfied"),  # at a kiosk: no dossier
    ]
    await reporting.deliver(*units.registrations(), *[e for t in timelines for e in t.events()], *ballots)
    period: dict[str, Any] = {"from": PERIOD[0].isoformat(), "to": PERIOD[1].isoformat()}

    response = await get(reporting, "/v1/reports/satisfaction", **period, by="unit", unit=units.province)
    assert response.status_code == 200, response.text
    body = response.json()
    rows = {r["key"]: (r["name"], r["ballots"], r["satisfied"], r["unsatisfied"]) for r in body["rows"]}
    assert rows == {
        units.commune_1: ("Trung tâm phường Một", 1, 1, 0),
        units.commune_2: ("Trung tâm phường Hai", 1, 0, 1),
        units.commune_3: ("Trung tâm xã Ba", 1, 0, 0),
    }
    assert body["totals"]["ballots"] == 3
    branch = (await get(reporting, "/v1/reports/satisfaction", **period, unit=units.branch)).json()
    assert [(r["key"], r["ballots"]) for r in branch["rows"]] == [(here["agency"], 2)]
    whole = (await get(reporting, "/v1/reports/satisfaction", **period)).json()
    assert next(r for r in whole["rows"] if r["key"] == here["agency"])["ballots"] == 4
    refused = await get(
        reporting,
        "/v1/reports/satisfaction",
        **period,
        role="leader",
        unit_claim=units.branch,
        unit=units.commune_3,
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "not_your_unit")


async def test_the_six_month_document_of_one_unit_holds_that_subtrees_numbers(reporting: Reporting) -> None:
    units = Hierarchy()
    here = cell()
    timelines = dossiers(units.all, here)
    await reporting.deliver(*units.registrations(), *[e for t in timelines for e in t.events()])
    half = (date(2025, 7, 1), date(2025, 12, 31))
    async with reporting.app.state.sessions() as session:
        subtree = [units.branch, units.commune_1, units.commune_2]
        tables = await six_month_tables(session, *half, date(2026, 1, 10), subtree)
    processing = tables[0]
    expected = expected_rows([t for t in timelines if t.unit in subtree], *half)
    assert processing.totals is not None
    assert {k: processing.totals[k] for k in ROW_FIELDS} == sums_of(list(expected.values()))
    levels = tables[1]
    assert levels.totals is not None
    assert levels.totals["count"] == sum(r["received"] for r in expected.values())

    document = await get(reporting, "/v1/reports/six-month", year=2025, half=2, unit=units.branch)
    assert document.status_code == 200, document.text
    assert "CHI NHÁNH SỐ 1" in document.text  # the unit is the issuing body, printed in capitals
    unknown = await get(reporting, "/v1/reports/six-month", year=2025, half=2, unit=fresh("NOWHERE"))
    assert (unknown.status_code, unknown.json()["code"]) == (422, "unknown_unit")
    outside = await get(
        reporting,
        "/v1/reports/six-month",
        year=2025,
        half=2,
        role="leader",
        unit_claim=units.commune_1,
        unit=units.branch,
    )
    assert (outside.status_code, outside.json()["code"]) == (403, "not_your_unit")


async def test_delays_of_one_unit_count_only_the_late_dossiers_received_in_its_subtree(
    reporting: Reporting,
) -> None:
    units = Hierarchy()
    timelines = dossiers(units.all, cell())  # one dossier resolved late at each unit, in September
    await reporting.deliver(*units.registrations(), *[e for t in timelines for e in t.events()])
    period: dict[str, Any] = {"from": "2025-09-01", "to": "2025-09-30"}

    branch = await get(reporting, "/v1/reports/delays", **period, unit=units.branch)
    assert branch.status_code == 200, branch.text
    assert branch.json()["totals"]["first_late"] == 3  # branch, commune 1, commune 2; no late step heard
    commune = (await get(reporting, "/v1/reports/delays", **period, unit=units.commune_3)).json()
    assert commune["totals"]["first_late"] == 1
    refused = await get(
        reporting,
        "/v1/reports/delays",
        **period,
        role="leader",
        unit_claim=units.commune_1,
        unit=units.branch,
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "not_your_unit")
