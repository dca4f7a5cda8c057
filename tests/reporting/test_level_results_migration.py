"""Migration reporting_0010 fills the new service-bucket series of the tree from the dossier rows
already kept: on the real PostgreSQL, its SQL puts each dossier in the bucket of its receipt day
(`rule_periods.service_bucket`) and gives every tree row exactly the counters the handlers gave it, for
any timelines (supplement waits, closes of every kind, levels 1-4, receipts on both sides of 1 July
2025, events in any order)."""

import importlib.util
import random
import uuid
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.reporting.processing.arithmetic import BUCKET_SERIES
from services.reporting.processing.rule_periods import LEVELS, service_bucket
from services.reporting.readmodels import LIVE_SCHEMA, REBUILD_LOCK
from shared.db.raw import driver
from shared.rule_sets import rule_sets
from tests.reporting.conftest import Reporting
from tests.reporting.test_arithmetic_properties import REFORM, deliveries, timelines
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
    assert migration().SERIES == BUCKET_SERIES


async def test_the_migration_s_bucket_is_the_pure_function_s(reporting: Reporting) -> None:
    """Each receipt day near the sets' boundaries (and long before the first set) and each level."""
    days = [date(2005, 1, 1), date(2018, 6, 20), date(2018, 6, 21), date(2021, 3, 1)]
    days += [date(2025, 6, 30) + timedelta(days=n) for n in range(-1, 3)] + [date(2030, 1, 1)]
    pairs = [(day, level) for day in days for level in LEVELS]
    bucket = migration().bucket_sql(rule_sets(), received="d", level="l")
    async with reporting.app.state.sessions() as session:
        conn = await driver(session)
        rows = await conn.fetch(
            f"SELECT d, l, {bucket} FROM unnest($1::date[], $2::smallint[]) AS x (d, l)",  # noqa: S608
            [p[0] for p in pairs],
            [p[1] for p in pairs],
        )
    assert {(r[0], r[1]): r[2] for r in rows} == {p: service_bucket(*p) for p in pairs}


async def _levels(conn: Any) -> dict[tuple[int, int], tuple[int, ...]]:
    rows = await conn.fetch(
        f"SELECT node, cell_id, {', '.join(BUCKET_SERIES)} FROM {LIVE_SCHEMA}.report_tree"  # noqa: S608
    )
    return {(r[0], r[1]): tuple(r[2:]) for r in rows if any(r[2:])}


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    drawn=st.lists(st.one_of(timelines(), timelines(REFORM)), min_size=1, max_size=12),
    seed=st.integers(0, 2**32 - 1),
)
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
        zeros = ", ".join(f"{s} = 0" for s in BUCKET_SERIES)
        await conn.execute(f"UPDATE {LIVE_SCHEMA}.report_tree SET {zeros}")  # noqa: S608
        await conn.execute(migration().backfill_sql(LIVE_SCHEMA))
        assert await _levels(conn) == by_handlers
        await session.rollback()
