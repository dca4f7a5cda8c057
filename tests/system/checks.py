"""The final checks, once the system is quiet: what was acknowledged is there exactly once, and every
service derived exactly one of each thing from it. Read by SQL on an admin connection (each service's
own schema) and through the reporting API."""

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
import httpx

from shared.clock import VIETNAM
from shared.db.engine import asyncpg_dsn
from shared.services import SERVICES
from tests.system.client import Api
from tests.system.cluster import Cluster
from tests.system.load import Ledger
from tests.system.streams import Stored


@dataclass
class Check:
    name: str
    expected: int
    actual: int
    problems: list[str] = field(default_factory=list)
    note: str = ""  # figures that explain the count, printed beside it

    @property
    def ok(self) -> bool:
        return self.expected == self.actual and not self.problems


def _sample(label: str, items: Iterable[Any], limit: int = 5) -> list[str]:
    listed = sorted(str(i) for i in items)
    if not listed:
        return []
    more = f" (+{len(listed) - limit} more)" if len(listed) > limit else ""
    return [f"{label}: {', '.join(listed[:limit])}{more}"]


def _set_check(name: str, wanted: set[str], found: Counter[str]) -> Check:
    """`found` holds every row's key: each wanted key once, nothing else."""
    check = Check(name, len(wanted), sum(1 for k in found if k in wanted and found[k] == 1))
    check.problems += _sample("missing", wanted - set(found))
    check.problems += _sample("more than once", (k for k, n in found.items() if n > 1))
    check.problems += _sample("not expected", set(found) - wanted)
    return check


async def _column(db: asyncpg.Connection, sql: str) -> Counter[str]:
    return Counter(str(row[0]) for row in await db.fetch(sql))


async def data_checks(cluster: Cluster, api: Api, ledger: Ledger) -> list[Check]:
    db = await asyncpg.connect(asyncpg_dsn(cluster.admin_url))
    try:
        return await _data_checks(db, cluster, api, ledger)
    finally:
        await db.close()


async def _data_checks(db: asyncpg.Connection, cluster: Cluster, api: Api, ledger: Ledger) -> list[Check]:
    rows = await db.fetch(
        "SELECT id::text AS id, code, imported, external_code, received_at, resolved_at, withdrawn_at, "
        "returned_at FROM intake.dossiers"
    )
    by_id = {r["id"]: r for r in rows}
    live = Counter(r["id"] for r in rows if not r["imported"])
    imported = Counter(r["external_code"] for r in rows if r["imported"])
    received = {r["id"] for r in rows if r["received_at"] is not None}
    received_live = {i for i in received if not by_id[i]["imported"]}
    checks = []

    acked = _set_check(
        "acknowledged dossiers in intake, once (no retry made a second)", set(ledger.dossiers), live
    )
    wrong_code = [
        a.id for a in ledger.dossiers.values() if a.code and a.id in by_id and by_id[a.id]["code"] != a.code
    ]
    acked.problems += _sample("code differs from the acknowledged one", wrong_code)
    checks.append(acked)
    checks.append(_set_check("acknowledged import lines in intake, once", ledger.imported, imported))
    checks.append(
        _set_check(
            "routing: one route plan per received live dossier",
            received_live,
            await _column(db, "SELECT dossier_id FROM routing.plans"),
        )
    )
    checks.append(
        _set_check(
            "deadline: one dossier clock per received dossier",
            received,
            await _column(db, "SELECT dossier_id FROM deadline.clocks WHERE scope = 'dossier'"),
        )
    )
    started = await _column(db, "SELECT id FROM routing.steps WHERE assigned_at IS NOT NULL")
    checks.append(
        _set_check(
            "deadline: one step clock per started step",
            set(started),
            await _column(db, "SELECT step_id FROM deadline.clocks WHERE scope = 'step'"),
        )
    )
    facts = await db.fetch(
        "SELECT dossier_id::text AS id, code FROM reporting.dossier_facts WHERE received_date IS NOT NULL"
    )
    reported = _set_check(
        "reporting: every received dossier counted once", received, Counter(r["id"] for r in facts)
    )
    reported.problems += _sample(
        "code differs from intake's",
        (r["id"] for r in facts if r["id"] in by_id and by_id[r["id"]]["code"] != r["code"]),
    )
    checks.append(reported)
    checks.append(
        _set_check(
            "survey: every received dossier known once",
            received,
            await _column(db, "SELECT dossier_id FROM survey.dossiers"),
        )
    )
    returned_live = {i for i in received_live if by_id[i]["returned_at"] is not None}
    checks.append(
        _set_check(
            "survey: one invitation per returned live dossier",
            returned_live,
            await _column(db, "SELECT dossier_id FROM survey.invitations"),
        )
    )
    checks.append(await _report_check(api, rows))

    letters = Check("dead letters (every service)", 0, 0)
    for service in SERVICES:
        # Service names come from the code, never from input.
        for letter in await db.fetch(f"SELECT topic, error FROM {service}.dead_letter"):  # noqa: S608
            letters.actual += 1
            if len(letters.problems) < 8:
                letters.problems.append(f"{service}: {letter['topic']}: {letter['error'][:300]}")
    checks.append(letters)
    return checks


