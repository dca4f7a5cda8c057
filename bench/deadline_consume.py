"""Deadline catching up with a backlog of dossier events (issue #12 item 4: at least 1,000 events/s on
2 cores; one event per transaction had managed 70-90/s and fallen ~15,000 events behind).

The backlog is what intake and routing publish about 1,600 dossiers over ten weeks, built as the
payload types both they and deadline use (shared.events), in time order as their relays would have
published it (a fetch of 100 holds events of ~60 dossiers), all on the stream BEFORE the consumer
starts. Each way of consuming starts from empty tables and the same backlog (under fresh message ids)
and is timed until the durable consumer has nothing pending; its clocks and extension decisions are
then compared with one event at a time's:
- one event per transaction: a `Subscription` without `batch`, the path before issue #12 (its
  handler is now the service's batch handler given one event: 76/s with the old handlers);
- a fetch per transaction, the one-event handlers looped in it (the naive batch);
- a fetch per transaction as the service does it (clocks/handlers.dossier_batch): facts recorded by dossier
  and written in a few statements, each dossier's clocks derived once.
Last, the service as deployed (its own processes, 2 workers sharing the durable consumer).
Each in-process way prints its CPU an event (bench/meter.py): this process's (the consumer, with the
bench's polling of the stream) and the database server's; and the foreign CPU, other people's work on
the machine's cores meanwhile, which takes them from the consumer.
"""

import asyncio
import contextlib
import random
import secrets
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
from nats.js.errors import NotFoundError
from sqlalchemy.ext.asyncio import AsyncSession

from bench.meter import Meter, Span
from bench.servers import BenchServers, bench_servers, start_service
from services.deadline.calendar.calendars import Calendars
from services.deadline.clocks import repository
from services.deadline.clocks.handlers import DOSSIER_SUBJECTS, dossier_batch, dossier_handlers
from services.deadline.context import Context
from services.deadline.models import messaging
from services.deadline.settings import DeadlineSettings
from shared.clock import VIETNAM, SystemClock
from shared.db.engine import asyncpg_dsn, make_engine, make_sessions
from shared.db.migrate import upgrade
from shared.events.catalog import ProcedureSnapshot
from shared.events.dossier import (
    Applicant,
    DossierIdentity,
    DossierReceived,
    DossierResolved,
    DossierReturned,
    DossierWithdrawn,
)
from shared.events.fields import Payload
from shared.events.steps import (
    DossierRejected,
    ExtensionRequested,
    Step,
    StepAssigned,
    StepCompleted,
    StepPaused,
    StepResumed,
    SupplementItem,
    SupplementRequested,
)
from shared.messaging.connection import NatsLink
from shared.messaging.consumer import BatchHandler, Consumer, Subscription
from shared.messaging.envelope import CloudEvent, event_type
from shared.messaging.outbox import Outbox
from shared.messaging.payloads import parse_data
from shared.messaging.streams import ensure_streams
from shared.messaging.subjects import dossier_subject
from shared.tasks import cancel_and_wait
from tools.devstack.launch import wait_ready
from tools.devstack.ports import free_port

DOSSIERS = 1_600
DURABLE = "deadline-dossiers"
TABLES = ("dossiers", "clocks", "pause_marks", "extensions", "procedures", "inbox", "outbox", "dead_letter")
# What the ways are compared by: every clock's facts and derived values, and every extension decision.
CLOCKS = """
SELECT dossier_id, step_id, scope, agency_code, position, days, started_at, original_due_at, due_at,
  extended_due_at, warn_at, state, paused_at, paused_minutes, stopped_at, stop_reason, step_ended_at
FROM deadline.clocks ORDER BY dossier_id, step_id NULLS FIRST
"""
DECISIONS = "SELECT step_id, state, denial_code, new_due_at FROM deadline.extensions ORDER BY step_id"

Published = tuple[datetime, str, CloudEvent]


