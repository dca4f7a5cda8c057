"""The watcher on real PostgreSQL: `dossier.due_soon` and `dossier.overdue` once per dossier and step
clock, across restarts, crashes and two watchers at once. Cycles are run directly at instants set
on the test clock: nothing sleeps for a deadline."""

import asyncio
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select, text

from services.deadline.app import SPEC, create_app
from services.deadline.clocks import repository
from services.deadline.clocks.models import dossiers
from services.deadline.settings import DeadlineSettings
from services.deadline.watcher.watcher import Watcher
from shared.app import Runtime
from shared.leadership import lock_key
from shared.tasks import cancel_and_wait
from tests.deadline.conftest import Deadline, Dossier, agency, new_dossier, vn

REPO = Path(__file__).resolve().parents[2]
STEP_DUE = vn(2021, 6, 25, 9, 0)  # 5 working days from Friday 18 June, 09:00
WARNINGS = ("vn.motcua.dossier.due_soon.v1", "vn.motcua.dossier.overdue.v1")


async def _started(deadline: Deadline, step_agency: str | None = None) -> tuple[Dossier, str]:
    """A dossier received on Friday 18 June 2021 (due 2 July) whose one step is at `step_agency`."""
    d = new_dossier()
    step_agency = step_agency or agency("THUE")
    await deadline.deliver(
        d.received(),
        d.assigned(step_agency, position=1, days="5", assigned=vn(2021, 6, 18, 9, 0), due=STEP_DUE),
    )
    return d, step_agency


async def _warnings(deadline: Deadline, d: Dossier) -> list[dict[str, Any]]:
    return [e for e in await deadline.outbox(subject=d.code) if e["type"] in WARNINGS]


def _kinds(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["type"].split(".")[3], e["data"]["scope"]) for e in events]


async def _cycle_at(deadline: Deadline, at: datetime, watcher: Watcher | None = None) -> None:
    deadline.clock.set(at)
    await (watcher or deadline.app.state.watcher).cycle(deadline.app.state.sessions)


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_due_soon_then_overdue_go_out_once_each_for_the_step_clock_and_the_dossier_clock(
    deadline: Deadline,
) -> None:
    d, thue = await _started(deadline)
    # Granted two more days: kept beside the due, which lateness and warnings still go by.
    await deadline.deliver(d.extension_requested(thue, vn(2021, 6, 21, 9, 0), current_due=STEP_DUE))
    body = await deadline.clocks(d.code)
    step, own = body["steps"][0], body["clock"]
    assert _at(step["extended_due_at"]) > STEP_DUE
    step_warn, dossier_warn = _at(step["warn_at"]), _at(own["warn_at"])
    assert step_warn == vn(2021, 6, 24, 9, 0)  # 8 working hours before: one working day
    assert dossier_warn == vn(2021, 7, 1, 8, 30)

    await _cycle_at(deadline, step_warn - timedelta(minutes=1))
    assert await _warnings(deadline, d) == []

    await _cycle_at(deadline, step_warn)
    [soon] = await _warnings(deadline, d)
    assert soon["topic"] == f"dossier.{thue}.due_soon"
    assert (soon["type"], soon["source"], soon["subject"]) == (WARNINGS[0], "/motcua/deadline", d.code)
    assert soon["data"] == {
        "dossier_id": str(d.id),
        "code": d.code,
        "portal_id": None,
        "agency_code": d.lead,
        "scope": "step",
        "step_id": str(d.step_id(thue)),
        "step_agency_code": thue,
        "due_at": soon["data"]["due_at"],
        "warned_at": soon["data"]["warned_at"],
        "hours_before": 8,
    }
    assert _at(soon["data"]["due_at"]) == STEP_DUE
    assert _at(soon["data"]["warned_at"]) == step_warn
    assert soon["data"]["due_at"].endswith("+00:00")  # UTC, as every event time

    await _cycle_at(deadline, STEP_DUE - timedelta(minutes=1))  # again before the due: nothing new
    assert len(await _warnings(deadline, d)) == 1

    await _cycle_at(deadline, STEP_DUE)
    late = (await _warnings(deadline, d))[-1]
    assert late["topic"] == f"dossier.{thue}.overdue"
    assert late["data"]["scope"] == "step"
    assert late["data"]["step_id"] == str(d.step_id(thue))
    assert late["data"]["step_agency_code"] == thue
    assert late["data"]["agency_code"] == d.lead
    assert _at(late["data"]["due_at"]) == STEP_DUE
    assert _at(late["data"]["overdue_at"]) == STEP_DUE
    assert "warned_at" not in late["data"]

    await _cycle_at(deadline, dossier_warn)
    await _cycle_at(deadline, d.due_at)
    await _cycle_at(deadline, d.due_at + timedelta(days=30))  # long after: nothing is sent again
    events = await _warnings(deadline, d)
    assert _kinds(events) == [
        ("due_soon", "step"),
        ("overdue", "step"),
        ("due_soon", "dossier"),
        ("overdue", "dossier"),
    ]
    for event in events[2:]:
        assert event["topic"] == f"dossier.{d.lead}.{event['type'].split('.')[3]}"
        assert (event["data"]["step_id"], event["data"]["step_agency_code"]) == (None, d.lead)
        assert _at(event["data"]["due_at"]) == d.due_at
    everything = await deadline.outbox(subject=d.code)
    assert everything[0]["type"] == "vn.motcua.dossier.extension_granted.v1"
    assert [e["dossierversion"] for e in everything] == [1, 2, 3, 4, 5]  # one counter for deadline's events

    after = await deadline.clocks(d.code)
    assert _at(after["steps"][0]["due_soon_sent_at"]) == step_warn
    assert _at(after["steps"][0]["overdue_sent_at"]) == STEP_DUE
    assert _at(after["clock"]["overdue_sent_at"]) == d.due_at


