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
from pathlib import Path

from shared.services import SERVICE_PORTS, SERVICES
from tools.devstack.nats import EmbeddedNats
from tools.devstack.postgres import EmbeddedPostgres
from tools.devstack.stack import prepare_database

RESTARTS_ALLOWED = 5
# A service that ran this long was not crash-looping: its count of restarts starts again, so a day of
# occasional crashes (a database restart under it) never adds up to stopping everything.
STABLE_SECONDS = 60.0


def _say(text: str) -> None:
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


class Supervisor:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.postgres = EmbeddedPostgres(
            data_dir / "postgres", int(os.environ.get("MOTCUA_EMBEDDED_PG_PORT", 55432))
        )
        self.nats = EmbeddedNats(
            data_dir / "nats",
            int(os.environ.get("MOTCUA_EMBEDDED_NATS_PORT", 4222)),
            monitor_port=int(os.environ.get("MOTCUA_EMBEDDED_NATS_MONITOR_PORT", 8222)),
        )
        self.processes: dict[str, asyncio.subprocess.Process] = {}
        self.stopping = asyncio.Event()

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stopping.set)
        runners: list[asyncio.Task[None]] = []
        try:
            await self._start_servers()
            runners = [asyncio.create_task(self._keep_running(service)) for service in SERVICES]
            await self.stopping.wait()
        finally:
            self.stopping.set()
            await self._stop_all()
            await asyncio.gather(*runners, return_exceptions=True)
        return 0

    async def _start_servers(self) -> None:
        logs = self.data_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        _say(f"PostgreSQL on 127.0.0.1:{self.postgres.port} (data in {self.postgres.data_dir})")
        await asyncio.to_thread(self.postgres.start, log_file=logs / "postgres.log")
        _say(f"NATS JetStream on 127.0.0.1:{self.nats.port}, login in {self.nats.data_dir}/credentials")
        await asyncio.to_thread(self.nats.start, log_file=logs / "nats.log")
        self.urls = await prepare_database(self.postgres.admin_url, load_passwords(self.data_dir))
        _say("schemas provisioned and migrated; starting services")

    def _env(self, service: str) -> dict[str, str]:
        return {
            **os.environ,
            "MOTCUA_DATABASE_URL": self.urls[service],
            "MOTCUA_NATS_URL": self.nats.url,
            "MOTCUA_DATA_DIR": str(self.data_dir),
            "MOTCUA_PORT": str(SERVICE_PORTS[service]),
            "MOTCUA_MIGRATE_ON_START": "false",
            # The placeholder secrets are for this laptop stack only; services default to production.
            "MOTCUA_ENVIRONMENT": os.environ.get("MOTCUA_ENVIRONMENT") or "development",
            "PYTHONUNBUFFERED": "1",
        }

    async def _keep_running(self, service: str) -> None:
        restarts = 0
        loop = asyncio.get_running_loop()
        while not self.stopping.is_set():
            started = loop.time()
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "shared.serve",
                service,
                env=self._env(service),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
            self.processes[service] = process
            _say(f"{service} started on http://127.0.0.1:{SERVICE_PORTS[service]} (pid {process.pid})")
            await self._pump(service, process)
            code = await process.wait()
            if self.stopping.is_set():
                return
            if loop.time() - started >= STABLE_SECONDS:
                restarts = 0
            restarts += 1
            if restarts > RESTARTS_ALLOWED:
                _say(f"{service} keeps exiting (code {code}); stopping everything")
                self.stopping.set()
                return
            _say(f"{service} exited with code {code}; restart {restarts}/{RESTARTS_ALLOWED}")
            await asyncio.sleep(1)

    async def _pump(self, service: str, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        prefix = f"{service:<10}| "
        async for line in process.stdout:
            sys.stdout.write(prefix + line.decode("utf-8", errors="replace"))
            sys.stdout.flush()

    async def _stop_all(self) -> None:
        _say("stopping services")
        for process in self.processes.values():
            if process.returncode is None:
                process.terminate()
        for service, process in self.processes.items():
            try:
                async with asyncio.timeout(15):
                    await process.wait()
            except TimeoutError:
                _say(f"{service} did not stop in time; killing it")
                process.kill()
                await process.wait()
        _say("stopping NATS and PostgreSQL")
        await asyncio.to_thread(self.nats.stop)
        await asyncio.to_thread(self.postgres.stop)
        _say("stopped; data kept for the next start")


def _stop_with_parent() -> None:
    """Under `make run`, a SIGTERM to make must still stop everything: ask Linux to pass it on."""
    if sys.platform == "linux":
        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


def main() -> None:
    _stop_with_parent()
    data_dir = Path(os.environ.get("MOTCUA_DATA_DIR", ".run")).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    sys.exit(asyncio.run(Supervisor(data_dir).run()))


if __name__ == "__main__":
    main()
