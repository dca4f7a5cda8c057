"""The deadline watcher over 1,000,000 open dossiers (2,000,000 running clocks: each dossier's and one
step's) on a real PostgreSQL: a cycle's time with nothing due, with 1,000 clocks due soon, 1,000
overdue, and a 10,000-clock catch-up (each staging its events), a reminder list page, then the
calendar's due-date computations per second (bench/calendar.py). Targets of issue #5: under 2 s a
cycle over 1M open dossiers, at least 50k due dates/s."""

import time
from datetime import UTC, datetime

import asyncpg

from bench import calendar
from bench.servers import bench_servers, percentile
from services.deadline.calendar.calendars import Calendars
from services.deadline.context import Context
from services.deadline.models import messaging
from services.deadline.reminders import repository as reminder_queries
from services.deadline.reminders import service as reminders
from services.deadline.settings import DeadlineSettings
from services.deadline.watcher.watcher import Watcher
from shared.clock import FixedClock
from shared.db.engine import Sessions, asyncpg_dsn, make_engine, make_sessions
from shared.messaging.outbox import Outbox

OPEN_DOSSIERS = 1_000_000
IDLE_CYCLES = 20

# Dossiers due 3 to 63 days ahead, their steps 2 days before that, each warned 8 hours before its due:
# nothing is due at T0.
SEED = """
INSERT INTO deadline.dossiers (dossier_id, code, lead_agency_code, received_at, clock_started_at,
  original_due_at, channel, procedure_code, procedure_version, procedure_name, full_days, day_kind, same_day,
  supplement_policy, version)
SELECT md5('d' || n)::uuid, 'BENCH-' || n, 'L' || lpad((n % 50)::text, 2, '0'), t0 - interval '5 days',
  t0 - interval '5 days', t0 + interval '3 days' + (n % 86400) * interval '1 minute', 'direct',
  'P' || (n % 20), 1, 'Thủ tục ' || (n % 20), 10, 'working', false, 'shift', 0
FROM generate_series(1, $2) AS n, CAST($1 AS timestamptz) AS t0;
INSERT INTO deadline.clocks (scope, dossier_id, step_id, code, lead_agency_code, agency_code, position, days,
  started_at, original_due_at, due_at, warn_at, state)
SELECT 'dossier', d.dossier_id, NULL, d.code, d.lead_agency_code, d.lead_agency_code, NULL, 10,
  d.clock_started_at, d.original_due_at, d.original_due_at, d.original_due_at - interval '8 hours', 'running'
FROM deadline.dossiers d WHERE d.code LIKE 'BENCH-%'
UNION ALL
SELECT 'step', d.dossier_id, md5('s' || d.code)::uuid, d.code, d.lead_agency_code,
  'S' || lpad((hashtext(d.code) & 255)::text, 3, '0'), 1, 5, d.clock_started_at,
  d.original_due_at - interval '2 days', d.original_due_at - interval '2 days',
  d.original_due_at - interval '2 days 8 hours', 'running'
FROM deadline.dossiers d WHERE d.code LIKE 'BENCH-%';
"""

# A share of the running clocks come due at T0, picked at random among those not warned yet.
MAKE_DUE_SOON = """
UPDATE deadline.clocks SET warn_at = $1::timestamptz - interval '1 minute'
WHERE id IN (SELECT id FROM deadline.clocks WHERE state = 'running' AND due_soon_sent_at IS NULL
             ORDER BY md5(id::text || $3::text) LIMIT $2)
"""
MAKE_OVERDUE = """
UPDATE deadline.clocks SET due_at = $1::timestamptz - interval '1 minute',
  warn_at = $1::timestamptz - interval '8 hours', due_soon_sent_at = $1::timestamptz - interval '8 hours'
WHERE id IN (SELECT id FROM deadline.clocks WHERE state = 'running' AND due_soon_sent_at IS NULL
             ORDER BY md5(id::text || $3::text) LIMIT $2)
"""
PLAN = """
EXPLAIN SELECT id FROM deadline.clocks WHERE state = 'running' AND overdue_sent_at IS NULL AND due_at <= $1
ORDER BY due_at LIMIT 500 FOR UPDATE SKIP LOCKED
"""


