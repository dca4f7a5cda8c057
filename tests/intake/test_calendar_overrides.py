"""The calendar's admin overrides (owned by the deadline service, replicated by events) move intake's
appointment dates; on real PostgreSQL and NATS.

Every test works in its own week of June–July 2033 (no public holiday there), so the overrides one test
stores, which stay in the session's database, never change another test's dates.
"""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.calendar import CALENDAR
from services.intake.dossiers.models import dossiers
from services.intake.handlers import CALENDAR_HANDLERS
from services.intake.models import calendar_overrides
from shared.calendar_replica import CalendarCache
from shared.db.engine import make_engine, make_sessions, unit_of_work
from shared.messaging.envelope import CloudEvent, event_type
from tests.conftest import Stack
from tests.intake.conftest import Intake, unique_code, vn
from tests.platform.toy import publish_to

T0 = datetime(2033, 5, 2, 2, 0, tzinfo=UTC)  # when the deadline service's admin acts, plus minutes


def friday(week: int) -> date:
    """The Friday of a test's own week: 3 June 2033 plus `week` weeks."""
    return date(2033, 6, 3) + timedelta(weeks=week)


def at_nine(day: date) -> datetime:
    return vn(day.year, day.month, day.day, 9, 0)


def utc(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def override_set(
    day: date, working: bool, *, minute: int, reason: str = "Quyết định của UBND tỉnh"
) -> CloudEvent:
    at = T0 + timedelta(minutes=minute)
    data = {"day": day.isoformat(), "working": working, "reason": reason, "set_at": at.isoformat()}
    return CloudEvent(
        source="/motcua/deadline", type=event_type("catalog.calendar.override_set"), time=at, data=data
    )


def override_removed(day: date, *, minute: int) -> CloudEvent:
    at = T0 + timedelta(minutes=minute)
    return CloudEvent(
        source="/motcua/deadline",
        type=event_type("catalog.calendar.override_removed"),
        time=at,
        data={"day": day.isoformat(), "removed_at": at.isoformat()},
    )


async def deliver(intake: Intake, *events: CloudEvent) -> None:
    """Apply the deadline service's events with intake's handlers, one unit of work each, as the
    consumer does."""
    for e in events:
        async with unit_of_work(intake.app.state.sessions) as session:
            await CALENDAR_HANDLERS[e.type](e, session)


async def stored(intake: Intake, day: date) -> Row[Any] | None:
    session: AsyncSession
    async with intake.app.state.sessions() as session:
        return (
            await session.execute(select(calendar_overrides).where(calendar_overrides.c.day == day))
        ).first()


@pytest.fixture(autouse=True)
def checked_every_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reception's calendar asks the table on every request here (in service: every few seconds)."""
    monkeypatch.setattr(CALENDAR, "check_every", 0.0)


@pytest.fixture
async def procedure(intake: Intake) -> str:
    """One working day, in force long before the weeks these tests use."""
    code = unique_code("LICH-")
    body = {
        "code": code,
        "name": "Thủ tục thử lịch làm việc",
        "field_code": "DAT_DAI",
        "agency_code": "VPDK",
        "processing_days": 1,
        "service_level": 2,
        "effective_from": "2030-01-01",
        "documents": [{"code": "DON", "name": "Đơn đề nghị"}],
    }
    response = await intake.post("/v1/procedures", body, "admin")
    assert response.status_code == 201, response.text
    return code


async def due_at(intake: Intake, procedure: str, received_at: datetime) -> str:
    """The appointment of a dossier received at the counter at `received_at`, as UTC text."""
    intake.clock.set(received_at)
    body = {"procedure_code": procedure, "applicant": {"name": "Trần Thị Bình"}, "documents": ["DON"]}
    response = await intake.post("/v1/dossiers", body)
    assert response.status_code == 201, response.text
    return str(response.json()["due_at"])


async def test_a_working_saturday_set_by_event_brings_the_appointment_forward(
    intake: Intake, procedure: str
) -> None:
    fri = friday(0)
    saturday, monday = fri + timedelta(days=1), fri + timedelta(days=3)
    assert await due_at(intake, procedure, at_nine(fri)) == utc(at_nine(monday))

    await deliver(intake, override_set(saturday, True, minute=0, reason="Làm bù cho ngày nghỉ 02/09"))

    assert await due_at(intake, procedure, at_nine(fri)) == utc(at_nine(saturday))
    row = await stored(intake, saturday)
    assert row is not None
    assert (row.working, row.reason) == (True, "Làm bù cho ngày nghỉ 02/09")


async def test_a_weekday_off_set_by_event_pushes_the_appointment_back(intake: Intake, procedure: str) -> None:
    fri = friday(1)
    monday, tuesday = fri + timedelta(days=3), fri + timedelta(days=4)
    assert await due_at(intake, procedure, at_nine(fri)) == utc(at_nine(monday))

    await deliver(intake, override_set(monday, False, minute=0, reason="Nghỉ theo quyết định của tỉnh"))

    assert await due_at(intake, procedure, at_nine(fri)) == utc(at_nine(tuesday))
    # Received on the day off itself, the clock starts Tuesday 07:30: one full working day, due 17:00.
    assert await due_at(intake, procedure, at_nine(monday)) == utc(
        vn(tuesday.year, tuesday.month, tuesday.day, 17, 0)
    )


async def test_a_removed_override_restores_the_official_calendar(intake: Intake, procedure: str) -> None:
    fri = friday(2)
    monday, tuesday = fri + timedelta(days=3), fri + timedelta(days=4)
    await deliver(intake, override_set(monday, False, minute=0))
    assert await due_at(intake, procedure, at_nine(fri)) == utc(at_nine(tuesday))

    await deliver(intake, override_removed(monday, minute=10))

    assert await due_at(intake, procedure, at_nine(fri)) == utc(at_nine(monday))
    row = await stored(intake, monday)
    assert row is not None, "a removal keeps a tombstone, so a late older set cannot bring the day back"
    assert (row.working, row.reason) == (None, None)
    assert row.event_at == T0 + timedelta(minutes=10)


async def test_a_stale_event_never_overwrites_a_newer_one(intake: Intake, procedure: str) -> None:
    fri = friday(3)
    monday, tuesday = fri + timedelta(days=3), fri + timedelta(days=4)
    await deliver(intake, override_set(monday, False, minute=20, reason="Nghỉ (mới nhất)"))
    newest = await stored(intake, monday)

    # Older events delivered late: a set with another reason, and a removal.
    await deliver(
        intake,
        override_set(monday, False, minute=5, reason="Nghỉ (cũ)"),
        override_removed(monday, minute=10),
    )
    assert await stored(intake, monday) == newest
    assert await due_at(intake, procedure, at_nine(fri)) == utc(at_nine(tuesday))

    # Removed later; then an older set arrives late: the day stays as the official calendar has it.
    await deliver(intake, override_removed(monday, minute=30), override_set(monday, False, minute=25))
    row = await stored(intake, monday)
    assert row is not None
    assert (row.working, row.event_at) == (None, T0 + timedelta(minutes=30))
    assert await due_at(intake, procedure, at_nine(fri)) == utc(at_nine(monday))


async def test_a_set_and_a_removal_at_the_same_instant_end_removed_in_either_order(intake: Intake) -> None:
    first, second = friday(3) + timedelta(days=5), friday(3) + timedelta(days=6)
    await deliver(intake, override_set(first, False, minute=40), override_removed(first, minute=40))
    await deliver(intake, override_removed(second, minute=40), override_set(second, False, minute=40))
    for day in (first, second):
        row = await stored(intake, day)
        assert row is not None
        assert row.working is None


async def test_a_repeated_event_changes_nothing(intake: Intake, procedure: str) -> None:
    fri = friday(4)
    saturday = fri + timedelta(days=1)
    once = override_set(saturday, True, minute=0)
    await deliver(intake, once)
    first = await stored(intake, saturday)
    assert first is not None

    again = CloudEvent.model_validate({**once.model_dump(), "id": uuid.uuid4()})  # re-emitted, new id
    await deliver(intake, once, again)

    assert await stored(intake, saturday) == first, "not even the version or updated_at moves"
    assert await due_at(intake, procedure, at_nine(fri)) == utc(at_nine(saturday))


async def test_overrides_arrive_over_nats_through_the_catalog_stream(
    intake: Intake, procedure: str, stack: Stack
) -> None:
    fri = friday(5)
    saturday = fri + timedelta(days=1)
    e = override_set(saturday, True, minute=0)
    await publish_to(intake.app, stack.nats_url, ("catalog.calendar.override_set", e))
    for _ in range(200):
        if await stored(intake, saturday) is not None:
            break
        await asyncio.sleep(0.05)
    assert await due_at(intake, procedure, at_nine(fri)) == utc(at_nine(saturday))


class Ticks:
    """A settable monotonic clock for a cache."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@contextmanager
def statements(engine: Any) -> Iterator[list[str]]:
    executed: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        executed.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield executed
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


@pytest.fixture
async def own_engine(stack: Stack) -> AsyncIterator[Any]:
    """An engine of this test alone, so that the statements counted are the caches' own."""
    engine = make_engine(stack.service_database_urls["intake"], pool_size=1)
    yield engine
    await engine.dispose()


async def test_every_worker_uses_a_stored_override_within_its_check_interval_at_one_query_per_check(
    intake: Intake, own_engine: Any
) -> None:
    """Two worker processes (two caches); a third stores the override, as only one consumes the event."""
    saturday = friday(6) + timedelta(days=1)
    ticks = Ticks()
    workers = [CalendarCache(calendar_overrides, check_every=5.0, monotonic=ticks) for _ in range(2)]
    sessions = make_sessions(own_engine)
    async with sessions() as session:
        for worker in workers:
            assert not (await worker.get(session)).days.is_working_day(saturday)

        await deliver(intake, override_set(saturday, True, minute=0))

        ticks.now = 4.9
        with statements(own_engine) as executed:
            cached = [await worker.get(session) for worker in workers]
        assert executed == [], "between checks the cache answers without the database"
        assert not any(calendar.days.is_working_day(saturday) for calendar in cached)

        ticks.now = 5.0
        with statements(own_engine) as executed:
            fresh = [await worker.get(session) for worker in workers]
        assert all(calendar.days.is_working_day(saturday) for calendar in fresh)
        assert len(executed) == 4, "per worker: the version, then the rows because it moved"

        ticks.now = 10.0
        with statements(own_engine) as executed:
            same = [await worker.get(session) for worker in workers]
        assert len(executed) == 2, "per worker: the version only, unchanged"
        assert [a is b for a, b in zip(same, fresh, strict=True)] == [True, True]


async def test_the_import_computes_missing_due_dates_with_the_overrides(
    intake: Intake, procedure: str
) -> None:
    fri = friday(7)
    saturday = fri + timedelta(days=1)
    await deliver(intake, override_set(saturday, True, minute=0))
    intake.clock.set(at_nine(fri + timedelta(days=10)))
    line = {
        "procedure_code": procedure,
        "external_code": f"OLD-{uuid.uuid4().hex[:12]}",
        "channel": "direct",
        "applicant": {"name": "Nguyễn Văn A"},
        "received_at": at_nine(fri).isoformat(),
        "due_at": None,
        "resolved_at": None,
        "returned_at": None,
        "withdrawn_at": None,
    }
    response = await intake.http.post(
        "/v1/dossiers/import",
        content=(json.dumps(line, ensure_ascii=False) + "\n").encode(),
        headers={**intake.auth("admin"), "content-type": "application/x-ndjson"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["imported"] == 1, response.text
    async with intake.app.state.sessions() as session:
        due = await session.scalar(
            select(dossiers.c.due_at).where(dossiers.c.external_code == line["external_code"])
        )
    assert due == at_nine(saturday)
