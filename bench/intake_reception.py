"""Dossiers received per second through `POST /v1/dossiers` (8 concurrent clients, keep-alive) against
a real intake process, and in the same run pgbench's TPS inserting the same rows (applicant, dossier,
outbox) on the same server with 8 clients: the ratio says how much of the raw insert rate the
service keeps (target ≥ 25 %)."""

import asyncio
import os
import re
import secrets
import subprocess
import time

import httpx
from sqlalchemy import make_url

from bench.servers import BenchServers, bench_servers, start_service
from shared.auth import issue_token
from tools.devstack.launch import wait_ready
from tools.devstack.ports import free_port
from tools.devstack.postgres import binary

CLIENTS = 8
WORKERS = os.environ.get("MOTCUA_WORKERS", "2")
SECONDS = 15
BODY = {
    "procedure_code": "DD-01",
    "channel": "direct",
    "applicant": {"name": "Nguyễn Văn An", "id_number": "046095001234", "phone": "0912345678"},
    "documents": ["DON_DANG_KY", "HOP_DONG", "GCN", "TO_KHAI_LPTB", "TO_KHAI_TNCN"],
}

PGBENCH_SCRIPT = """
\\set n random(1, 1000000000)
BEGIN;
WITH a AS (
  INSERT INTO intake.applicants (id, kind, name, search_key, id_number, phone)
  VALUES (gen_random_uuid(), 'person', 'Nguyễn Văn An', 'nguyen van an', '046095001234', '0912345678')
  RETURNING id)
INSERT INTO intake.dossiers (id, code, status, procedure_id, applicant_id, channel, service_level, unit_code,
  submitted_at, received_at, clock_started_at, due_at, lookup_secret_hash, documents, created_by)
  SELECT gen_random_uuid(), 'PGBENCH-' || :n || '-' || txid_current(), 'received', :procedure_id, a.id,
  'direct', 3, 'PGBENCH', now(), now(), now(), now() + interval '14 days', md5(CAST(:n AS text)),
  '["DON_DANG_KY","HOP_DONG","GCN"]', 'bench' FROM a;
INSERT INTO intake.outbox (event_id, event_type, topic, payload)
  VALUES (gen_random_uuid(), 'vn.motcua.dossier.received.v1', 'pgbench.none', repeat('x', :payload_bytes));
COMMIT;
"""


def start_intake(servers: BenchServers, port: int, secret: str) -> subprocess.Popen[bytes]:
    workers = {"workers": WORKERS, "db_pool_size": "10"}  # one worker per core, as deployed
    return start_service(servers, "intake", port, environment="test", jwt_secret=secret, **workers)


async def post_for(base: str, token: str, seconds: float) -> tuple[int, int]:
    done = errors = 0
    deadline = time.monotonic() + seconds
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10) as client:
        while time.monotonic() < deadline:
            response = await client.post("/v1/dossiers", json=BODY)
            if response.status_code == 201:
                done += 1
            else:
                errors += 1
    return done, errors


def pgbench_tps(servers: BenchServers, procedure_id: int, payload_bytes: int) -> float:
    script = servers.root / "reception.sql"
    script.write_text(PGBENCH_SCRIPT)
    url = make_url(servers.admin_database_url)
    command = [
        str(binary("pgbench")),
        "-n",
        "-c",
        str(CLIENTS),
        "-j",
        "2",
        "-T",
        str(SECONDS),
        "-f",
        str(script),
        "-D",
        f"procedure_id={procedure_id}",
        "-D",
        f"payload_bytes={payload_bytes}",
        "-h",
        url.host or "127.0.0.1",
        "-p",
        str(url.port),
        "-U",
        url.username or "postgres",
        url.database or "motcua",
    ]
    login = {"PGPASSWORD": url.password} if url.password else {}
    completed = subprocess.run(
        command, capture_output=True, text=True, check=False, env={**os.environ, **login}
    )
    if completed.returncode != 0:
        raise RuntimeError(f"pgbench failed: {completed.stderr[-2000:]}")
    output = completed.stdout
    match = re.search(r"tps = ([0-9.]+)", output)
    return float(match.group(1)) if match else float("nan")


async def run() -> None:
    async with bench_servers() as servers:
        secret = secrets.token_urlsafe(48)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        process = start_intake(servers, port, secret)
        try:
            await wait_ready(base)
            token = issue_token(secret, sub="bench", role="reception")
            await post_for(base, token, 2)  # warm up
            started = time.monotonic()
            results = await asyncio.gather(*(post_for(base, token, SECONDS) for _ in range(CLIENTS)))
            elapsed = time.monotonic() - started
            received = sum(done for done, _ in results)
            failed = sum(errors for _, errors in results)
        finally:
            process.terminate()
            process.wait(timeout=20)
        rate = received / elapsed
        print(
            f"POST /v1/dossiers ({WORKERS} workers): {received} in {elapsed:.1f} s, {CLIENTS} clients = "
            f"{rate:,.0f} dossiers/s ({failed} failed)"
        )

        import asyncpg

        from shared.db.engine import asyncpg_dsn

        conn = await asyncpg.connect(asyncpg_dsn(servers.admin_database_url))
        procedure_id = await conn.fetchval("SELECT id FROM intake.procedures WHERE code = 'DD-01' LIMIT 1")
        payload = await conn.fetchval("SELECT payload FROM intake.outbox ORDER BY id DESC LIMIT 1")
        await conn.close()
        tps = pgbench_tps(servers, procedure_id, len(payload.encode()))
        print(f"pgbench, same rows (applicant + dossier + outbox), {CLIENTS} clients: {tps:,.0f} TPS")
        print(f"ratio service / raw inserts: {rate / tps:.0%}")
