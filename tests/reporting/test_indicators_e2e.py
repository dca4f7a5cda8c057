"""Indicators end to end on real PostgreSQL: intake's, routing's and survey's events applied by the
read models' handlers (the processing read model's dossier facts, the satisfaction read model's
ballots), the report read over HTTP."""

from collections.abc import AsyncIterator
from datetime import date, datetime

import pytest

from services.intake import events as intake_events
from shared.messaging.envelope import CloudEvent, event_type
from tests.conftest import Stack
from tests.reporting.test_satisfaction_e2e import (
    Dossier,
    Reporting,
    assert_totals_are_the_sum_of_the_rows,
    ballot,
    code,
    received,
    reporting_app,
    resolved,
    row_of,
    vn,
)

H1 = (date(2025, 1, 1), date(2025, 6, 30))


@pytest.fixture
async def reporting(stack: Stack) -> AsyncIterator[Reporting]:
    async with reporting_app(stack, now=vn(2025, 7, 15, 9)) as app:
        yield app


def digitized(d: Dossier, at: datetime, documents: int, reused: int) -> CloudEvent:
    """`dossier.digitized` as intake builds it: counts of the components digitized and reused."""
    payload = intake_events.digitized(
        identity=d.identity(), documents=documents, pages=documents * 2, reused=reused, digitized_at=at
    )
    return CloudEvent(
        source="/motcua/intake",
        type=event_type("dossier.digitized"),
        subject=d.code,
        time=at,
        data=payload.data(),
    )


def _half_year(agency: str) -> list[CloudEvent]:
    online_early, on_time, late, carried, last_minute, july = (Dossier.new(agency) for _ in range(6))
    return [
        # received online at 00:05 on 1 January in Vietnam (31 December in UTC), resolved early
        received(online_early, vn(2025, 1, 1, 0, 5), vn(2025, 1, 15, 17), channel="online"),
        resolved(online_early, vn(2025, 1, 10, 9), vn(2025, 1, 15, 17)),
        # resolved on its due date, late in the afternoon: on time; digitized, one component reused
        received(on_time, vn(2025, 2, 3, 8), vn(2025, 2, 14, 17)),
        digitized(on_time, vn(2025, 2, 3, 9), documents=4, reused=1),
        resolved(on_time, vn(2025, 2, 14, 16, 55), vn(2025, 2, 14, 17)),
        # late; digitized, three of six reused
        received(late, vn(2025, 3, 3, 8), vn(2025, 3, 14, 17)),
        digitized(late, vn(2025, 3, 3, 9), documents=6, reused=3),
        resolved(late, vn(2025, 3, 20, 9), vn(2025, 3, 14, 17)),
        # received last year, resolved (late) in the period: counts as resolved, not as received
        received(carried, vn(2024, 12, 20, 8), vn(2025, 1, 3, 17)),
        resolved(carried, vn(2025, 1, 6, 9), vn(2025, 1, 3, 17)),
        # received online in the period's last minutes, still open
        received(last_minute, vn(2025, 6, 30, 23, 30), vn(2025, 7, 14, 17), channel="online"),
        # 1 July in Vietnam (30 June in UTC): outside
        received(july, vn(2025, 7, 1, 0, 10), vn(2025, 7, 15, 17), channel="online"),
        *(ballot(agency, vn(2025, 4, 1, 9), "simple", "very_satisfied") for _ in range(6)),
        *(ballot(agency, vn(2025, 4, 2, 9), "simple", "satisfied") for _ in range(3)),
        ballot(agency, vn(2025, 4, 3, 9), "complex", "unsatisfied"),
        ballot(agency, vn(2025, 7, 1, 0, 5), "complex", "unsatisfied"),  # July in Vietnam
    ]


async def test_each_indicator_is_computed_from_the_events_of_the_period(reporting: Reporting) -> None:
    agency = code("VPDK")
    await reporting.apply(*_half_year(agency))
    body = await reporting.report("indicators", *H1, agency=agency)
    assert [r["key"] for r in body["rows"]] == [agency]
    row = row_of(body, agency)
    assert row["name"] == f"Cơ quan {agency}"  # from the procedure snapshot: never registered
    assert (row["resolved"], row["resolved_in_time"], row["on_time_rate"]) == (4, 2, 50.0)
    assert (row["received"], row["received_online"], row["online_rate"]) == (4, 2, 50.0)
    assert (row["digitized"], row["digitization_rate"]) == (2, 50.0)
    assert (row["documents_digitized"], row["documents_reused"], row["reuse_rate"]) == (10, 4, 40.0)
    assert (row["ballots"], row["ballots_satisfied"], row["satisfaction_rate"]) == (10, 9, 90.0)
    assert row["satisfaction_full_marks"] is True
    assert body["totals"]["received"] == 4  # one agency asked: the totals are its row
    assert_totals_are_the_sum_of_the_rows(body)


async def test_repeated_and_late_events_give_the_same_indicators(reporting: Reporting) -> None:
    agency = code("THUE")
    events = _half_year(agency)
    await reporting.apply(*reversed(events))  # every resolution before its receipt
    once = row_of(await reporting.report("indicators", *H1, agency=agency), agency)
    await reporting.apply(*events)
    await reporting.apply(*events, inbox=False)
    again = row_of(await reporting.report("indicators", *H1, agency=agency), agency)
    assert once == again
    assert (again["received"], again["resolved"], again["ballots"]) == (4, 4, 10)


async def test_the_whole_centre_reconciles_and_a_month_shows_only_its_own_dossiers(
    reporting: Reporting,
) -> None:
    agency = code("STNMT")
    await reporting.apply(*_half_year(agency))
    centre = await reporting.report("indicators", *H1)
    assert_totals_are_the_sum_of_the_rows(centre)
    assert row_of(centre, agency)["received"] == 4
    march = row_of(
        await reporting.report("indicators", date(2025, 3, 1), date(2025, 3, 31), agency=agency), agency
    )
    assert (march["received"], march["resolved"], march["on_time_rate"]) == (1, 1, 0.0)
    assert (march["ballots"], march["satisfaction_rate"], march["satisfaction_full_marks"]) == (0, None, None)
    assert march["reuse_rate"] == 50.0
    xlsx = await reporting.http.get(
        "/v1/reports/indicators",
        params={"from": "2025-01-01", "to": "2025-06-30", "format": "xlsx"},
        headers=reporting.auth("admin"),
    )
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"


async def test_an_agency_with_nothing_in_the_period_has_no_row(reporting: Reporting) -> None:
    body = await reporting.report("indicators", *H1, agency=code("NONE"))
    assert body["rows"] == []
    assert body["totals"]["received"] == 0
    assert body["totals"]["on_time_rate"] is None


async def test_the_dossier_counts_are_the_processing_reports_for_the_agency(reporting: Reporting) -> None:
    agency = code("XD")
    await reporting.apply(*_half_year(agency))
    indicators = row_of(await reporting.report("indicators", *H1, agency=agency), agency)
    processing = row_of(await reporting.report("processing", *H1, by="agency"), agency)
    assert indicators["received"] == processing["received"]
    assert indicators["received_online"] == processing["received_online"]
    assert indicators["resolved"] == processing["resolved_total"]
    assert indicators["resolved_in_time"] == processing["resolved_early"] + processing["resolved_on_time"]


async def test_a_period_outside_the_reports_range_is_422(reporting: Reporting) -> None:
    response = await reporting.http.get(
        "/v1/reports/indicators", params={"from": "1980-01-01", "to": "2025-06-30"}, headers=reporting.auth()
    )
    assert response.status_code == 422
    assert response.json()["code"] == "period_out_of_range"