async def _report_check(api: Api, rows: list[Any]) -> Check:
    """The processing report over every receipt date: received, resolved and withdrawn as intake has
    them (intake's resolved comes from routing's events, reporting's from the same events: two
    consumers that must agree)."""
    received = [r for r in rows if r["received_at"] is not None]
    check = Check("reporting API: processing report totals agree with intake", len(received), 0)
    if not received:
        return check
    first = min(r["received_at"] for r in received).astimezone(VIETNAM).date()
    today = datetime.now(VIETNAM).date()
    answer = await api.call(
        "report",
        "GET",
        "reporting",
        f"/v1/reports/processing?from={first}&to={today}&by=agency",
        token=api.token("admin", "soak-admin"),
    )
    if not answer.ok:
        check.problems.append(f"report answered {answer.status} {answer.body}")
        return check
    totals = answer.body["totals"]
    check.actual = int(totals["received"])
    expected = {
        "carried_over": 0,
        "resolved_total": sum(1 for r in received if r["resolved_at"] is not None),
        "withdrawn": sum(1 for r in received if r["withdrawn_at"] is not None),
    }
    for key, value in expected.items():
        if int(totals[key]) != value:
            check.problems.append(f"{key}: report {totals[key]}, intake {value}")
    return check


async def health_checks(cluster: Cluster) -> list[Check]:
    """Every process up and ready at the end, restarted only by the run's own kills."""
    ready = Check("service processes ready (/readyz 200)", len(cluster.processes), 0)
    async with httpx.AsyncClient(timeout=5) as client:
        for entry in cluster.processes.values():
            try:
                status = (await client.get(f"{entry.base}/readyz")).status_code
            except httpx.TransportError as exc:
                status = 0
                ready.problems.append(f"{entry.name}: {exc!r}")
            if status == 200:
                ready.actual += 1
            else:
                ready.problems.append(f"{entry.name}: /readyz {status}")
    kills = sum(cluster.injected_kills.values())
    restarts = Check(
        "restarts = injected kills (no crash loop)",
        kills,
        sum(s.starts - 1 for s in cluster.processes.values()),
    )
    for exit in cluster.unexpected_exits:
        restarts.problems.append(f"{exit.service} exited by itself with code {exit.code} at {exit.at:.1f} s")
    return [ready, restarts]