async def test_a_clock_first_seen_past_its_due_is_warned_then_late_in_one_cycle(deadline: Deadline) -> None:
    d, thue = await _started(deadline)
    await _cycle_at(deadline, vn(2021, 6, 28, 10, 0))  # the step is late: the watcher was away
    events = await _warnings(deadline, d)
    assert [(e["topic"], e["data"]["scope"]) for e in events] == [
        (f"dossier.{thue}.due_soon", "step"),
        (f"dossier.{thue}.overdue", "step"),
    ]
    assert events[0]["dossierversion"] < events[1]["dossierversion"]


async def test_paused_stopped_and_imported_clocks_are_not_warned(deadline: Deadline) -> None:
    paused, thue = await _started(deadline)
    await deadline.deliver(
        paused.supplement_requested(thue, vn(2021, 6, 21, 9, 0)), paused.paused(thue, vn(2021, 6, 21, 9, 0))
    )
    stopped, thue2 = await _started(deadline)
    finished = {"position": 1, "days": "5", "assigned": vn(2021, 6, 18, 9, 0), "due": STEP_DUE}
    await deadline.deliver(
        stopped.completed(thue2, vn(2021, 6, 22, 10, 0), **finished),
        stopped.ended("resolved", vn(2021, 6, 22, 10, 0)),
    )
    imported = new_dossier()
    await deadline.deliver(imported.received(imported=True))
    body = await deadline.clocks(paused.code)
    assert [body["clock"]["state"], body["steps"][0]["state"]] == ["paused", "paused"]

    await _cycle_at(deadline, vn(2021, 8, 2, 9, 0))  # a month past every due
    for d in (paused, stopped, imported):
        assert await _warnings(deadline, d) == [], d.code

    # Resumed with the supplement: the due shifts by the six weeks paused, so nothing is due yet.
    await deadline.deliver(paused.resumed(thue, vn(2021, 8, 2, 9, 0)))
    await _cycle_at(deadline, vn(2021, 8, 2, 9, 0))
    assert await _warnings(deadline, paused) == []
    resumed = await deadline.clocks(paused.code)
    await _cycle_at(deadline, _at(resumed["steps"][0]["due_at"]))
    assert _kinds(await _warnings(deadline, paused)) == [("due_soon", "step"), ("overdue", "step")]


@asynccontextmanager
async def _another_app(deadline: Deadline, **settings: Any) -> AsyncIterator[FastAPI]:
    """A second deadline process on the same database and clock, started and stopped for real."""
    base: DeadlineSettings = deadline.app.state.settings
    app = create_app(base.model_copy(update=settings), deadline.clock)
    async with app.router.lifespan_context(app):
        yield app


