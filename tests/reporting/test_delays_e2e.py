"""Delay attribution end to end on real PostgreSQL: routing's step outcomes (the satisfaction read
model) joined with the dossiers resolved late (the processing read model's facts), read over HTTP. The
seed centre's case: land dossiers that go from the land office to the environment office and come back
late."""

from collections.abc import AsyncIterator
from datetime import date, datetime

import pytest

from shared.messaging.envelope import CloudEvent
from tests.conftest import Stack
from tests.reporting.test_satisfaction_e2e import (
    Dossier,
    Reporting,
    agency_registered,
    assert_totals_are_the_sum_of_the_rows,
    code,
    received,
    reporting_app,
    resolved,
    row_of,
    step_completed,
    totals_change,
    vn,
)

H1 = (date(2025, 1, 1), date(2025, 6, 30))
UNATTRIBUTED = ""


@pytest.fixture
async def reporting(stack: Stack) -> AsyncIterator[Reporting]:
    async with reporting_app(stack, now=vn(2025, 7, 15, 9)) as app:
        yield app


def land_dossier(
    land: str, env: str, *, land_done: datetime, env_done: datetime, resolved_at: datetime
) -> list[CloudEvent]:
    """Received on 3 March, due 14 March: the land office has until 7 March, the environment office
    until 14 March; resolved when `resolved_at` says."""
    d = Dossier.new(land)
    due = vn(2025, 3, 14, 17)
    return [
        received(d, vn(2025, 3, 3, 8), due),
        step_completed(d, land, 1, assigned=vn(2025, 3, 3, 8), due=vn(2025, 3, 7, 17), done=land_done),
        step_completed(d, env, 2, assigned=land_done, due=due, done=env_done),
        resolved(d, resolved_at, due),
    ]


def _on_time_overall(land: str, env: str) -> list[CloudEvent]:
    d = Dossier.new(land)
    due = vn(2025, 3, 14, 17)
    return [
        received(d, vn(2025, 3, 3, 8), due),
        step_completed(
            d, land, 1, assigned=vn(2025, 3, 3, 8), due=vn(2025, 3, 5, 17), done=vn(2025, 3, 5, 9)
        ),
        step_completed(
            d, env, 2, assigned=vn(2025, 3, 5, 9), due=vn(2025, 3, 12, 17), done=vn(2025, 3, 13, 9)
        ),
        resolved(d, vn(2025, 3, 13, 9), due),
    ]


def _events(land: str, env: str) -> list[CloudEvent]:
    return [
        agency_registered(env, "Phòng Tài nguyên và Môi trường", vn(2025, 1, 2, 8)),
        # land on time, environment late: twice
        *land_dossier(
            land,
            env,
            land_done=vn(2025, 3, 6, 9),
            env_done=vn(2025, 3, 18, 9),
            resolved_at=vn(2025, 3, 18, 9),
        ),
        *land_dossier(
            land,
            env,
            land_done=vn(2025, 3, 7, 16),
            env_done=vn(2025, 3, 17, 8),
            resolved_at=vn(2025, 3, 17, 8),
        ),
        # both late: it started at the land office
        *land_dossier(
            land,
            env,
            land_done=vn(2025, 3, 10, 9),
            env_done=vn(2025, 3, 19, 9),
            resolved_at=vn(2025, 3, 19, 9),
        ),
        # environment late against its own (shorter) due, the dossier on time: not a late dossier
        *_on_time_overall(land, env),
        # resolved late in July: outside the period
        *land_dossier(
            land, env, land_done=vn(2025, 3, 6, 9), env_done=vn(2025, 7, 1, 9), resolved_at=vn(2025, 7, 1, 9)
        ),
    ]


async def test_late_land_dossiers_are_attributed_to_the_step_that_was_late(reporting: Reporting) -> None:
    land, env = code("VPDK"), code("STNMT")
    before = await reporting.report("delays", *H1)
    await reporting.apply(*_events(land, env))
    after = await reporting.report("delays", *H1)

    environment = row_of(after, env)
    assert environment["name"] == "Phòng Tài nguyên và Môi trường"
    assert (environment["late_steps"], environment["late_dossiers"], environment["first_late"]) == (3, 3, 2)
    office = row_of(after, land)
    assert (office["late_steps"], office["late_dossiers"], office["first_late"]) == (1, 1, 1)
    assert totals_change(before, after) == {"late_steps": 4, "late_dossiers": 4, "first_late": 3}
    assert_totals_are_the_sum_of_the_rows(after)
    assert after["totals"]["first_late_pct"] == 100.0


async def test_a_late_dossier_without_a_late_step_is_counted_apart(reporting: Reporting) -> None:
    lead = code("UBND")
    d = Dossier.new(lead)
    due = vn(2025, 5, 9, 17)
    before = await reporting.report("delays", *H1)
    # the only step finished on time; the result came the day after the due date (e.g. at reception)
    await reporting.apply(
        received(d, vn(2025, 5, 5, 8), due),
        step_completed(d, lead, 1, assigned=vn(2025, 5, 5, 8), due=due, done=vn(2025, 5, 9, 10)),
        resolved(d, vn(2025, 5, 12, 8), due),
    )
    after = await reporting.report("delays", *H1)
    assert lead not in [r["key"] for r in after["rows"]]
    unexplained_before = next((r["first_late"] for r in before["rows"] if r["key"] == UNATTRIBUTED), 0)
    assert row_of(after, UNATTRIBUTED)["first_late"] == unexplained_before + 1
    assert after["rows"][-1]["key"] == UNATTRIBUTED
    assert_totals_are_the_sum_of_the_rows(after)


async def test_step_outcomes_heard_before_the_dossier_and_repeated_change_nothing(
    reporting: Reporting,
) -> None:
    land, env = code("VPDK"), code("STNMT")
    events = _events(land, env)
    await reporting.apply(*reversed(events))
    once = await reporting.report("delays", *H1)
    await reporting.apply(*events)
    await reporting.apply(*events, inbox=False)
    again = await reporting.report("delays", *H1)
    assert row_of(once, env) == row_of(again, env)
    assert row_of(once, land) == row_of(again, land)
    assert row_of(again, env)["late_steps"] == 3
