"""The write paths measured against the database's own limit for exactly their work (issue #17, item 3):
intake's reception (`POST /v1/dossiers`, 8 clients at one unit, then at 8 units) and routing's accept
and complete (`POST /v1/steps/{id}/accept|complete`), each beside pgbench running the very transaction
one request of that phase runs, in the same run, on the same server, with the same 8 clients.

How the denominator is made (bench/replay.py): the service's role logs its statements while a
throwaway instance serves a few requests; one request's transaction (BEGIN to COMMIT, its bound values
inlined) becomes a pgbench script whose ids, codes and hashes are unique per transaction while the
workload's values stay: the same unit and day (one counter row for 8 clients at one unit; each
client its own unit's row at 8 units), the same procedure. Routing's statements move a step through
its states, so pgbench acts on steps seeded in the right state for it, its own (`:row`), never the
service's. pgbench runs `-M prepared -c 8 -j 2 -T SECONDS` as superuser, right after the service's
load, with the service stopped (its relay would publish the events pgbench stages, which are marked
sent instead).

How to read a phase:
- `service`: requests/s over SECONDS after WARM_UP, from 8 keep-alive HTTP/1.1 connections
  (bench/routing.py's KeepAlive: a few dozen microseconds a request, its cost is printed as `load
  client`); CPU a request of the service (its uvicorn master and workers, /proc/<pid>/stat) and of
  the database server (postmaster and backends, the exited ones' included); how the kernel spread
  the 8 connections over the workers (`connections per worker 5/3`: a lopsided spread caps the
  rate at one worker's core, the service's CPU then below saturation);
- `pgbench`: TPS of the exact transaction, with its statement count and the round trips the request
  sent on its connection (the pool's ping among them; its empty `;` query is not logged), and the
  database's CPU a transaction: beside the service's, it shows the replay does the request's work;
- `foreign CPU`: the machine's busy time (/proc/stat) less this bench's process tree (itself, the
  services, PostgreSQL, NATS, pgbench), as a share of all cores: other people's work, which takes the
  cores from whichever side it overlaps;
- `WAL fsync`: the server's own mean WAL fsync time in that phase and fsyncs per transaction
  (pg_stat_io, track_wal_io_timing), beside pg_test_fsync's figure for the disk when idle.

Targets (issue #17, printed, not asserted): reception >= 40 % of its pgbench at one unit with
<= 4 ms of service CPU a dossier; accept and complete >= 40 % of theirs with <= 3 ms; 8 units >= 1.5x
one unit. The old denominator (2 rows + outbox, bench/intake_reception.py) is printed as an extra.
"""

import asyncio
import contextlib
import hashlib
import json
import os
import re
import secrets
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from itertools import count

import asyncpg
import httpx
from nats.js.errors import NotFoundError
from sqlalchemy import make_url

from bench import replay
from bench.intake_reception import BODY, WORKERS, pgbench_tps, start_intake
from bench.meter import Meter, Span, connections_per_process, metered_servers
from bench.province import commune, register_units
from bench.routing import HOT_SHARE, KeepAlive, seed, start_routing
from bench.routing import OPEN_STEPS as ROUTING_OPEN_STEPS
from bench.servers import BenchServers
from shared.auth import issue_token
from shared.messaging.connection import NatsLink
from shared.messaging.subjects import STREAMS
from tools.devstack.launch import wait_ready
from tools.devstack.ports import free_port
from tools.devstack.postgres import binary

