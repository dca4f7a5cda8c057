"""Routing at 100k open steps: the agency queue's page time (first page, deep keyset pages, filters)
and officers' actions per second (accept, then complete with its events), against a real routing
process (2 workers) on real PostgreSQL and NATS. Targets of issue #4: queue page p95 under 50 ms,
at least 500 actions/s."""

import asyncio
import json
import os
import re
import secrets
import subprocess
import time

import asyncpg
import httpx

from bench.servers import BenchServers, bench_servers, percentile, start_service
from shared.auth import issue_token
from shared.db.engine import asyncpg_dsn
from tools.devstack.launch import wait_ready
from tools.devstack.ports import free_port

OPEN_STEPS = 100_000
HOT_SHARE = 0.5  # half of them at one agency: the worst queue to page through
CLIENTS = 8
SECONDS = 15  # measured per action, after WARM_UP
WARM_UP = 2.0
STAGGER = 0.1  # seconds between two clients' connections
WORKERS = os.environ.get("MOTCUA_WORKERS", "2")

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


async def seed(servers: BenchServers, open_steps: int = OPEN_STEPS) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(servers.admin_database_url))
    try:
        started = time.monotonic()
        plans, steps = (s.strip() for s in SEED.strip().split(";\n") if s.strip())
        await conn.execute(plans, open_steps, round(HOT_SHARE * 100))
        await conn.execute(steps, open_steps)
        await conn.execute("ANALYZE routing.plans; ANALYZE routing.steps")
        print(
            f"seeded {open_steps:,} open steps ({HOT_SHARE:.0%} at HOT) in {time.monotonic() - started:.1f} s"
        )
    finally:
        await conn.close()


def start_routing(servers: BenchServers, port: int, secret: str) -> subprocess.Popen[bytes]:
    return start_service(servers, "routing", port, environment="test", jwt_secret=secret, workers=WORKERS)


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


class KeepAlive:
    """One officer's keep-alive HTTP/1.1 connection, as light as a load generator can be: httpx spends
    about as much CPU a request as the service itself (~1.7 ms), on the same two cores, which made the
    bench measure the client as much as the service."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    @classmethod
    async def open(cls, port: int) -> "KeepAlive":
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def post(self, path: str, authorization: str, body: bytes) -> int:
        """The response's status; its body is read and dropped (uvicorn always sends Content-Length)."""
        self._writer.write(
            f"POST {path} HTTP/1.1\r\nHost: routing\r\nAuthorization: {authorization}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        head = await self._reader.readuntil(b"\r\n\r\n")
        length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
        await self._reader.readexactly(int(length[1]) if length else 0)
        return int(head[9:12])

    async def close(self) -> None:
        self._writer.close()
        await self._writer.wait_closed()


async def act(port: int, secret: str, action: str, keys: list[str], body: dict[str, str] | None) -> list[str]:
    """CLIENTS officers, each on its own connection, take steps from ``keys`` (``id|agency``) and
    ``action`` them; prints the actions per second over SECONDS of steady state. Returns the keys
    acted on.

    Fair to the service: connections open one by one while the earlier ones already work, so the
    workers share them (opened in one burst, one worker accepted all of them and the other idled);
    the count starts once every client is connected and WARM_UP has passed (statements prepared on
    the pooled connections), and stops at SECONDS or when the steps run out."""
    todo = iter(keys)
    content = b"" if body is None else json.dumps(body).encode()
    tokens: dict[str, str] = {}
    finished: list[float] = []  # when each action was answered 200
    acted: list[str] = []
    failed = 0
    window = [float("inf"), float("inf")]  # the measured [start, end); set once every client runs

    async def officer(delay: float) -> None:
        nonlocal failed
        await asyncio.sleep(delay)
        http = await KeepAlive.open(port)
        try:
            while (key := next(todo, None)) is not None and time.monotonic() < window[1]:
                step_id, agency = key.split("|")
                if agency not in tokens:
                    token = issue_token(secret, sub=f"bench-{agency}", role="officer", agency=agency)
                    tokens[agency] = f"Bearer {token}"
                status = await http.post(f"/v1/steps/{step_id}/{action}", tokens[agency], content)
                if status == 200:
                    finished.append(time.monotonic())
                    acted.append(key)
                else:
                    failed += 1
        finally:
            await http.close()
        window[1] = min(window[1], time.monotonic())  # out of steps: the count stops here

    clients = [asyncio.create_task(officer(i * STAGGER)) for i in range(CLIENTS)]
    await asyncio.sleep((CLIENTS - 1) * STAGGER + WARM_UP)
    window[0] = time.monotonic()
    window[1] = window[0] + SECONDS
    cpu = time.process_time()
    await asyncio.gather(*clients)
    cpu = time.process_time() - cpu
    start, end = window
    done = sum(start <= at < end for at in finished)
    print(
        f"POST /v1/steps/{{id}}/{action:<9} {done:,} in {end - start:.1f} s, {CLIENTS} clients = "
        f"{done / (end - start):,.0f} actions/s ({failed} failed; the load generator used "
        f"{1000 * cpu / max(done, 1):.2f} ms CPU an action)"
    )
    return acted


async def relay_catches_up(conn: asyncpg.Connection) -> None:
    """The events the actions staged are published by the service's relay (in one of its workers),
    after commit: wait until none is left, so no work is carried into the next measurement, and
    say how far it lagged."""
    started = time.monotonic()
    unsent = "SELECT count(*) FROM routing.outbox WHERE sent_at IS NULL"
    while True:
        if not await conn.fetchval(unsent):
            break
        await asyncio.sleep(0.1)
    print(f"  relay: every event published {time.monotonic() - started:.1f} s after the last action")


async def run() -> None:
    async with bench_servers() as servers:
        await seed(servers)
        secret = secrets.token_urlsafe(48)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        process = start_routing(servers, port, secret)
        conn = await asyncpg.connect(asyncpg_dsn(servers.admin_database_url))
        try:
            await wait_ready(base)
            await queue_times(base, secret)
            keys = (
                "SELECT id::text || '|' || agency_code FROM routing.steps WHERE state = $1 "
                "ORDER BY md5(id::text)"
            )
            assigned = [row[0] for row in await conn.fetch(keys, "assigned")]
            in_progress = [row[0] for row in await conn.fetch(keys, "in_progress")]
            print(f"{WORKERS} workers; each action for {SECONDS} s after {WARM_UP} s of warm-up:")
            accepted = await act(port, secret, "accept", assigned, None)
            await relay_catches_up(conn)
            # The steps just accepted, then seeded ones in progress: completions never run out.
            await act(port, secret, "complete", accepted + in_progress, {"note": "Đã giải quyết"})
            await relay_catches_up(conn)
        finally:
            await conn.close()
            process.terminate()
            process.wait(timeout=20)
