"""Session-wide real servers, provisioned and migrated once; a missing server fails the run in CI."""

import asyncio
import os
import secrets
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db.engine import make_engine
from shared.services import SERVICES
from shared.settings import ServiceSettings
from tests.servers import ServerUrls, test_servers
from tools.devstack.launch import start_service
from tools.devstack.stack import force_generic_plans, prepare_database

# Settings built without an environment (defaults read by unit tests) are development's, as under
# `make run`; services started by tests say `test` and carry real secrets (Stack.settings).
os.environ.setdefault("MOTCUA_ENVIRONMENT", "development")
TEST_JWT_SECRET = secrets.token_urlsafe(48)
S = TypeVar("S", bound=ServiceSettings)


@dataclass(frozen=True)
class Stack:
    urls: ServerUrls
    service_database_urls: dict[str, str]
    jwt_secret: str

    @property
    def admin_database_url(self) -> str:
        return self.urls.admin_database_url

    @property
    def nats_url(self) -> str:
        return self.urls.nats_url

    def settings(self, service: str, kind: type[S], **overrides: Any) -> S:
        """`service`'s settings on the session's servers, as its own database role; the schema is
        already migrated."""
        values: dict[str, Any] = {
            "database_url": self.service_database_urls[service],
            "nats_url": self.nats_url,
            "environment": "test",
            "jwt_secret": self.jwt_secret,
            "migrate_on_start": False,
            # Tests move their clocks by months; the relay would purge sent rows they read after.
            "outbox_retention_days": 36_500,
            **overrides,
        }
        return kind(**values)

    def start_service(self, service: str, port: int, **settings: str) -> "subprocess.Popen[bytes]":
        """`service` as deployed, its own process on `port`, on the session's servers as its own role
        (`settings`: more MOTCUA_ settings). Stop it with `terminate()` and `wait()`."""
        return start_service(
            service,
            database_url=self.service_database_urls[service],
            nats_url=self.nats_url,
            port=port,
            environment="test",
            jwt_secret=self.jwt_secret,
            migrate_on_start="false",
            output=None,
            **settings,
        )


@asynccontextmanager
async def serving(app: FastAPI, base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """`app` started (its lifespan: relay, consumers, background tasks) and an in-process client of it."""
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url) as http,
    ):
        yield http


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root: Path = tmp_path_factory.mktemp("servers")
    try:
        with test_servers(root) as urls:
            passwords = {service: secrets.token_urlsafe(12) for service in SERVICES}
            service_urls = asyncio.run(prepare_database(urls.admin_database_url, passwords))
            asyncio.run(force_generic_plans(urls.admin_database_url))
            yield Stack(urls, service_urls, TEST_JWT_SECRET)
    except Exception as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"no PostgreSQL/NATS for tests ({exc!r}); in CI this is a failure")


SKIPS_LISTED_PER_REASON = 10


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """At the end of the run, what it did not test: each skipped test by name under its reason (a
    browser or a server this machine lacks), so that a green run on a laptop is not mistaken for CI's."""
    by_reason: dict[str, list[str]] = {}
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        by_reason.setdefault(reason.removeprefix("Skipped: "), []).append(report.nodeid)
    if not by_reason:
        return
    count = sum(len(nodeids) for nodeids in by_reason.values())
    terminalreporter.section(f"{count} skipped: what this run did not test", sep="-")
    for reason, nodeids in by_reason.items():
        terminalreporter.line(reason)
        for nodeid in nodeids[:SKIPS_LISTED_PER_REASON]:
            terminalreporter.line(f"  - {nodeid}")
        if len(nodeids) > SKIPS_LISTED_PER_REASON:
            terminalreporter.line(f"  - ... and {len(nodeids) - SKIPS_LISTED_PER_REASON} more")


@pytest.fixture(scope="session")
async def admin_engine(stack: Stack) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(stack.admin_database_url, pool_size=5)
    yield engine
    await engine.dispose()
