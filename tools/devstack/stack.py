"""Both servers together, and a database made ready for the five services (provisioned, migrated)."""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
from sqlalchemy import make_url

from shared.db.engine import asyncpg_dsn
from shared.db.migrate import upgrade
from shared.db.provision import ensure_database, provision
from shared.services import SERVICES, role_name
from tools.devstack.nats import EmbeddedNats
from tools.devstack.ports import free_port
from tools.devstack.postgres import EmbeddedPostgres


@contextmanager
def embedded_servers(root: Path) -> Iterator[tuple[EmbeddedPostgres, EmbeddedNats]]:
    """Throwaway PostgreSQL and NATS on free ports under `root` (tests and benchmarks)."""
    postgres = EmbeddedPostgres(root / "postgres", free_port())
    nats = EmbeddedNats(root / "nats", free_port())
    try:
        postgres.start(log_file=root / "postgres.log")
        nats.start(log_file=root / "nats.log")
        yield postgres, nats
    finally:
        nats.stop()
        postgres.stop()


def role_url(admin_url: str, service: str, password: str) -> str:
    """The admin URL with the service's own login role in it."""
    url = make_url(admin_url).set(username=role_name(service), password=password)
    return url.render_as_string(hide_password=False)


async def prepare_database(admin_url: str, passwords: dict[str, str]) -> dict[str, str]:
    """Create database, schemas and roles, migrate every service; returns each service's own URL."""
    await ensure_database(admin_url)
    await provision(admin_url, passwords)
    urls = {service: role_url(admin_url, service, passwords[service]) for service in SERVICES}
    for service in SERVICES:
        await asyncio.to_thread(upgrade, service, urls[service])
    return urls


async def force_generic_plans(admin_url: str) -> None:
    """Every later connection to the database plans each prepared statement generically from its
    first execution, as PostgreSQL may choose to from the sixth: a statement that only works with
    its parameters' values planned in (an ON CONFLICT inferring a partial index from a bound
    predicate) then fails in the first test that runs it, not after a day in production."""
    conn = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        database = await conn.fetchval("SELECT current_database()")
        await conn.execute(f'ALTER DATABASE "{database}" SET plan_cache_mode = force_generic_plan')
    finally:
        await conn.close()
