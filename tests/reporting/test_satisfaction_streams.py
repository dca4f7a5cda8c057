"""The satisfaction read model through the machinery around the handlers on real PostgreSQL and NATS:
ballots published on the SURVEYS stream reach the report through a durable consumer (once, however often
published), and a rebuild, by its batch path or from the streams through the real `Rebuild`, writes what
the live handlers write."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy import select

from services.reporting.models import messaging
from services.reporting.readmodels import ReadModel
from services.reporting.rebuild.run import Rebuild
from services.reporting.satisfaction.handlers import HANDLERS, SUBJECTS
from services.reporting.satisfaction.models import SATISFACTION_TABLES, step_outcomes
from services.reporting.satisfaction.rebuilder import BatchRebuilder
from shared.db.engine import unit_of_work
from shared.messaging.consumer import Consumer, Subscription
from shared.messaging.envelope import CloudEvent, event_type
from tests.conftest import Stack
from tests.platform.toy import connected_link
from tests.reporting.test_satisfaction_e2e import (
    H1,
    Dossier,
    Reporting,
    agency_registered,
    ballot,
    code,
    count_keys,
    feedback_answered,
    feedback_forwarded,
    feedback_received,
    received,
    reporting_app,
    resolved,
    row_of,
    step_completed,
    vn,
)


@pytest.fixture
async def reporting(stack: Stack) -> AsyncIterator[Reporting]:
    async with reporting_app(stack, now=vn(2025, 7, 15, 9)) as app:
        yield app


async def _eventually(check: Callable[[], Awaitable[bool]], seconds: float = 20.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the consumer did not get there in time")


async def test_ballots_published_on_the_surveys_stream_reach_the_report_once(
    reporting: Reporting, stack: Stack
) -> None:
    agency = code("KIOSK")
    # A durable of its own, so it shares its messages with no other test's consumer.
    subscription = Subscription(
        stream="SURVEYS", subjects=tuple(SUBJECTS["SURVEYS"]), handlers=HANDLERS["SURVEYS"]
    )
    runtime = reporting.app.state.runtime
    consumer = Consumer(
        service=f"reporting-test-{uuid.uuid4().hex[:8]}",
        subscription=subscription,
        sessions=reporting.app.state.sessions,
        tables=messaging,
        link=runtime.link,
    )
    await _eventually(lambda: _true(runtime.streams_ready))
    events = [ballot(agency, vn(2025, 6, 1, 9), "simple", "satisfied") for _ in range(3)]
    async with connected_link(stack.nats_url) as link:
        for event in [*events, events[0]]:  # the last one republished: JetStream drops it, the inbox too
            await link.jetstream.publish(
                "survey.submitted", event.to_json().encode(), headers={"Nats-Msg-Id": str(event.id)}
            )
    task = asyncio.create_task(consumer.run())
    try:

        async def counted() -> bool:
            body = await reporting.report("satisfaction", *H1)
            return any(r["key"] == agency and r["ballots"] == 3 for r in body["rows"])

        await _eventually(counted)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await runtime.link.jetstream.delete_consumer("SURVEYS", consumer.durable)
    assert row_of(await reporting.report("satisfaction", *H1), agency)["simple"] == 3


async def _true(value: bool) -> bool:
    return value


async def test_the_rebuilds_batch_path_writes_what_the_handlers_write(reporting: Reporting) -> None:
    agency, env = code("VPDK"), code("STNMT")
    d = Dossier.new(agency)
    item = uuid.uuid4()
    malformed = CloudEvent(
        source="/motcua/survey", type=event_type("survey.submitted"), time=vn(2025, 2, 1), data={"x": 1}
    )
    events = [
        *(ballot(agency, vn(2025, 2, 3, 9), "simple", "very_satisfied") for _ in range(3)),
        ballot(agency, vn(2025, 2, 4, 9), "complex", "unsatisfied"),
        malformed,
        feedback_received(item, agency, vn(2025, 2, 3, 9), vn(2025, 2, 17, 17)),
        feedback_answered(item, agency, vn(2025, 2, 10, 9), vn(2025, 2, 17, 17)),
        agency_registered(agency, "Chi nhánh Văn phòng đăng ký đất đai", vn(2025, 1, 2, 8)),
        step_completed(
            d, env, 2, assigned=vn(2025, 2, 3, 8), due=vn(2025, 2, 7, 17), done=vn(2025, 2, 10, 9)
        ),
    ]
    rebuilder = BatchRebuilder()
    async with unit_of_work(reporting.app.state.sessions) as session:
        await rebuilder.apply(session, [*events, events[0]])  # a repeat inside one batch, too
        await rebuilder.settle(session)
    rebuilt = row_of(await reporting.report("satisfaction", *H1), agency)
    assert (rebuilt["ballots"], rebuilt["simple"], rebuilt["unsatisfied"]) == (4, 3, 1)
    assert (rebuilt["name"], rebuilt["feedback_answered_on_time"]) == (
        "Chi nhánh Văn phòng đăng ký đất đai",
        1,
    )
    async with reporting.app.state.sessions() as session:
        outcome = await session.scalar(
            select(step_outcomes.c.outcome).where(step_outcomes.c.dossier_id == d.id)
        )
    assert outcome == "late"

    # The live consumers may deliver the same events again after the swap: nothing changes.
    await reporting.apply(*(e for e in events if e is not malformed))
    assert row_of(await reporting.report("satisfaction", *H1), agency) == rebuilt


async def test_a_rebuild_of_the_satisfaction_read_model_from_the_streams_gives_the_same_reports(
    reporting: Reporting, stack: Stack
) -> None:
    land, env = code("VPDK"), code("STNMT")
    d = Dossier.new(land)
    item = uuid.uuid4()
    due = vn(2025, 3, 14, 17)
    surveys = [
        *(ballot(land, vn(2025, 3, 3, 9), "simple", "very_satisfied") for _ in range(4)),
        ballot(land, vn(2025, 3, 3, 9), "fewer_papers", "unsatisfied"),
        feedback_received(item, land, vn(2025, 3, 1, 9), due),
        feedback_forwarded(item, land, env, vn(2025, 3, 2, 9), due),
        feedback_answered(item, env, vn(2025, 3, 17, 9), due),
    ]
    steps = [
        step_completed(
            d, land, 1, assigned=vn(2025, 3, 3, 8), due=vn(2025, 3, 7, 17), done=vn(2025, 3, 6, 9)
        ),
        step_completed(d, env, 2, assigned=vn(2025, 3, 6, 9), due=due, done=vn(2025, 3, 18, 9)),
    ]
    catalog = [agency_registered(env, "Phòng Tài nguyên và Môi trường", vn(2025, 1, 2, 8))]
    # The processing read model's facts (the dossier resolved late) stay live: only the satisfaction
    # read model is rebuilt here.
    await reporting.apply(received(d, vn(2025, 3, 3, 8), due), resolved(d, vn(2025, 3, 18, 9), due))
    await reporting.apply(*surveys, *steps, *catalog)
    live = [await reporting.report(name, *H1) for name in ("satisfaction", "delays")]

    async with connected_link(stack.nats_url) as link:
        published = [
            *((e, e.type.removeprefix("vn.motcua.").removesuffix(".v1")) for e in surveys),
            *((e, f"dossier.{env if e is steps[1] else land}.step.completed") for e in steps),
            *((e, "catalog.agency.registered") for e in catalog),
        ]
        for event, subject in published:
            await link.jetstream.publish(
                subject, event.to_json().encode(), headers={"Nats-Msg-Id": str(event.id)}
            )
        satisfaction_model = ReadModel(
            name="satisfaction",
            tables=SATISFACTION_TABLES,
            handlers={stream: (SUBJECTS[stream], HANDLERS[stream]) for stream in SUBJECTS},
            rebuilder=BatchRebuilder,
        )
        rebuild = Rebuild(
            engine=reporting.app.state.runtime.engine,
            link=link,
            models=[satisfaction_model],
            clock=reporting.clock,
        )
        conn, run_id = await rebuild.start("test")
        run = await rebuild.run(conn, run_id)
    assert run.events >= len(published)

    rebuilt = [await reporting.report(name, *H1) for name in ("satisfaction", "delays")]
    for before, after in zip(live, rebuilt, strict=True):
        for key in (land, env):
            # counts only: a delays share is rounded among every agency's rows, and the rebuild left out
            # the rows other tests applied straight to the tables (never published on a stream)
            keys = ["key", "name", *count_keys(after)]
            assert [{k: r[k] for k in keys} for r in before["rows"] if r["key"] == key] == [
                {k: r[k] for k in keys} for r in after["rows"] if r["key"] == key
            ]
    assert row_of(rebuilt[0], land)["fewer_papers_pct"] == 20.0
    assert row_of(rebuilt[0], env)["feedback_answered_late"] == 1
    assert row_of(rebuilt[1], env)["late_steps"] == 1
