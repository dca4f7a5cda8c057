"""Session-wide real servers, provisioned and migrated once; a missing server fails the run in CI."""

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db.engine import make_engine
from shared.db.migrate import upgrade
from shared.db.provision import ensure_database, provision
from shared.services import SERVICES, role_name
from tests.servers import ServerUrls, test_servers

TEST_JWT_SECRET = secrets.token_urlsafe(48)


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


def _role_url(admin_url: str, service: str, password: str) -> str:
    return (
        make_url(admin_url)
        .set(username=role_name(service), password=password)
        .render_as_string(hide_password=False)
    )


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root: Path = tmp_path_factory.mktemp("servers")
    try:
        with test_servers(root) as urls:
            passwords = {service: secrets.token_urlsafe(12) for service in SERVICES}
            asyncio.run(ensure_database(urls.admin_database_url))
            asyncio.run(provision(urls.admin_database_url, passwords))
            service_urls = {s: _role_url(urls.admin_database_url, s, passwords[s]) for s in SERVICES}
            for service in SERVICES:
                upgrade(service, service_urls[service])
            yield Stack(urls, service_urls, TEST_JWT_SECRET)
    except Exception as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"no PostgreSQL/NATS for tests ({exc!r}); in CI this is a failure")


@pytest.fixture(scope="session")
async def admin_engine(stack: Stack) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(stack.admin_database_url, pool_size=5)
    yield engine
    await engine.dispose()
