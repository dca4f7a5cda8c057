"""A province at scale (issue #15, "Scale and speed"): 120 receiving units, 400 agencies, 2,000
procedures, 5M dossiers over five years, on real services, PostgreSQL and NATS. It prints:

1. receptions per second through intake's `POST /v1/dossiers`, 8 keep-alive clients each receiving at
   its own commune centre, then the same 8 clients all at one centre (a unit's dossier counter is one
   row per day: units must not contend with each other, the clients of one unit queue on it), with
   how many of intake's database sessions were active and waiting on a lock meanwhile (pg_stat_activity
   sampled every 20 ms); then whether each unit's codes for the day run 1..n without a gap or a
   repeat. The load client is bench/rawhttp.py (its CPU share is printed);
2. the six-month processing report `by=unit` (JSON) for the whole province and for one commune
   (`unit=`), p50 / p95 against issue #15's target (p95 <= 100 ms), and the six-month document
   (`/v1/reports/six-month`, HTML) for both; and the report's one SQL statement timed alone, as the
   service runs it (its own series from `report_unit_tree`, the tree summed per receiving unit) and as
   it ran before that table (every series of `report_tree`, 14 rows a cell);
3. the memory of each service at that size: intake and reporting after the load and the reports,
   then all five once routing, deadline and survey have caught up with the day's receptions.

The reporting read model is loaded as bench/reporting.py loads it (generate_series into
`dossier_facts`, then the per-day counters and the Fenwick tree in SQL, and the tree summed per
receiving unit, as a rebuild's settle writes them), in a province's shape: a provincial centre, 4
branches and 115 commune centres under it; 10 central, 60 provincial and 330 commune agencies; 1,700
procedures received at the provincial centre (400 of them at each branch) and 300 commune procedures;
each commune centre received
BENCH_PROVINCE_COMMUNE_PROCEDURES of those and BENCH_PROVINCE_COMMUNE_ACROSS provincial ones across the
boundary. The report's cost follows the number of cells (procedure x lead agency x receiving unit a
dossier was received under), printed with the load. 35 % of the dossiers are received at the
provincial centre, 10 % at the branches, 55 % at the commune centres. `received_across_boundary` stays
false in the loaded rows, as in bench/reporting.py (its per-day counters leave that series at zero).

    python -m bench province   # BENCH_PROVINCE_DOSSIERS=5000000 BENCH_PROVINCE_SECONDS=15
                               # BENCH_PROVINCE_REQUESTS=30 BENCH_PROVINCE_DOCUMENT_REQUESTS=10
                               # BENCH_PROVINCE_COMMUNE_PROCEDURES=100 BENCH_PROVINCE_COMMUNE_ACROSS=20
"""

import asyncio
import json
import os
import secrets
import subprocess
import time
from collections import Counter
from datetime import date
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy import make_url

from bench.intake_reception import BODY, WORKERS, start_intake
from bench.rawhttp import RawConnection
from bench.reporting import DAYS_SQL, LOAD_STEPS, facts_sql, start_reporting
from bench.servers import BenchServers, bench_servers, percentile, start_service
from services.reporting.processing.arithmetic import ROW_SERIES, period_nodes
from services.reporting.processing.models import TREE_SERIES
from services.reporting.processing.rebuilder import tree_from_days_sql
from services.reporting.processing.repository import Store, unit_tree_from_tree_sql
from shared.auth import issue_token
from shared.db.engine import asyncpg_dsn
from tools.devstack.launch import wait_ready
from tools.devstack.ports import free_port

DOSSIERS = int(os.environ.get("BENCH_PROVINCE_DOSSIERS", "5000000"))
SECONDS = float(os.environ.get("BENCH_PROVINCE_SECONDS", "15"))
REQUESTS = int(os.environ.get("BENCH_PROVINCE_REQUESTS", "30"))
DOCUMENT_REQUESTS = int(os.environ.get("BENCH_PROVINCE_DOCUMENT_REQUESTS", "10"))
COMMUNE_PROCEDURES = int(os.environ.get("BENCH_PROVINCE_COMMUNE_PROCEDURES", "100"))  # of 300
COMMUNE_ACROSS = int(os.environ.get("BENCH_PROVINCE_COMMUNE_ACROSS", "20"))  # of 1,700, at most 100
CLIENTS = 8

