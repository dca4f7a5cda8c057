"""Rebuild from the streams on the real servers: the same numbers after, the reports answering during,
the consumers going on with the new tables, one rebuild at a time; and the lag on /metrics."""

import asyncio
import os
import subprocess
import sys
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, select, text
from sqlalchemy.engine import Connection

from services.reporting.lag import Lag
from services.reporting.processing.arithmetic import ROW_FIELDS
from services.reporting.processing.models import PROCESSING_TABLES
from services.reporting.rebuild.models import rebuild_runs
from services.reporting.rebuild.repository import RUN_LOCK, record_start
from shared.clock import FixedClock
from shared.db.engine import make_engine
from shared.events.dossier import DossierResolved
from tests.reporting.conftest import Reporting, eventually, fresh
from tests.reporting.timelines import Appointment, Pause, Timeline, expected_rows, vn

REPO = Path(__file__).resolve().parents[2]
PERIOD = (date(2021, 7, 1), date(2021, 12, 31))


def mixed(here: dict[str, Any]) -> list[Timeline]:
    """Dossiers of one cell in every state the report knows."""
    return [
        Timeline(
            **here,
            received=vn(2021, 6, 20),
            due=vn(2021, 7, 2),
            resolved=vn(2021, 7, 1),
            returned=vn(2021, 7, 2),
        ),
        Timeline(
            **here, received=vn(2021, 7, 1), due=vn(2021, 7, 10), resolved=vn(2021, 7, 12), apology=True
        ),
        Timeline(**here, received=vn(2021, 7, 1), due=vn(2021, 7, 10), resolved=vn(2021, 7, 14)),
        Timeline(**here, received=vn(2021, 12, 1), due=vn(2021, 12, 10), channel="online", level=4),
        Timeline(
            **here,
            received=vn(2021, 12, 1),
            due=vn(2021, 12, 10),
            pauses=[Pause(uuid.uuid4(), vn(2021, 12, 5))],
        ),
        Timeline(
            **here, received=vn(2021, 8, 1), due=vn(2021, 8, 20), withdrawn=vn(2021, 8, 2), imported=True
        ),
        Timeline(
            **here, received=vn(2021, 8, 1), due=vn(2021, 8, 20), rejected=vn(2021, 8, 3), digitized=(3, 1)
        ),
        # Paused for a supplement, its due moved to 2021-09-17 (dossier.appointment_changed): on time.
        Timeline(
            **here,
            received=vn(2021, 9, 1),
            due=vn(2021, 9, 10),
            resolved=vn(2021, 9, 17),
            appointments=[Appointment(vn(2021, 9, 2), vn(2021, 9, 9), vn(2021, 9, 17, 17))],
        ),
        Timeline(
            **here, received=vn(2021, 9, 1), due=vn(2021, 9, 10), resolved=vn(2021, 9, 14), letters=[True]
        ),
    ]


async def rows_of(reporting: Reporting, key: str) -> dict[str, int] | None:
    body = await reporting.report(period=PERIOD, by="procedure")
    return next(({k: r[k] for k in ROW_FIELDS} for r in body["rows"] if r["key"] == key), None)


async def wait_for_rebuild(reporting: Reporting, run: int) -> dict[str, Any]:
    """Poll GET /v1/rebuild; the reports must answer all along."""
    for _ in range(1200):
        status = await reporting.http.get("/v1/rebuild", params={"run": run}, headers=reporting.auth("admin"))
        assert status.status_code == 200, status.text
        body: dict[str, Any] = status.json()
        if body["state"] in ("done", "failed"):
            return body
        answer = await reporting.http.get(
            "/v1/reports/processing",
            params={"from": "2021-07-01", "to": "2021-12-31"},
            headers=reporting.auth(),
        )
        assert answer.status_code == 200
        await asyncio.sleep(0.05)
    raise AssertionError("the rebuild did not finish")


def _processing_diffs(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection,
        opts={
            "include_schemas": True,
            "include_name": lambda name, type_, parents: type_ != "schema" or name in (None, "reporting"),
            "include_object": lambda obj, name, type_, reflected, other: (
                type_ != "table"
                or (obj.schema == "reporting" and name in {t.name for t in PROCESSING_TABLES})
            ),
        },
    )
    metadata = MetaData(schema="reporting")
    for table in PROCESSING_TABLES:
        table.to_metadata(metadata)
    return list(compare_metadata(context, metadata))


async def processing_diffs(reporting: Reporting) -> list[Any]:
    engine = make_engine(reporting.stack.service_database_urls["reporting"], pool_size=1)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_processing_diffs)
    finally:
        await engine.dispose()


async def test_the_processing_read_model_migration_matches_the_models(reporting: Reporting) -> None:
    assert await processing_diffs(reporting) == []