CLIENTS = 8
SECONDS = 10.0
WARM_UP = 2.0
STAGGER = 0.1  # between two clients' connections: both workers get some (in one burst, one took all)
CAPTURED = 4  # requests logged; the last two are compared, the first warm the instance's caches
TARGET = 0.40
# Routing's seeded steps: row n = 10 m + o is assigned for o < 6, in progress for o in 6..8. The service
# acts on rows below SERVICE_ROWS (30,000 assigned, 15,000 in progress: bench/ceiling.py accepts in two
# phases, which ran out of 18,000); pgbench client c on m from PGBENCH_M + c * PGBENCH_M_EACH on: 11,250
# steps to accept, 5,625 to complete, each run. Twice the routing bench's open steps: accept at 900 a
# second and its pgbench at 4,000 ran short of 100,000.
OPEN_STEPS = 2 * ROUTING_OPEN_STEPS
SERVICE_ROWS = 50_000
PGBENCH_M = SERVICE_ROWS // 10
PGBENCH_M_EACH = (OPEN_STEPS // 10 - PGBENCH_M) // CLIENTS
PGBENCH_ROWS = {"accept": 6 * PGBENCH_M_EACH, "complete": 3 * PGBENCH_M_EACH}  # a client's
BODIES = {"accept": b"", "complete": json.dumps({"note": "Đã giải quyết"}).encode()}

# --- load and pgbench -------------------------------------------------------------------------------

Request = tuple[str, str, bytes]  # path, Authorization, body
Work = Callable[[int], Request | None]  # the client's next request, None when there is no more


@dataclass(frozen=True)
class Load:
    done: int
    failed: Counter[str]
    span: Span
    spread: list[int]  # the clients' connections held by each of the service's processes


async def load(port: int, meter: Meter, work: Work, ok: int) -> Load:
    """CLIENTS keep-alive connections doing `work` one request after another; counted over SECONDS
    once every client has run WARM_UP."""
    window = [float("inf"), float("inf")]
    done = 0
    failed = Counter[str]()

    async def client(n: int) -> None:
        nonlocal done
        await asyncio.sleep(n * STAGGER)
        http = await KeepAlive.open(port)
        try:
            while time.monotonic() < window[1] and (request := work(n)) is not None:
                try:
                    status = str(await http.post(*request))
                except (OSError, asyncio.IncompleteReadError) as error:
                    status = type(error).__name__
                if window[0] <= time.monotonic() < window[1]:
                    done += status == str(ok)
                    failed[status] += status != str(ok)
        finally:
            await http.close()

    clients = [asyncio.create_task(client(n)) for n in range(CLIENTS)]
    await asyncio.sleep((CLIENTS - 1) * STAGGER + WARM_UP)
    before = await meter.snapshot()
    spread = connections_per_process(meter.service, port) if meter.service else []
    window[:] = [time.monotonic(), time.monotonic() + SECONDS]
    await asyncio.sleep(SECONDS)
    after = await meter.snapshot()
    await asyncio.gather(*clients)
    return Load(done, +failed, meter.span(before, after), spread)


@dataclass(frozen=True)
class Pgbench:
    tps: float
    failed: int
    span: Span


_runs = count(1)


async def pgbench(servers: BenchServers, meter: Meter, script: str, name: str, schema: str) -> Pgbench:
    """pgbench -M prepared -c CLIENTS -j 2 -T SECONDS on `script`, the service stopped; each run
    numbers its transactions from its own base, so none repeats another run's ids. The events its
    transactions stage in `schema`'s outbox are marked sent: no relay is to publish them."""
    path = servers.root / f"{name}.sql"
    path.write_text(script)
    url = make_url(servers.admin_database_url)
    base = next(_runs) * 100_000_000  # clients add up to 8 x 10,000,000: runs never overlap
    command = [str(binary("pgbench")), "-n", "-M", "prepared", "-c", str(CLIENTS), "-j", "2"]
    command += ["-T", str(int(SECONDS)), "-f", str(path), "-D", "k=0", "-D", f"base={base}"]
    command += ["-h", url.host or "127.0.0.1", "-p", str(url.port), "-U", url.username or "postgres"]
    command.append(url.database or "motcua")
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    before = await meter.snapshot()
    done = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, env=env)
    after = await meter.snapshot()
    if done.returncode != 0:
        raise RuntimeError(f"pgbench {path} failed:\n{done.stdout[-1500:]}\n{done.stderr[-1500:]}")
    await meter.conn.execute(f"UPDATE {schema}.outbox SET sent_at = now() WHERE sent_at IS NULL")  # noqa: S608
    tps = re.search(r"tps = ([0-9.]+)", done.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", done.stdout)
    return Pgbench(
        float(tps[1]) if tps else float("nan"), int(failed[1]) if failed else 0, meter.span(before, after)
    )


# --- capturing a request's transaction --------------------------------------------------------------


@asynccontextmanager
async def statements_logged(
    servers: BenchServers, conn: asyncpg.Connection, service: str
) -> AsyncIterator[int]:
    """While open, every new session of `service`'s role logs its statements; yields the log's offset."""
    role = make_url(servers.service_urls[service]).username
    await conn.execute(f"ALTER ROLE \"{role}\" SET log_statement = 'all'")
    await conn.execute(f'ALTER ROLE "{role}" SET log_parameter_max_length = -1')
    try:
        yield (servers.root / "postgres.log").stat().st_size
    finally:  # not RESET ALL: the role keeps its search_path
        await conn.execute(f'ALTER ROLE "{role}" RESET log_statement')
        await conn.execute(f'ALTER ROLE "{role}" RESET log_parameter_max_length')


async def capture(
    servers: BenchServers, offset: int, base: str, requests: list[Request], marker: str
) -> list[replay.Transaction]:
    """The transactions of `requests`, made one at a time; `marker` names the response's field (or,
    `path:`, the path's last part) only that request's transaction mentions."""
    sent: list[tuple[float, str]] = []
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        for path, authorization, body in requests:
            since = time.time()
            response = await http.post(path, content=body, headers=_json(authorization))
            response.raise_for_status()
            found = path.rsplit("/", 2)[1] if marker == "path:" else response.json()[marker]
            sent.append((since, found))
            await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # the log is written by the backends: let the last lines land
    statements = replay.read_statements(servers.root / "postgres.log", offset)
    return [replay.request_transaction(statements, found, since) for since, found in sent]


def _json(authorization: str) -> dict[str, str]:
    return {"Authorization": authorization, "Content-Type": "application/json"}


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=20)


