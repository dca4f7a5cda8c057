"""Real PostgreSQL and NATS for the test session: given by environment, from Docker, or embedded.

- `MOTCUA_DATABASE_URL` (a role that may create roles and schemas) and `MOTCUA_NATS_URL`: used as given.
- Otherwise, where a Docker engine answers: testcontainers.
- Otherwise: the same embedded servers `make run` uses, on free ports in a temporary folder.
"""

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tools.devstack.stack import embedded_servers


@dataclass(frozen=True)
class ServerUrls:
    admin_database_url: str
    nats_url: str
    origin: str


def docker_answers() -> bool:
    docker = shutil.which("docker")
    if not docker:
        return False
    try:
        return subprocess.run([docker, "info"], capture_output=True, timeout=5).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@contextmanager
def containers() -> Iterator[ServerUrls]:
    from testcontainers.core.container import DockerContainer
    from testcontainers.postgres import PostgresContainer

    with (
        PostgresContainer("postgres:17", dbname="motcua", driver="asyncpg") as pg,
        DockerContainer("nats:2.11").with_command("-js").with_exposed_ports(4222) as nats,
    ):
        nats_url = f"nats://{nats.get_container_host_ip()}:{nats.get_exposed_port(4222)}"
        yield ServerUrls(pg.get_connection_url(), nats_url, "testcontainers")


@contextmanager
def test_servers(root: Path) -> Iterator[ServerUrls]:
    given_db, given_nats = os.environ.get("MOTCUA_DATABASE_URL"), os.environ.get("MOTCUA_NATS_URL")
    if given_db and given_nats:
        yield ServerUrls(given_db, given_nats, "environment")
    elif docker_answers():
        with containers() as urls:
            yield urls
    else:
        with embedded_servers(root) as (postgres, nats):
            yield ServerUrls(postgres.admin_url, nats.url, "embedded")
