"""Session-wide real servers, provisioned and migrated once; a missing server fails the run in CI."""

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db.engine import make_engine
from shared.devstack.stack import prepare_database
from shared.services import SERVICES
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


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root: Path = tmp_path_factory.mktemp("servers")
    try:
        with test_servers(root) as urls:
            passwords = {service: secrets.token_urlsafe(12) for service in SERVICES}
            service_urls = asyncio.run(prepare_database(urls.admin_database_url, passwords))
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