@asynccontextmanager
async def serving(
    meter: Meter, start: Callable[[], subprocess.Popen[bytes]], port: int, schema: str
) -> AsyncIterator[None]:
    """The service running while open; on leaving, once its relay has published what the load
    staged, stopped: pgbench then has the database to itself, as the service had during its load."""
    process = start()
    meter.service = process.pid
    try:
        await wait_ready(f"http://127.0.0.1:{port}")
        yield
        unsent = f"SELECT count(*) FROM {schema}.outbox WHERE sent_at IS NULL"  # noqa: S608
        for _ in range(300):  # a minute at most
            if not await meter.conn.fetchval(unsent):
                break
            await asyncio.sleep(0.2)
    finally:
        stop(process)
        meter.service = 0


@dataclass(frozen=True)
class Phase:
    served: Load
    transaction: replay.Transaction
    bench: Pgbench


async def phase(
    servers: BenchServers,
    meter: Meter,
    start: Callable[[], subprocess.Popen[bytes]],
    port: int,
    work: Work,
    ok: int,
    captured: tuple[replay.Transaction, str],
    name: str,
) -> Phase:
    """The service under load, then pgbench running the transaction it captured; `name` is
    `<schema>-<phase>`, the schema's outbox the one the service's relay drains."""
    schema = name.split("-")[0]
    async with serving(meter, start, port, schema):
        served = await load(port, meter, work, ok)
    transaction, script = captured
    return Phase(served, transaction, await pgbench(servers, meter, script, name, schema))


# --- printing ---------------------------------------------------------------------------------------


def verdict(met: bool) -> str:
    return "met" if met else "NOT MET"


