"""Reporting: the processing report's latency at 1M and 5M dossiers against the naive GROUP BY, the lag
at 100 dossiers/s, and the rebuild rate, on a real reporting process, PostgreSQL and NATS. Targets of
issue #7: p95 under 100 ms at 5M dossiers for any period, lag under 1 s at 100 dossiers/s, rebuild at
least 10,000 events/s.

The read model is loaded directly (generate_series into dossier_facts, then its per-day counters and
the Fenwick tree in SQL, as a rebuild's `settle` writes it), so loading 5M dossiers takes minutes, not
the hours publishing 20M events would. The rebuild is measured on events really published to NATS.

    python -m bench reporting          # BENCH_REPORTING_SIZES=1000000,5000000 BENCH_REBUILD_DOSSIERS=75000
"""

import asyncio
import os
import re
import secrets
import subprocess
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import httpx

from bench.servers import BenchServers, bench_servers, percentile, start_service
from services.reporting.app import read_models
from services.reporting.processing import arithmetic
from services.reporting.processing.models import TREE_SERIES
from services.reporting.processing.rebuilder import tree_from_days_sql
from services.reporting.processing.repository import naive_sql, unit_tree_from_tree_sql
from services.reporting.rebuild.run import Rebuild
from shared.auth import issue_token
from shared.clock import SystemClock
from shared.db.engine import asyncpg_dsn, make_engine
from shared.events.catalog import ProcedureSnapshot
from shared.events.dossier import (
    Applicant,
    DossierDigitized,
    DossierIdentity,
    DossierReceived,
    DossierResolved,
    DossierReturned,
)
from shared.events.fields import Payload
from shared.messaging.connection import NatsLink
from shared.messaging.envelope import CloudEvent, event_type
from shared.messaging.streams import ensure_streams
from tools.devstack.launch import wait_ready
from tools.devstack.ports import free_port

SIZES = [int(s) for s in os.environ.get("BENCH_REPORTING_SIZES", "1000000,5000000").split(",")]
REBUILD_DOSSIERS = int(os.environ.get("BENCH_REBUILD_DOSSIERS", "75000"))  # about 4 events each
LAG_SECONDS = int(os.environ.get("BENCH_LAG_SECONDS", "30"))
CELLS = 400  # procedures, each under one of 25 fields and 40 agencies, received at one of 13 units
# Receiving units: a province centre (U00), three branches under it (U01-U03), nine commune centres
# under the branches (U04-U12).
UNITS = 13
FIRST_DAY, DAYS = date(2019, 1, 1), 2557  # 2019 .. 2025
REQUESTS = 200

SIX_MONTHS = {"from": "2025-01-01", "to": "2025-06-30"}
PERIODS: dict[str, dict[str, str]] = {
    "six months (2025-01-01..2025-06-30)": {**SIX_MONTHS, "by": "field"},
    "six months, by procedure (400 rows)": {**SIX_MONTHS, "by": "procedure"},
    "six months, by unit (13 rows)": {**SIX_MONTHS, "by": "unit"},
    "six months, by unit, one branch (unit=U01)": {**SIX_MONTHS, "by": "unit", "unit": "U01"},
    "six months, by level": {**SIX_MONTHS, "by": "level"},
    "one month (2024-03-01..2024-03-31)": {"from": "2024-03-01", "to": "2024-03-31", "by": "agency"},
    "15th to 14th (2024-11-15..2024-12-14)": {"from": "2024-11-15", "to": "2024-12-14", "by": "field"},
    "one year (2023)": {"from": "2023-01-01", "to": "2023-12-31", "by": "field"},
    "everything (2019-01-01..2025-12-31)": {"from": "2019-01-01", "to": "2025-12-31", "by": "field"},
}

# Reports without a target of their own (the dashboard shows them too): fewer requests for the slow ones.
OTHER_REPORTS = {"service-levels": REQUESTS, "satisfaction": 50, "indicators": 20, "delays": 20}

