"""The processing read model on the real PostgreSQL and NATS: the handlers through the consumer's path
(inbox + effect in one transaction), the two report endpoints, the naive GROUP BY agreeing with the
tree, and a smaller property test through the database."""

import random
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from services.reporting.processing import arithmetic
from services.reporting.processing.arithmetic import ROW_FIELDS
from services.reporting.processing.repository import Store
from shared.auth import Role
from shared.db.raw import driver
from tests.reporting.conftest import Reporting, fresh
from tests.reporting.test_arithmetic_properties import deliveries, periods, timelines
from tests.reporting.timelines import Pause, Timeline, expected_rows, reconciles, vn

PERIOD = (date(2021, 7, 1), date(2021, 12, 31))


def cell(**changes: Any) -> dict[str, Any]:
    return {"procedure": fresh("P"), "field_code": fresh("F"), "agency": fresh("A"), **changes}


def rows_by_key(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["key"]: {k: row[k] for k in ROW_FIELDS} for row in body["rows"]}


async def test_every_event_through_the_consumer_path_gives_the_rules_rows(reporting: Reporting) -> None:
    here = cell()
    timelines_ = [
        Timeline(**here, received=vn(2021, 6, 20), due=vn(2021, 7, 2), resolved=vn(2021, 7, 1)),
        Timeline(
            **here, received=vn(2021, 7, 1), due=vn(2021, 7, 10), resolved=vn(2021, 7, 12), apology=True
        ),
        Timeline(**here, received=vn(2021, 12, 1), due=vn(2021, 12, 10), channel="online"),
        Timeline(
            **here,
            received=vn(2021, 12, 1),
            due=vn(2021, 12, 10),
            pauses=[Pause(uuid.uuid4(), vn(2021, 12, 5))],
        ),
        Timeline(
            **here, received=vn(2021, 8, 1), due=vn(2021, 8, 20), withdrawn=vn(2021, 8, 2), channel="post"
        ),
        Timeline(
            **here, received=vn(2021, 8, 1), due=vn(2021, 8, 20), stopped=vn(2021, 8, 3), digitized=(3, 1)
        ),
        Timeline(**here, received=vn(2021, 12, 30), due=vn(2022, 1, 14), resolved=vn(2022, 1, 3)),
    ]
    await reporting.deliver(*[e for t in timelines_ for e in t.events()])
    body = await reporting.report(period=PERIOD, by="procedure")
    found = rows_by_key(body)[here["procedure"]]
    assert found == expected_rows(timelines_, *PERIOD)[timelines_[0].key]
    assert found == {
        "total": 7, "carried_over": 1, "received": 6, "received_online": 1, "received_counter": 5,
        "received_across_boundary": 0,
        "resolved_total": 2, "resolved_early": 1, "resolved_on_time": 0, "resolved_late": 1,
        "pending_total": 3, "pending_within": 2, "pending_overdue": 1, "withdrawn": 1, "rejected": 1,
        "late_with_apology": 1, "late_with_timely_apology": 0, "late_with_late_apology": 1,
        "late_without_apology": 0,
    }  # fmt: skip
    for by, key in (("field", here["field_code"]), ("agency", here["agency"])):
        assert rows_by_key(await reporting.report(period=PERIOD, by=by))[key] == found
    assert body["totals"] == {"key": None, "name": "Tổng cộng", **{
        k: sum(r[k] for r in body["rows"]) for k in ROW_FIELDS
    }}  # fmt: skip
    assert reconciles(body["totals"])


async def test_a_late_resolution_and_repeated_events_end_in_the_same_row(reporting: Reporting) -> None:
    here = cell()
    t = Timeline(**here, received=vn(2021, 8, 1), due=vn(2021, 8, 10), resolved=vn(2021, 8, 12), apology=True)
    events = t.events()
    # Resolution, apology and return first, the receipt last; then everything again, some as new ids.
    await reporting.deliver(*reversed(events))
    await reporting.deliver(*events)
    await reporting.deliver(*(e.model_copy(update={"id": uuid.uuid4()}) for e in events))
    found = rows_by_key(await reporting.report(period=PERIOD, by="procedure"))[here["procedure"]]
    assert found == expected_rows([t], *PERIOD)[t.key]
    assert found["late_with_apology"] == 1
    assert found["total"] == 1
    async with reporting.app.state.sessions() as session:
        stored = (
            await session.execute(
                text(
                    "SELECT resolved_date, due_date, apology, cell_id FROM dossier_facts "
                    "WHERE dossier_id = :d"
                ),
                {"d": t.dossier_id},
            )
        ).one()
    assert stored.resolved_date == date(2021, 8, 12)
    assert stored.due_date == date(2021, 8, 10)
    assert stored.apology
    assert stored.cell_id is not None


