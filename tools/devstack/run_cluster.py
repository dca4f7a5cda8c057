"""`make run-cluster`: the topology of deploy/k8s on this machine, for trying failures by hand and for
fault tests.

- the committed NATS cluster: three servers, routes with password and TLS (nats_cluster.py), and
  the services' streams replicated on all three;
- a PostgreSQL primary with a synchronous standby (postgres_pair.py), reached through a URL naming
  both that keeps only the one accepting writes;
- two processes per service, each with its own relay and consumers, behind a round-robin proxy on
  the service's usual port (proxy.py).

Everything is made anew under MOTCUA_DATA_DIR/cluster (default `.run/cluster`) at each start, and
left there after Ctrl-C for its logs. docs/deploy.md says how this maps onto deploy/k8s.
"""

import asyncio
import os
import shlex
import shutil
import sys
from pathlib import Path

from sqlalchemy import make_url

from shared.services import SERVICE_PORTS, SERVICES
from tools.devstack.nats_cluster import Cluster
from tools.devstack.ports import free_port
from tools.devstack.postgres import SUPERUSER, binary
from tools.devstack.postgres_pair import PostgresPair, log_file
from tools.devstack.proxy import RoundRobinProxy
from tools.devstack.run import Replica, Supervisor, load_passwords, say, stop_with_parent
from tools.devstack.stack import prepare_database

REPLICAS = 2  # per service, as each Deployment of deploy/k8s


class ClusterSupervisor(Supervisor):
    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir)
        self.nats: Cluster | None = None
        self.postgres: PostgresPair | None = None
        self.proxies: list[RoundRobinProxy] = []

    async def start_servers(self) -> dict[str, Replica]:
        shutil.rmtree(self.data_dir, ignore_errors=True)
        (self.data_dir / "nats").mkdir(parents=True)
        self.nats = await asyncio.to_thread(Cluster.start, self.data_dir / "nats")
        await asyncio.to_thread(self.nats.wait_ready)
        for server in self.nats.servers:
            say(f"NATS {server.name}: client {server.url}, monitoring {server.monitor_url}, log {server.log}")
        self.postgres = await asyncio.to_thread(PostgresPair.start, self.data_dir / "postgres")
        self.say_postgres(self.postgres)
        urls = await prepare_database(self.postgres.primary.admin_url, load_passwords(self.data_dir))
        say("schemas provisioned and migrated; starting services")
        replicas: dict[str, Replica] = {}
        for service in SERVICES:
            ports = [free_port() for _ in range(REPLICAS)]
            for index, port in enumerate(ports):
                replicas[f"{service}-{index + 1}"] = Replica(
                    service,
                    port,
                    self.postgres.database_url(urls[service]),
                    self.nats.client_urls(service, first=index),
                    {"MOTCUA_STREAM_REPLICAS": str(len(self.nats.servers))},
                )
            proxy = RoundRobinProxy(SERVICE_PORTS[service], ports)
            await proxy.start()
            self.proxies.append(proxy)
            say(f"{service}: http://127.0.0.1:{proxy.port} spreads over its replicas on ports {ports}")
        return replicas

    @staticmethod
    def say_postgres(pair: PostgresPair) -> None:
        primary, standby = pair.primary, pair.standby
        say(f"PostgreSQL primary on 127.0.0.1:{primary.port}, log {log_file(primary)}")
        say(f"PostgreSQL standby on 127.0.0.1:{standby.port} (synchronous), log {log_file(standby)}")
        admin = make_url(primary.admin_url).render_as_string(hide_password=True)
        say(f"admin URL {admin}, password in {primary.password_file}")
        psql = shlex.join([str(binary("psql")), "-h", "127.0.0.1", "-p", str(standby.port), "-U", SUPERUSER])
        say(f"fail over: kill -QUIT $(head -1 {primary.data_dir}/postmaster.pid)")
        say(f"      then PGPASSWORD=$(cat {standby.password_file}) {psql} -c 'SELECT pg_promote()'")

    async def stop_servers(self) -> None:
        for proxy in self.proxies:
            await proxy.stop()
        say(f"stopping NATS and PostgreSQL; logs kept under {self.data_dir}")
        if self.nats is not None:
            await asyncio.to_thread(self.nats.stop)
        if self.postgres is not None:
            await asyncio.to_thread(self.postgres.stop)


def main() -> None:
    stop_with_parent()
    data_dir = Path(os.environ.get("MOTCUA_DATA_DIR", ".run")).resolve() / "cluster"
    sys.exit(asyncio.run(ClusterSupervisor(data_dir).run()))


if __name__ == "__main__":
    main()