LOAD_CELLS = f"""
INSERT INTO reporting.units (code, name, kind, parent_code, effective_from, registered_at)
SELECT 'U' || lpad(u::text, 2, '0'), 'Đơn vị ' || u,
  CASE WHEN u = 0 THEN 'provincial_centre' WHEN u <= 3 THEN 'branch' ELSE 'commune_centre' END,
  CASE WHEN u = 0 THEN NULL WHEN u <= 3 THEN 'U00' ELSE 'U0' || (1 + u % 3) END, date '2019-01-01', now()
FROM generate_series(0, {UNITS - 1}) AS u;
INSERT INTO reporting.agency_levels (code, level, unit_code, registered_at)
SELECT 'A' || lpad(a::text, 2, '0'), CASE WHEN a < 10 THEN 'province' ELSE 'commune' END, 'U00', now()
FROM generate_series(0, 39) AS a;
INSERT INTO reporting.report_cells (cell_id, procedure_code, field_code, agency_code, unit_code,
  procedure_name, field_name, agency_name, named_at)
SELECT p, 'BP-' || lpad(p::text, 3, '0'), 'F' || lpad((p % 25)::text, 2, '0'),
  'A' || lpad((p % 40)::text, 2, '0'), 'U' || lpad((p % {UNITS})::text, 2, '0'), 'Thủ tục ' || p,
  'Lĩnh vực ' || (p % 25), 'Cơ quan ' || (p % 40), now()
FROM generate_series(1, {CELLS}) AS p;
SELECT setval(pg_get_serial_sequence('reporting.report_cells', 'cell_id'), {CELLS});
"""  # noqa: S608


def facts_sql(*, cell: str, numbers: str, first_day: date, days: int, last_day: date) -> str:
    """Dossiers $1..$2 received over ``days`` days from ``first_day``, due 3-20 days later; 85 % resolved
    within 0-25 days (so some late), 3 % withdrawn, 2 % rejected, the rest (and anything closing after
    ``last_day``) still open. ``numbers`` yields the dossier numbers n (and whatever ``cell``, the SQL
    expression choosing each dossier's cell, reads)."""
    return f"""
INSERT INTO reporting.dossier_facts (dossier_id, code, cell_id, procedure_code, procedure_name, field_code,
  field_name, agency_code, agency_name, unit_code, channel, service_level, received_at, received_date,
  due_date, resolved_date, withdrawn_date, rejected_date, apology, digitized, documents_digitized,
  documents_reused)
SELECT md5('bench' || n)::uuid, 'BENCH-' || n, c.cell_id, c.procedure_code, c.procedure_name, c.field_code,
  c.field_name, c.agency_code, c.agency_name, c.unit_code,
  CASE WHEN ch < 0.4 THEN 'online' WHEN ch < 0.9 THEN 'direct' ELSE 'post' END, level,
  r + time '09:00', r, r + days,
  CASE WHEN roll < 0.85 AND r + took <= date '{last_day}' THEN r + took END,
  CASE WHEN roll >= 0.85 AND roll < 0.88 AND r + took <= date '{last_day}' THEN r + took END,
  CASE WHEN roll >= 0.88 AND roll < 0.90 AND r + took <= date '{last_day}' THEN r + took END,
  took > days AND ch < 0.2, ch < 0.5, CASE WHEN ch < 0.5 THEN 4 ELSE 0 END,
  CASE WHEN ch < 0.1 THEN 1 ELSE 0 END
FROM (
  SELECT n, {cell} AS cell_id,
         date '{first_day}' + floor(random() * {days})::int AS r, 3 + floor(random() * 18)::int AS days,
         random() AS roll, floor(random() * 26)::int AS took, random() AS ch,
         1 + floor(random() * 4)::int AS level
  FROM {numbers}
) AS s JOIN reporting.report_cells c USING (cell_id)
"""  # noqa: S608


LOAD_FACTS = facts_sql(
    cell=f"1 + floor(random() * {CELLS})::int",
    numbers="generate_series($1::int, $2::int) AS n",
    first_day=FIRST_DAY,
    days=DAYS,
    last_day=date(2025, 12, 31),
)

# Two route steps of every resolved dossier among $1..$2, as routing's `dossier.step.completed` leaves
# them in the satisfaction read model: the lead agency's, then another's. A late dossier's second step
# is late seven times in ten and its first one time in five; a dossier in time has one late step in
# twenty.
LOAD_STEPS = """
INSERT INTO reporting.step_outcomes (step_id, dossier_id, dossier_code, lead_agency_code, step_agency_code,
  position, group_no, completed_at, completed_on, due_at, due_on, outcome)
SELECT md5(f.code || '-' || s.position)::uuid, f.dossier_id, f.code, f.agency_code,
  CASE WHEN s.position = 1 THEN f.agency_code
       ELSE 'B' || lpad((abs(hashtext(f.code)) % 40)::text, 2, '0') END,
  s.position, s.position, f.resolved_date + time '10:00', f.resolved_date,
  f.due_date + time '17:00', f.due_date,
  CASE WHEN random() < CASE WHEN f.resolved_date <= f.due_date THEN 0.05
                            WHEN s.position = 2 THEN 0.7 ELSE 0.2 END
       THEN 'late' ELSE 'on_time' END
FROM reporting.dossier_facts f CROSS JOIN (VALUES (1), (2)) AS s(position)
WHERE f.resolved_date IS NOT NULL AND f.code BETWEEN 'BENCH-' AND 'BENCH-~'
  AND substr(f.code, 7)::int BETWEEN $1 AND $2
"""