BRANCHES, COMMUNES = 4, 115  # with the provincial centre: 120 units
CENTRAL, PROVINCIAL, AGENCIES = 10, 60, 400  # the rest are commune agencies, ~3 a commune
PROVINCE_PROCEDURES, COMMUNE_PROCEDURE_COUNT, BRANCH_PROCEDURES, FIELDS = 1700, 300, 400, 60
FIRST_DAY, LAST_DAY = date(2021, 7, 1), date(2026, 6, 30)
DAYS = (LAST_DAY - FIRST_DAY).days + 1
SHARES = (0.35, 0.10)  # of the dossiers: the provincial centre, the branches (the rest: communes)
SIX_MONTHS = {"from": "2026-01-01", "to": "2026-06-30"}

CENTRE = "000.00.00.B99"


def commune(j: int) -> str:
    return f"000.00.{j:03d}.B99"


def commune_sql(j: str) -> str:
    return f"'000.00.' || lpad(({j})::text, 3, '0') || '.B99'"


COMMUNE = commune(57)  # the commune the one-unit reports ask for

# --- 1. receptions across units ---------------------------------------------------------------------


async def receive_for(port: int, token: str, seconds: float) -> tuple[int, Counter[int]]:
    """One client: dossiers handed in one after another on one keep-alive connection."""
    conn = RawConnection("127.0.0.1", port, {"Authorization": f"Bearer {token}"})
    body = json.dumps(BODY).encode()
    done, failed = 0, Counter[int]()
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            status, _ = await conn.request("POST", "/v1/dossiers", body)
            if status == 201:
                done += 1
            else:
                failed[status] += 1
    finally:
        await conn.close()
    return done, failed


LOCK_WAITS = """
SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'), count(*) FILTER (WHERE state = 'active')
FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()
"""


async def sample_locks(admin_url: str, role: str, stop: asyncio.Event) -> tuple[int, int, int]:
    """Every 20 ms, intake's sessions waiting on a lock (the day's counter row of their unit) and
    active: (samples, waiting summed, active summed)."""
    conn = await asyncpg.connect(asyncpg_dsn(admin_url))
    samples = waiting = active = 0
    try:
        while not stop.is_set():
            row = await conn.fetchrow(LOCK_WAITS, role)
            samples, waiting, active = samples + 1, waiting + row[0], active + row[1]
            await asyncio.sleep(0.02)
    finally:
        await conn.close()
    return samples, waiting, active


async def receive_phase(
    servers: BenchServers, port: int, tokens: list[str], seconds: float, label: str
) -> float:
    stop = asyncio.Event()
    role = make_url(servers.service_urls["intake"]).username or ""
    sampler = asyncio.create_task(sample_locks(servers.admin_database_url, role, stop))
    cpu, started = time.process_time(), time.monotonic()
    results = await asyncio.gather(*(receive_for(port, token, seconds) for token in tokens))
    elapsed, cpu = time.monotonic() - started, time.process_time() - cpu
    stop.set()
    samples, waiting, active = await sampler
    received = sum(done for done, _ in results)
    failed = sum((f for _, f in results), Counter[int]())
    rate = received / elapsed
    print(
        f"  {label:<40} {received:>6} in {elapsed:.1f} s = {rate:6.0f} dossiers/s "
        f"({sum(failed.values())} failed{': ' + str(dict(failed)) if failed else ''}; "
        f"load client {cpu / elapsed:.0%} of a core)"
    )
    print(
        f"  {'':<40} intake's sessions: {active / max(samples, 1):.1f} active, "
        f"{waiting / max(samples, 1):.2f} waiting on a lock (mean of {samples} samples)"
    )
    return rate