@dataclass
class Life:
    """One dossier's events as intake and routing publish them, each built as its shared payload type."""

    n: int
    rng: random.Random
    events: list[Published] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lead = f"L{self.n % 30:02d}"
        self.who = DossierIdentity(
            dossier_id=uuid.uuid4(), code=f"BENCH-{self.n:06d}", portal_id=None, agency_code=self.lead
        )

    def emit(self, agency: str, name: str, at: datetime, payload: Payload) -> None:
        source = "/motcua/intake" if name in ("received", "withdrawn", "returned") else "/motcua/routing"
        event = CloudEvent(
            source=source,
            type=event_type(f"dossier.{name}"),
            subject=self.who.code,
            time=at,
            data=payload.data(),
        )
        self.events.append((at, dossier_subject(agency, name), event))

    def about(self, step: Step) -> dict[str, Any]:
        """The fields of an event about one step (`AboutStep`), to splat into its payload."""
        return {**dict(self.who), "step_id": step.id, "step_agency_code": step.agency_code}

    def live(self, received: datetime) -> None:
        """Received, 1-3 steps (some paused for a supplement, a few extended), then an end or none."""
        due = received + timedelta(days=14)
        self.emit(self.lead, "received", received, _received(self.who, received, due, self.n))
        at = received + timedelta(hours=2)
        steps = self.rng.choice((1, 2, 2, 3))
        for position in range(1, steps + 1):
            agency = self.lead if position == 1 else f"S{self.rng.randrange(60):02d}"
            step = Step(
                id=uuid.uuid4(),
                position=position,
                group=position,
                agency_code=agency,
                days=Decimal(self.rng.choice((2, 3, 5))),
                assigned_at=at,
                due_at=at + timedelta(days=4),
            )
            assigned = StepAssigned(**dict(self.who), step=step, from_agency_code=None, transfer="electronic")
            self.emit(agency, "step.assigned", at, assigned)
            self._meanwhile(step, at)
            fate = self.rng.random()
            if fate < 0.05 and position == steps:
                at += timedelta(days=2)
                rejected = DossierRejected(**self.about(step), rejected_at=at, reason="Không đủ điều kiện")
                self.emit(agency, "rejected", at, rejected)
                return
            if fate < 0.08:
                return  # still open when the backlog ends
            at += timedelta(days=self.rng.choice((1, 2, 3)), hours=self.rng.randrange(6))
            completed = StepCompleted(
                **dict(self.who),
                step=step,
                completed_at=at,
                due_at=step.due_at,
                outcome="on_time",
                next_agency_codes=[],
            )
            self.emit(agency, "step.completed", at, completed)
        if self.rng.random() < 0.05:
            withdrawn = DossierWithdrawn(**dict(self.who), withdrawn_at=at, imported=False)
            self.emit(self.lead, "withdrawn", at, withdrawn)
            return
        resolved = DossierResolved(**dict(self.who), resolved_at=at, due_at=due, imported=False)
        self.emit(self.lead, "resolved", at, resolved)
        at += timedelta(days=1)
        returned = DossierReturned(
            **dict(self.who), returned_at=at, delivery_channel="counter", imported=False
        )
        self.emit(self.lead, "returned", at, returned)

    def _meanwhile(self, step: Step, assigned: datetime) -> None:
        """A supplement asked for (routing sends both events at once) and handed in; an extension asked."""
        agency = step.agency_code
        if self.rng.random() < 0.15:
            at = assigned + timedelta(days=1)
            items = [SupplementItem(code="GT01", name="Giấy tờ", reason="Thiếu bản sao")]
            asked = SupplementRequested(
                **self.about(step), items=items, requested_at=at, override_reason=None
            )
            self.emit(agency, "supplement_requested", at, asked)
            paused = StepPaused(**self.about(step), reason="supplement", paused_at=at)
            self.emit(agency, "step.paused", at, paused)
            at += timedelta(days=2)
            resumed = StepResumed(
                **self.about(step), reason="supplement", resumed_at=at, due_at=step.due_at, policy="shift"
            )
            self.emit(agency, "step.resumed", at, resumed)
        if self.rng.random() < 0.03:
            at = assigned + timedelta(days=1, hours=1)
            request = ExtensionRequested(
                **self.about(step),
                requested_at=at,
                reason="Cần xác minh thực địa",
                days=2,
                current_due_at=step.due_at,
                requested_by=f"leader-{agency}",
                requested_by_role="leader",
            )
            self.emit(agency, "extension_requested", at, request)


