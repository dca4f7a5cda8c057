"""The tree summed per receiving unit (`report_unit_tree`, issue #15) on the real PostgreSQL and NATS:
after any mix of events (repeated and shuffled included) it equals the cell tree (`report_tree`)
grouped by unit, live, after migration reporting_0012's fill and after a rebuild; and a report by unit,
which now reads it, equals the rows from the cell tree summed per unit and the brute force."""

import importlib.util
import random
import uuid
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.reporting.processing import arithmetic
from services.reporting.processing.arithmetic import ROW_FIELDS, ROW_SERIES, UNIT_SERIES, add_rows
from services.reporting.processing.models import TREE_SERIES, UNIT_TREE_SERIES
from services.reporting.processing.repository import Store
from services.reporting.readmodels import LIVE_SCHEMA
from shared.db.raw import driver
from tests.reporting.conftest import Reporting, eventually, fresh
from tests.reporting.test_arithmetic_properties import UNITS, deliveries, periods, timelines
from tests.reporting.test_rebuild import PERIOD, mixed, wait_for_rebuild
from tests.reporting.timelines import Timeline, expected_rows, vn

MIGRATION = Path(__file__).resolve().parents[2] / "services/reporting/migrations/versions/0012_unit_tree.py"


def migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("reporting_0012", MIGRATION)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_unit_tree_holds_the_processing_report_s_and_the_indicators_series() -> None:
    assert UNIT_TREE_SERIES == UNIT_SERIES
    assert migration().SERIES == ROW_SERIES  # as of reporting_0012; reporting_0013 added the others


def difference_sql(schema: str = LIVE_SCHEMA, series: Sequence[str] = UNIT_TREE_SERIES) -> str:
    """The rows of the cell tree grouped by (node, unit) not in the unit tree, and the other way round,
    rows of nothing left out on both sides; only the units in $1 unless it is null."""
    nothing = " AND ".join(f"{s} = 0" for s in series)
    sums = ", ".join(f"sum(t.{s})::int8 AS {s}" for s in series)
    grouped = (
        f"SELECT * FROM (SELECT t.node, c.unit_code, {sums} FROM {schema}.report_tree t "  # noqa: S608
        f"JOIN {schema}.report_cells c USING (cell_id) "
        "WHERE $1::text[] IS NULL OR c.unit_code = ANY($1::text[]) GROUP BY 1, 2) g "
        f"WHERE NOT ({nothing})"
    )
    units = (
        f"SELECT node, unit_code, {', '.join(f'{s}::int8' for s in series)} "  # noqa: S608
        f"FROM {schema}.report_unit_tree "
        f"WHERE ($1::text[] IS NULL OR unit_code = ANY($1::text[])) AND NOT ({nothing})"
    )
    return (
        f"(SELECT 'cells' AS side, * FROM ({grouped} EXCEPT ALL {units}) a) "  # noqa: S608
        f"UNION ALL (SELECT 'units', * FROM ({units} EXCEPT ALL {grouped}) b) "
        "ORDER BY 2, 3, side"
    )


async def differences(reporting: Reporting, units: list[str] | None) -> list[Any]:
    async with reporting.app.state.sessions() as session:
        conn = await driver(session)
        return list(await conn.fetch(difference_sql(), units))


async def unit_rows(
    reporting: Reporting, units: list[str], period: tuple[date, date]
) -> dict[str, dict[str, int]]:
    """`Store.group_sums` by unit (what the report runs: the unit tree), our units' rows."""
    at_to, before_from = arithmetic.period_nodes(*period)
    async with reporting.app.state.sessions() as session:
        conn = await driver(session)  # in a transaction (group_sums sets a local setting)
        sums = await Store().group_sums(conn, "unit", at_to, before_from, units=units)
    rows = {unit: arithmetic.row_counts(*pair) for unit, pair in sums.items()}
    return {unit: row for unit, row in rows.items() if row["total"]}


async def cell_tree_unit_rows(
    reporting: Reporting, units: list[str], period: tuple[date, date]
) -> dict[str, dict[str, int]]:
    """The same from the cell tree: each cell's row from its prefix sums, the rows summed per unit."""
    store = Store()
    async with reporting.app.state.sessions() as session:
        conn = await driver(session)
        sums = await store.prefix_sums(conn, *arithmetic.period_nodes(*period))
        cells = {cell_id: c.unit_code for cell_id, (c, _) in (await store.all_cells(conn)).items()}
    per_unit: dict[str, list[dict[str, int]]] = {}
    for cell_id, pair in sums.items():
        if cells[cell_id] in units:
            per_unit.setdefault(cells[cell_id], []).append(arithmetic.row_counts(*pair))
    rows = {unit: add_rows(cell_rows) for unit, cell_rows in per_unit.items()}
    return {unit: row for unit, row in rows.items() if row["total"]}


def expected_by_unit(drawn: list[Timeline], period: tuple[date, date]) -> dict[str, dict[str, int]]:
    per_unit: dict[str, list[dict[str, int]]] = {}
    for key, row in expected_rows(drawn, *period).items():
        per_unit.setdefault(key[3], []).append(row)
    return {unit: add_rows(rows) for unit, rows in per_unit.items()}