def report(label: str, unit: str, measured: Phase, cpu_target: float) -> float:
    """Prints the phase's three lines; returns the service's rate."""
    served, captured, bench = measured.served, measured.transaction, measured.bench
    span, rate = served.span, served.done / served.span.seconds
    transactions = round(bench.tps * bench.span.seconds)
    per = 1000 / max(served.done, 1)
    service, database, client = (span.delta(n) * per for n in ("service", "database", "client"))
    failed = sum(served.failed.values())
    print(f"{label}:")
    print(
        f"  service  {rate:7,.0f} {unit}/s ({served.done:,} in {span.seconds:.1f} s, {failed} errors"
        f"{': ' + str(dict(served.failed)) if failed else ''}); CPU a request: service {service:.2f} ms, "
        f"database {database:.2f} ms, load client {client:.2f} ms; foreign CPU {span.foreign:.0%} of "
        f"{span.cores} cores; {span.fsync(served.done, 'a request')}; connections per worker "
        f"{'/'.join(map(str, served.spread)) or '?'}"
    )
    print(
        f"  pgbench  {bench.tps:7,.0f} TPS of the exact transaction ({len(captured.statements)} statements "
        f"{f'between {captured.begin} and COMMIT' if captured.begin else 'each on its own'}; the request "
        f"sent {captured.round_trips} logged round trips), "
        f"-M prepared -c {CLIENTS} -j 2 -T {SECONDS:.0f}, {bench.failed} failed; database CPU "
        f"{bench.span.delta('database') * 1000 / max(transactions, 1):.2f} ms a transaction; foreign CPU "
        f"{bench.span.foreign:.0%}; {bench.span.fsync(transactions, 'a transaction')}"
    )
    print(
        f"  service / exact pgbench {rate / bench.tps:.0%} (target >= {TARGET:.0%}: "
        f"{verdict(rate >= TARGET * bench.tps)}); service CPU {service:.2f} ms a request "
        f"(target <= {cpu_target:.0f} ms: {verdict(service <= cpu_target)})"
    )
    return rate


# --- intake reception -------------------------------------------------------------------------------


def receptions(tokens: list[str]) -> Callable[[int], Request]:
    body = json.dumps(BODY).encode()
    return lambda n: ("/v1/dossiers", f"Bearer {tokens[n]}", body)


async def capture_reception(
    servers: BenchServers,
    conn: asyncpg.Connection,
    secret: str,
    port: int,
    units: list[str],
    one: Callable[[int], Request],
) -> tuple[replay.Transaction, replay.Transaction]:
    """Registers the units, then logs a reception's transaction at the last of them: (template,
    other)."""
    base = f"http://127.0.0.1:{port}"
    async with statements_logged(servers, conn, "intake") as offset:
        process = start_intake(servers, port, secret)
        try:
            await wait_ready(base)
            await register_units(port, issue_token(secret, sub="bench", role="admin"), units)
            *_, other, template = await capture(servers, offset, base, [one(0)] * CAPTURED, "id")
        finally:
            stop(process)
    return template, other


async def intake(servers: BenchServers, meter: Meter, conn: asyncpg.Connection) -> None:
    secret, port = secrets.token_urlsafe(48), free_port()
    units = [commune(j) for j in range(1, CLIENTS + 2)]  # 8 for the spread, the 9th for all at one
    tokens = [
        issue_token(secret, sub=f"bench-{n}", role="reception", unit=code) for n, code in enumerate(units)
    ]
    one, spread = receptions(tokens[-1:] * CLIENTS), receptions(tokens[:CLIENTS])
    template, other = await capture_reception(servers, conn, secret, port, units, one)
    # pgbench's client c at unit c, as the service's client c: its own counter row.
    unit_of_client = "(ARRAY[" + ", ".join(f"'{u}'" for u in units[:CLIENTS]) + "])"
    unit_of_client += f"[:client_id::int % {CLIENTS} + 1]"
    scripts = {
        "one": (template, replay.pgbench_script(template, other, {}, [])),
        "spread": (template, replay.pgbench_script(template, other, {units[-1]: unit_of_client}, [])),
    }
    print(f"intake, {WORKERS} workers, {CLIENTS} clients; {WARM_UP:.0f} s warm-up, then {SECONDS:.0f} s:")
    start = partial(start_intake, servers, port, secret)
    at_one = await phase(servers, meter, start, port, one, 201, scripts["one"], "intake-one-unit")
    at_eight = await phase(servers, meter, start, port, spread, 201, scripts["spread"], "intake-units")
    label = f"reception, {CLIENTS} clients at"
    one_rate = report(f"{label} one unit", "dossiers", at_one, 4)
    eight_rate = report(f"{label} {CLIENTS} units", "dossiers", at_eight, 4)
    print(
        f"  {CLIENTS} units / one unit: service {eight_rate / one_rate:.2f}x (target >= 1.5x: "
        f"{verdict(eight_rate >= 1.5 * one_rate)}), "
        f"exact pgbench {at_eight.bench.tps / at_one.bench.tps:.2f}x"
    )
    await old_denominator(servers, conn)