def _received(who: DossierIdentity, at: datetime, due: datetime, n: int) -> DossierReceived:
    procedure = ProcedureSnapshot(
        code=f"P-{n % 40:02d}",
        version=1,
        effective_from=date(2020, 1, 1),
        national_code=None,
        name="Đăng ký biến động đất đai",
        field_code="DAT_DAI",
        field_name="Đất đai",
        agency_code=who.agency_code,
        agency_name=f"Cơ quan {who.agency_code}",
        processing_days=Decimal(10),
        day_kind="working",
        online_processing_days=None,
        same_day=False,
        service_level=3,
        supplement_policy="restart" if n % 7 == 0 else "shift",
        fee=0,
        fee_note=None,
        route=[],
        documents=[],
    )
    return DossierReceived(
        **dict(who),
        procedure=procedure,
        channel="online" if n % 3 == 0 else "direct",
        service_level=3,
        unit_code="000.00.12.H57",
        received_at=at,
        clock_started_at=at,
        due_at=due,
        applicant=Applicant(kind="person", name="Nguyễn Văn An"),
        documents=[],
        imported=False,
    )


def backlog(seed: int = 12) -> list[tuple[str, CloudEvent]]:
    """Every dossier's events in time order, ending about now (so the watcher has little to do)."""
    rng = random.Random(seed)
    today = datetime.now(UTC).astimezone(VIETNAM).replace(hour=8, minute=0, second=0, microsecond=0)
    start = today - timedelta(days=75)
    published: list[Published] = []
    for n in range(DOSSIERS):
        life = Life(n, rng)
        life.live(start + timedelta(days=rng.randrange(60), minutes=rng.randrange(480)))
        published.extend(life.events)
    published.sort(key=lambda item: item[0])  # stable: one dossier's events at one instant keep their order
    return [(subject, event) for _, subject, event in published]


def naive_batch(ctx: Context) -> BatchHandler:
    """The first design measured: the one-event handlers looped in one transaction, locks taken first."""
    handlers = dossier_handlers(ctx)

    async def handle(events: Sequence[CloudEvent], session: AsyncSession) -> None:
        await repository.lock_dossiers(session, [parse_data(DossierIdentity, e).dossier_id for e in events])
        for event in events:
            await handlers[event.type](event, session)

    return handle


async def reset(conn: asyncpg.Connection, link: NatsLink, events: list[tuple[str, CloudEvent]]) -> None:
    """Empty tables, an empty stream and no durable consumer; then the backlog under fresh ids."""
    await conn.execute("TRUNCATE " + ", ".join(f"deadline.{table}" for table in TABLES))
    js = link.jetstream
    with contextlib.suppress(NotFoundError):  # none yet
        await js.delete_consumer("DOSSIERS", DURABLE)
    await js.purge_stream("DOSSIERS")
    acks = []
    for subject, event in events:
        fresh = event.model_copy(update={"id": uuid.uuid4()})
        body = fresh.to_json().encode()
        acks.append(await js.publish_async(subject, body, headers={"Nats-Msg-Id": str(fresh.id)}))
    await asyncio.gather(*acks)


async def pending(link: NatsLink) -> int:
    info = await link.jetstream.consumer_info("DOSSIERS", DURABLE)
    return (info.num_pending or 0) + (info.num_ack_pending or 0)


async def drained(link: NatsLink) -> None:
    """Until every event is applied and acknowledged (polled every 50 ms)."""
    while True:
        if not await pending(link):
            return
        await asyncio.sleep(0.05)


