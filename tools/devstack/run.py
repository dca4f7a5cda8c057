"""`make run`: PostgreSQL, NATS and the five services on this machine, no Docker.

Data lives under MOTCUA_DATA_DIR (default `.run/`) and is reused by the next start. Ctrl-C or SIGTERM
stops the services first, then NATS, then PostgreSQL, and leaves no process behind.
"""

import asyncio
import ctypes
import json
import os
import secrets
import signal
import sys
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

from shared.services import SERVICE_PORTS, SERVICES
from tools.devstack.nats import EmbeddedNats
from tools.devstack.postgres import EmbeddedPostgres
from tools.devstack.stack import prepare_database

RESTARTS_ALLOWED = 5
# A service that ran this long was not crash-looping: its count of restarts starts again, so a day of
# occasional crashes (a database restart under it) never adds up to stopping everything.
STABLE_SECONDS = 60.0


def say(text: str) -> None:
    print(f"{'motcua':<10}| {text}", flush=True)


def load_passwords(data_dir: Path) -> dict[str, str]:
    """Per-service database passwords, made once and kept with the data."""
    path = data_dir / "db-passwords.json"
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text())
        if set(stored) >= set(SERVICES):
            return stored
    passwords = {service: secrets.token_urlsafe(18) for service in SERVICES}
    path.write_text(json.dumps(passwords))
    path.chmod(0o600)
    return passwords


@dataclass(frozen=True)
class Replica:
    """One `python -m shared.serve <service>` process: on which port, on which servers."""

    service: str
    port: int
    database_url: str
    nats_url: str
    settings: dict[str, str] = field(default_factory=dict)  # more MOTCUA_ settings, by variable


class Supervisor(ABC):
    """Starts the servers, then keeps each service process running (restarting one that exits) until
    Ctrl-C or SIGTERM; stops the processes first and the servers last. `make run` (here) and
    `make run-cluster` (run_cluster.py) differ only in their servers and processes."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.processes: dict[str, asyncio.subprocess.Process] = {}
        self.stopping = asyncio.Event()

    @abstractmethod
    async def start_servers(self) -> dict[str, Replica]:
        """Start the servers and make the database ready; the processes to run, by name."""

    @abstractmethod
    async def stop_servers(self) -> None: ...

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stopping.set)
        runners: list[asyncio.Task[None]] = []
        try:
            replicas = await self.start_servers()
            runners = [
                asyncio.create_task(self._keep_running(name, replica)) for name, replica in replicas.items()
            ]
            await self.stopping.wait()
        finally:
            self.stopping.set()
            await self._stop_processes()
            await asyncio.gather(*runners, return_exceptions=True)
            await self.stop_servers()
            say("stopped")
        return 0

    def _env(self, replica: Replica) -> dict[str, str]:
        return {
            **os.environ,
            "MOTCUA_DATABASE_URL": replica.database_url,
            "MOTCUA_NATS_URL": replica.nats_url,
            "MOTCUA_DATA_DIR": str(self.data_dir),
            "MOTCUA_PORT": str(replica.port),
            "MOTCUA_MIGRATE_ON_START": "false",
            # The placeholder secrets are for this laptop stack only; services default to production.
            "MOTCUA_ENVIRONMENT": os.environ.get("MOTCUA_ENVIRONMENT") or "development",
            "PYTHONUNBUFFERED": "1",
            **replica.settings,
        }

    async def _keep_running(self, name: str, replica: Replica) -> None:
        restarts = 0
        loop = asyncio.get_running_loop()
        while not self.stopping.is_set():
            started = loop.time()
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "shared.serve",
                replica.service,
                env=self._env(replica),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
            self.processes[name] = process
            say(f"{name} started on http://127.0.0.1:{replica.port} (pid {process.pid})")
            await self._pump(name, process)
            code = await process.wait()
            if self.stopping.is_set():
                return
            if loop.time() - started >= STABLE_SECONDS:
                restarts = 0
            restarts += 1
            if restarts > RESTARTS_ALLOWED:
                say(f"{name} keeps exiting (code {code}); stopping everything")
                self.stopping.set()
                return
            say(f"{name} exited with code {code}; restart {restarts}/{RESTARTS_ALLOWED}")
            await asyncio.sleep(1)

    async def _pump(self, name: str, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        prefix = f"{name:<10}| "
        async for line in process.stdout:
            sys.stdout.write(prefix + line.decode("utf-8", errors="replace"))
            sys.stdout.flush()

    async def _stop_processes(self) -> None:
        say("stopping services")
        for process in self.processes.values():
            if process.returncode is None:
                process.terminate()
        for name, process in self.processes.items():
            try:
                async with asyncio.timeout(15):
                    await process.wait()
            except TimeoutError:
                say(f"{name} did not stop in time; killing it")
                process.kill()
                await process.wait()


class LocalSupervisor(Supervisor):
    """`make run`: one PostgreSQL, one NATS, one process per service on its usual port."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir)
        self.postgres = EmbeddedPostgres(
            data_dir / "postgres", int(os.environ.get("MOTCUA_EMBEDDED_PG_PORT", 55432))
        )
        self.nats = EmbeddedNats(
            data_dir / "nats",
            int(os.environ.get("MOTCUA_EMBEDDED_NATS_PORT", 4222)),
            monitor_port=int(os.environ.get("MOTCUA_EMBEDDED_NATS_MONITOR_PORT", 8222)),
        )

    async def start_servers(self) -> dict[str, Replica]:
        logs = self.data_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        say(f"PostgreSQL on 127.0.0.1:{self.postgres.port} (data in {self.postgres.data_dir})")
        await asyncio.to_thread(self.postgres.start, log_file=logs / "postgres.log")
        say(f"NATS JetStream on 127.0.0.1:{self.nats.port}, login in {self.nats.data_dir}/credentials")
        await asyncio.to_thread(self.nats.start, log_file=logs / "nats.log")
        urls = await prepare_database(self.postgres.admin_url, load_passwords(self.data_dir))
        say("schemas provisioned and migrated; starting services")
        return {
            service: Replica(service, SERVICE_PORTS[service], urls[service], self.nats.url)
            for service in SERVICES
        }

    async def stop_servers(self) -> None:
        say("stopping NATS and PostgreSQL; data kept for the next start")
        await asyncio.to_thread(self.nats.stop)
        await asyncio.to_thread(self.postgres.stop)


def stop_with_parent() -> None:
    """Under `make run`, a SIGTERM to make must still stop everything: ask Linux to pass it on."""
    if sys.platform == "linux":
        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


def main() -> None:
    stop_with_parent()
    data_dir = Path(os.environ.get("MOTCUA_DATA_DIR", ".run")).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    sys.exit(asyncio.run(LocalSupervisor(data_dir).run()))


if __name__ == "__main__":
    main()
