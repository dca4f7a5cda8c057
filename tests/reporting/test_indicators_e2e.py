"""Indicators end to end on real PostgreSQL: intake's, routing's and survey's events applied by the
read models' handlers (the processing read model's dossier facts, the satisfaction read model's
ballots and feedback), the report read over HTTP."""

import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Literal

import pytest

from services.intake import events as intake_events
from shared.events.steps import FeePaid
from shared.messaging.envelope import CloudEvent, event_type
from tests.conftest import Stack
from tests.reporting.test_satisfaction_e2e import (
    Dossier,
    Reporting,
    assert_totals_are_the_sum_of_the_rows,
    ballot,
    code,
    feedback_answered,
    feedback_received,
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


def fee_paid(
    d: Dossier, at: datetime, channel: Literal["online", "counter", "bank_transfer"], amount: int = 50_000
) -> CloudEvent:
    """`dossier.fee_paid` as routing sends it: one payment at the step that asked for the obligation."""
    payload = FeePaid(
        **d.identity().model_dump(),
        step_id=uuid.uuid4(),
        step_agency_code=d.agency,
        payment_id=uuid.uuid4(),
        amount=amount,
        channel=channel,
        paid_at=at,
    )
    return CloudEvent(
        source="/motcua/routing",
        type=event_type("dossier.fee_paid"),
        subject=d.code,
        time=at,
        data=payload.data(),
    )


def _half_year(agency: str) -> list[CloudEvent]:
    online_early, on_time, late, carried, last_minute, july = (Dossier.new(agency) for _ in range(6))
    complaint = uuid.uuid4()
    return [
        # received online at 00:05 on 1 January in Vietnam (31 December in UTC), resolved early
        received(online_early, vn(2025, 1, 1, 0, 5), vn(2025, 1, 15, 17), channel="online"),
        fee_paid(online_early, vn(2025, 1, 6, 10), "online"),
        resolved(online_early, vn(2025, 1, 10, 9), vn(2025, 1, 15, 17)),
        # resolved on its due date, late in the afternoon: on time; digitized, one component reused
        received(on_time, vn(2025, 2, 3, 8), vn(2025, 2, 14, 17)),
        digitized(on_time, vn(2025, 2, 3, 9), documents=4, reused=1),
        fee_paid(on_time, vn(2025, 2, 10, 10), "counter"),
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
        # the late dossier rated "not satisfied" on the portal; the carried one complained about
        ballot(agency, vn(2025, 4, 3, 9), "complex", "unsatisfied", channel="portal", dossier_code=late.code),
        feedback_received(
            complaint, agency, vn(2025, 1, 7, 9), vn(2025, 1, 21, 17), dossier_code=carried.code
        ),
        feedback_answered(complaint, agency, vn(2025, 1, 20, 9), vn(2025, 1, 21, 17)),
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
    # every dossier's procedure offers partial online service (level 3)
    assert (row["partial_online_received"], row["partial_online_received_online"]) == (4, 2)
    assert (row["partial_online_rate"], row["full_online_received"], row["full_online_rate"]) == (
        50.0,
        0,
        None,
    )
    assert (row["fees_paid"], row["fees_paid_online"], row["online_payment_rate"]) == (2, 1, 50.0)
    assert (row["feedback_due"], row["feedback_answered_on_time"], row["feedback_on_time_rate"]) == (
        1,
        1,
        100.0,
    )
    # ten ballots, nine satisfied: 90 % counted on ballots; the decision counts dossiers, (4 - 2) / 4
    assert (row["dissatisfied"], row["satisfaction_rate"]) == (2, 50.0)
    assert row["satisfaction_full_marks"] is False
    assert [u["code"] for u in body["unavailable"]] == ["public_disclosure", "electronic_results"]
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
    assert (again["received"], again["resolved"], again["dissatisfied"], again["fees_paid"]) == (4, 4, 2, 2)


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
    assert (march["dissatisfied"], march["satisfaction_rate"], march["satisfaction_full_marks"]) == (
        1,
        0.0,
        False,
    )
    assert (march["fees_paid"], march["online_payment_rate"]) == (0, None)
    assert march["reuse_rate"] == 50.0
    xlsx = await reporting.http.get(
        "/v1/reports/indicators",
        params={"from": "2025-01-01", "to": "2025-06-30", "format": "xlsx"},
        headers=reporting.auth("admin"),
    )
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"


async def test_the_766_satisfaction_formula_on_a_small_worked_case(reporting: Reporting) -> None:
    """Five dossiers resolved in March. Ballots: A very satisfied, B satisfied, C not satisfied, two
    satisfied at the kiosk; complaints name C again and D. Counted on ballots, 4 of 5 satisfied (80 %);
    Decision 766 counts dossiers: (5 - 2) / 5 = 60 %. A dossier resolved in April rated unsatisfied in
    March, and a complaint about a dossier still open, count in no March dossier."""
    agency = code("TP")
    a, b, c, d, e, april, open_ = (Dossier.new(agency) for _ in range(7))
    events = []
    for dossier in (a, b, c, d, e):
        events += [
            received(dossier, vn(2025, 3, 3, 8), vn(2025, 3, 17, 17)),
            resolved(dossier, vn(2025, 3, 10, 9), vn(2025, 3, 17, 17)),
        ]
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    events += [
        received(april, vn(2025, 3, 3, 8), vn(2025, 4, 17, 17)),
        resolved(april, vn(2025, 4, 2, 9), vn(2025, 4, 17, 17)),
        received(open_, vn(2025, 3, 20, 8), vn(2025, 4, 17, 17)),
        ballot(agency, vn(2025, 3, 11, 9), "simple", "very_satisfied", channel="portal", dossier_code=a.code),
        ballot(agency, vn(2025, 3, 11, 9), "simple", "satisfied", channel="portal", dossier_code=b.code),
        ballot(agency, vn(2025, 3, 12, 9), "complex", "unsatisfied", channel="portal", dossier_code=c.code),
        ballot(agency, vn(2025, 3, 12, 9), "simple", "satisfied"),
        ballot(agency, vn(2025, 3, 13, 9), "simple", "satisfied"),
        ballot(
            agency, vn(2025, 3, 28, 9), "complex", "unsatisfied", channel="portal", dossier_code=april.code
        ),
        feedback_received(first, agency, vn(2025, 3, 12, 10), vn(2025, 3, 26, 17), dossier_code=c.code),
        feedback_received(second, agency, vn(2025, 3, 14, 10), vn(2025, 3, 28, 17), dossier_code=d.code),
        feedback_received(third, agency, vn(2025, 3, 25, 10), vn(2025, 4, 8, 17), dossier_code=open_.code),
    ]
    await reporting.apply(*events)
    march = row_of(
        await reporting.report("indicators", date(2025, 3, 1), date(2025, 3, 31), agency=agency), agency
    )
    assert (march["resolved"], march["dissatisfied"], march["satisfaction_rate"]) == (5, 2, 60.0)
    assert march["satisfaction_full_marks"] is False
    satisfaction = row_of(await reporting.report("satisfaction", date(2025, 3, 1), date(2025, 3, 31)), agency)
    assert satisfaction["ballots"] == 6  # the ballots' own report still counts ballots


async def test_full_online_procedures_have_their_own_online_rate(reporting: Reporting) -> None:
    agency = code("TT")
    full = [Dossier.new(agency) for _ in range(3)]
    events = [
        received(full[0], vn(2025, 7, 2, 8), vn(2025, 7, 16, 17), channel="online", service_level=4),
        received(full[1], vn(2025, 7, 2, 9), vn(2025, 7, 16, 17), channel="online", service_level=4),
        received(full[2], vn(2025, 7, 2, 10), vn(2025, 7, 16, 17), channel="direct", service_level=4),
        received(Dossier.new(agency), vn(2025, 7, 3, 8), vn(2025, 7, 17, 17), service_level=2),
    ]
    await reporting.apply(*events)
    july = row_of(
        await reporting.report("indicators", date(2025, 7, 1), date(2025, 7, 31), agency=agency), agency
    )
    assert (july["full_online_received"], july["full_online_received_online"]) == (3, 2)
    assert july["full_online_rate"] == 66.67
    assert (july["partial_online_received"], july["partial_online_rate"]) == (0, None)
    assert (july["received"], july["received_online"], july["online_rate"]) == (4, 2, 50.0)
    units = await reporting.report("indicators", date(2025, 7, 1), date(2025, 7, 31), by="unit")
    assert row_of(units, "000.00.12.H57")["full_online_received_online"] >= 2  # the unit tree holds them


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
