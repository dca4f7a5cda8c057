"""The soak's second topology, deploy/k8s's as `make run-cluster` runs it (tools/devstack): three NATS
servers with every stream replicated on all three, a PostgreSQL primary with a synchronous standby,
and two processes per service behind a round-robin proxy. Its faults are a cluster's: the stream
leader's server killed, one server down for a minute, the primary lost and the standby promoted."""

import asyncio
import secrets
from dataclasses import dataclass
from pathlib import Path

import nats

from shared.db.provision import ensure_database
from shared.services import SERVICES
from tests.system.cluster import Cluster, ServiceProcess
from tests.system.plan import Fault
from tools.devstack.nats_cluster import Cluster as NatsCluster
from tools.devstack.ports import free_port
from tools.devstack.postgres_pair import PostgresPair
from tools.devstack.proxy import RoundRobinProxy
from tools.devstack.stack import force_generic_plans, prepare_database

REPLICAS = 2  # per service, as each Deployment of deploy/k8s
STREAM = "DOSSIERS"  # the busiest stream: its leader is the one whose loss matters most
# Any service's NATS login may read the streams' and consumers' state ($JS.API.>).
OBSERVER = "intake"


@dataclass
class ReplicatedServers:
    nats: NatsCluster
    postgres: PostgresPair

    @property
    def admin_url(self) -> str:
        return self.postgres.database_url(self.postgres.primary.admin_url)

    @property
    def nats_urls(self) -> list[str]:
        return self.nats.client_urls(OBSERVER).split(",")

    async def inject(self, fault: Fault, log_file: Path) -> str:
        """`stream_leader_kill`, `nats_server_down` (target: the server's name) or `postgres_failover`
        (down: the seconds between the primary's crash and the promotion)."""
        if fault.kind == "stream_leader_kill":
            leader = await self.stream_leader()
            note = await self._server_down(leader or self.nats.servers[0].name, fault.down)
            return f"{STREAM}'s leader {note}; new leader {await self.stream_leader()}"
        if fault.kind == "nats_server_down":
            return await self._server_down(fault.target, fault.down)
        assert fault.kind == "postgres_failover", fault
        old = self.postgres.primary
        await asyncio.to_thread(old.crash)
        await asyncio.sleep(fault.down)
        await asyncio.to_thread(self.postgres.standby.promote)
        # The promoted standby is the primary now; the old one stays down (CloudNativePG would clone
        # it again as the new standby), so a second failover would have nothing to promote.
        self.postgres.primary, self.postgres.standby = self.postgres.standby, old
        return f"primary on port {old.port} crashed, standby on port {self.postgres.primary.port} promoted"

    async def _server_down(self, name: str, down: float) -> str:
        (server,) = [s for s in self.nats.servers if s.name == name]
        await asyncio.to_thread(server.kill)
        await asyncio.sleep(down)
        await asyncio.to_thread(server.start)
        return f"{name} SIGKILLed, started again"

    async def stream_leader(self) -> str | None:
        try:
            link = await nats.connect(
                self.nats_urls, connect_timeout=2, max_reconnect_attempts=2, error_cb=_server_gone
            )
        except (nats.errors.Error, OSError, TimeoutError):
            return None
        try:
            info = await link.jetstream(timeout=2).stream_info(STREAM)
            return info.cluster.leader if info.cluster else None
        except (nats.errors.Error, TimeoutError):
            return None
        finally:
            await link.close()

    def stop(self) -> None:
        self.nats.stop()
        self.postgres.stop()


async def _server_gone(error: Exception) -> None:
    """A server of the list is down, which is what the fault is about: not worth nats-py's traceback."""


async def start_replicated(root: Path) -> Cluster:
    """Fresh servers under `root`, the database provisioned and migrated, then two processes of each
    service, ready, each proxy listening."""
    for folder in ("logs", "nats", "postgres"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    nats_cluster = await asyncio.to_thread(NatsCluster.start, root / "nats")
    await asyncio.to_thread(nats_cluster.wait_ready)
    pair = await asyncio.to_thread(PostgresPair.start, root / "postgres")
    servers = ReplicatedServers(nats_cluster, pair)
    try:
        await ensure_database(servers.admin_url)
        await force_generic_plans(servers.admin_url)
        passwords = {s: secrets.token_urlsafe(18) for s in SERVICES}
        urls = await prepare_database(pair.primary.admin_url, passwords)
    except BaseException:
        servers.stop()
        raise
    processes = {
        f"{service}-{index + 1}": ServiceProcess(
            f"{service}-{index + 1}",
            service,
            free_port(),
            {
                "MOTCUA_DATABASE_URL": pair.database_url(urls[service]),
                "MOTCUA_NATS_URL": nats_cluster.client_urls(service, first=index),
                "MOTCUA_STREAM_REPLICAS": str(len(nats_cluster.servers)),
            },
        )
        for service in SERVICES
        for index in range(REPLICAS)
    }
    cluster = Cluster(
        root=root,
        servers=servers,
        jwt_secret=secrets.token_urlsafe(48),
        survey_token_secret=secrets.token_urlsafe(48),
        processes=processes,
        bases={},
    )
    for service in SERVICES:
        ports = [p.port for p in processes.values() if p.service == service]
        proxy = RoundRobinProxy(free_port(), ports)
        await proxy.start()
        cluster.proxies.append(proxy)
        cluster.bases[service] = f"http://127.0.0.1:{proxy.port}"
    await cluster.launch()
    return cluster
