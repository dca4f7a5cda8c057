"""How far the write path can go on this stack (issue #17): the prototype `bench/ceiling_app.py` (FastAPI
and the services' own models, rules and event builders, on a bare asyncpg pool, no middleware, no
relay) under the same loads as `bench write_path`, each beside pgbench of the prototype's own
statements in the same run:
- reception at one unit (8 keep-alive clients, 2 uvicorn workers): two statements, each atomic on its
  own; then with the service's relay publishing its events in each worker, as the service must; then
  at 8 units (client c at unit c), for the issue's 8-units-to-one ratio;
- routing's accept (its one statement) and complete in two designs (locked as the service does it;
  optimistic, 2 round trips), on write_path's seeded steps, their transactions captured from the
  prototype as write_path captures the service's; accept and the locked complete again publishing
  their events, as the service must.

If even the prototype stays under 40 % of its own pgbench, no design of the service on this stack
reaches the issue's target on this machine: the service has to do at least what the prototype does,
and publish the events (the phase with the relay). Prints the same figures as
write_path: requests/s, CPU a request of the prototype, of the database and of the load client,
foreign CPU; and the floor: a reception parsed, validated and its token checked, then answered with
nothing done, which no write on this stack costs less than.
"""

import json
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Callable
from functools import partial

import asyncpg

from bench.ceiling_app import READ, WRITE
from bench.intake_reception import BODY, start_intake
from bench.meter import Meter, metered_servers
from bench.province import commune, register_units
from bench.replay import PRELUDE, literal
from bench.routing import seed
from bench.servers import BenchServers
from bench.write_path import (
    BODIES,
    CLIENTS,
    OPEN_STEPS,
    ROWS,
    SECONDS,
    STEPS,
    TARGET,
    WARM_UP,
    Officers,
    Request,
    Step,
    capture_actions,
    load,
    outran,
    pgbench,
    phase,
    purge_streams,
    receptions,
    report,
    serving,
    stop,
)
from shared.auth import issue_token
from shared.db.engine import asyncpg_dsn
from tools.devstack.launch import REPO, wait_ready
from tools.devstack.ports import free_port

WORKERS = 2


def start_prototype(
    servers: BenchServers, port: int, secret: str, *, publishing: bool = False
) -> subprocess.Popen[bytes]:
    """The prototype on the bench's servers; `publishing`: with intake's and routing's relays in each
    worker."""
    env = {
        **os.environ,
        "CEILING_INTAKE_DSN": asyncpg_dsn(servers.service_urls["intake"]),
        "CEILING_ROUTING_DSN": asyncpg_dsn(servers.service_urls["routing"]),
        "CEILING_JWT_SECRET": secret,
    }
    if publishing:
        env["CEILING_NATS_URL"] = servers.nats_url
        env["CEILING_RELAY_DATABASE_URL"] = servers.service_urls["intake"]
        env["CEILING_ROUTING_RELAY_DATABASE_URL"] = servers.service_urls["routing"]
    command = [sys.executable, "-m", "uvicorn", "bench.ceiling_app:app", "--workers", str(WORKERS)]
    command += ["--port", str(port), "--no-access-log", "--log-level", "warning"]
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL)