async def register_units(port: int, admin: str, codes: list[str]) -> None:
    """The provincial centre, then the commune centres under it, as an administrator registers them."""
    headers = {"Authorization": f"Bearer {admin}"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=10) as http:
        units = [
            {"code": CENTRE, "name": "Trung tâm Phục vụ hành chính công tỉnh", "kind": "provincial_centre"}
        ]
        units += [
            {
                "code": code,
                "name": f"Trung tâm Phục vụ hành chính công xã {n}",
                "kind": "commune_centre",
                "parent_code": CENTRE,
                "address": f"xã {n}",
            }
            for n, code in enumerate(codes, 1)
        ]
        for unit in units:
            (await http.post("/v1/units", json=unit)).raise_for_status()


async def check_codes(admin_url: str, codes: list[str]) -> int:
    """Each unit's codes for the day: 1..n, no gap and no repeat. Returns the dossiers counted."""
    conn = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        rows = await conn.fetch(
            "SELECT unit_code, code FROM intake.dossiers "
            "WHERE unit_code = ANY($1::text[]) AND code IS NOT NULL",
            codes,
        )
    finally:
        await conn.close()
    numbers: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        _, day, number = row["code"].rsplit("-", 2)
        numbers.setdefault((row["unit_code"], day), []).append(int(number))
    print("  codes per unit and day (<unit>-<yyMMdd>-<NNNN>):")
    for (unit, day), found in sorted(numbers.items()):
        distinct = set(found)
        gaps = max(distinct) - len(distinct)
        repeats = len(found) - len(distinct)
        verdict = "gapless" if gaps == 0 and repeats == 0 and min(distinct) == 1 else "NOT GAPLESS"
        print(
            f"    {unit} {day}: {len(found):>6} dossiers, numbers {min(distinct)}..{max(distinct)}, "
            f"{gaps} missing, {repeats} repeated: {verdict}"
        )
    return len(rows)


async def receptions(servers: BenchServers, port: int, secret: str) -> int:
    codes = [commune(j) for j in range(1, CLIENTS + 2)]  # 8 for the spread, the 9th for all at one
    await register_units(port, issue_token(secret, sub="bench", role="admin"), codes)
    spread = [
        issue_token(secret, sub=f"bench-{n}", role="reception", unit=code) for n, code in enumerate(codes)
    ]
    one = [issue_token(secret, sub=f"bench-{n}", role="reception", unit=codes[-1]) for n in range(CLIENTS)]
    print(
        f"POST /v1/dossiers, intake with {WORKERS} workers, {CLIENTS} keep-alive clients "
        f"(bench/rawhttp.py), {SECONDS:.0f} s each:"
    )
    await receive_phase(servers, port, spread, 2, "warm-up (9 units, 2 s)")
    apart = await receive_phase(
        servers, port, spread[:CLIENTS], SECONDS, f"{CLIENTS} clients at {CLIENTS} units"
    )
    together = await receive_phase(servers, port, one, SECONDS, f"{CLIENTS} clients at one unit")
    print(f"  one unit / {CLIENTS} units: {together / apart:.0%} (units must not contend: 100 % or so)")
    return await check_codes(servers.admin_database_url, codes)


# --- 2. the six-month report at 5M dossiers ---------------------------------------------------------

LOAD_UNITS = f"""
INSERT INTO reporting.units (code, name, kind, parent_code, effective_from, registered_at)
SELECT '{CENTRE}', 'Trung tâm Phục vụ hành chính công tỉnh', 'provincial_centre', NULL,
  date '{FIRST_DAY}', now()
UNION ALL
SELECT '000.0' || k || '.00.B99', 'Chi nhánh số ' || k, 'branch', '{CENTRE}', date '{FIRST_DAY}', now()
FROM generate_series(1, {BRANCHES}) AS k
UNION ALL
SELECT {commune_sql("j")}, 'Trung tâm Phục vụ hành chính công xã ' || j, 'commune_centre', '{CENTRE}',
  date '{FIRST_DAY}', now()
FROM generate_series(1, {COMMUNES}) AS j
ON CONFLICT (code) DO NOTHING;
INSERT INTO reporting.agency_levels (code, level, unit_code, registered_at)
SELECT 'CQ' || lpad(a::text, 3, '0'),
  CASE WHEN a < {CENTRAL} THEN 'central' WHEN a < {CENTRAL + PROVINCIAL} THEN 'province' ELSE 'commune' END,
  CASE WHEN a < {CENTRAL + PROVINCIAL} THEN '{CENTRE}'
       ELSE {commune_sql(f"1 + (a - {CENTRAL + PROVINCIAL}) % {COMMUNES}")} END,
  now()
FROM generate_series(0, {AGENCIES - 1}) AS a
ON CONFLICT (code) DO NOTHING;
"""  # noqa: S608

