"""Intake and routing on the cluster stack (issue 19, item 2): dossiers submitted at a steady rate
while the DOSSIERS stream's leader server is killed and restarted are each published once.

Two intake processes and two routing processes, each with all three NATS servers in its URL (its own
first, as `make run-cluster` gives them) and streams of three replicas, on the PostgreSQL pair's
two-host URL. The relay's PubAck waits time out while the stream has no leader and it publishes the
batch again: JetStream must drop the copies by `Nats-Msg-Id` (the event id), and nothing may be
left unsent. Routing must still make one plan per dossier.
"""

import asyncio
import itertools
import json
import secrets
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import nats
import pytest
from nats.js import JetStreamContext

from shared.auth import issue_token
from shared.db.engine import asyncpg_dsn
from shared.services import SERVICES
from tools.devstack.launch import start_service, wait_ready
from tools.devstack.nats_cluster import Cluster
from tools.devstack.ports import free_port
from tools.devstack.postgres_pair import PostgresPair
from tools.devstack.stack import prepare_database

pytestmark = pytest.mark.slow

STREAM = "DOSSIERS"
UNIT = "000.00.12.H57"  # IntakeSettings.centre_unit_code's default, a unit of the default catalogue
INTERVAL = 0.1  # seconds between two submissions: 10 dossiers/s
BEFORE_FAULT = 3.0
DURING_FAULT = 10.0  # the leader's server down
AFTER_FAULT = 3.0
SETTLE = 45.0  # for the relay and routing to catch up after the load
DOSSIER = {
    "procedure_code": "DD-01",
    "channel": "direct",
    "applicant": {"name": "Trần Thị Ánh Tuyết", "id_number": "046095009876", "phone": "0905123456"},
    "documents": ["DON_DANG_KY", "HOP_DONG", "GCN", "TO_KHAI_LPTB", "TO_KHAI_TNCN"],
}


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    (tmp_path / "nats").mkdir()
    started = Cluster.start(tmp_path / "nats")
    try:
        started.wait_ready()
        yield started
    finally:
        started.stop()


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[PostgresPair]:
    (tmp_path / "postgres").mkdir()
    started = PostgresPair.start(tmp_path / "postgres")
    yield started
    started.stop()


@dataclass
class Services:
    intake: list[str]  # base URLs
    routing: list[str]
    logs: dict[str, Path]
    jwt_secret: str


@pytest.fixture
async def services(cluster: Cluster, pair: PostgresPair, tmp_path: Path) -> AsyncIterator[Services]:
    urls = await prepare_database(
        pair.primary.admin_url, {service: secrets.token_urlsafe(12) for service in SERVICES}
    )
    jwt_secret = secrets.token_urlsafe(48)
    processes: list[subprocess.Popen[bytes]] = []
    started = Services([], [], {}, jwt_secret)
    try:
        for service, replicas in (("intake", 2), ("routing", 2)):
            for index in range(replicas):
                port = free_port()
                name = f"{service}-{index + 1}"
                started.logs[name] = tmp_path / f"{name}.log"
                processes.append(
                    start_service(
                        service,
                        database_url=pair.database_url(urls[service]),
                        nats_url=cluster.client_urls(service, first=index),
                        port=port,
                        output=started.logs[name],
                        environment="test",
                        jwt_secret=jwt_secret,
                        migrate_on_start="false",
                        stream_replicas=str(len(cluster.servers)),
                    )
                )
                getattr(started, service).append(f"http://127.0.0.1:{port}")
        async with asyncio.timeout(60):
            await asyncio.gather(*(wait_ready(base) for base in started.intake + started.routing))
        yield started
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@dataclass
class Load:
    """Submissions at a steady rate, spread over intake's replicas; what each got and when."""

    intake: list[str]
    token: str
    acknowledged: dict[uuid.UUID, float] = field(default_factory=dict)  # dossier id -> when (monotonic)
    failed: list[str] = field(default_factory=list)
    sent: int = 0

    async def submit(self, client: httpx.AsyncClient, base: str) -> None:
        try:
            response = await client.post(
                f"{base}/v1/dossiers", json=DOSSIER, headers={"Authorization": f"Bearer {self.token}"}
            )
        except httpx.HTTPError as exc:
            self.failed.append(repr(exc))
            return
        if response.status_code == 201:
            self.acknowledged[uuid.UUID(response.json()["id"])] = time.monotonic()
        else:
            self.failed.append(f"{response.status_code} {response.text[:300]}")

    async def run(self, stop: asyncio.Event) -> None:
        """One submission every INTERVAL, each in its own task so that a slow answer delays no other."""
        tasks: list[asyncio.Task[None]] = []
        async with httpx.AsyncClient(timeout=30) as client:
            next_at = time.monotonic()
            while not stop.is_set():
                base = self.intake[self.sent % len(self.intake)]
                tasks.append(asyncio.create_task(self.submit(client, base)))
                self.sent += 1
                next_at += INTERVAL
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            await asyncio.gather(*tasks)

    def longest_gap(self, start: float, end: float) -> float:
        """The longest time without an acknowledgement between `start` and `end` (monotonic)."""
        times = sorted([start, end, *(t for t in self.acknowledged.values() if start < t < end)])
        return max(b - a for a, b in itertools.pairwise(times))


async def stream_leader(js: JetStreamContext) -> str | None:
    try:
        info = await js.stream_info(STREAM)
    except (nats.errors.Error, TimeoutError):
        return None
    return info.cluster.leader if info.cluster else None