# The per-day counters of every dossier, as arithmetic.contributions gives them (no supplement waits in
# this data), then the tree. Day index = days since the epoch + 1 (every day here is inside the tree).
_ZERO = {s: "0" for s in TREE_SERIES}


def _select(values: dict[str, str], day: str, where: str) -> str:
    columns = ", ".join(f"{ {**_ZERO, **values}[s] } AS {s}" for s in TREE_SERIES)
    index = f"({day} - date '{arithmetic.EPOCH}' + 1)"
    return f"SELECT cell_id, {index} AS day_index, {columns} FROM f WHERE {where}"  # noqa: S608


DAYS_SQL = f"""
CREATE UNLOGGED TABLE reporting.bench_days AS
WITH f AS (
  SELECT cell_id, received_date AS r, due_date AS due, channel, service_level, apology, digitized,
         documents_digitized, documents_reused, LEAST(resolved_date, rejected_date, withdrawn_date) AS c,
         CASE WHEN resolved_date IS NOT NULL THEN 'resolved' WHEN rejected_date IS NOT NULL THEN 'rejected'
              WHEN withdrawn_date IS NOT NULL THEN 'withdrawn' END AS kind,
         GREATEST(received_date, due_date + 1) AS overdue_from
  FROM reporting.dossier_facts
)
{
    _select(
        {
            "received": "1",
            "received_online": "(channel = 'online')::int",
            "received_counter": "(channel IN ('direct', 'post'))::int",
            "digitized": "digitized::int",
            "documents_digitized": "documents_digitized",
            "documents_reused": "documents_reused",
        },
        "r",
        "true",
    )
}
UNION ALL
{
    _select(
        {
            "resolved_early": "(kind = 'resolved' AND c < due)::int",
            "resolved_on_time": "(kind = 'resolved' AND c = due)::int",
            "resolved_late": "(kind = 'resolved' AND c > due)::int",
            "late_with_apology": "(kind = 'resolved' AND c > due AND apology)::int",
            "withdrawn": "(kind = 'withdrawn')::int",
            "rejected": "(kind = 'rejected')::int",
        },
        "c",
        "c IS NOT NULL",
    )
}
UNION ALL
{_select({"pending_overdue": "1"}, "overdue_from", "c IS NULL OR overdue_from < c")}
UNION ALL
{_select({"pending_overdue": "-1"}, "c", "c IS NOT NULL AND overdue_from < c")}
"""  # noqa: S608


async def load(conn: asyncpg.Connection, first: int, last: int) -> None:
    started = time.monotonic()
    chunk = 500_000
    for start in range(first, last + 1, chunk):
        await conn.execute(LOAD_FACTS, start, min(last, start + chunk - 1))
    await conn.execute(LOAD_STEPS, first, last)
    loaded = time.monotonic()
    await conn.execute("TRUNCATE reporting.report_tree, reporting.report_unit_tree")
    await conn.execute("DROP TABLE IF EXISTS reporting.bench_days")
    await conn.execute(DAYS_SQL)
    await conn.execute(tree_from_days_sql("reporting.bench_days", "reporting.report_tree"))
    await conn.execute(
        unit_tree_from_tree_sql(
            "reporting.report_tree", "reporting.report_cells", "reporting.report_unit_tree"
        )
    )
    await conn.execute("DROP TABLE reporting.bench_days")
    await conn.execute("VACUUM ANALYZE reporting.dossier_facts")
    await conn.execute("VACUUM ANALYZE reporting.report_tree")
    await conn.execute("VACUUM ANALYZE reporting.report_unit_tree")
    await conn.execute("VACUUM ANALYZE reporting.step_outcomes")
    tree_rows = await conn.fetchval("SELECT count(*) FROM reporting.report_tree")
    print(
        f"loaded dossiers {first:,}..{last:,} (and two steps of each resolved one) in "
        f"{loaded - started:.0f} s; per-day counters and the tree "
        f"({tree_rows:,} rows) in {time.monotonic() - loaded:.0f} s"
    )


def start_reporting(servers: BenchServers, port: int, secret: str) -> subprocess.Popen[bytes]:
    return start_service(
        servers, "reporting", port, environment="test", jwt_secret=secret, reporting_lag_poll_seconds="0.2"
    )