async def old_denominator(servers: BenchServers, conn: asyncpg.Connection) -> None:
    """bench/intake_reception.py's pgbench (applicant, dossier, outbox: fewer statements than a
    reception runs): kept beside the exact one to show how far it flattered the service."""
    procedure_id = await conn.fetchval("SELECT id FROM intake.procedures WHERE code = 'DD-01' LIMIT 1")
    payload = await conn.fetchval("SELECT payload FROM intake.outbox ORDER BY id DESC LIMIT 1")
    tps = await asyncio.to_thread(pgbench_tps, servers, procedure_id, len(payload.encode()))
    print(
        f"extra, the old denominator (not the service's transaction): bench/intake_reception.py's pgbench, "
        f"3 inserts (applicant, dossier, outbox), {CLIENTS} clients, 15 s: {tps:,.0f} TPS"
    )


# --- routing accept and complete --------------------------------------------------------------------

STEPS = f"""
SELECT n, md5('step' || n)::uuid::text AS step, s.agency_code
FROM generate_series(1, {SERVICE_ROWS - 1}) AS n JOIN routing.steps s ON s.id = md5('step' || n)::uuid
WHERE s.state = $1 ORDER BY md5(n::text)
"""  # noqa: S608
# routing.SEED's agency of row n
AGENCY = (
    f"CASE WHEN :row % 100 < {round(HOT_SHARE * 100)} THEN 'HOT' "
    "ELSE 'A' || lpad((:row % 50)::text, 2, '0') END"
)
# pgbench's own rows: a fresh assigned (accept) or in-progress (complete) step each transaction.
ROWS = {
    "accept": f"\\set row 10 * ({PGBENCH_M} + :client_id * {PGBENCH_M_EACH} + :k / 6) + :k % 6",
    "complete": f"\\set row 10 * ({PGBENCH_M} + :client_id * {PGBENCH_M_EACH} + :k / 3) + 6 + :k % 3",
}


def seeded(n: int, step: str, agency: str) -> dict[str, str]:
    """The captured step's row as pgbench's `:row`: its step, its plan, its code, its agency."""
    return {
        step: "md5('step' || :row::text)::uuid",
        _md5_uuid(f"plan{n}"): "md5('plan' || :row::text)::uuid",
        f"BENCH-{n}": "'BENCH-' || :row::text",
        agency: AGENCY,
    }


def _md5_uuid(text: str) -> str:
    return str(uuid.UUID(hashlib.md5(text.encode()).hexdigest()))  # noqa: S324 (the seed's ids)


Step = tuple[int, str, str]  # the seeded row n, the step's id, its agency


class Officers:
    """Steps handed out to the clients one by one, each with its agency's officer token."""

    def __init__(self, secret: str, steps: list[Step], action: str, body: bytes) -> None:
        self.secret, self.action, self.body = secret, action, body
        self.steps: Iterator[Step] = iter(steps)
        self.tokens: dict[str, str] = {}
        self.acted: list[Step] = []
        self.ran_out = False

    def token(self, agency: str) -> str:
        if agency not in self.tokens:
            token = issue_token(self.secret, sub=f"bench-{agency}", role="officer", agency=agency)
            self.tokens[agency] = f"Bearer {token}"
        return self.tokens[agency]

    def __call__(self, client: int) -> Request | None:
        step = next(self.steps, None)
        if step is None:
            self.ran_out = True
            return None
        self.acted.append(step)
        return f"/v1/steps/{step[1]}/{self.action}", self.token(step[2]), self.body