# The cells, in three runs of ids after $1: the provincial centre's, the branches', the communes'. A
# provincial procedure p is led by agency p % 70 (central or provincial); a commune procedure by one of
# the receiving commune's own agencies.
_LEAD = CENTRAL + PROVINCIAL
LOAD_CELLS = f"""
WITH pairs AS (
  SELECT 0 AS class, p, '{CENTRE}' AS unit, p % {_LEAD} AS agency
  FROM generate_series(1, {PROVINCE_PROCEDURES}) AS p
  UNION ALL
  SELECT 1, q.p, '000.0' || k || '.00.B99', q.p % {_LEAD}
  FROM generate_series(1, {BRANCHES}) AS k, generate_series(0, {BRANCH_PROCEDURES - 1}) AS i,
       LATERAL (SELECT 1 + ((k - 1) * {BRANCH_PROCEDURES} + i) % {PROVINCE_PROCEDURES} AS p) AS q
  UNION ALL
  SELECT 2, q.p, {commune_sql("j")},
    {_LEAD} + (j - 1)
      + {COMMUNES} * (q.p % CASE WHEN j <= {AGENCIES - _LEAD - 2 * COMMUNES} THEN 3 ELSE 2 END)
  FROM generate_series(1, {COMMUNES}) AS j, generate_series(0, $2::int - 1) AS m,
       LATERAL (SELECT {PROVINCE_PROCEDURES + 1} + (j * 37 + m) % {COMMUNE_PROCEDURE_COUNT} AS p) AS q
  UNION ALL
  SELECT 2, q.p, {commune_sql("j")}, q.p % {_LEAD}
  FROM generate_series(1, {COMMUNES}) AS j, generate_series(0, $3::int - 1) AS m,
       LATERAL (SELECT 1 + (j * 53 + m * 17) % {PROVINCE_PROCEDURES} AS p) AS q
)
INSERT INTO reporting.report_cells (cell_id, procedure_code, field_code, agency_code, unit_code,
  procedure_name, field_name, agency_name, named_at)
SELECT $1::int + row_number() OVER (ORDER BY class, unit, p), 'TT' || lpad(p::text, 4, '0'),
  'LV' || lpad((p % {FIELDS})::text, 2, '0'), 'CQ' || lpad(agency::text, 3, '0'), unit, 'Thủ tục ' || p,
  'Lĩnh vực ' || (p % {FIELDS}), 'Cơ quan ' || agency, now()
FROM pairs
"""  # noqa: S608


def load_facts_sql(base: int, centre: int, branches: int, communes: int) -> str:
    """Dossiers $1..$2 as bench/reporting.py's LOAD_FACTS makes them (due 3-20 days after receipt, 85 %
    resolved within 0-25 days, 3 % withdrawn, 2 % rejected, the rest and anything closing after the last
    day still open), over the five years and spread over the province's cells by SHARES."""
    first, second = SHARES[0], SHARES[0] + SHARES[1]
    pick = (
        f"{base} + CASE WHEN k < {first} THEN 1 + floor(i * {centre}) "
        f"WHEN k < {second} THEN {centre + 1} + floor(i * {branches}) "
        f"ELSE {centre + branches + 1} + floor(i * {communes}) END::int"
    )
    return facts_sql(
        cell=pick,
        numbers="(SELECT n, random() AS k, random() AS i FROM generate_series($1::int, $2::int) AS n) AS g",
        first_day=FIRST_DAY,
        days=DAYS,
        last_day=LAST_DAY,
    )


