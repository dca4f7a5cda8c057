"""Throwaway servers for a benchmark, prepared like a real deployment."""

import secrets
import subprocess
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from shared.services import SERVICES
from tools.devstack import launch
from tools.devstack.stack import embedded_servers, prepare_database


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
    """`service` as deployed on the bench's servers (its own processes, its own database role)."""
    return launch.start_service(
        service,
        database_url=servers.service_urls[service],
        nats_url=servers.nats_url,
        port=port,
        output=None,  # named, so that `settings` (MOTCUA_ settings, all text) cannot be taken for it
        **settings,
    )