@dataclass
class Received:
    """The stream's `dossier.*.received` messages: event ids and dossier ids, with storage times."""

    event_ids: list[str] = field(default_factory=list)
    dossiers: Counter[uuid.UUID] = field(default_factory=Counter)
    stored_at: dict[uuid.UUID, datetime] = field(default_factory=dict)


async def received_messages(js: JetStreamContext) -> Received:
    info = await js.stream_info(STREAM)
    found = Received()
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        msg = await js.get_msg(STREAM, seq)
        if not (msg.subject or "").endswith(".received"):
            continue
        event = json.loads(msg.data or b"{}")
        dossier_id = uuid.UUID(event["data"]["dossier_id"])
        found.event_ids.append(event["id"])
        found.dossiers[dossier_id] += 1
        assert msg.time is not None
        found.stored_at.setdefault(dossier_id, msg.time)
    return found


async def unsent_rows(conn: asyncpg.Connection) -> int:
    count: int = await conn.fetchval("SELECT count(*) FROM intake.outbox WHERE sent_at IS NULL")
    return count


async def plans_of(conn: asyncpg.Connection, ids: list[uuid.UUID]) -> Counter[uuid.UUID]:
    rows = await conn.fetch("SELECT dossier_id FROM routing.plans WHERE dossier_id = ANY($1::uuid[])", ids)
    return Counter(row["dossier_id"] for row in rows)


def log_problems(logs: dict[str, Path]) -> list[str]:
    """Each service log line at warning or above (MOTCUA_LOG_LEVEL is WARNING), and any non-JSON
    line (a traceback on stderr), prefixed by the replica's name."""
    problems = []
    for name, path in logs.items():
        for line in path.read_text(errors="replace").splitlines():
            try:
                level = json.loads(line).get("level", "")
            except ValueError:
                level = "stderr"
            if level != "info":
                problems.append(f"{name}: {line[:400]}")
    return problems


async def test_dossiers_submitted_through_a_stream_leader_kill_are_published_and_routed_once(
    cluster: Cluster, pair: PostgresPair, services: Services
) -> None:
    token = issue_token(services.jwt_secret, sub="reception-1", role="reception", unit=UNIT)
    load = Load(services.intake, token)
    watcher = await nats.connect(
        [cluster.client_url("intake", server) for server in cluster.servers], connect_timeout=5
    )
    try:
        js = watcher.jetstream(timeout=2)
        stop = asyncio.Event()
        submitting = asyncio.create_task(load.run(stop))
        await asyncio.sleep(BEFORE_FAULT)
        leader_name = await stream_leader(js)
        (leader,) = [server for server in cluster.servers if server.name == leader_name]
        killed_at = time.monotonic()
        leader.kill()
        await asyncio.sleep(DURING_FAULT)
        leader.start()
        restarted_at = time.monotonic()
        await asyncio.sleep(AFTER_FAULT)
        stop.set()
        await submitting
        new_leader = await stream_leader(js)

        acknowledged = list(load.acknowledged)
        assert not load.failed, load.failed[:5]
        assert len(acknowledged) == load.sent

        conn = await asyncpg.connect(asyncpg_dsn(pair.database_url(pair.primary.admin_url)))
        try:
            deadline = time.monotonic() + SETTLE
            while True:
                unsent = await unsent_rows(conn)
                plans = await plans_of(conn, acknowledged)
                if (unsent == 0 and len(plans) == len(acknowledged)) or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.5)
            retried = await conn.fetch("SELECT attempts, last_error FROM intake.outbox WHERE attempts > 0")
        finally:
            await conn.close()
        received = await received_messages(js)
    finally:
        await watcher.close()

    gap = load.longest_gap(killed_at, restarted_at)
    # The stream's storage times are wall-clock ones; the acknowledgements', monotonic.
    wall_offset = datetime.now(UTC).timestamp() - time.monotonic()
    publish_lag = max(
        (
            received.stored_at[d].timestamp() - (load.acknowledged[d] + wall_offset)
            for d in acknowledged
            if d in received.stored_at
        ),
        default=0.0,
    )
    print(
        f"\n{load.sent} submitted, {len(acknowledged)} acknowledged; stream leader {leader_name} killed "
        f"for {restarted_at - killed_at:.1f} s, new leader {new_leader}; longest gap between "
        f"acknowledgements during the fault {gap:.2f} s; longest acknowledgement-to-stream delay "
        f"{publish_lag:.2f} s; failed publish attempts on outbox rows: {[tuple(row) for row in retried]}"
    )
    problems = log_problems(services.logs)
    for line in problems:
        print(line)
    # A service reconnecting to a server the cluster advertised (no login in its address) logs in
    # with the URL's credentials all the same (shared/messaging/connection.py).
    assert not [line for line in problems if "authorization violation" in line.lower()]

    assert unsent == 0, f"{unsent} outbox rows left unsent"
    missing = [d for d in acknowledged if received.dossiers[d] == 0]
    duplicated = {d: n for d, n in received.dossiers.items() if n > 1}
    assert not missing, f"{len(missing)} acknowledged dossiers never published: {missing[:5]}"
    assert not duplicated, f"published more than once: {duplicated}"
    assert len(set(received.event_ids)) == len(received.event_ids)
    assert set(received.dossiers) == set(acknowledged)
    assert plans == Counter(dict.fromkeys(acknowledged, 1)), "not exactly one plan per dossier"
    assert new_leader is not None