async def settle(conn: asyncpg.Connection) -> int:
    """The per-day counters of every dossier, the tree from them and the tree summed per unit, as a
    rebuild's settle writes them; returns the tree's rows."""
    await conn.execute("TRUNCATE reporting.report_tree, reporting.report_unit_tree")
    await conn.execute("DROP TABLE IF EXISTS reporting.bench_days")
    await conn.execute(DAYS_SQL)
    await conn.execute(tree_from_days_sql("reporting.bench_days", "reporting.report_tree"))
    await conn.execute("DROP TABLE reporting.bench_days")
    store = Store()
    await conn.execute(unit_tree_from_tree_sql(store.tree_table, store.cells_table, store.unit_tree_table))
    for table in (
        "dossier_facts",
        "report_tree",
        "report_unit_tree",
        "step_outcomes",
        "report_cells",
        "units",
        "agency_levels",
    ):
        await conn.execute(f"VACUUM ANALYZE reporting.{table}")
    rows: int = await conn.fetchval("SELECT count(*) FROM reporting.report_tree")
    return rows


async def caught_up(conn: asyncpg.Connection, received: int, within: float = 300) -> None:
    """Until reporting has folded the day's receptions (and heard the units), so that the load below
    does not race its handlers."""
    began = time.monotonic()
    facts = 0
    while time.monotonic() - began < within:
        facts = await conn.fetchval(
            "SELECT count(*) FROM reporting.dossier_facts WHERE unit_code LIKE '%.B99'"
        )
        units = await conn.fetchval("SELECT count(*) FROM reporting.units WHERE code LIKE '%.B99'")
        if facts >= received and units >= CLIENTS + 2:
            print(f"reporting folded the {facts:,} receptions in {time.monotonic() - began:.0f} s")
            return
        await asyncio.sleep(1)
    print(f"reporting had folded {facts:,} of {received:,} receptions after {within:.0f} s; loading anyway")


async def load_province(conn: asyncpg.Connection) -> None:
    if not (0 < COMMUNE_PROCEDURES <= COMMUNE_PROCEDURE_COUNT and 0 <= COMMUNE_ACROSS <= 100):
        raise SystemExit("BENCH_PROVINCE_COMMUNE_PROCEDURES: 1..300, BENCH_PROVINCE_COMMUNE_ACROSS: 0..100")
    began = time.monotonic()
    await conn.execute(LOAD_UNITS)
    base = await conn.fetchval("SELECT coalesce(max(cell_id), 0) FROM reporting.report_cells")
    await conn.execute(LOAD_CELLS, base, COMMUNE_PROCEDURES, COMMUNE_ACROSS)
    cells = await conn.fetchval("SELECT count(*) FROM reporting.report_cells WHERE cell_id > $1", base)
    await conn.execute(
        "SELECT setval(pg_get_serial_sequence('reporting.report_cells', 'cell_id'), $1)", base + cells
    )
    centre, branches = PROVINCE_PROCEDURES, BRANCHES * BRANCH_PROCEDURES
    communes = cells - centre - branches
    facts = load_facts_sql(base, centre, branches, communes)
    chunk = 500_000
    for start in range(1, DOSSIERS + 1, chunk):
        await conn.execute(facts, start, min(DOSSIERS, start + chunk - 1))
    await conn.execute(LOAD_STEPS, 1, DOSSIERS)
    loaded = time.monotonic()
    tree = await settle(conn)
    sizes = await conn.fetchrow(
        "SELECT pg_total_relation_size('reporting.dossier_facts') AS facts, "
        "pg_total_relation_size('reporting.report_tree') AS tree, "
        "pg_total_relation_size('reporting.step_outcomes') AS steps"
    )
    print(
        f"loaded {DOSSIERS:,} dossiers ({FIRST_DAY}..{LAST_DAY}; {COMMUNES + BRANCHES + 1} units, {AGENCIES} "
        f"agencies, {PROVINCE_PROCEDURES + COMMUNE_PROCEDURE_COUNT:,} procedures; {cells:,} cells: "
        f"{centre:,} at the centre, {branches:,} at the branches, {communes:,} at the communes = "
        f"{COMMUNE_PROCEDURES} + {COMMUNE_ACROSS} a commune) and two steps of each resolved one in "
        f"{loaded - began:.0f} s; the counters and the tree ({tree:,} rows) in "
        f"{time.monotonic() - loaded:.0f} s"
    )
    print(
        f"  on disk: dossier_facts {sizes['facts'] / 2**20:,.0f} MB, "
        f"report_tree {sizes['tree'] / 2**20:,.0f} MB, step_outcomes {sizes['steps'] / 2**20:,.0f} MB"
    )


