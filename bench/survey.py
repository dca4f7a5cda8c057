"""Ballots per second through `POST /v1/ballots` against a real survey process (2 workers) on real
PostgreSQL and NATS, keep-alive connections, the default rate limits per device (one bucket each; the
per-IP ceiling is lifted, as all of them come from localhost), 5 % of the ballots unsatisfied with a
reason (each opens a feedback item), in two phases:
- kiosk: anonymous ballots from many kiosks (`X-Device-Id`). Target of issue #6: at least 1,000/s;
- dossier: ballots about returned dossiers, each with its invitation's token (the portal's or a counter
  tablet's path, issue #17), on invitations seeded in the table as `dossier.returned` opens them.

The clients speak HTTP/1.1 over raw keep-alive sockets with pre-encoded bodies, so that the figure is
the service's, not a Python HTTP client's (on a small machine they share the cores). Because the rate
depends on what else the machine runs, the CPU time each process group spent per ballot is printed too
(Linux /proc), and the rate those figures allow on two otherwise idle cores, with the WAL's fsyncs per
ballot and the machine's foreign CPU (`bench.meter`)."""

import asyncio
import json
import os
import random
import secrets
import subprocess
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from bench.meter import Meter, prepare_server
from bench.servers import BenchServers, bench_servers, start_service
from services.survey.invitations.tokens import invitation_token
from shared.db.engine import asyncpg_dsn
from shared.events.catalog import AgencyRegistered
from shared.messaging.connection import NatsLink
from shared.messaging.envelope import CloudEvent, event_type
from tools.devstack.launch import wait_ready
from tools.devstack.ports import free_port

CLIENTS = 32
SECONDS = 15
WORKERS = os.environ.get("MOTCUA_WORKERS", "2")
DEVICES = 10_000  # kiosks: each sends a few ballots, within its own bucket (burst 5, 10 a minute)
DOSSIERS = 40_000  # invitations the measured dossier phase votes on, one ballot each
WARM_DOSSIERS = 4_000  # and those its warm-up votes on
UNSATISFIED = 0.05
REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "services" / "intake" / "seed" / "catalogue.json"


def start_survey(servers: BenchServers, port: int, token_secret: str) -> subprocess.Popen[bytes]:
    return start_service(
        servers,
        "survey",
        port,
        environment="test",
        jwt_secret=secrets.token_urlsafe(48),
        survey_token_secret=token_secret,
        db_pool_size="10",
        workers=WORKERS,  # one per core, as deployed
        # Every kiosk here is on 127.0.0.1: lift the per-IP ceiling, keep the per-device limits.
        survey_ip_ballots_per_minute="100000000",
    )


async def register_agencies(servers: BenchServers) -> list[str]:
    """The default catalogue's agencies, announced as intake announces them (catalog.agency.registered)."""
    agencies = json.loads(SEED.read_text(encoding="utf-8"))["agencies"]
    link = NatsLink(servers.nats_url, "bench")
    await link.connect_forever()
    try:
        for agency in agencies:
            event = CloudEvent(
                source="/motcua/intake",
                type=event_type("catalog.agency.registered"),
                time=datetime.now(UTC),
                data=AgencyRegistered.model_validate(agency).data(),
            )
            await link.jetstream.publish(
                "catalog.agency.registered", event.to_json().encode(), headers={"Nats-Msg-Id": str(event.id)}
            )
    finally:
        await link.close()
    codes = [a["code"] for a in agencies]
    conn = await asyncpg.connect(asyncpg_dsn(servers.admin_database_url))
    try:
        for _ in range(600):  # survey's consumer applies them within a second or so
            if await conn.fetchval("SELECT count(*) FROM survey.agencies") >= len(codes):
                break
            await asyncio.sleep(0.1)
    finally:
        await conn.close()
    return codes