async def latencies(base: str, secret: str, admin_url: str, size: int) -> None:
    token = issue_token(secret, sub="bench", role="leader", agency="A01")
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as http:
        for _ in range(20):  # warm-up: prepared statements, caches
            (
                await http.get("/v1/reports/processing", params={"from": "2025-01-01", "to": "2025-06-30"})
            ).raise_for_status()
        print(f"GET /v1/reports/processing at {size:,} dossiers ({REQUESTS} requests each):")
        six_months: list[float] = []
        for label, params in PERIODS.items():
            times = []
            for _ in range(REQUESTS):
                began = time.perf_counter()
                response = await http.get("/v1/reports/processing", params=params)
                times.append((time.perf_counter() - began) * 1000)
                response.raise_for_status()
            if not six_months:
                six_months = times
                body = response.json()
            print(f"  {label:<42} p50 {percentile(times, 50):6.1f} ms   p95 {percentile(times, 95):6.1f} ms")
        print("the other reports, six months (2025-01-01..2025-06-30):")
        for report, requests in OTHER_REPORTS.items():
            times = []
            for _ in range(requests):
                began = time.perf_counter()
                (
                    await http.get(f"/v1/reports/{report}", params={"from": "2025-01-01", "to": "2025-06-30"})
                ).raise_for_status()
                times.append((time.perf_counter() - began) * 1000)
            print(
                f"  {report + f' ({requests} requests)':<42} p50 {percentile(times, 50):6.1f} ms   "
                f"p95 {percentile(times, 95):6.1f} ms"
            )
    await naive(admin_url, body, size)


async def naive(admin_url: str, body: dict[str, Any], size: int) -> None:
    """The baseline: one GROUP BY over every dossier row, for the six months (by cell, as the tree)."""
    conn = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        sql = naive_sql("reporting.dossier_facts")
        times, rows = [], []
        for _ in range(5):
            began = time.perf_counter()
            rows = await conn.fetch(sql, date(2025, 1, 1), date(2025, 6, 30))
            times.append((time.perf_counter() - began) * 1000)
        totals = {k: sum(int(r[k]) for r in rows) for k in arithmetic.ROW_FIELDS}
        agree = all(totals[k] == body["totals"][k] for k in arithmetic.ROW_FIELDS)
        print(
            f"  naive GROUP BY over {size:,} rows, six months:  p50 {percentile(times, 50):6.0f} ms   "
            f"max {max(times):6.0f} ms   (same totals as the tree: {'yes' if agree else 'NO'}; "
            f"{totals['total']:,} dossiers in the report)"
        )
    finally:
        await conn.close()


def dossier_events(n: int, now: datetime, *, resolved: bool = True) -> list[tuple[str, CloudEvent]]:
    """A dossier's events as intake and routing publish them (their shared payload types): received,
    digitized, resolved, returned."""
    agency = f"A{n % 40:02d}"
    identity = DossierIdentity(dossier_id=uuid.uuid4(), code=f"BENCH-R-{n}", agency_code=agency)
    day = now - timedelta(days=n % 700)
    due = day + timedelta(days=10)

    def event(name: str, time: datetime, payload: Payload) -> tuple[str, CloudEvent]:
        subject = f"dossier.{agency}.{name.removeprefix('dossier.')}"
        envelope = CloudEvent(
            source="/motcua/intake",
            type=event_type(name),
            subject=identity.code,
            time=time,
            data=payload.data(),
        )
        return subject, envelope

    procedure = ProcedureSnapshot(
        code=f"BP-{n % CELLS:03d}",
        version=1,
        effective_from=FIRST_DAY,
        name=f"Thủ tục {n % CELLS}",
        field_code=f"F{n % 25:02d}",
        field_name=f"Lĩnh vực {n % 25}",
        agency_code=agency,
        agency_name=f"Cơ quan {n % 40}",
        processing_days=Decimal(10),
        service_level=1 + n % 4,
    )
    out = [
        event(
            "dossier.received",
            day,
            DossierReceived(
                **dict(identity),
                procedure=procedure,
                channel="online" if n % 3 == 0 else "direct",
                service_level=1 + n % 4,
                unit_code="000.00.12.H57",
                received_at=day,
                clock_started_at=day,
                due_at=due,
                applicant=Applicant(kind="person", name="Nguyễn Văn An"),
            ),
        ),
        event(
            "dossier.digitized",
            day,
            DossierDigitized(**dict(identity), documents=4, pages=9, reused=n % 2, digitized_at=day),
        ),
    ]
    if resolved:
        done = day + timedelta(days=n % 14)
        out.append(
            event("dossier.resolved", done, DossierResolved(**dict(identity), resolved_at=done, due_at=due))
        )
        out.append(
            event(
                "dossier.returned",
                done,
                DossierReturned(**dict(identity), returned_at=done, delivery_channel="counter"),
            )
        )
    return out