async def test_an_overdue_goes_out_once_across_a_restart_of_the_service(deadline: Deadline) -> None:
    d, _ = await _started(deadline)
    await _cycle_at(deadline, vn(2021, 6, 28, 10, 0))
    assert _kinds(await _warnings(deadline, d)) == [("due_soon", "step"), ("overdue", "step")]

    for _ in range(2):  # restarted: a new process knows only what the database says
        async with _another_app(deadline) as app:
            await app.state.watcher.cycle(app.state.sessions)
            deadline.clock.advance(timedelta(days=1))
            await app.state.watcher.cycle(app.state.sessions)
    assert _kinds(await _warnings(deadline, d)) == [("due_soon", "step"), ("overdue", "step")]


async def _until(condition: Callable[[], Awaitable[bool]], *, seconds: float = 10.0) -> None:
    limit = time.monotonic() + seconds
    while not await condition():
        assert time.monotonic() < limit, "timed out"
        await asyncio.sleep(0.02)


async def _lock_holders(deadline: Deadline, key: int) -> int:
    """Sessions holding the session-level advisory lock `key` (a bigint key below 2**32: objid)."""
    query = text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = 0 "
        "AND objid = CAST(:key AS bigint)::oid AND objsubid = 1"
    )
    async with deadline.app.state.sessions() as session:
        return int((await session.execute(query, {"key": key})).scalar_one())


async def test_the_service_runs_its_watcher_in_the_background_one_process_leading(
    deadline: Deadline,
) -> None:
    async def the_fixture_leads() -> bool:
        return bool(deadline.app.state.watcher.is_leader)

    await _until(the_fixture_leads)  # started by the runtime with the app
    d, _ = await _started(deadline)
    deadline.clock.set(vn(2021, 6, 24, 10, 0))  # the step's warning time has come
    async with _another_app(deadline, watch_interval_seconds=0.05) as app:
        await asyncio.sleep(0.3)  # six of its intervals
        assert not app.state.watcher.is_leader  # the lead is taken: it waits, and sends nothing
        assert await _warnings(deadline, d) == []
        assert await _lock_holders(deadline, lock_key("watcher", "deadline")) == 1
    assert not app.state.watcher.is_leader  # stopped with its app
    assert await _lock_holders(deadline, lock_key("watcher", "deadline")) == 1


async def test_two_watchers_at_once_one_leads_and_nothing_is_sent_twice(deadline: Deadline) -> None:
    ctx = deadline.app.state.deadline
    runtime = Runtime(replace(SPEC, name="deadline_lead_test"), deadline.app.state.settings, deadline.clock)
    key = lock_key("watcher", "deadline_lead_test")
    first, second = (Watcher(ctx, interval_seconds=0.05) for _ in range(2))
    tasks = [asyncio.create_task(w.run(runtime)) for w in (first, second)]
    try:
        dossiers = [(await _started(deadline))[0] for _ in range(3)]
        deadline.clock.set(vn(2021, 6, 28, 10, 0))  # every step late; the dossiers' clocks not yet

        async def all_sent() -> bool:
            return all([len(await _warnings(deadline, d)) == 2 for d in dossiers])

        await _until(all_sent)
        assert [first.is_leader, second.is_leader].count(True) == 1
        assert await _lock_holders(deadline, key) == 1

        leader, follower = (first, second) if first.is_leader else (second, first)
        await cancel_and_wait([tasks[[first, second].index(leader)]])

        async def taken_over() -> bool:
            return follower.is_leader

        await _until(taken_over)  # the follower leads once the leader is gone
        deadline.clock.set(vn(2021, 7, 2, 9, 0))  # the dossiers' own clocks are late now

        async def dossiers_sent() -> bool:
            return all([len(await _warnings(deadline, d)) == 4 for d in dossiers])

        await _until(dossiers_sent)
    finally:
        await cancel_and_wait(tasks)
        await runtime.engine.dispose()
    for d in dossiers:
        kinds = _kinds(await _warnings(deadline, d))
        assert kinds == [
            ("due_soon", "step"),
            ("overdue", "step"),
            ("due_soon", "dossier"),
            ("overdue", "dossier"),
        ]