async def in_process(servers: BenchServers, link: NatsLink, meter: Meter, way: str | None) -> Span:
    """What it cost one consumer in this process (as one worker runs it) to apply the backlog."""
    engine = make_engine(servers.service_urls["deadline"], pool_size=2)
    clock = SystemClock()
    ctx = Context(
        outbox=Outbox(messaging.outbox, "deadline", clock),
        clock=clock,
        calendars=Calendars(DeadlineSettings().hours),
        due_soon_hours=8,
    )
    batch = {None: None, "naive": naive_batch(ctx), "service": dossier_batch(ctx)}[way]
    sub = Subscription(
        stream="DOSSIERS", subjects=DOSSIER_SUBJECTS, handlers=dossier_handlers(ctx), batch=batch
    )
    consumer = Consumer(
        service="deadline", subscription=sub, sessions=make_sessions(engine), tables=messaging, link=link
    )
    await consumer.ensure()
    began = await meter.snapshot()
    task = asyncio.create_task(consumer.run())
    try:
        await drained(link)
        return meter.span(began, await meter.snapshot())
    finally:
        await cancel_and_wait([task])
        await engine.dispose()


async def deployed(servers: BenchServers, link: NatsLink, total: int) -> float:
    """Seconds from the first event applied to the last, by the service as deployed with 2 workers."""
    port = free_port()
    secret = secrets.token_urlsafe(48)
    process = start_service(servers, "deadline", port, environment="test", jwt_secret=secret, workers="2")
    try:
        await wait_ready(f"http://127.0.0.1:{port}")
        while True:
            with contextlib.suppress(NotFoundError):  # the workers create the durable consumer
                if await pending(link) < total:
                    break
            await asyncio.sleep(0.01)
        began = time.monotonic()
        await drained(link)
        return time.monotonic() - began
    finally:
        process.terminate()
        process.wait(timeout=20)


async def run() -> None:
    events = backlog()
    print(f"backlog: {len(events):,} events about {DOSSIERS:,} dossiers, on the stream before consuming")
    async with bench_servers() as servers:
        await asyncio.to_thread(upgrade, "deadline", servers.service_urls["deadline"])
        conn = await asyncpg.connect(asyncpg_dsn(servers.admin_database_url))
        meter = Meter(conn, int((servers.root / "postgres" / "postmaster.pid").read_text().split()[0]))
        link = NatsLink(servers.nats_url, "bench")
        await link.connect_forever()
        await ensure_streams(link.jetstream)
        try:
            first: list[Any] = []
            for label, way in (
                ("one event per transaction (old path)", None),
                ("a fetch, one-event handlers looped", "naive"),
                ("a fetch, by dossier (the service)", "service"),
            ):
                await reset(conn, link, events)
                span = await in_process(servers, link, meter, way)
                seconds = span.seconds
                state = [await conn.fetch(CLOCKS), await conn.fetch(DECISIONS)]
                first = first or state
                dead = await conn.fetchval("SELECT count(*) FROM deadline.dead_letter")
                same = "same" if state == first else "DIFFERENT"
                print(
                    f"{label + ':':<40} {len(events) / seconds:6,.0f} events/s ({seconds:5.1f} s); "
                    f"clocks as one at a time: {same}; dead letters: {dead}"
                )
                per = 1000 / len(events)
                print(
                    f"{'':<40} CPU an event: consumer {span.delta('client') * per:.2f} ms, database "
                    f"{span.delta('database') * per:.2f} ms; foreign CPU {span.foreign:.0%} of "
                    f"{span.cores} cores"
                )
            await reset(conn, link, events)
            seconds = await deployed(servers, link, len(events))
            print(
                f"{'the service, 2 workers:':<40} {len(events) / seconds:6,.0f} events/s ({seconds:5.1f} s)"
            )
        finally:
            await link.close()
            await conn.close()
