"""Historical import lines per second (target: 100,000 lines in under a minute on 2 cores).

A real intake process (uvicorn, migrations, default catalogue, relay publishing to NATS) receives
100,000 generated NDJSON lines in one streamed request: dossiers of 2021–2023 over the seed
catalogue, most resolved and returned, some pending or withdrawn, half without `due_at`, some names
in NFD, a few bad lines. Then the same file again, where every line is a skip.
"""

import json
import random
import secrets
import time
import unicodedata
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.servers import bench_servers, start_service
from services.intake.catalogue.default import seed_data
from shared.auth import issue_token
from shared.clock import VIETNAM
from tools.devstack.launch import wait_ready
from tools.devstack.ports import free_port

LINES = 100_000
CHUNK = 64 * 1024
NAMES = ["Nguyễn Văn An", "Trần Thị Hường", "Lê Đức Thắng", "Phạm Thị Ánh", "Hoàng Quốc Việt"]


def generate(count: int, seed: int = 2021) -> bytes:
    rng = random.Random(seed)
    codes = [p["code"] for p in seed_data()["procedures"]]
    first_day = datetime(2021, 1, 4, tzinfo=VIETNAM)
    lines = []
    for i in range(count):
        day = first_day + timedelta(days=rng.randrange(3 * 364))
        received = day.replace(hour=rng.choice([7, 8, 9, 10, 13, 14, 15, 16]), minute=rng.randrange(60))
        name = rng.choice(NAMES)
        line: dict[str, Any] = {
            "procedure_code": rng.choice(codes),
            "external_code": f"BENCH-{seed}-{i:07d}",
            "channel": rng.choice(["direct", "direct", "post", "online"]),
            "applicant": {
                "name": unicodedata.normalize("NFD", name) if i % 5 == 0 else name,
                "id_number": f"0460950{i % 100000:05d}",
                "phone": f"09{rng.randrange(10**8):08d}",
            },
            "received_at": received.isoformat(),
        }
        if rng.random() < 0.5:
            line["service_level"] = rng.randint(2, 4)
            line["due_at"] = (received + timedelta(days=14)).isoformat()
        outcome = rng.random()
        if outcome < 0.85:
            resolved = received + timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 6))
            line["resolved_at"] = resolved.isoformat()
            if outcome < 0.7:
                line["returned_at"] = (resolved + timedelta(days=rng.randint(0, 5))).isoformat()
        elif outcome < 0.9:
            line["withdrawn_at"] = (received + timedelta(days=rng.randint(0, 5))).isoformat()
        text = json.dumps(line, ensure_ascii=False)
        if i % 1000 == 999:
            text = text[:-10]  # one malformed line in a thousand
        lines.append(text)
    return ("\n".join(lines) + "\n").encode()


async def chunks(body: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(body), CHUNK):
        yield body[start : start + CHUNK]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def send(client: httpx.AsyncClient, url: str, token: str, body: bytes) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    response = await client.post(
        url,
        content=chunks(body),
        headers={"Authorization": f"Bearer {token}", "content-type": "application/x-ndjson"},
    )
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    summary: dict[str, Any] = response.json()
    return elapsed, summary


async def run() -> None:
    body = generate(LINES)
    secret = secrets.token_urlsafe(48)
    async with bench_servers() as servers:
        port = free_port()
        process = start_service(servers, "intake", port, jwt_secret=secret)
        try:
            base = f"http://127.0.0.1:{port}"
            await wait_ready(base)
            async with httpx.AsyncClient(timeout=httpx.Timeout(600)) as client:
                token = issue_token(secret, sub="bench-admin", role="admin")
                url = f"{base}/v1/dossiers/import"
                print(f"{LINES:,} lines, {len(body) / 2**20:.1f} MiB, one streamed request")
                elapsed, summary = await send(client, url, token, body)
                print(
                    f"  first import: {elapsed:.1f} s = {LINES / elapsed:,.0f} lines/s "
                    f"(imported {summary['imported']:,}, skipped {summary['skipped']:,}, "
                    f"failed {summary['failed']:,})"
                )
                elapsed, summary = await send(client, url, token, body)
                print(
                    f"  same file again: {elapsed:.1f} s = {LINES / elapsed:,.0f} lines/s "
                    f"(imported {summary['imported']:,}, skipped {summary['skipped']:,})"
                )
            print(f"  intake process peak RSS: {rss_mb(process.pid):.0f} MB")
        finally:
            process.terminate()
            process.wait(timeout=20)