def answered(rng: random.Random) -> dict[str, object]:
    """Answers spread as a centre's would be, with a reason when unsatisfied, and now and then a comment."""
    unsatisfied = rng.random() < UNSATISFIED
    satisfaction = "unsatisfied" if unsatisfied else rng.choice(["very_satisfied", "satisfied"])
    return {
        "answers": {
            "complexity": rng.choice(["simple", "fewer_papers", "complex"]),
            "satisfaction": satisfaction,
        },
        "comment": rng.choice([None, None, "Cán bộ hướng dẫn tận tình."]),
        **({"reason": "Phải chờ lâu, đi lại nhiều lần."} if unsatisfied else {}),
    }


def ballot_bodies(agencies: list[str], count: int) -> list[bytes]:
    """Pre-encoded kiosk ballots: the brief's fixed shape."""
    rng = random.Random(6)
    bodies = []
    for _ in range(count):
        ballot = {
            "agency_code": rng.choice(agencies),
            "dossier_code": None,
            "channel": "kiosk",
            **answered(rng),
        }
        bodies.append(json.dumps(ballot, ensure_ascii=False).encode())
    return bodies


async def dossier_bodies(servers: BenchServers, agencies: list[str], token_secret: str) -> list[bytes]:
    """Invitations of returned dossiers, written as `dossier.returned` opens them, and one pre-encoded
    ballot for each, with its token, from the portal or a counter tablet."""
    rng = random.Random(17)
    now = datetime.now(UTC)
    invitations, bodies = [], []
    for n in range(DOSSIERS + WARM_DOSSIERS):
        dossier_id, code = uuid.UUID(int=rng.getrandbits(128)), f"000.00.12.H57-210618-{n:06d}"
        invitations.append((code, dossier_id, rng.choice(agencies), now, now + timedelta(days=30)))
        ballot = {
            "dossier_code": code,
            "channel": rng.choice(["portal", "counter"]),
            "token": invitation_token(token_secret, dossier_id),
            **answered(rng),
        }
        bodies.append(json.dumps(ballot, ensure_ascii=False).encode())
    conn = await asyncpg.connect(asyncpg_dsn(servers.admin_database_url))
    try:
        await conn.copy_records_to_table(
            "invitations",
            schema_name="survey",
            records=invitations,
            columns=["dossier_code", "dossier_id", "agency_code", "returned_at", "expires_at"],
        )
    finally:
        await conn.close()
    return bodies