async def timed(http: httpx.AsyncClient, path: str, params: dict[str, str], requests: int) -> list[float]:
    times = []
    for _ in range(requests):
        began = time.perf_counter()
        response = await http.get(path, params=params)
        times.append((time.perf_counter() - began) * 1000)
        response.raise_for_status()
    return times


async def sql_alone(conn: asyncpg.Connection) -> None:
    """What the by=unit report reads: the tree rows of its two node sets, and its one SQL statement
    timed alone on the database (the rest of a request's time is the service's: scope, names, JSON),
    as the service runs it and as it ran before the unit tree."""
    at_to, before_from = period_nodes(
        date.fromisoformat(SIX_MONTHS["from"]), date.fromisoformat(SIX_MONTHS["to"])
    )
    nodes = [*at_to, *before_from]
    whole = await conn.fetchval(
        "SELECT count(*) FROM reporting.report_tree WHERE node = ANY($1::int[])", nodes
    )
    one = await conn.fetchval(
        "SELECT count(*) FROM reporting.report_tree t JOIN reporting.report_cells c USING (cell_id) "
        "WHERE t.node = ANY($1::int[]) AND c.unit_code = $2",
        nodes,
        COMMUNE,
    )
    per_unit = await conn.fetchval(
        "SELECT count(*) FROM reporting.report_unit_tree WHERE node = ANY($1::int[])", nodes
    )
    print(
        f"  the report's {len(nodes)} tree nodes hold {whole:,} rows: {one:,} of them {COMMUNE}'s; "
        f"{per_unit:,} rows of the tree per unit"
    )
    # Two designs of the same statement (`Store.group_sql`): every series of the cell tree summed, 14
    # rows a cell (the design before the unit tree, and before the report summed only its own series),
    # and the processing report's own series (`arithmetic.ROW_SERIES`) from the tree summed per unit,
    # 14 rows a unit: what the service runs for by=unit now.
    store = Store()
    designs = (("all series, report_tree", TREE_SERIES), ("its own series, report_unit_tree", ROW_SERIES))
    for label, units in (("whole province", None), (f"unit={COMMUNE}", [COMMUNE])):
        args = [at_to, before_from] if units is None else [at_to, before_from, units]
        for design, series in designs:
            sql = store.group_sql("unit", scoped=units is not None, series=series)
            times = []
            for _ in range(REQUESTS):
                began = time.perf_counter()
                async with conn.transaction():
                    await conn.execute("SET LOCAL max_parallel_workers_per_gather = 0")
                    await conn.fetch(sql, *args)
                times.append((time.perf_counter() - began) * 1000)
            print(
                f"  {f'its SQL alone, {len(series)} {design}, ' + label:<72} ({REQUESTS:>3} requests) "
                f"p50 {percentile(times, 50):7.1f} ms   p95 {percentile(times, 95):7.1f} ms"
            )