async def publish(link: NatsLink, events: list[tuple[str, CloudEvent]]) -> None:
    """Published as the relays publish (`Nats-Msg-Id`, each PubAck awaited), up to 4,000 in flight."""
    js = link.jetstream
    acks = [
        await js.publish_async(subject, event.to_json().encode(), headers={"Nats-Msg-Id": str(event.id)})
        for subject, event in events
    ]
    await asyncio.gather(*acks)


LAG_LINE = re.compile(r'^motcua_reporting_lag_seconds\{stream="DOSSIERS"\} (\S+)$', re.M)


async def lag_at_100_per_second(base: str, link: NatsLink) -> None:
    """Dossiers received (and earlier ones resolved) at 100 a second, published as the relays would;
    the lag gauge sampled every 0.1 s, and each dossier's time until its row is in the read model."""
    samples: list[float] = []
    stop = asyncio.Event()

    async def sample() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=5) as http:
            while not stop.is_set():
                found = LAG_LINE.search((await http.get("/metrics")).text)
                if found:
                    samples.append(float(found[1]))
                await asyncio.sleep(0.1)

    sampler = asyncio.create_task(sample())
    started = time.monotonic()
    n = 10_000_000
    sent = 0
    while time.monotonic() - started < LAG_SECONDS:
        tick = time.monotonic()
        now = datetime.now(UTC)
        batch = []
        for _ in range(10):  # 10 dossiers each 0.1 s: received, digitized, resolved at once
            batch += dossier_events(n, now)
            n += 1
        await publish(link, [(s, e.model_copy(update={"time": now})) for s, e in batch])
        sent += len(batch)
        await asyncio.sleep(max(0.0, 0.1 - (time.monotonic() - tick)))
    await asyncio.sleep(3)
    stop.set()
    await sampler
    print(
        f"lag at 100 dossiers/s ({sent / LAG_SECONDS:.0f} events/s for {LAG_SECONDS} s): gauge p50 "
        f"{percentile(samples, 50):.2f} s, p95 {percentile(samples, 95):.2f} s, max {max(samples):.2f} s "
        f"({len(samples)} samples)"
    )


async def rebuild_rate(servers: BenchServers, link: NatsLink) -> None:
    now = datetime.now(UTC)
    events = [e for n in range(REBUILD_DOSSIERS) for e in dossier_events(n, now, resolved=n % 10 != 0)]
    began = time.monotonic()
    await publish(link, events)
    print(f"published {len(events):,} dossier events to NATS in {time.monotonic() - began:.0f} s")
    engine = make_engine(servers.service_urls["reporting"], pool_size=4)
    try:
        rebuild = Rebuild(
            engine=engine, link=link, models=read_models(), clock=SystemClock(), batch_size=2000
        )
        conn, run_id = await rebuild.start("bench")
        began = time.monotonic()
        run = await rebuild.run(conn, run_id)
        elapsed = time.monotonic() - began
        print(
            f"rebuild of every read model from the streams: {run.events:,} events in {elapsed:.1f} s = "
            f"{run.events / elapsed:,.0f} events/s (read, folded, written; tree, swap included)"
        )
    finally:
        await engine.dispose()


async def run() -> None:
    async with bench_servers() as servers:
        conn = await asyncpg.connect(asyncpg_dsn(servers.admin_database_url))
        link = NatsLink(servers.nats_url, "bench")
        await link.connect_forever()
        await ensure_streams(link.jetstream)
        port, secret = free_port(), secrets.token_urlsafe(48)
        process = start_reporting(servers, port, secret)
        base = f"http://127.0.0.1:{port}"
        try:
            await wait_ready(base)
            await conn.execute(LOAD_CELLS)
            loaded = 0
            for size in SIZES:
                await load(conn, loaded + 1, size)
                loaded = size
                await latencies(base, secret, servers.admin_database_url, size)
            await lag_at_100_per_second(base, link)
            # The rebuild alone on the two cores: a running service would apply the same events too.
            process.terminate()
            process.wait(timeout=20)
            await rebuild_rate(servers, link)
        finally:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=20)
            await link.close()
            await conn.close()


__all__ = ["run"]
