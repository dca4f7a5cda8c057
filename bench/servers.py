"""Throwaway servers for a benchmark, prepared like a real deployment."""

import secrets
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from shared.devstack.stack import embedded_servers, prepare_database
from shared.services import SERVICES


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