def test_by_unit_the_row_series_read_the_unit_tree_and_every_other_grouping_the_cell_tree() -> None:
    store = Store()
    for scoped in (False, True):
        assert "report_unit_tree" in store.group_sql("unit", scoped=scoped, series=ROW_SERIES)
        assert "unit_code = ANY($3" in store.group_sql("unit", scoped=True, series=ROW_SERIES)
        assert "report_unit_tree" not in store.group_sql("unit", scoped=scoped, series=TREE_SERIES)
        for by in (None, "field", "agency", "procedure", "level"):
            assert "report_unit_tree" not in store.group_sql(by, scoped=scoped, series=ROW_SERIES)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    drawn=st.lists(timelines(), min_size=1, max_size=12),
    period_list=st.lists(periods(), min_size=1, max_size=3),
    seed=st.integers(0, 2**32 - 1),
)
async def test_after_any_events_the_unit_tree_is_the_cell_tree_grouped_by_unit(
    reporting: Reporting, drawn: list[Timeline], period_list: list[tuple[date, date]], seed: int
) -> None:
    # This example's own units (two, each with several cells), so other tests stay out of its rows.
    suffix = uuid.uuid4().hex[:8]
    ours = {unit: f"U{i}-{suffix}" for i, unit in enumerate(UNITS)}
    for t in drawn:
        t.unit = ours[t.unit]
        t.dossier_id = uuid.uuid4()
    await reporting.deliver(*deliveries(drawn, random.Random(seed)))
    units = sorted(ours.values())
    assert await differences(reporting, units) == []
    for period in period_list:
        expected = expected_by_unit(drawn, period)
        assert await unit_rows(reporting, units, period) == expected
        assert await cell_tree_unit_rows(reporting, units, period) == expected
        # The report itself, whole (no unit scope): our units' rows.
        body = await reporting.report(period=period, by="unit")
        found = {r["key"]: {k: r[k] for k in ROW_FIELDS} for r in body["rows"] if r["key"] in units}
        assert found == expected


async def test_the_migration_fills_the_unit_tree_from_the_cell_tree(reporting: Reporting) -> None:
    here = {"procedure": fresh("P"), "field_code": fresh("F"), "agency": fresh("A"), "unit": fresh("U")}
    await reporting.deliver(*[e for t in mixed(here) for e in t.events()])
    async with reporting.app.state.sessions() as session:
        conn = await driver(session)  # one transaction, rolled back: the live tables stay as they were
        before = await conn.fetch(f"SELECT * FROM {LIVE_SCHEMA}.report_unit_tree ORDER BY 1, 2")  # noqa: S608
        assert any(row["unit_code"] == here["unit"] for row in before)
        await conn.execute(f"DELETE FROM {LIVE_SCHEMA}.report_unit_tree")  # noqa: S608
        await conn.execute(migration().fill_sql(LIVE_SCHEMA))
        # reporting_0012 filled the series of its day; reporting_0013's start at 0 (a rebuild fills them)
        filled = migration().SERIES
        assert list(await conn.fetch(difference_sql(series=filled), None)) == []
        after = await conn.fetch(f"SELECT * FROM {LIVE_SCHEMA}.report_unit_tree ORDER BY 1, 2")  # noqa: S608

        def nonzero(rows: list[Any]) -> list[tuple[Any, ...]]:
            return [
                tuple(row[s] for s in ("node", "unit_code", *filled))
                for row in rows
                if any(row[s] for s in filled)
            ]

        assert nonzero(after) == nonzero(before)
        await session.rollback()


async def test_after_a_rebuild_the_unit_tree_is_the_cell_tree_grouped_by_unit(reporting: Reporting) -> None:
    units = [fresh("U"), fresh("U")]
    cells: list[dict[str, Any]] = [
        {"procedure": fresh("P"), "field_code": fresh("F"), "agency": fresh("A"), "unit": unit}
        for unit in (units[0], units[0], units[1])
    ]
    drawn = [t for here in cells for t in mixed(here)]
    await reporting.publish(*[e for t in drawn for e in t.events()])
    expected = expected_by_unit(drawn, PERIOD)

    async def applied() -> bool:
        return await unit_rows(reporting, units, PERIOD) == expected

    await eventually(applied)
    assert await differences(reporting, units) == []

    started = await reporting.http.post("/v1/rebuild", headers=reporting.auth("admin"))
    assert started.status_code == 202, started.text
    done = await wait_for_rebuild(reporting, started.json()["run"])
    assert done["state"] == "done", done

    assert await differences(reporting, None) == []  # every unit of the rebuilt tables
    assert await unit_rows(reporting, units, PERIOD) == expected
    assert await cell_tree_unit_rows(reporting, units, PERIOD) == expected
    body = await reporting.report(period=PERIOD, by="unit")
    found = {r["key"]: {k: r[k] for k in ROW_FIELDS} for r in body["rows"] if r["key"] in units}
    assert found == expected

    # The live consumer goes on with the rebuilt tables, both trees in step.
    later = Timeline(**cells[2], received=vn(2021, 12, 28), due=vn(2021, 12, 31))
    await reporting.publish(*later.events())
    expected = expected_by_unit([*drawn, later], PERIOD)

    async def caught_up() -> bool:
        return await unit_rows(reporting, units, PERIOD) == expected

    await eventually(caught_up)
    assert await differences(reporting, None) == []