async def reports(base: str, secret: str) -> None:
    token = issue_token(secret, sub="bench", role="admin")
    processing = {**SIX_MONTHS, "by": "unit"}
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120
    ) as http:
        await timed(http, "/v1/reports/processing", processing, 5)  # warm-up: prepared statements, caches
        body = (await http.get("/v1/reports/processing", params=processing)).json()
        print(
            f"the six-month processing report by unit ({SIX_MONTHS['from']}..{SIX_MONTHS['to']}): "
            f"{len(body['rows'])} rows, {body['totals']['total']:,} dossiers, "
            f"{body['totals']['received']:,} received in the period"
        )
        cases: list[tuple[str, str, dict[str, str], int]] = [
            ("processing, by=unit, whole province", "/v1/reports/processing", processing, REQUESTS),
            (
                f"processing, by=unit, unit={COMMUNE}",
                "/v1/reports/processing",
                {**processing, "unit": COMMUNE},
                REQUESTS,
            ),
            (
                "processing, by=field, whole province",
                "/v1/reports/processing",
                {**SIX_MONTHS, "by": "field"},
                REQUESTS,
            ),
            (
                "six-month document (HTML), whole province",
                "/v1/reports/six-month",
                {"year": "2026", "half": "1"},
                DOCUMENT_REQUESTS,
            ),
            (
                f"six-month document (HTML), unit={COMMUNE}",
                "/v1/reports/six-month",
                {"year": "2026", "half": "1", "unit": COMMUNE},
                DOCUMENT_REQUESTS,
            ),
        ]
        for label, path, params, requests in cases:
            times = await timed(http, path, params, requests)
            target = "within" if percentile(times, 95) <= 100 else "OVER"
            print(
                f"  {label:<48} ({requests:>3} requests) p50 {percentile(times, 50):7.1f} ms   "
                f"p95 {percentile(times, 95):7.1f} ms   ({target} 100 ms)"
            )


# --- 3. memory --------------------------------------------------------------------------------------


def _kb(path: Path, field: str) -> int:
    for line in path.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _tree(pid: int) -> list[int]:
    """The process and its descendants (uvicorn's supervisor and its workers)."""
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(c) for c in (task / "children").read_text().split()]
    return [pid, *(p for child in children for p in _tree(child))]


def memory_line(service: str, process: subprocess.Popen[bytes]) -> str:
    """The service's processes: RSS each, RSS and PSS (shared pages divided among them) summed."""
    pids = _tree(process.pid)
    rss = [_kb(Path(f"/proc/{pid}/status"), "VmRSS") / 1024 for pid in pids]
    pss = sum(_kb(Path(f"/proc/{pid}/smaps_rollup"), "Pss") for pid in pids) / 1024
    each = " + ".join(f"{r:.0f}" for r in rss)
    return f"  {service:<10} {sum(rss):7.1f} MB RSS ({len(pids)} processes: {each}), PSS {pss:7.1f} MB"


async def run() -> None:
    async with bench_servers() as servers:
        secret = secrets.token_urlsafe(48)
        ports = {service: free_port() for service in ("intake", "reporting", "routing", "deadline", "survey")}
        processes: dict[str, subprocess.Popen[bytes]] = {}
        conn = await asyncpg.connect(asyncpg_dsn(servers.admin_database_url))
        try:
            processes["intake"] = start_intake(servers, ports["intake"], secret)
            await wait_ready(f"http://127.0.0.1:{ports['intake']}")
            received = await receptions(servers, ports["intake"], secret)

            processes["reporting"] = start_reporting(servers, ports["reporting"], secret)
            reporting = f"http://127.0.0.1:{ports['reporting']}"
            await wait_ready(reporting)
            await caught_up(conn, received)
            await load_province(conn)
            await reports(reporting, secret)
            await sql_alone(conn)

            print(f"memory at {DOSSIERS:,} dossiers, after the load and the reports:")
            for service in ("intake", "reporting"):
                print(memory_line(service, processes[service]))
            for service in ("routing", "deadline", "survey"):
                processes[service] = start_service(servers, service, ports[service], jwt_secret=secret)
            for service in ("routing", "deadline", "survey"):
                await wait_ready(f"http://127.0.0.1:{ports[service]}")
            await asyncio.sleep(15)  # their consumers take up the day's receptions
            print(
                f"all five, routing, deadline and survey holding only the {received:,} receptions of part 1:"
            )
            for service, process in processes.items():
                print(memory_line(service, process))
        finally:
            await conn.close()
            for process in processes.values():
                process.terminate()
            for process in processes.values():
                process.wait(timeout=30)


__all__ = ["run"]
