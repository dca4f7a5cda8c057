"""The soak's first topology, what `make run` and docker-compose.yml run: one PostgreSQL, one NATS
server, one process per service. Its faults restart the servers in place."""

import asyncio
import secrets
from dataclasses import dataclass
from pathlib import Path

from shared.db.provision import ensure_database
from shared.services import SERVICES
from tests.system.cluster import Cluster, ServiceProcess
from tests.system.plan import Fault
from tools.devstack.nats import EmbeddedNats
from tools.devstack.ports import free_port
from tools.devstack.postgres import EmbeddedPostgres
from tools.devstack.stack import force_generic_plans, prepare_database


@dataclass
class SingleServers:
    postgres: EmbeddedPostgres
    nats: EmbeddedNats

    @property
    def admin_url(self) -> str:
        return self.postgres.admin_url

    @property
    def nats_urls(self) -> list[str]:
        return [self.nats.url]  # the embedded server has no accounts

    async def inject(self, fault: Fault, log_file: Path) -> str:
        """`nats_restart` or `postgres_restart`: killed, then started again `fault.down` later."""
        if fault.kind == "nats_restart":
            await asyncio.to_thread(self.nats.kill)
            await asyncio.sleep(fault.down)
            await asyncio.to_thread(self.nats.start, log_file=log_file)
            return "SIGKILL, started again"
        assert fault.kind == "postgres_restart", fault
        await asyncio.to_thread(self.postgres.crash)
        await asyncio.sleep(fault.down)
        await asyncio.to_thread(self.postgres.start, log_file=log_file)
        return "immediate shutdown, started again"

    def stop(self) -> None:
        self.nats.stop()
        self.postgres.stop()


async def start_single(root: Path) -> Cluster:
    """Fresh servers under `root`, the database provisioned and migrated (as the deployment's set-up
    job does), then the five services, ready."""
    (root / "logs").mkdir(parents=True, exist_ok=True)
    postgres = EmbeddedPostgres(root / "postgres", free_port())
    nats = EmbeddedNats(root / "nats", free_port())
    await asyncio.to_thread(postgres.start, log_file=root / "logs" / "postgres.log")
    await asyncio.to_thread(nats.start, log_file=root / "logs" / "nats.log")
    await ensure_database(postgres.admin_url)
    await force_generic_plans(postgres.admin_url)
    urls = await prepare_database(postgres.admin_url, {s: secrets.token_urlsafe(18) for s in SERVICES})
    processes = {
        service: ServiceProcess(
            service,
            service,
            free_port(),
            {"MOTCUA_DATABASE_URL": urls[service], "MOTCUA_NATS_URL": nats.url},
        )
        for service in SERVICES
    }
    cluster = Cluster(
        root=root,
        servers=SingleServers(postgres, nats),
        jwt_secret=secrets.token_urlsafe(48),
        survey_token_secret=secrets.token_urlsafe(48),
        processes=processes,
        bases={service: processes[service].base for service in SERVICES},
    )
    await cluster.launch()
    return cluster