async def pgbench_script(conn: asyncpg.Connection, unit: str) -> str:
    """The prototype's two statements with the values of its last request inlined, its ids made unique
    per transaction as bench/replay.py makes them (`:u`); the same unit's counter row, the same payload."""
    dossier = await conn.fetchrow(
        "SELECT d.*, a.kind, a.name, a.search_key, a.id_number, a.phone FROM intake.dossiers d "
        "JOIN intake.applicants a ON a.id = d.applicant_id WHERE d.unit_code = $1 "
        "ORDER BY d.received_at DESC LIMIT 1",
        unit,
    )
    event = await conn.fetchrow("SELECT * FROM intake.outbox ORDER BY id DESC LIMIT 1")
    note = await conn.fetchval(
        "SELECT public_note FROM intake.timeline WHERE dossier_id = $1 AND status = 'received'", dossier["id"]
    )
    procedure = await conn.fetchrow("SELECT * FROM intake.procedures WHERE id = $1", dossier["procedure_id"])
    day = dossier["received_at"].date()
    read = [procedure["code"], day, 1, unit]
    write = [
        unit, day, dossier["code"][: -len(dossier["code"].rsplit("-", 1)[1])], "md5('a' || :u::text)::uuid",
        dossier["kind"], dossier["name"], dossier["search_key"], dossier["id_number"], dossier["phone"],
        "md5('d' || :u::text)::uuid", "ABCD2345", dossier["procedure_id"], dossier["service_level"],
        dossier["received_at"], dossier["rule_set"], dossier["clock_started_at"], dossier["due_at"],
        dossier["documents"],
        dossier["created_by"], note, "md5('e' || :u::text)::uuid", event["event_type"], event["topic"],
        event["payload"], "#000000000000000000000000#",
    ]  # fmt: skip

    def inline(sql: str, values: list[object]) -> str:
        def value(match: re.Match[str]) -> str:
            v = values[int(match[1]) - 1]
            if v is None:
                return "NULL"
            return v if isinstance(v, str) and v.startswith("md5(") else literal(str(v))

        return re.sub(r"\$(\d+)", value, " ".join(sql.split()))

    return "\n".join([*PRELUDE, inline(READ, read) + ";", inline(WRITE, write) + ";"]) + "\n"


async def run() -> None:
    async with metered_servers() as (servers, meter, conn):
        await ceiling(servers, meter, conn)
        await purge_streams(servers)
        await actions_ceiling(servers, meter, conn)


async def ceiling(servers: BenchServers, meter: Meter, conn: asyncpg.Connection) -> None:
    secret, port = secrets.token_urlsafe(48), free_port()
    units = [commune(j) for j in range(1, CLIENTS + 2)]  # as write_path: 8 for the spread, the 9th alone
    unit = units[-1]
    tokens = [issue_token(secret, sub=f"bench-{n}", role="reception", unit=u) for n, u in enumerate(units)]
    process = start_intake(servers, port, secret)  # the schema, the catalogue and the units, as deployed
    try:
        await wait_ready(f"http://127.0.0.1:{port}")
        await register_units(port, issue_token(secret, sub="bench", role="admin"), units)
    finally:
        stop(process)
    body = json.dumps(BODY).encode()
    one = receptions(tokens[-1:] * CLIENTS)
    floor: Callable[[int], Request] = lambda _n: ("/v1/floor", f"Bearer {tokens[-1]}", body)  # noqa: E731
    process = start_prototype(servers, port, secret)
    meter.service = process.pid
    try:
        await wait_ready(f"http://127.0.0.1:{port}")
        served = await load(port, meter, one, 201)
        spread = await load(port, meter, receptions(tokens[:CLIENTS]), 201)
        nothing = await load(port, meter, floor, 201)
    finally:
        stop(process)
        meter.service = 0
    await conn.execute("UPDATE intake.outbox SET sent_at = now() WHERE sent_at IS NULL")
    async with serving(
        meter, partial(start_prototype, servers, port, secret, publishing=True), port, "intake"
    ):
        published = await load(port, meter, one, 201)
    script = await pgbench_script(conn, unit)
    await conn.execute("UPDATE intake.outbox SET sent_at = now() WHERE sent_at IS NULL")
    bench = await pgbench(servers, meter, script, "ceiling-one-unit", "intake")
    span, rate = served.span, served.done / served.span.seconds
    per = 1000 / max(served.done, 1)
    service, database, client = (span.delta(n) * per for n in ("service", "database", "client"))
    transactions = round(bench.tps * bench.span.seconds)
    print(f"prototype reception, {CLIENTS} clients at one unit, {WORKERS} workers, {WARM_UP:.0f} s warm-up:")
    print(
        f"  prototype {rate:7,.0f} dossiers/s ({served.done:,} in {span.seconds:.1f} s, "
        f"errors {dict(served.failed) or 0}); CPU a request: prototype {service:.2f} ms, database "
        f"{database:.2f} ms, load client {client:.2f} ms; foreign CPU {span.foreign:.0%}"
    )
    print(
        f"  pgbench   {bench.tps:7,.0f} TPS of its two statements (autocommit, -M prepared -c {CLIENTS} -j 2 "
        f"-T {SECONDS:.0f}), {bench.failed} failed; database CPU "
        f"{bench.span.delta('database') * 1000 / max(transactions, 1):.2f} ms a transaction; foreign CPU "
        f"{bench.span.foreign:.0%}"
    )
    print(f"  prototype / its pgbench {rate / bench.tps:.0%} (the issue's target >= {TARGET:.0%})")
    span = published.span
    published_rate = published.done / span.seconds
    print(
        f"  the prototype publishing its events (intake's relay in each worker): {published_rate:7,.0f} "
        f"dossiers/s, {span.delta('service') * 1000 / max(published.done, 1):.2f} ms of CPU a request, "
        f"foreign CPU {span.foreign:.0%}; / its pgbench {published_rate / bench.tps:.0%}"
    )
    spread_rate = spread.done / spread.span.seconds
    spread_cpu = spread.span.delta("service") * 1000 / max(spread.done, 1)
    print(
        f"  the prototype at {CLIENTS} units (client c at unit c): {spread_rate:7,.0f} dossiers/s, "
        f"{spread_cpu:.2f} ms of CPU a request, foreign CPU {spread.span.foreign:.0%}; "
        f"{CLIENTS} units / one unit {spread_rate / rate:.2f}x (the issue's target >= 1.5x)"
    )
    span = nothing.span
    cpu = span.delta("service") * 1000 / max(nothing.done, 1)
    print(
        f"  the floor: the same request validated and its token checked, nothing done: "
        f"{nothing.done / span.seconds:,.0f} requests/s, {cpu:.2f} ms of CPU a request"
    )


