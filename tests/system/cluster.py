"""The system as deployed, on this machine: throwaway PostgreSQL and NATS, each service its own process
(`python -m shared.serve <service>`) with production settings, kept running like an orchestrator
would (a dead process is restarted), and the means to kill any of them."""

import asyncio
import os
import secrets
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from shared.db.provision import ensure_database
from shared.services import SERVICES
from tools.devstack.nats import EmbeddedNats
from tools.devstack.ports import free_port
from tools.devstack.postgres import EmbeddedPostgres
from tools.devstack.stack import force_generic_plans, prepare_database

REPO = Path(__file__).resolve().parents[2]
# A service that keeps dying is not restarted forever: past this the run reports a crash loop.
MAX_RESTARTS = 20


@dataclass
class Exit:
    service: str
    code: int | None
    at: float  # seconds since the cluster started


@dataclass
class ServiceProcess:
    name: str
    port: int
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    # Set while a fault holds the service down: the supervisor must not count or restart it.
    held: bool = False

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Cluster:
    root: Path
    postgres: EmbeddedPostgres
    nats: EmbeddedNats
    service_urls: dict[str, str]
    jwt_secret: str
    survey_token_secret: str
    services: dict[str, ServiceProcess]
    started: float = field(default_factory=time.monotonic)
    injected_kills: Counter[str] = field(default_factory=Counter)
    restarts: Counter[str] = field(default_factory=Counter)
    unexpected_exits: list[Exit] = field(default_factory=list)

    @property
    def admin_url(self) -> str:
        return self.postgres.admin_url

    def base(self, service: str) -> str:
        return self.services[service].base

    def log_file(self, name: str) -> Path:
        return self.root / "logs" / f"{name}.log"

    def _env(self, service: str) -> dict[str, str]:
        # What docker-compose.yml and deploy/k8s give every service: production mode (placeholder
        # secrets refused), migrations run before (not by) the services. No NATS credentials: the
        # embedded server has no accounts.
        env = {
            **os.environ,
            "MOTCUA_ENVIRONMENT": "production",
            "MOTCUA_DATABASE_URL": self.service_urls[service],
            "MOTCUA_NATS_URL": self.nats.url,
            "MOTCUA_PORT": str(self.services[service].port),
            "MOTCUA_JWT_SECRET": self.jwt_secret,
            "MOTCUA_MIGRATE_ON_START": "false",
            "MOTCUA_DATA_DIR": str(self.root / "data" / service),
            "MOTCUA_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
        if service == "survey":
            env["MOTCUA_SURVEY_TOKEN_SECRET"] = self.survey_token_secret
        return env

    def start(self, service: str) -> None:
        entry = self.services[service]
        entry.starts += 1
        log = self.log_file(service).open("ab")
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        log.write(f"--- start {entry.starts} at {now} ---\n".encode())
        log.flush()
        entry.process = subprocess.Popen(
            [sys.executable, "-m", "shared.serve", service],
            cwd=REPO,
            env=self._env(service),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def kill(self, service: str) -> int | None:
        """SIGKILL, as the kernel's OOM killer or a lost node would; returns the pid."""
        entry = self.services[service]
        process = entry.process
        if process is None or process.poll() is not None:
            return None
        process.kill()
        process.wait()
        self.injected_kills[service] += 1
        return process.pid

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    async def supervise(self) -> None:
        """Restart a service that exited on its own (what `restart: unless-stopped` does), and
        remember it: at the end, restarts must equal the kills the run injected."""
        while True:
            for entry in self.services.values():
                process = entry.process
                if entry.held or process is None or process.poll() is None:
                    continue
                self.unexpected_exits.append(Exit(entry.name, process.returncode, self.elapsed()))
                print(
                    f"[{self.elapsed():7.1f}s] !! {entry.name} exited by itself (code {process.returncode})",
                    flush=True,
                )
                if self.restarts[entry.name] >= MAX_RESTARTS:
                    entry.process = None  # a crash loop: leave it down, the checks report it
                    continue
                await asyncio.sleep(1.0)
                if entry.held or entry.process is not process:
                    continue  # a fault took it over meanwhile and restarts it itself
                self.restarts[entry.name] += 1
                self.start(entry.name)
            await asyncio.sleep(0.5)

    async def ready(self, service: str, *, within: float) -> bool:
        """Until the service's /readyz answers 200 (its database and NATS both answer)."""
        deadline = time.monotonic() + within
        async with httpx.AsyncClient(timeout=2) as client:
            while time.monotonic() < deadline:
                try:
                    if (await client.get(f"{self.base(service)}/readyz")).status_code == 200:
                        return True
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
        return False

    def stop(self) -> None:
        for entry in self.services.values():
            entry.held = True
            if entry.process is not None and entry.process.poll() is None:
                entry.process.terminate()
        for entry in self.services.values():
            if entry.process is None:
                continue
            try:
                entry.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                entry.process.kill()
                entry.process.wait()
        self.nats.stop()
        self.postgres.stop()


async def start_cluster(root: Path) -> Cluster:
    """Fresh servers under `root`, the database provisioned and migrated (as the deployment's set-up
    job does), then the five services, ready."""
    (root / "logs").mkdir(parents=True, exist_ok=True)
    postgres = EmbeddedPostgres(root / "postgres", free_port())
    nats = EmbeddedNats(root / "nats", free_port())
    await asyncio.to_thread(postgres.start, log_file=root / "logs" / "postgres.log")
    await asyncio.to_thread(nats.start, log_file=root / "logs" / "nats.log")
    await ensure_database(postgres.admin_url)
    await force_generic_plans(postgres.admin_url)
    passwords = {service: secrets.token_urlsafe(18) for service in SERVICES}
    urls = await prepare_database(postgres.admin_url, passwords)
    cluster = Cluster(
        root=root,
        postgres=postgres,
        nats=nats,
        service_urls=urls,
        jwt_secret=secrets.token_urlsafe(48),
        survey_token_secret=secrets.token_urlsafe(48),
        services={service: ServiceProcess(service, free_port()) for service in SERVICES},
    )
    for service in SERVICES:
        cluster.start(service)
    ready = await asyncio.gather(*(cluster.ready(service, within=120) for service in SERVICES))
    if not all(ready):
        down = [s for s, ok in zip(SERVICES, ready, strict=True) if not ok]
        cluster.stop()
        raise RuntimeError(f"not ready after 120 s: {', '.join(down)}; see {root / 'logs'}")
    return cluster
