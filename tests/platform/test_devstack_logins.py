"""`make run`'s and the tests' own servers ask for a login: on a shared host every local user could
otherwise reach the superuser, and read and forge dossier events."""

import asyncpg
import nats
import pytest
from nats.errors import Error as NatsError
from sqlalchemy import make_url

from shared.db.engine import asyncpg_dsn
from tests.conftest import Stack


@pytest.fixture
def embedded(stack: Stack) -> Stack:
    if stack.urls.origin != "embedded":
        pytest.skip("the servers were given; their logins are theirs")
    return stack


async def test_postgresql_refuses_the_superuser_without_its_password(embedded: Stack) -> None:
    url = make_url(embedded.admin_database_url)
    with pytest.raises(asyncpg.InvalidPasswordError):
        await asyncpg.connect(f"postgresql://{url.username}@{url.host}:{url.port}/{url.database}")
    connection = await asyncpg.connect(asyncpg_dsn(embedded.admin_database_url))
    await connection.close()


async def test_nats_refuses_a_client_without_the_login(embedded: Stack) -> None:
    anonymous = "nats://" + embedded.nats_url.rsplit("@", 1)[1]
    with pytest.raises((NatsError, OSError)):
        await nats.connect(anonymous, allow_reconnect=False, connect_timeout=2, max_reconnect_attempts=0)
    client = await nats.connect(embedded.nats_url, allow_reconnect=False)
    await client.close()
