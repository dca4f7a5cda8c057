"""Migration reporting_0010 fills the new level series of the tree from the dossier rows already kept:
on the real PostgreSQL, its SQL gives every tree row exactly the counters the handlers gave it, for any
timelines (supplement waits, closes of every kind, levels 1-4, events in any order)."""

import importlib.util
import random
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.reporting.processing.arithmetic import LEVEL_SERIES
from services.reporting.processing.repository import driver
from services.reporting.readmodels import LIVE_SCHEMA, REBUILD_LOCK
from tests.reporting.conftest import Reporting
from tests.reporting.test_arithmetic_properties import deliveries, timelines
from tests.reporting.timelines import Timeline

MIGRATION = (
    Path(__file__).resolve().parents[2] / "services/reporting/migrations/versions/0010_level_results.py"
)


def migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("reporting_0010", MIGRATION)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_adds_the_series_of_the_arithmetic() -> None:
    assert migration().SERIES == LEVEL_SERIES


async def _levels(conn: Any) -> dict[tuple[int, int], tuple[int, ...]]:
    rows = await conn.fetch(f"SELECT node, cell_id, {', '.join(LEVEL_SERIES)} FROM {LIVE_SCHEMA}.report_tree")  # noqa: S608
    return {(r[0], r[1]): tuple(r[2:]) for r in rows if any(r[2:])}


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=st.lists(timelines(), min_size=1, max_size=12), seed=st.integers(0, 2**32 - 1))
async def test_the_migration_s_fill_gives_the_tree_the_counters_the_handlers_gave_it(
    reporting: Reporting, drawn: list[Timeline], seed: int
) -> None:
    suffix = uuid.uuid4().hex[:8]
    for t in drawn:
        t.procedure, t.field_code, t.agency = (f"{part}-{suffix}" for part in t.key[:3])
        t.dossier_id = uuid.uuid4()
    await reporting.deliver(*deliveries(drawn, random.Random(seed)))
    async with reporting.app.state.sessions() as session:
        conn = await driver(session)
        # The handlers wait (they hold this lock shared); everything below is rolled back.
        await conn.execute("SELECT pg_advisory_xact_lock($1)", REBUILD_LOCK)
        by_handlers = await _levels(conn)
        assert by_handlers, "the drawn dossiers have levels: their series are not empty"
        zeros = ", ".join(f"{s} = 0" for s in LEVEL_SERIES)
        await conn.execute(f"UPDATE {LIVE_SCHEMA}.report_tree SET {zeros}")  # noqa: S608
        await conn.execute(migration().backfill_sql(LIVE_SCHEMA))
        assert await _levels(conn) == by_handlers
        await session.rollback()