async def actions_ceiling(servers: BenchServers, meter: Meter, conn: asyncpg.Connection) -> None:
    """Routing's accept and complete (its two designs) on the prototype, under write_path's load of
    those actions (its seeded steps, its officers), each beside pgbench of the prototype's own
    transaction, captured as write_path captures the service's."""
    await seed(servers, OPEN_STEPS)
    secret, port = secrets.token_urlsafe(48), free_port()
    steps: dict[str, list[Step]] = {
        state: [(r["n"], r["step"], r["agency_code"]) for r in await conn.fetch(STEPS, state)]
        for state in ("assigned", "in_progress")
    }
    assigned, in_progress = steps["assigned"], steps["in_progress"]
    # The optimistic design's pgbench completes the steps accept's pgbench accepted just before.
    rows = {"accept": ROWS["accept"], "complete": ROWS["complete"], OPTIMISTIC: ROWS["accept"]}
    to_capture = {"accept": assigned, "complete": in_progress, OPTIMISTIC: in_progress}
    captured = await capture_actions(servers, conn, secret, port, to_capture, start_prototype, rows)
    print(f"prototype actions, {CLIENTS} clients, {WORKERS} workers, {OPEN_STEPS:,} open steps seeded:")
    start = partial(start_prototype, servers, port, secret)
    publishing = partial(start_prototype, servers, port, secret, publishing=True)
    accepted: list[Step] = []
    for design, label in ((start, ""), (publishing, ", publishing its events (routing's relay)")):
        await conn.execute("UPDATE routing.outbox SET sent_at = now() WHERE sent_at IS NULL")
        accept = Officers(secret, assigned, "accept", BODIES["accept"])
        measured = await phase(
            servers, meter, design, port, accept, 200, captured["accept"], "routing-accept"
        )
        report(f"prototype accept{label}", "actions", measured, 3)
        outran("accept", accept, measured)
        accepted += accept.acted
        assigned = assigned[len(accept.acted) :]
    left = accepted + in_progress
    designs = (
        ("complete", start, "locked, 4 round trips"),
        ("complete", publishing, "locked, 4 round trips, publishing its events"),
        (OPTIMISTIC, start, "optimistic, 2 round trips"),
    )
    for action, design, label in designs:
        await conn.execute("UPDATE routing.outbox SET sent_at = now() WHERE sent_at IS NULL")
        officers = Officers(secret, left, action, BODIES["complete"])
        work = captured[action]
        measured = await phase(servers, meter, design, port, officers, 200, work, "routing-complete")
        report(f"prototype complete, {label}", "actions", measured, 3)
        outran("complete", officers, measured)
        left = left[len(officers.acted) :]


OPTIMISTIC = "complete?optimistic=1"