def request(body: bytes, device: str) -> bytes:
    return (
        f"POST /v1/ballots HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
        f"X-Device-Id: {device}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def read_status(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return status


Requests = Callable[[int], bytes]  # the n-th request of a phase


def kiosks(bodies: list[bytes]) -> Requests:
    return lambda n: request(bodies[n % len(bodies)], f"kiosk-{n % DEVICES:05d}")


def tablets(bodies: list[bytes]) -> Requests:
    """The n-th request the n-th dossier's ballot (past the last, a second ballot: 409), from a portal
    server or counter tablets behind one address: buckets per device as for kiosks."""
    return lambda n: request(bodies[n % len(bodies)], f"tablet-{n % DEVICES:05d}")


async def client(port: int, requests: Requests, start: int, stride: int, seconds: float) -> dict[int, int]:
    """One keep-alive connection sending ballots one after another for `seconds`."""
    statuses: dict[int, int] = {}
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    deadline = time.monotonic() + seconds
    n = start
    try:
        while time.monotonic() < deadline:
            writer.write(requests(n))
            status = await read_status(reader)
            statuses[status] = statuses.get(status, 0) + 1
            n += stride
    finally:
        writer.close()
    return statuses


def cpu_seconds(survey_pid: int) -> dict[str, float]:
    """CPU seconds used so far by this process and its descendants, by group (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    processes: dict[int, tuple[int, str, float]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = stat.read_text()
        except OSError:
            continue
        name, fields = raw[raw.index("(") + 1 : raw.rindex(")")], raw[raw.rindex(")") + 2 :].split()
        processes[int(raw.split()[0])] = (int(fields[1]), name, (int(fields[11]) + int(fields[12])) / tick)
    mine, grew = {os.getpid()}, True
    while grew:
        children = {pid for pid, (parent, _, _) in processes.items() if parent in mine} - mine
        mine |= children
        grew = bool(children)
    groups: dict[str, float] = {}
    for pid in mine & processes.keys():
        parent, name, seconds = processes[pid]
        if pid == os.getpid():
            name = "bench clients"
        elif survey_pid in (pid, parent):
            name = "survey"
        groups[name] = groups.get(name, 0.0) + seconds
    return groups


async def phase(
    name: str, port: int, survey_pid: int, meter: Meter, requests: Requests, warm_from: int
) -> None:
    """Warm up for a second on requests of their own (from `warm_from`, so the measured run starts
    with full buckets), then send `requests` from CLIENTS connections for SECONDS and print the rate
    and what each ballot cost."""
    await asyncio.gather(*(client(port, requests, warm_from + i, CLIENTS, 1) for i in range(CLIENTS)))
    cpu_before, span_before = cpu_seconds(survey_pid), await meter.snapshot()
    started = time.monotonic()
    results = await asyncio.gather(*(client(port, requests, i, CLIENTS, SECONDS) for i in range(CLIENTS)))
    elapsed = time.monotonic() - started
    cpu_after, span = cpu_seconds(survey_pid), meter.span(span_before, await meter.snapshot())
    totals: dict[int, int] = {}
    for statuses in results:
        for status, n in statuses.items():
            totals[status] = totals.get(status, 0) + n
    stored = totals.get(201, 0)
    others = ", ".join(f"{n} × {status}" for status, n in sorted(totals.items()) if status != 201) or "none"
    print(
        f"{name}: POST /v1/ballots ({WORKERS} workers, {CLIENTS} keep-alive clients, {DEVICES:,} devices): "
        f"{stored} in {elapsed:.1f} s = {stored / elapsed:,.0f} ballots/s (other answers: {others})"
    )
    per_ballot = {k: (v - cpu_before.get(k, 0.0)) * 1000 / max(stored, 1) for k, v in cpu_after.items()}
    shown = ", ".join(
        f"{k} {v:.2f}" for k, v in sorted(per_ballot.items(), key=lambda kv: -kv[1]) if v >= 0.01
    )
    total = sum(per_ballot.values())
    print(
        f"{name}: CPU ms per ballot: {shown} = {total:.2f} ms in all; "
        f"on 2 otherwise idle cores that is {2000 / total:,.0f} ballots/s"
    )
    print(
        f"{name}: {span.fsync(stored, 'a ballot')}; foreign CPU (not this bench's processes) "
        f"{span.foreign:.0%} of the machine's {span.cores} cores"
    )


async def run() -> None:
    async with bench_servers() as servers:
        port, token_secret = free_port(), secrets.token_urlsafe(48)
        process = start_survey(servers, port, token_secret)
        conn = await asyncpg.connect(asyncpg_dsn(servers.admin_database_url))
        try:
            await prepare_server(conn)
            meter = Meter(conn, int((servers.root / "postgres" / "postmaster.pid").read_text().split()[0]))
            meter.service = process.pid
            await wait_ready(f"http://127.0.0.1:{port}")
            agencies = await register_agencies(servers)
            await phase(
                "kiosk", port, process.pid, meter, kiosks(ballot_bodies(agencies, 4096)), DEVICES // 2
            )
            dossiers = await dossier_bodies(servers, agencies, token_secret)
            await phase("dossier", port, process.pid, meter, tablets(dossiers), DOSSIERS)
            ballots = await conn.fetchval("SELECT count(*) FROM survey.ballots")
            feedback = await conn.fetchval("SELECT count(*) FROM survey.feedback_items")
            unsent = await conn.fetchval("SELECT count(*) FROM survey.outbox WHERE sent_at IS NULL")
        finally:
            await conn.close()
            process.terminate()
            process.wait(timeout=20)
        print(
            f"stored: {ballots:,} ballots, {feedback:,} feedback items opened; "
            f"outbox rows not yet relayed: {unsent:,}"
        )
