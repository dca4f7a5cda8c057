"""What a benchmark phase costs the machine: CPU seconds of a process tree (the service, the database
server, this bench) from /proc, the whole machine's busy time, and the WAL's fsyncs (pg_stat_io), as
snapshots whose difference is a `Span`; and the disk's fsync latency when idle (pg_test_fsync). Used by
bench/write_path.py to print each figure with what it cost and with the foreign CPU beside it."""

import os
import re
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bench import replay
from bench.servers import BenchServers, bench_servers
from shared.db.engine import asyncpg_dsn
from tools.devstack.postgres import binary

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
        return [int(c) for task in tasks for c in (task / "children").read_text().split()]
    except (FileNotFoundError, ProcessLookupError):
        return []


def tree_cpu(pid: int) -> float:
    """CPU seconds of `pid` and its descendants, with the children they reaped (PostgreSQL's exited
    backends, our pgbench runs): a process that exits mid-phase still counts."""
    total = 0
    for process in _descendants(pid):
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return total / CLK_TCK


def _descendants(pid: int) -> list[int]:
    return [pid, *(p for child in _children(pid) for p in _descendants(child))]


def connections_per_process(pid: int, port: int) -> list[int]:
    """How many established connections to local `port` each process of `pid`'s tree holds, most
    first: how the kernel spread the load's keep-alive connections over a service's workers."""
    established = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":  # 01: ESTABLISHED
                established.add(f"socket:[{fields[9]}]")
    held = []
    for process in _descendants(pid):
        try:
            fds = list(Path(f"/proc/{process}/fd").iterdir())
        except (FileNotFoundError, PermissionError):
            continue
        count = 0
        for fd in fds:
            try:
                count += os.readlink(fd) in established
            except OSError:
                continue
        if count:
            held.append(count)
    return sorted(held, reverse=True)


def machine_busy() -> tuple[float, int]:
    """Busy CPU seconds of the whole machine since boot, and its cores."""
    lines = Path("/proc/stat").read_text().splitlines()
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in lines[0].split()[1:9])
    cores = sum(1 for line in lines if re.match(r"cpu\d", line))
    return (user + nice + system + irq + softirq + steal) / CLK_TCK, cores


@dataclass(frozen=True)
class Snapshot:
    at: float
    busy: float
    ours: float
    service: float
    database: float
    client: float
    fsyncs: int
    fsync_ms: float


@dataclass(frozen=True)
class Span:
    """What a phase cost, between two snapshots."""

    before: Snapshot
    after: Snapshot
    cores: int

    def delta(self, name: str) -> float:
        value: float = getattr(self.after, name) - getattr(self.before, name)
        return value

    @property
    def seconds(self) -> float:
        return self.delta("at")

    @property
    def foreign(self) -> float:
        """Other people's CPU, as a share of all the machine's cores."""
        return max(0.0, self.delta("busy") - self.delta("ours")) / (self.seconds * self.cores)

    def fsync(self, done: int, each: str) -> str:
        """The WAL's mean fsync time, and fsyncs per request or transaction (group commit: below 1)."""
        fsyncs = self.delta("fsyncs")
        mean = self.delta("fsync_ms") / fsyncs if fsyncs else float("nan")
        return f"WAL fsync {mean:.2f} ms, {fsyncs / max(done, 1):.2f} {each}"


WAL_FSYNCS = (
    "SELECT coalesce(sum(fsyncs), 0), coalesce(sum(fsync_time), 0) FROM pg_stat_io WHERE object = 'wal'"
)


class Meter:
    """Snapshots of the machine's, this bench's, the service's and the database's CPU and of the WAL's
    fsyncs; `service` is the pid of the service measured now."""

    def __init__(self, conn: asyncpg.Connection, postmaster: int) -> None:
        self.conn, self.postmaster, self.service = conn, postmaster, 0
        self.cores = machine_busy()[1]

    async def snapshot(self) -> Snapshot:
        fsyncs, fsync_ms = await self.conn.fetchrow(WAL_FSYNCS)
        busy, _ = machine_busy()
        service = tree_cpu(self.service) if self.service else 0.0
        return Snapshot(
            time.monotonic(),
            busy,
            tree_cpu(os.getpid()),
            service,
            tree_cpu(self.postmaster),
            time.process_time(),
            int(fsyncs),
            float(fsync_ms),
        )

    def span(self, before: Snapshot, after: Snapshot) -> Span:
        return Span(before, after, self.cores)


async def prepare_server(conn: asyncpg.Connection) -> None:
    """Log lines that say when and which backend (to pick a request's statements), WAL fsync timing."""
    await conn.execute(f"ALTER SYSTEM SET log_line_prefix = '{replay.LOG_LINE_PREFIX}'")
    await conn.execute("ALTER SYSTEM SET track_wal_io_timing = on")
    await conn.execute("SELECT pg_reload_conf()")


async def disk_fsync(servers: BenchServers, conn: asyncpg.Connection) -> str:
    """The disk's fsync latency for the server's wal_sync_method, idle: pg_test_fsync's first test
    (one 8 kB write), stopped once it has printed that method's line."""
    method = await conn.fetchval("SHOW wal_sync_method")
    test = subprocess.Popen(
        [str(binary("pg_test_fsync")), "-s", "1", "-f", str(servers.root / "fsync.test")],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert test.stdout is not None
    found = f"{method}: not printed"
    for line in test.stdout:
        if line.strip().startswith(method + " "):
            found = " ".join(line.split())
            break
    test.terminate()
    test.wait(timeout=10)
    return f"pg_test_fsync, one 8 kB write, {found}"


@asynccontextmanager
async def metered_servers() -> AsyncIterator[tuple[BenchServers, Meter, asyncpg.Connection]]:
    """Throwaway servers prepared for metering, a superuser connection to them and a `Meter`; prints
    the cores and the disk's idle fsync first."""
    async with bench_servers() as servers:
        conn = await asyncpg.connect(asyncpg_dsn(servers.admin_database_url))
        try:
            await prepare_server(conn)
            postmaster = int((servers.root / "postgres" / "postmaster.pid").read_text().split()[0])
            meter = Meter(conn, postmaster)
            print(f"{meter.cores} cores; the disk, idle: {await disk_fsync(servers, conn)}")
            yield servers, meter, conn
        finally:
            await conn.close()