async def test_a_rebuild_gives_the_same_numbers_while_the_reports_keep_answering(
    reporting: Reporting,
) -> None:
    here = {"procedure": fresh("P"), "field_code": fresh("F"), "agency": fresh("A")}
    timelines = mixed(here)
    await reporting.publish(*[e for t in timelines for e in t.events()])
    expected = expected_rows(timelines, *PERIOD)[timelines[0].key]

    async def applied() -> bool:
        return await rows_of(reporting, here["procedure"]) == expected

    await eventually(applied)
    # A dossier that reached the tables without going through the stream: a rebuild cannot know it.
    ghost = Timeline(procedure=fresh("GHOST"), received=vn(2021, 8, 1), due=vn(2021, 8, 20))
    await reporting.deliver(*ghost.events())
    assert await rows_of(reporting, ghost.procedure) is not None
    levels_before = await reporting.report("service-levels", period=PERIOD)

    started = await reporting.http.post("/v1/rebuild", headers=reporting.auth("admin"))
    assert started.status_code == 202, started.text
    done = await wait_for_rebuild(reporting, started.json()["run"])
    assert done["state"] == "done", done
    assert done["events"] >= sum(len(t.events()) for t in timelines)
    assert done["progress"]["DOSSIERS"]["at"] >= done["progress"]["DOSSIERS"]["target"] > 0

    assert await rows_of(reporting, here["procedure"]) == expected
    assert await rows_of(reporting, ghost.procedure) is None  # the tables really were rebuilt
    levels_after = await reporting.report("service-levels", period=PERIOD)
    assert levels_after["columns"] == levels_before["columns"]
    assert await processing_diffs(reporting) == []

    # The live consumer goes on, now on the new tables: the pending dossier gets resolved.
    open_one = timelines[3]
    at = vn(2021, 12, 20, 10)  # 03:00 UTC
    resolved_late = DossierResolved(
        **dict(open_one.identity()), resolved_at=at, due_at=open_one.due, imported=False
    )
    late = open_one.event("dossier.resolved", vn(2021, 12, 20), resolved_late)
    await reporting.publish(late)

    async def resolved() -> bool:
        found = await rows_of(reporting, here["procedure"])
        return found is not None and found["resolved_late"] == expected["resolved_late"] + 1

    await eventually(resolved)


async def test_a_second_rebuild_while_one_runs_is_refused(reporting: Reporting) -> None:
    engine = make_engine(reporting.stack.service_database_urls["reporting"], pool_size=1)
    try:
        async with engine.connect() as holder:  # as if another rebuild held the run lock
            assert await holder.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": RUN_LOCK})
            refused = await reporting.http.post("/v1/rebuild", headers=reporting.auth("admin"))
            assert refused.status_code == 409
            assert refused.json()["code"] == "rebuild_running"
            await holder.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": RUN_LOCK})
    finally:
        await engine.dispose()
    assert (await reporting.http.post("/v1/rebuild", headers=reporting.auth("leader"))).status_code == 403


async def test_a_run_whose_process_stopped_is_answered_failed_and_recorded_so_by_the_next_rebuild(
    reporting: Reporting,
) -> None:
    engine = make_engine(reporting.stack.service_database_urls["reporting"], pool_size=1)
    now = reporting.clock.now()
    started = now - timedelta(minutes=5)
    try:
        async with engine.begin() as conn:  # a run whose process died: nobody holds the run lock
            run_id = await conn.scalar(
                rebuild_runs.insert()
                .values(state="running", requested_by="test", started_at=started, events=600)
                .returning(rebuild_runs.c.id)
            )
        admin = reporting.auth("admin")
        status = await reporting.http.get("/v1/rebuild", params={"run": run_id}, headers=admin)
        assert status.status_code == 200, status.text
        body = status.json()
        assert (body["state"], body["error"]) == ("failed", "interrupted (the process stopped)")
        assert (body["finished_at"], body["events_per_second"]) == (now.isoformat(), 2)
        recorded = select(rebuild_runs.c.state, rebuild_runs.c.finished_at).where(rebuild_runs.c.id == run_id)
        async with engine.connect() as conn:
            assert tuple((await conn.execute(recorded)).one()) == ("running", None)  # the GET wrote nothing
            await record_start(conn, requested_by="test", at=now)  # the next rebuild, under the run lock
            assert tuple((await conn.execute(recorded)).one()) == ("failed", now)
            await conn.rollback()
    finally:
        await engine.dispose()


async def test_the_rebuild_command_gives_the_same_numbers(reporting: Reporting) -> None:
    here = {"procedure": fresh("P"), "field_code": fresh("F"), "agency": fresh("A")}
    timelines = mixed(here)
    await reporting.publish(*[e for t in timelines for e in t.events()])
    expected = expected_rows(timelines, *PERIOD)[timelines[0].key]

    async def applied() -> bool:
        return await rows_of(reporting, here["procedure"]) == expected

    await eventually(applied)
    env = {
        **os.environ,
        "MOTCUA_DATABASE_URL": reporting.stack.service_database_urls["reporting"],
        "MOTCUA_NATS_URL": reporting.stack.nats_url,
        "MOTCUA_ENVIRONMENT": "test",
        "MOTCUA_JWT_SECRET": reporting.secret,
    }
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "services.reporting.rebuild", "--batch-size", "500"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert '"events_per_second"' in done.stdout
    assert await rows_of(reporting, here["procedure"]) == expected


async def test_the_lag_is_on_metrics_per_stream(reporting: Reporting) -> None:
    async def sampled() -> bool:
        metrics = (await reporting.http.get("/metrics")).text
        return 'motcua_reporting_lag_seconds{stream="DOSSIERS"}' in metrics

    await eventually(sampled)


def test_the_lag_is_zero_when_nothing_waits_and_grows_from_the_last_event_applied() -> None:
    clock = FixedClock(datetime(2022, 1, 10, 9, tzinfo=vn(2022, 1, 1).tzinfo))
    lag = Lag(clock, ("DOSSIERS",))
    assert lag.seconds("DOSSIERS", pending=0) == 0.0
    assert lag.seconds("DOSSIERS", pending=3, oldest=clock.now() - timedelta(seconds=40)) == 40.0
    lag.applied("DOSSIERS", clock.now() - timedelta(seconds=2))
    clock.advance(timedelta(seconds=5))
    assert lag.seconds("DOSSIERS", pending=5) == 7.0
    assert lag.seconds("DOSSIERS", pending=0) == 0.0
