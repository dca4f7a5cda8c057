"""Routing at 100k open steps: the agency queue's page time (first page, deep keyset pages, filters)
and officers' actions per second (accept, then complete with its events), against a real routing
process (2 workers) on real PostgreSQL and NATS. Targets of issue #4: queue page p95 under 50 ms,
at least 500 actions/s."""

import asyncio
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import httpx

from bench.servers import BenchServers, bench_servers, percentile
from shared.auth import issue_token
from shared.db.engine import asyncpg_dsn
from shared.devstack.ports import free_port

OPEN_STEPS = 100_000
HOT_SHARE = 0.5  # half of them at one agency: the worst queue to page through
CLIENTS = 8
SECONDS = 10
WORKERS = os.environ.get("MOTCUA_WORKERS", "2")
REPO = Path(__file__).resolve().parents[1]

SEED = """
INSERT INTO routing.plans (dossier_id, code, lead_agency_code, procedure_code, procedure_name, channel,
  applicant_kind, applicant_name, received_at, clock_started_at, due_at, state, version)
SELECT md5('plan' || n)::uuid, 'BENCH-' || n, agency, 'P' || (n % 20), 'Thủ tục ' || (n % 20), 'online',
  'person', 'Nguyễn Văn An', now() - interval '10 days', now() - interval '10 days',
  now() + (n % 86400) * interval '1 minute', 'open', 1
FROM (SELECT n, CASE WHEN n % 100 < $2 THEN 'HOT' ELSE 'A' || lpad((n % 50)::text, 2, '0') END AS agency
      FROM generate_series(1, $1) AS n) AS s;
INSERT INTO routing.steps (id, dossier_id, position, group_no, agency_code, days, procedure_code, state,
  transfer, assigned_at, original_due_at, sla_due_at, due_at, pause_reason, paused_at)
SELECT md5('step' || n)::uuid, md5('plan' || n)::uuid, 1, 1, p.lead_agency_code, 5, p.procedure_code,
  CASE WHEN n % 10 < 6 THEN 'assigned' WHEN n % 10 < 9 THEN 'in_progress' ELSE 'paused' END, 'electronic',
  now() - interval '10 days', p.due_at, p.due_at, p.due_at,
  CASE WHEN n % 10 = 9 THEN 'financial_obligation' END, CASE WHEN n % 10 = 9 THEN now() END
FROM generate_series(1, $1) AS n JOIN routing.plans p ON p.code = 'BENCH-' || n;
"""


async def seed(servers: BenchServers) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(servers.admin_database_url))
    try:
        started = time.monotonic()
        plans, steps = (s.strip() for s in SEED.strip().split(";\n") if s.strip())
        await conn.execute(plans, OPEN_STEPS, round(HOT_SHARE * 100))
        await conn.execute(steps, OPEN_STEPS)
        await conn.execute("ANALYZE routing.plans; ANALYZE routing.steps")
        print(
            f"seeded {OPEN_STEPS:,} open steps ({HOT_SHARE:.0%} at HOT) in {time.monotonic() - started:.1f} s"
        )
    finally:
        await conn.close()


def start_routing(servers: BenchServers, port: int, secret: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "MOTCUA_DATABASE_URL": servers.service_urls["routing"],
        "MOTCUA_NATS_URL": servers.nats_url,
        "MOTCUA_PORT": str(port),
        "MOTCUA_ENVIRONMENT": "test",
        "MOTCUA_JWT_SECRET": secret,
        "MOTCUA_LOG_LEVEL": "WARNING",
        "MOTCUA_WORKERS": WORKERS,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "shared.serve", "routing"], cwd=REPO, env=env, stdout=subprocess.DEVNULL
    )


async def wait_ready(base: str) -> None:
    async with httpx.AsyncClient(timeout=2) as client:
        while True:
            try:
                if (await client.get(f"{base}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)


async def time_pages(client: httpx.AsyncClient, label: str, params: dict[str, str], pages: int) -> None:
    """``pages`` requests; with ``walk`` each follows the previous page's cursor (deep keyset pages)."""
    walk = params.pop("walk", None) is not None
    times: list[float] = []
    cursor = None
    for _ in range(pages):
        query = {**params, **({"cursor": cursor} if walk and cursor else {})}
        started = time.perf_counter()
        response = await client.get("/v1/queue", params=query)
        times.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        cursor = response.json()["next_cursor"]
    print(
        f"  {label:<44} p50 {percentile(times, 50):5.1f} ms   p95 {percentile(times, 95):5.1f} ms"
        f"   max {max(times):5.1f} ms"
    )


async def queue_times(base: str, secret: str) -> None:
    token = issue_token(secret, sub="bench", role="officer", agency="HOT")
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:
        await time_pages(client, "warm-up", {"limit": "50"}, 20)
        print(
            f"GET /v1/queue at HOT ({int(OPEN_STEPS * HOT_SHARE):,} of {OPEN_STEPS:,} open steps), 50 a page:"
        )
        await time_pages(client, "first page", {"limit": "50"}, 200)
        await time_pages(client, "walking 400 pages by cursor", {"limit": "50", "walk": "1"}, 400)
        await time_pages(client, "state=paused", {"limit": "50", "state": "paused"}, 200)
        await time_pages(client, "procedure=P7", {"limit": "50", "procedure": "P7"}, 200)
        await time_pages(
            client, "state=in_progress, procedure=P7", {"state": "in_progress", "procedure": "P7"}, 200
        )


async def act(base: str, secret: str, action: str, ids: list[str], body: dict[str, str] | None) -> None:
    """Every id once, by CLIENTS clients in parallel; prints actions per second."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    for step_id in ids:
        queue.put_nowait(step_id)
    failed = 0

    async def client(agency_tokens: dict[str, str]) -> int:
        nonlocal failed
        done = 0
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            while not queue.empty():
                step_id, agency = queue.get_nowait().split("|")
                response = await http.post(
                    f"/v1/steps/{step_id}/{action}",
                    json=body,
                    headers={"Authorization": agency_tokens[agency]},
                )
                if response.status_code == 200:
                    done += 1
                else:
                    failed += 1
        return done

    agencies = {i.split("|")[1] for i in ids}
    tokens = {
        a: f"Bearer {issue_token(secret, sub=f'bench-{a}', role='officer', agency=a)}" for a in agencies
    }
    started = time.monotonic()
    done = sum(await asyncio.gather(*(client(tokens) for _ in range(CLIENTS))))
    elapsed = time.monotonic() - started
    print(
        f"POST /v1/steps/{{id}}/{action:<9} {done:,} in {elapsed:.1f} s, {CLIENTS} clients = "
        f"{done / elapsed:,.0f} actions/s ({failed} failed)"
    )


async def run() -> None:
    async with bench_servers() as servers:
        await seed(servers)
        secret = secrets.token_urlsafe(48)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        process = start_routing(servers, port, secret)
        try:
            await wait_ready(base)
            await queue_times(base, secret)
            conn = await asyncpg.connect(asyncpg_dsn(servers.admin_database_url))
            rows = await conn.fetch(
                "SELECT id::text || '|' || agency_code AS key FROM routing.steps WHERE state = 'assigned' "
                "ORDER BY md5(id::text) LIMIT $1",
                CLIENTS * SECONDS * 400,
            )
            await conn.close()
            ids = [r["key"] for r in rows]
            await act(base, secret, "accept", ids, None)
            await act(base, secret, "complete", ids, {"note": "Đã giải quyết"})
        finally:
            process.terminate()
            process.wait(timeout=20)
