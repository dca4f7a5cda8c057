"""The calendar's admin overrides (owned by the deadline service, replicated by events) move routing's
step dues, as they move intake's appointments and deadline's clocks; on real PostgreSQL and NATS.

Every test works in its own week of June–July 2034 (no public holiday there): the overrides one test
stores stay in the session's database and never change another test's dates.
"""

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from services.routing.models import calendar_overrides
from services.routing.working_calendar import CALENDAR, CALENDAR_HANDLERS
from shared.db.engine import unit_of_work
from shared.messaging.consumer import PoisonEvent
from shared.messaging.envelope import CloudEvent, event_type
from tests.conftest import Stack
from tests.platform.toy import publish_to
from tests.routing.conftest import Routing, agency, new_dossier, vn

T0 = datetime(2034, 5, 2, 2, 0, tzinfo=UTC)  # when the deadline service's admin acts, plus minutes


def friday(week: int) -> date:
    """The Friday of a test's own week: 2 June 2034 plus `week` weeks."""
    return date(2034, 6, 2) + timedelta(weeks=week)


def at_nine(day: date) -> datetime:
    return vn(day.year, day.month, day.day, 9, 0)


def override_set(day: date, working: bool, *, minute: int = 0) -> CloudEvent:
    at = T0 + timedelta(minutes=minute)
    data = {
        "day": day.isoformat(),
        "working": working,
        "reason": "Quyết định của UBND tỉnh",
        "set_at": at.isoformat(),
    }
    return CloudEvent(
        source="/motcua/deadline", type=event_type("catalog.calendar.override_set"), time=at, data=data
    )


@pytest.fixture(autouse=True)
def checked_every_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Routing's calendar asks the table on every request and event here (in service: every few seconds)."""
    monkeypatch.setattr(CALENDAR, "check_every", 0.0)


async def first_step_due(routing: Routing, received_at: datetime) -> datetime:
    """The due of the one-day first step of a dossier received at `received_at`."""
    dossier = new_dossier((agency("TT"), 1), (agency("TT"), 1), received_at=received_at, processing_days="2")
    await routing.deliver(dossier.received())
    return datetime.fromisoformat((await routing.step(dossier.code, 1))["due_at"])


async def test_a_weekday_off_pushes_a_steps_due_back(routing: Routing) -> None:
    fri = friday(0)
    monday, tuesday = fri + timedelta(days=3), fri + timedelta(days=4)
    assert await first_step_due(routing, at_nine(fri)) == at_nine(monday)

    async with unit_of_work(routing.app.state.sessions) as session:
        await CALENDAR_HANDLERS[event_type("catalog.calendar.override_set")](
            override_set(monday, False), session
        )

    assert await first_step_due(routing, at_nine(fri)) == at_nine(tuesday)


async def test_overrides_arrive_over_nats_and_a_working_saturday_brings_a_due_forward(
    routing: Routing, stack: Stack
) -> None:
    fri = friday(1)
    saturday = fri + timedelta(days=1)
    await publish_to(
        routing.app, stack.nats_url, ("catalog.calendar.override_set", override_set(saturday, True))
    )
    query = select(calendar_overrides.c.working).where(calendar_overrides.c.day == saturday)
    for _ in range(200):
        async with routing.app.state.sessions() as session:
            if await session.scalar(query) is not None:
                break
        await asyncio.sleep(0.05)

    assert await first_step_due(routing, at_nine(fri)) == at_nine(saturday)


async def test_a_payload_that_is_not_an_override_is_poison(routing: Routing) -> None:
    bad = override_set(friday(2), True)
    bad.data["working"] = "yes"
    async with unit_of_work(routing.app.state.sessions) as session:
        with pytest.raises(PoisonEvent):
            await CALENDAR_HANDLERS[bad.type](bad, session)