async def test_cycles_racing_each_other_send_each_warning_once(deadline: Deadline) -> None:
    dossiers = [(await _started(deadline))[0] for _ in range(20)]
    deadline.clock.set(vn(2021, 7, 5, 9, 0))  # every clock is late
    ctx, sessions = deadline.app.state.deadline, deadline.app.state.sessions
    watchers = [
        Watcher(ctx, interval_seconds=60, batch_size=7) for _ in range(4)
    ]  # small batches: interleave
    await asyncio.gather(*(w.cycle(sessions) for w in watchers))
    # Two clocks of one dossier locked by two watchers: one of them leaves its clock to the next cycle.
    await watchers[0].cycle(sessions)
    for d in dossiers:
        assert sorted(_kinds(await _warnings(deadline, d))) == [
            ("due_soon", "dossier"),
            ("due_soon", "step"),
            ("overdue", "dossier"),
            ("overdue", "step"),
        ]


async def test_a_dossier_busy_with_an_event_is_left_to_the_next_cycle_without_waiting_for_it(
    deadline: Deadline,
) -> None:
    busy, _ = await _started(deadline)
    free, _ = await _started(deadline)
    deadline.clock.set(vn(2021, 6, 28, 10, 0))
    # A handler mid-way: it holds the dossier's lock and its row (and will want its clocks next).
    async with deadline.app.state.sessions() as handler, handler.begin():
        await repository.lock_dossiers(handler, [busy.id])
        await handler.execute(select(dossiers).where(dossiers.c.dossier_id == busy.id).with_for_update())
        async with asyncio.timeout(10):  # waiting for the handler here would be a deadlock later
            tally = await deadline.app.state.watcher.cycle(deadline.app.state.sessions)
        assert tally.deferred >= 2
        assert await _warnings(deadline, busy) == []
        assert _kinds(await _warnings(deadline, free)) == [("due_soon", "step"), ("overdue", "step")]
    await deadline.app.state.watcher.cycle(deadline.app.state.sessions)
    assert _kinds(await _warnings(deadline, busy)) == [("due_soon", "step"), ("overdue", "step")]


_CYCLE = """
import asyncio, sys
from datetime import datetime
from services.deadline.calendar.calendars import Calendars
from services.deadline.context import Context
from services.deadline.models import messaging
from services.deadline.settings import DeadlineSettings
from services.deadline.watcher.watcher import Watcher
from shared.clock import FixedClock
from shared.db.engine import make_engine, make_sessions
from shared.messaging.outbox import Outbox

async def main() -> None:
    clock = FixedClock(datetime.fromisoformat(sys.argv[2]))
    ctx = Context(Outbox(messaging.outbox, "deadline", clock), clock, Calendars(DeadlineSettings().hours), 8)
    await Watcher(ctx, interval_seconds=60).cycle(make_sessions(make_engine(sys.argv[1])))

asyncio.run(main())
"""


async def test_a_watcher_killed_mid_cycle_leaves_nothing_half_done_and_the_next_cycle_sends_once(
    deadline: Deadline,
) -> None:
    d, _ = await _started(deadline)
    late = vn(2021, 6, 28, 10, 0)
    url = deadline.app.state.settings.database_url
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(REPO),
        "MOTCUA_CRASH_AT": "watcher.before_commit",
        "MOTCUA_ENVIRONMENT": "development",  # the child reads default settings for its calendar
    }
    command = [sys.executable, "-c", _CYCLE, url, late.isoformat()]
    crashed = await asyncio.to_thread(
        subprocess.run, command, cwd=REPO, env=env, timeout=60, capture_output=True, check=False
    )
    assert crashed.returncode == -9, crashed.stderr.decode()
    assert await _warnings(deadline, d) == []  # events and flags were staged together, and rolled back
    body = await deadline.clocks(d.code)
    assert body["steps"][0]["due_soon_sent_at"] is None

    await _cycle_at(deadline, late)
    assert _kinds(await _warnings(deadline, d)) == [("due_soon", "step"), ("overdue", "step")]