async def seed(conn: asyncpg.Connection, at: datetime) -> None:
    started = time.monotonic()
    await conn.execute("SET synchronous_commit = off")
    dossiers, clocks = (s.strip() for s in SEED.strip().split(";\n") if s.strip())
    await conn.execute(dossiers, at, OPEN_DOSSIERS)
    await conn.execute(clocks)
    await conn.execute("VACUUM ANALYZE deadline.dossiers")
    await conn.execute("VACUUM ANALYZE deadline.clocks")
    running = await conn.fetchval("SELECT count(*) FROM deadline.clocks WHERE state = 'running'")
    print(
        f"seeded {OPEN_DOSSIERS:,} open dossiers, {running:,} running clocks "
        f"in {time.monotonic() - started:.1f} s"
    )


async def run() -> None:
    t0 = datetime.now(UTC).replace(second=0, microsecond=0)
    async with bench_servers() as servers:
        conn = await asyncpg.connect(asyncpg_dsn(servers.admin_database_url))
        engine = make_engine(servers.service_urls["deadline"], pool_size=2)
        try:
            await seed(conn, t0)
            await _cycles(conn, make_sessions(engine), t0)
        finally:
            await engine.dispose()
            await conn.close()
    print("calendar (bench/calendar.py):")
    await calendar.run()


async def _cycles(conn: asyncpg.Connection, sessions: Sessions, t0: datetime) -> None:
    clock = FixedClock(t0)
    ctx = Context(
        outbox=Outbox(messaging.outbox, "deadline", clock),
        clock=clock,
        calendars=Calendars(DeadlineSettings().hours),
        due_soon_hours=8,
    )
    watcher = Watcher(ctx, interval_seconds=60)
    await watcher.cycle(sessions)  # warm the pool and the plans, as a running service has
    plan = [row[0].strip() for row in await conn.fetch(PLAN, t0)]
    print("overdue scan plan: " + " → ".join(line.split("  (")[0].removeprefix("-> ") for line in plan))

    idle = [(await watcher.cycle(sessions)).seconds * 1000 for _ in range(IDLE_CYCLES)]
    print(
        f"cycle, nothing due ({IDLE_CYCLES} cycles):      p50 {percentile(idle, 50):7.1f} ms   "
        f"max {max(idle):7.1f} ms"
    )
    for label, statement, count in (
        ("1,000 due soon", MAKE_DUE_SOON, 1_000),
        ("1,000 overdue", MAKE_OVERDUE, 1_000),
        ("10,000 due (5,000 each)", None, 10_000),
    ):
        if statement is None:
            await conn.execute(MAKE_DUE_SOON, t0, count // 2, label)
            await conn.execute(MAKE_OVERDUE, t0, count // 2, label + "!")
        else:
            await conn.execute(statement, t0, count, label)
        tally = await watcher.cycle(sessions)
        sent = tally.due_soon + tally.overdue
        print(
            f"cycle, {label + ':':<30} {tally.seconds * 1000:7.1f} ms   {sent:,} events staged "
            f"({sent / tally.seconds:,.0f}/s, {tally.deferred} deferred)"
        )
    after = [(await watcher.cycle(sessions)).seconds * 1000 for _ in range(IDLE_CYCLES)]
    print(f"cycle, nothing due again:              p50 {percentile(after, 50):7.1f} ms")
    staged = await conn.fetchval("SELECT count(*) FROM deadline.outbox")
    print(f"outbox rows staged: {staged:,}")
    lists: tuple[tuple[str | None, reminder_queries.Kind | None], ...] = (("S001", None), (None, "overdue"))
    for agency, kind in lists:
        times = []
        for _ in range(10):
            started = time.perf_counter()
            async with sessions() as session:
                await reminders.page(session, agency=agency, kind=kind, now=t0, cursor=None, limit=50)
            times.append((time.perf_counter() - started) * 1000)
        label = f"agency={agency or 'all'}, kind={kind or 'both'}"
        print(f"GET /v1/reminders {label + ':':<30} p50 {percentile(times, 50):7.1f} ms (50 a page)")