async def capture_actions(
    servers: BenchServers,
    conn: asyncpg.Connection,
    secret: str,
    port: int,
    steps: dict[str, list[Step]],
    start: Callable[[BenchServers, int, str], subprocess.Popen[bytes]] = start_routing,
    rows: dict[str, str] = ROWS,
) -> dict[str, tuple[replay.Transaction, str]]:
    """Each action's transaction and its pgbench script, captured on steps of one agency (HOT): two
    requests at two agencies would differ in the officer and the events' topics, which are the
    workload's values, not the request's. The steps acted on are taken out of `steps`. An action is
    the path's end (`complete?optimistic=1` for bench/ceiling_app.py); pgbench takes its rows as
    `rows` says, its body is the action's (`BODIES`)."""
    base = f"http://127.0.0.1:{port}"
    captured = {}
    async with statements_logged(servers, conn, "routing") as offset:
        process = start(servers, port, secret)
        try:
            await wait_ready(base)
            for action, candidates in steps.items():
                chosen = [step for step in candidates if step[2] == "HOT"][:CAPTURED]
                officers = Officers(secret, chosen, action, BODIES[action.partition("?")[0]])
                requests = [r for r in (officers(0) for _ in chosen) if r is not None]
                *_, other, template = await capture(servers, offset, base, requests, "path:")
                fixed = seeded(*chosen[-1])
                captured[action] = (template, replay.pgbench_script(template, other, fixed, [rows[action]]))
                candidates[:] = [step for step in candidates if step not in chosen]
        finally:
            stop(process)
    return captured


async def routing(servers: BenchServers, meter: Meter, conn: asyncpg.Connection) -> None:
    await seed(servers, OPEN_STEPS)
    secret, port = secrets.token_urlsafe(48), free_port()
    steps = {
        state: [(r["n"], r["step"], r["agency_code"]) for r in await conn.fetch(STEPS, state)]
        for state in ("assigned", "in_progress")
    }
    captured = await capture_actions(
        servers, conn, secret, port, {"accept": steps["assigned"], "complete": steps["in_progress"]}
    )
    print(f"routing, {WORKERS} workers, {CLIENTS} clients, {OPEN_STEPS:,} open steps seeded:")
    start = partial(start_routing, servers, port, secret)
    accept = Officers(secret, steps["assigned"], "accept", BODIES["accept"])
    accepted = await phase(servers, meter, start, port, accept, 200, captured["accept"], "routing-accept")
    # The steps just accepted, then seeded ones in progress.
    complete = Officers(secret, accept.acted + steps["in_progress"], "complete", BODIES["complete"])
    completed = await phase(
        servers, meter, start, port, complete, 200, captured["complete"], "routing-complete"
    )
    for action, officers, measured in (("accept", accept, accepted), ("complete", complete, completed)):
        report(f"routing {action}", "actions", measured, 3)
        outran(action, officers, measured)


def outran(action: str, officers: Officers, measured: Phase) -> None:
    """Says so when a figure is wrong for want of seeded steps: the service stopped early, or a pgbench
    client went on into its neighbour's steps, already moved on (a cheaper, no-op transaction)."""
    if officers.ran_out:
        print(f"  WARNING: the service ran out of steps to {action}: its rate is understated")
    if measured.bench.tps * SECONDS / CLIENTS > 0.8 * PGBENCH_ROWS[action]:
        print(
            f"  WARNING: pgbench neared the end of its {PGBENCH_ROWS[action]:,} steps a client: "
            "TPS overstated"
        )


async def purge_streams(servers: BenchServers) -> None:
    """The intake phases' events dropped from the streams: routing's consumers caught up on thousands
    of `dossier.received` while its actions were measured, and charged the actions their CPU (accept:
    5.0 ms a request after the intake phases, 2.0 ms alone)."""
    link = NatsLink(servers.nats_url, "bench")
    await link.connect_forever()
    try:
        for spec in STREAMS:
            with contextlib.suppress(NotFoundError):
                await link.jetstream.purge_stream(spec.name)
    finally:
        await link.close()


async def run() -> None:
    async with metered_servers() as (servers, meter, conn):
        await intake(servers, meter, conn)
        await purge_streams(servers)
        await routing(servers, meter, conn)
