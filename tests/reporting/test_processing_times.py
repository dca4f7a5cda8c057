"""Average processing time per procedure against its regulated time (Decision 766): each dossier's time
from its regulated time and the due the law recognises, in working or calendar days; the table's
averages and share from the sums; end to end on real PostgreSQL, over HTTP."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from services.reporting.processing.arithmetic import contributions, elapsed_tenths
from services.reporting.processing.facts import Cell, Facts
from services.reporting.processing_times.report import ProcedureTimes, processing_times_table
from tests.conftest import Stack
from tests.reporting.test_satisfaction_e2e import (
    Dossier,
    Reporting,
    assert_totals_are_the_sum_of_the_rows,
    code,
    received,
    reporting_app,
    resolved,
    row_of,
    vn,
)

MARCH = (date(2025, 3, 1), date(2025, 3, 31))


# -- one dossier's time ------------------------------------------------------------------------------


def test_a_dossier_resolved_on_its_due_took_exactly_its_regulated_time() -> None:
    assert elapsed_tenths(100, date(2025, 3, 17), date(2025, 3, 17), "working") == 100


def test_days_before_or_after_the_due_are_working_days_off_it() -> None:
    # Due Monday 17 March 2025: resolved Thursday the 13th is 2 working days early, Thursday the
    # 20th 3 late; a weekend between counts for nothing.
    assert elapsed_tenths(100, date(2025, 3, 17), date(2025, 3, 13), "working") == 80
    assert elapsed_tenths(100, date(2025, 3, 17), date(2025, 3, 20), "working") == 130
    assert elapsed_tenths(100, date(2025, 3, 14), date(2025, 3, 17), "working") == 110


def test_the_days_off_of_the_official_calendar_are_not_counted() -> None:
    # 30/4 and 1/5 2025, and 2/5 given off (worked on Saturday 26/4): due Tuesday 29 April, resolved
    # Monday 5 May is one working day late.
    assert elapsed_tenths(50, date(2025, 4, 29), date(2025, 5, 5), "working") == 60


def test_calendar_days_count_every_day_and_the_time_is_never_below_zero() -> None:
    assert elapsed_tenths(150, date(2025, 3, 17), date(2025, 3, 10), "calendar") == 80
    assert elapsed_tenths(5, date(2025, 3, 17), date(2025, 3, 10), "working") == 0


def _facts(**changes: object) -> Facts:
    cell = Cell("P1", "Thủ tục", "DAT_DAI", "Đất đai", "VPDK", "Văn phòng đăng ký đất đai", "U1")
    base = Facts(
        dossier_id=uuid.uuid4(),
        cell=cell,
        channel="direct",
        service_level=2,
        regulated_tenths=100,
        received_at=datetime(2025, 3, 3, 1, tzinfo=UTC),
        received_date=date(2025, 3, 3),
        original_due_date=date(2025, 3, 17),
        resolved_date=date(2025, 3, 24),
    )
    return Facts(**{**base.__dict__, **changes})


def _time(facts: Facts) -> dict[str, int]:
    return {series: n for (_, _, series), n in contributions(facts).items() if series in {"elapsed_tenths"}}


def test_a_legitimate_pause_is_not_counted_and_an_apology_is() -> None:
    # Five working days late against the receipt's due; a supplement moved the due a week later.
    assert _time(_facts()) == {"elapsed_tenths": 150}
    paused = _facts(appointment=(datetime(2025, 3, 12, 2, tzinfo=UTC), date(2025, 3, 24)))
    assert _time(paused) == {"elapsed_tenths": 100}
    assert _time(_facts(apology=True, apology_timely=True)) == {"elapsed_tenths": 150}


def test_a_dossier_without_a_known_regulated_time_counts_in_no_time() -> None:
    assert _time(_facts(regulated_tenths=None)) == {}
    series = {s for (_, _, s) in contributions(_facts(regulated_tenths=None))}
    assert "resolved_timed" not in series
    assert "resolved_late" in series


# -- the table ---------------------------------------------------------------------------------------


def test_averages_and_share_come_from_the_sums_rounded_half_up() -> None:
    table = processing_times_table(
        period_from=MARCH[0],
        period_to=MARCH[1],
        procedures=[
            ProcedureTimes("P1", "VPDK", resolved=3, regulated_tenths=300, elapsed_tenths=310),
            ProcedureTimes("P2", "THUE", resolved=1, regulated_tenths=50, elapsed_tenths=15),
            ProcedureTimes("P3", "THUE", resolved=0, regulated_tenths=0, elapsed_tenths=0),
        ],
        names={"P1": "Đăng ký biến động đất đai"},
    )
    assert [r["key"] for r in table.rows] == ["P1", "P2"]
    p1 = table.rows[0]
    assert (p1["name"], p1["agency_code"], p1["resolved"]) == ("Đăng ký biến động đất đai", "VPDK", 3)
    assert (p1["regulated_days"], p1["elapsed_days"], p1["elapsed_pct"]) == (
        Decimal("10.00"),
        Decimal("10.33"),
        Decimal("103.33"),
    )
    assert table.totals is not None
    # (310 + 15) / 4 dossiers / 10 = 8.125 -> 8.13; 325 / 350 = 92.857... -> 92.86
    assert (table.totals["resolved"], table.totals["elapsed_days"], table.totals["elapsed_pct"]) == (
        4,
        Decimal("8.13"),
        Decimal("92.86"),
    )


# -- end to end --------------------------------------------------------------------------------------


@pytest.fixture
async def reporting(stack: Stack) -> AsyncIterator[Reporting]:
    async with reporting_app(stack, now=vn(2025, 4, 15, 9)) as app:
        yield app


async def test_a_procedure_s_dossiers_resolved_in_the_period_give_its_average_time(
    reporting: Reporting,
) -> None:
    agency = code("VPDK")
    early, on_due, late, april = (Dossier.new(agency) for _ in range(4))
    due = vn(2025, 3, 17, 17)  # ten working days after Monday 3 March (the procedure's time)
    await reporting.apply(
        received(early, vn(2025, 3, 3, 8), due),
        resolved(early, vn(2025, 3, 13, 9), due),
        received(on_due, vn(2025, 3, 3, 8), due),
        resolved(on_due, vn(2025, 3, 17, 16), due),
        received(late, vn(2025, 3, 3, 8), due),
        resolved(late, vn(2025, 3, 20, 9), due),
        received(april, vn(2025, 3, 3, 8), due),
        resolved(april, vn(2025, 4, 1, 9), due),  # resolved outside the period
    )
    body = await reporting.report("processing-times", *MARCH, agency=agency)
    row = row_of(body, f"P-{agency}")
    assert (row["agency_code"], row["resolved"], row["regulated_days"]) == (agency, 3, 10.0)
    assert (row["elapsed_days"], row["elapsed_pct"]) == (10.33, 103.33)  # (8 + 10 + 13) / 3
    assert_totals_are_the_sum_of_the_rows(body)
    other = await reporting.report("processing-times", *MARCH, agency=code("NONE"))
    assert other["rows"] == []
    assert other["totals"]["elapsed_days"] is None
    csv = await reporting.http.get(
        "/v1/reports/processing-times",
        params={"from": "2025-03-01", "to": "2025-03-31", "agency": agency, "format": "csv"},
        headers=reporting.auth("admin"),
    )
    assert csv.status_code == 200
    assert "10.33" in csv.content.decode("utf-8-sig")


async def test_a_bad_period_is_422_and_a_citizen_role_is_refused(reporting: Reporting) -> None:
    bad = await reporting.http.get(
        "/v1/reports/processing-times",
        params={"from": "2025-04-01", "to": "2025-03-01"},
        headers=reporting.auth(),
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    refused = await reporting.http.get(
        "/v1/reports/processing-times",
        params={"from": "2025-03-01", "to": "2025-03-31"},
        headers=reporting.auth("portal"),
    )
    assert refused.status_code == 403
