"""The system as deployed, on this machine: each service its own process (`python -m shared.serve
<service>`) with production settings, kept running like an orchestrator would (a dead process is
restarted), and the means to kill any of them. Under it, `Servers`: one PostgreSQL and one NATS
(`single.py`), or the replicated topology of deploy/k8s (`replicated.py`), with two processes per
service behind a proxy."""

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import asyncpg
import httpx

from shared.db.engine import asyncpg_dsn
from shared.leadership import connection_name
from tests.system.plan import Fault
from tools.devstack.proxy import RoundRobinProxy

REPO = Path(__file__).resolve().parents[2]
# A service that keeps dying is not restarted forever: past this the run reports a crash loop.
MAX_RESTARTS = 20
# The deadline watcher's cycle: a minute in production, a second here, so that the clocks the run
# brings due are warned within the run.
WATCH_INTERVAL_SECONDS = "1"


class Servers(Protocol):
    """PostgreSQL and NATS under the services, and the faults that only they can suffer."""

    @property
    def admin_url(self) -> str:
        """A superuser URL that reaches whichever server accepts writes."""
        ...

    @property
    def nats_urls(self) -> list[str]:
        """Every NATS server, with a login that may read the streams' and consumers' state."""
        ...

    async def inject(self, fault: Fault, log_file: Path) -> str:
        """Cause `fault` and end it (restart, promote); a note on what was done."""
        ...

    def stop(self) -> None: ...


@dataclass
class Exit:
    service: str
    code: int | None
    at: float  # seconds since the cluster started


@dataclass
class ServiceProcess:
    name: str  # the service's name, or `<service>-<n>` for one of its replicas
    service: str
    port: int
    environment: dict[str, str]  # its database and NATS URLs, and what its topology adds
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    # Set while a fault holds the process down: the supervisor must not count or restart it.
    held: bool = False

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Cluster:
    root: Path
    servers: Servers
    jwt_secret: str
    survey_token_secret: str
    processes: dict[str, ServiceProcess]
    bases: dict[str, str]  # service -> the URL clients use (its process, or the proxy before its replicas)
    proxies: list[RoundRobinProxy] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    injected_kills: Counter[str] = field(default_factory=Counter)
    restarts: Counter[str] = field(default_factory=Counter)
    unexpected_exits: list[Exit] = field(default_factory=list)

    @property
    def admin_url(self) -> str:
        return self.servers.admin_url

    def base(self, service: str) -> str:
        return self.bases[service]

    def log_file(self, name: str) -> Path:
        return self.root / "logs" / f"{name}.log"

    def _env(self, entry: ServiceProcess) -> dict[str, str]:
        # What docker-compose.yml and deploy/k8s give every service: production mode (placeholder
        # secrets refused), migrations run before (not by) the services.
        env = {
            **os.environ,
            **entry.environment,
            "MOTCUA_ENVIRONMENT": "production",
            "MOTCUA_PORT": str(entry.port),
            "MOTCUA_JWT_SECRET": self.jwt_secret,
            "MOTCUA_MIGRATE_ON_START": "false",
            "MOTCUA_DATA_DIR": str(self.root / "data" / entry.name),
            "MOTCUA_LOG_LEVEL": "WARNING",
            "MOTCUA_WATCH_INTERVAL_SECONDS": WATCH_INTERVAL_SECONDS,
            "PYTHONUNBUFFERED": "1",
        }
        if entry.service == "survey":
            env["MOTCUA_SURVEY_TOKEN_SECRET"] = self.survey_token_secret
        return env

    def start(self, name: str) -> None:
        entry = self.processes[name]
        entry.starts += 1
        log = self.log_file(name).open("ab")
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        log.write(f"--- start {entry.starts} at {now} ---\n".encode())
        log.flush()
        entry.process = subprocess.Popen(
            [sys.executable, "-m", "shared.serve", entry.service],
            cwd=REPO,
            env=self._env(entry),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def kill(self, name: str) -> int | None:
        """SIGKILL, as the kernel's OOM killer or a lost node would; returns the pid."""
        entry = self.processes[name]
        process = entry.process
        if process is None or process.poll() is not None:
            return None
        process.kill()
        process.wait()
        self.injected_kills[name] += 1
        return process.pid

    async def leader(self, service: str, role: str, *, within: float = 30.0) -> str | None:
        """The process leading `role` (relay, watcher) of `service`: the one whose pid the leadership
        connection's name carries (shared/leadership.py). Looked for until `within` seconds have
        passed: PostgreSQL may be restarting, or the lead between two holders (a relay gives it up
        after a failed publish and backs off before it tries again)."""
        prefix = connection_name(service, role).rsplit(":", 1)[0] + ":"
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, TimeoutError, asyncpg.PostgresError):
                if (name := self._process_of(await self._lock_holders(prefix))) is not None:
                    return name
            await asyncio.sleep(0.5)
        return None

    async def _lock_holders(self, prefix: str) -> set[int]:
        """The pids named by the leadership connections under `prefix` that hold an advisory lock."""
        db = await asyncpg.connect(asyncpg_dsn(self.admin_url), timeout=2)
        try:
            names = await db.fetch(
                "SELECT a.application_name FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE $1 || '%'",
                prefix,
            )
        finally:
            await db.close()
        return {int(row["application_name"].rsplit(":", 1)[1]) for row in names}

    def _process_of(self, pids: set[int]) -> str | None:
        return next(
            (e.name for e in self.processes.values() if e.process is not None and e.process.pid in pids),
            None,
        )

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    async def supervise(self) -> None:
        """Restart a process that exited on its own (what `restart: unless-stopped` does), and
        remember it: at the end, restarts must equal the kills the run injected."""
        while True:
            for entry in self.processes.values():
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

    async def ready(self, name: str, *, within: float) -> bool:
        """Until the process's /readyz answers 200 (its database and NATS both answer)."""
        deadline = time.monotonic() + within
        async with httpx.AsyncClient(timeout=2) as client:
            while time.monotonic() < deadline:
                try:
                    if (await client.get(f"{self.processes[name].base}/readyz")).status_code == 200:
                        return True
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
        return False

    async def launch(self) -> None:
        """Start every process and wait until each is ready; stop everything if one is not."""
        for name in self.processes:
            self.start(name)
        ready = await asyncio.gather(*(self.ready(name, within=120) for name in self.processes))
        if not all(ready):
            down = [name for name, ok in zip(self.processes, ready, strict=True) if not ok]
            await self.shutdown()
            raise RuntimeError(f"not ready after 120 s: {', '.join(down)}; see {self.root / 'logs'}")

    async def shutdown(self) -> None:
        for proxy in self.proxies:
            await proxy.stop()
        await asyncio.to_thread(self.stop)

    def stop(self) -> None:
        for entry in self.processes.values():
            entry.held = True
            if entry.process is not None and entry.process.poll() is None:
                entry.process.terminate()
        for entry in self.processes.values():
            if entry.process is None:
                continue
            try:
                entry.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                entry.process.kill()
                entry.process.wait()
        self.servers.stop()
