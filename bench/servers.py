"""Throwaway servers for a benchmark, prepared like a real deployment."""

import asyncio
import os
import secrets
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from shared.devstack.stack import embedded_servers, prepare_database
from shared.services import SERVICES

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class BenchServers:
    admin_database_url: str
    nats_url: str
    service_urls: dict[str, str]
    root: Path


@asynccontextmanager
async def bench_servers() -> AsyncIterator[BenchServers]:
    with (
        tempfile.TemporaryDirectory(prefix="motcua-bench-") as tmp,
        embedded_servers(Path(tmp)) as (pg, nats),
    ):
        urls = await prepare_database(pg.admin_url, {s: secrets.token_urlsafe(12) for s in SERVICES})
        yield BenchServers(pg.admin_url, nats.url, urls, Path(tmp))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def start_service(servers: BenchServers, service: str, port: int, **settings: str) -> subprocess.Popen[bytes]:
    """`python -m shared.serve <service>` on the bench's servers, as deployed: its own processes, its own
    database role. `settings` are more of its MOTCUA_ settings, e.g. `jwt_secret="..."`."""
    env = {
        **os.environ,
        "MOTCUA_DATABASE_URL": servers.service_urls[service],
        "MOTCUA_NATS_URL": servers.nats_url,
        "MOTCUA_PORT": str(port),
        "MOTCUA_LOG_LEVEL": "WARNING",
        **{f"MOTCUA_{name.upper()}": value for name, value in settings.items()},
    }
    return subprocess.Popen(
        [sys.executable, "-m", "shared.serve", service], cwd=REPO, env=env, stdout=subprocess.DEVNULL
    )


async def wait_ready(base: str) -> None:
    """Until the service at `base` answers /readyz with 200."""
    async with httpx.AsyncClient(timeout=2) as client:
        while True:
            try:
                if (await client.get(f"{base}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