async def event_checks(cluster: Cluster, stored: list[Stored]) -> list[Check]:
    """What the streams hold: each service's events in the order its relay leaders took turns, and
    the watcher's warnings once per clock whichever replica led."""
    db = await asyncpg.connect(asyncpg_dsn(cluster.admin_url))
    try:
        clocks = await db.fetch(
            "SELECT scope, dossier_id::text AS dossier_id, step_id::text AS step_id, "
            "due_soon_sent_at IS NOT NULL AS warned, overdue_sent_at IS NOT NULL AS late "
            "FROM deadline.clocks"
        )
        received = await _column(db, "SELECT id FROM intake.dossiers WHERE received_at IS NOT NULL")
    finally:
        await db.close()
    # Each was one outbox row: a second message for one would be a second row (a retried request
    # staging its event again), which JetStream's duplicate window cannot catch.
    published = _set_check(
        "stream: one dossier.received per received dossier (none lost, none twice)",
        set(received),
        Counter(
            str(e.event["data"]["dossier_id"])
            for e in stored
            if e.stream == "DOSSIERS" and e.subject.endswith(".received")
        ),
    )

    def key(scope: str, dossier_id: str, step_id: str | None) -> str:
        return f"{scope} {dossier_id} {step_id if scope == 'step' else ''}"

    warnings: dict[str, Counter[str]] = {"due_soon": Counter(), "overdue": Counter()}
    for event in stored:
        kind = event.subject.rsplit(".", 1)[-1]
        if event.stream == "DOSSIERS" and kind in warnings:
            data = event.event["data"]
            warnings[kind][key(data["scope"], data["dossier_id"], data.get("step_id"))] += 1
    due_soon = _set_check(
        "deadline: one dossier.due_soon per warned clock, whichever watcher led",
        {key(c["scope"], c["dossier_id"], c["step_id"]) for c in clocks if c["warned"]},
        warnings["due_soon"],
    )
    overdue = _set_check(
        "deadline: one dossier.overdue per late clock, whichever watcher led",
        {key(c["scope"], c["dossier_id"], c["step_id"]) for c in clocks if c["late"]},
        warnings["overdue"],
    )
    return [published, _relay_turns(stored), due_soon, overdue]


def _relay_turns(stored: list[Stored]) -> Check:
    """A relay stamps what it publishes with its leadership's term (when it took the lead, and
    which process): read in stream order, a service's terms never go back, or two of its relays
    published at once."""
    wrong: list[str] = []
    latest: dict[tuple[str, str], str] = {}  # (stream, source) -> the newest term seen
    terms: dict[str, set[str]] = {}
    for event in stored:
        source = str(event.event.get("source", "?"))
        newest = latest.get((event.stream, source), "")
        if event.term is None:
            wrong.append(f"{event.stream} #{event.seq} from {source}: no term")
        elif event.term < newest:
            wrong.append(f"{event.stream} #{event.seq} from {source}: {event.term} after {newest}")
        else:
            latest[(event.stream, source)] = event.term
            terms.setdefault(source, set()).add(event.term)
    return Check(
        "relay: each service's events from one leader at a time (terms never go back)",
        0,
        len(wrong),
        wrong[:8],
        note="leaders' terms: "
        + ", ".join(f"{source.rsplit('/', 1)[-1]} {len(seen)}" for source, seen in sorted(terms.items())),
    )


def traffic_checks(api: Api, ledger: Ledger) -> list[Check]:
    traffic = api.traffic
    gave_up = Check("requests given up", 0, len(traffic.gave_up), _sample("gave up", traffic.gave_up))
    refused = Check(
        "4xx answers not explained by a committed first attempt",
        0,
        sum(traffic.refused.values()),
        [f"{what}: {n}" for what, n in traffic.refused.most_common(8)],
    )
    imports = Check("import lines refused", 0, len(ledger.import_failures), ledger.import_failures[:3])
    # A 503 says "retry" (PostgreSQL or NATS away); any other 5xx is a fault of ours, even retried.
    errors = {
        reason: n for reason, n in traffic.retry_reasons.items() if reason.isdigit() and reason != "503"
    }
    server_errors = Check(
        "5xx answers other than 503 (no request may produce one)",
        0,
        sum(errors.values()),
        [f"{status}: {n}" for status, n in errors.items()],
    )
    return [gave_up, refused, imports, server_errors]


def log_checks(cluster: Cluster) -> list[Check]:
    """No process logged an error (an unhandled exception, a message given up) or wrote anything but
    its JSON lines (a traceback on stderr), whatever the faults; nor was refused by NATS (a service
    reconnecting to a server the cluster advertised must still log in: shared/messaging/connection.py)."""
    check = Check("error lines (or NATS authorization violations) in the services' logs", 0, 0)
    for entry in cluster.processes.values():
        path = cluster.log_file(entry.name)
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith("--- start "):  # the run's own marker (cluster.py)
                continue
            try:
                level = json.loads(line).get("level", "")
            except ValueError:
                level = "stderr"
            if level in ("error", "critical", "stderr") or "authorization violation" in line.lower():
                check.actual += 1
                if len(check.problems) < 8:
                    check.problems.append(f"{entry.name}: {line[:300]}")
    return [check]