async def test_a_supplement_wait_is_stored_as_days_and_counts_as_within(reporting: Reporting) -> None:
    here = cell()
    pause = Pause(uuid.uuid4(), vn(2021, 12, 5), start_via="both")
    t = Timeline(**here, received=vn(2021, 12, 1), due=vn(2021, 12, 10), pauses=[pause])
    await reporting.deliver(*t.events())
    found = rows_by_key(await reporting.report(period=PERIOD, by="procedure"))[here["procedure"]]
    assert (found["pending_within"], found["pending_overdue"]) == (1, 0)
    async with reporting.app.state.sessions() as session:
        waiting, flag = (
            await session.execute(
                text("SELECT waiting::text, supplement_waiting FROM dossier_facts WHERE dossier_id = :d"),
                {"d": t.dossier_id},
            )
        ).one()
    assert (waiting, flag) == ("{[2021-12-05,)}", True)
    await reporting.deliver(
        *Timeline(**{**t.__dict__, "pauses": [Pause(pause.step, pause.start, vn(2021, 12, 20))]}).events()
    )
    found = rows_by_key(await reporting.report(period=PERIOD, by="procedure"))[here["procedure"]]
    assert (found["pending_within"], found["pending_overdue"]) == (0, 1)


async def test_service_levels_count_the_period_s_receipts(reporting: Reporting) -> None:
    # Far in the future, so no other test's dossiers share the period.
    day = vn(2077, 3, 1)
    levels = [1, 3, 3, 4]
    await reporting.deliver(
        *[e for level in levels for e in Timeline(**cell(), received=day, due=day, level=level).events()]
    )
    body = await reporting.report("service-levels", period=(date(2077, 3, 1), date(2077, 3, 1)))
    # Received under Decree 118/2025: by the classes of Decree 42/2022 (other tests' dossiers received
    # before 1 July 2025 and still open may add a levels section, with no receipts in it).
    classes = [r for r in body["rows"] if r["rule_set"] == "nd118-2025"]
    assert [(r["class"], r["count"], r["pct"]) for r in classes] == [
        ("full_online", 1, 25.0), ("partial_online", 2, 50.0), ("other", 1, 25.0)
    ]  # fmt: skip
    assert body["totals"]["count"] == 4
    assert body["report"] == "service_levels"


async def test_reports_are_for_leaders_admins_and_auditors_and_check_the_period(reporting: Reporting) -> None:
    params = {"from": "2021-07-01", "to": "2021-12-31"}
    cases: list[tuple[Role, int]] = [
        ("leader", 200),
        ("admin", 200),
        ("auditor", 200),
        ("officer", 403),
        ("reception", 403),
    ]
    for role, status in cases:
        response = await reporting.http.get(
            "/v1/reports/processing", params=params, headers=reporting.auth(role)
        )
        assert response.status_code == status, role
    backwards = await reporting.http.get(
        "/v1/reports/processing", params={"from": "2021-12-31", "to": "2021-07-01"}, headers=reporting.auth()
    )
    assert backwards.status_code == 422
    too_early = await reporting.http.get(
        "/v1/reports/processing", params={"from": "1980-01-01", "to": "2021-07-01"}, headers=reporting.auth()
    )
    assert too_early.status_code == 422
    assert too_early.json()["code"] == "period_out_of_range"
    csv = await reporting.http.get(
        "/v1/reports/processing", params={**params, "format": "csv"}, headers=reporting.auth()
    )
    assert csv.status_code == 200
    assert "Số kỳ trước chuyển qua" in csv.content.decode("utf-8-sig")


async def _our_rows(
    reporting: Reporting, keys: set[tuple[str, str, str, str]], period: tuple[date, date]
) -> tuple[dict[tuple[str, str, str, str], dict[str, int]], dict[tuple[str, str, str, str], dict[str, int]]]:
    """Per cell of ours: the rows from the tree's prefix sums, and from the naive GROUP BY."""
    store = Store()
    async with reporting.app.state.sessions() as session:
        conn = await driver(session)
        sums = await store.prefix_sums(
            conn, arithmetic.prefix_nodes(period[1]), arithmetic.prefix_nodes(period[0] - timedelta(days=1))
        )
        cells = {cell_id: c.key for cell_id, (c, _) in (await store.all_cells(conn)).items()}
        naive = await store.naive_rows(conn, *period)
    tree = {cells[i]: arithmetic.row_counts(*sums[i]) for i in sums if cells[i] in keys}
    grouped = {cells[i]: row for i, row in naive.items() if cells[i] in keys}
    return {k: v for k, v in tree.items() if v["total"]}, grouped


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    drawn=st.lists(timelines(), min_size=1, max_size=12),
    period_list=st.lists(periods(), min_size=1, max_size=3),
    seed=st.integers(0, 2**32 - 1),
)
async def test_through_the_database_the_model_equals_the_brute_force_and_the_naive_group_by(
    reporting: Reporting, drawn: list[Timeline], period_list: list[tuple[date, date]], seed: int
) -> None:
    # This example's own cells, so earlier examples and other tests stay out of its rows.
    suffix = uuid.uuid4().hex[:8]
    for t in drawn:
        t.procedure, t.field_code, t.agency = (f"{part}-{suffix}" for part in t.key[:3])
        t.dossier_id = uuid.uuid4()
    await reporting.deliver(*deliveries(drawn, random.Random(seed)))
    keys = {t.key for t in drawn}
    for period in period_list:
        tree, naive = await _our_rows(reporting, keys, period)
        expected = expected_rows(drawn, *period)
        assert tree == expected
        assert naive == expected


@pytest.mark.parametrize("role", ["officer"])
async def test_an_officer_cannot_start_a_rebuild(reporting: Reporting, role: str) -> None:
    response = await reporting.http.post("/v1/rebuild", headers=reporting.auth("officer"))
    assert response.status_code == 403
