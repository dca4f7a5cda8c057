"""The cut-off rule for paper transfers, and where papers and results go between units, pinned on real
dates (2021-06-18 is a Friday)."""

from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest

from services.routing.transfers.rules import (
    RESULT_DAYS,
    Departure,
    departure,
    departure_after,
    result_destination,
    sending_unit,
)
from shared.calendar import CalendarOverride, OfficeHours, WorkingCalendar, WorkingDays
from shared.clock import VIETNAM

CALENDAR = WorkingCalendar()
CUTOFF = time(15, 0)
MULTI = Decimal(3)


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=VIETNAM)


def place(
    handed_at: datetime,
    days: Decimal = MULTI,
    *,
    same_day: bool = False,
    cutoff: time = CUTOFF,
    calendar: WorkingCalendar = CALENDAR,
) -> Departure:
    return departure(handed_at, days=days, same_day=same_day, cutoff=cutoff, calendar=calendar)


def test_multi_day_dossier_in_the_morning_travels_at_the_end_of_the_morning() -> None:
    d = place(vn(2021, 6, 18, 9, 15))
    assert (d.transfer_at, d.session, d.kind, d.reason) == (
        vn(2021, 6, 18, 11, 30),
        "morning",
        "session",
        "end_of_session",
    )
    assert d.session_date == date(2021, 6, 18)


def test_multi_day_dossier_in_the_afternoon_before_the_cutoff_travels_at_five() -> None:
    d = place(vn(2021, 6, 18, 14, 59))
    assert (d.transfer_at, d.session, d.kind) == (vn(2021, 6, 18, 17, 0), "afternoon", "session")


def test_exactly_at_the_cutoff_is_still_before_it() -> None:
    assert place(vn(2021, 6, 18, 15, 0)).transfer_at == vn(2021, 6, 18, 17, 0)
    assert place(vn(2021, 6, 18, 15, 0), Decimal(1)).transfer_at == vn(2021, 6, 18, 15, 0)


def test_seconds_past_the_cutoff_count_as_after_it() -> None:
    d = place(vn(2021, 6, 18, 15, 0, 30))
    assert (d.transfer_at, d.reason) == (vn(2021, 6, 21, 7, 30), "after_cutoff")  # Friday → Monday


@pytest.mark.parametrize(("days", "same_day"), [(MULTI, False), (Decimal(1), False), (Decimal(5), True)])
def test_after_the_cutoff_every_dossier_travels_the_next_working_morning(
    days: Decimal, same_day: bool
) -> None:
    d = place(vn(2021, 6, 17, 16, 10), days, same_day=same_day)  # Thursday
    assert (d.transfer_at, d.session, d.session_date, d.kind) == (
        vn(2021, 6, 18, 7, 30),
        "morning",
        date(2021, 6, 18),
        "session",
    )


def test_same_day_dossier_before_the_cutoff_travels_at_once_alone() -> None:
    d = place(vn(2021, 6, 18, 10, 5), Decimal(5), same_day=True)
    assert (d.transfer_at, d.kind, d.reason, d.session) == (
        vn(2021, 6, 18, 10, 5),
        "immediate",
        "same_day",
        "morning",
    )


@pytest.mark.parametrize("days", [Decimal(1), Decimal("0.5"), Decimal(0)])
def test_dossier_of_a_day_or_less_travels_at_once(days: Decimal) -> None:
    d = place(vn(2021, 6, 18, 13, 45), days)
    assert (d.transfer_at, d.kind, d.session) == (vn(2021, 6, 18, 13, 45), "immediate", "afternoon")


def test_one_and_a_half_days_is_multi_day() -> None:
    assert place(vn(2021, 6, 18, 13, 45), Decimal("1.5")).kind == "session"


def test_handover_inside_a_minute_is_rounded_up_to_the_minute() -> None:
    assert place(vn(2021, 6, 18, 10, 5, 20), Decimal(1)).transfer_at == vn(2021, 6, 18, 10, 6)


def test_lunch_time_counts_as_the_start_of_the_afternoon_session() -> None:
    multi = place(vn(2021, 6, 18, 12, 10))
    assert (multi.transfer_at, multi.session, multi.reason) == (
        vn(2021, 6, 18, 17, 0),
        "afternoon",
        "end_of_session",
    )
    same = place(vn(2021, 6, 18, 12, 10), same_day=True)
    assert (same.transfer_at, same.kind) == (vn(2021, 6, 18, 13, 0), "immediate")


def test_end_of_the_morning_session_still_belongs_to_the_morning() -> None:
    d = place(vn(2021, 6, 18, 11, 30))
    assert (d.transfer_at, d.session) == (vn(2021, 6, 18, 11, 30), "morning")


def test_on_a_weekend_the_dossier_travels_on_monday_morning() -> None:
    d = place(vn(2021, 6, 19, 10, 0), same_day=True)  # Saturday
    assert (d.transfer_at, d.kind, d.reason) == (vn(2021, 6, 21, 7, 30), "session", "outside_hours")


def test_before_opening_the_dossier_travels_at_the_opening_the_same_day() -> None:
    d = place(vn(2021, 6, 18, 6, 45))
    assert (d.transfer_at, d.reason) == (vn(2021, 6, 18, 7, 30), "outside_hours")


def test_after_closing_the_dossier_travels_the_next_working_morning() -> None:
    d = place(vn(2021, 6, 17, 18, 30), Decimal(1))
    assert (d.transfer_at, d.reason) == (vn(2021, 6, 18, 7, 30), "outside_hours")


def test_after_the_cutoff_on_the_eve_of_tet_it_travels_after_the_holiday() -> None:
    # The 2021 Tết break ran Wednesday 10 to Tuesday 16 February.
    d = place(vn(2021, 2, 9, 15, 30))
    assert (d.transfer_at, d.session_date) == (vn(2021, 2, 17, 7, 30), date(2021, 2, 17))


def test_during_tet_it_travels_the_first_working_morning_after() -> None:
    d = place(vn(2021, 2, 12, 9, 0), same_day=True)
    assert d.transfer_at == vn(2021, 2, 17, 7, 30)


def test_before_the_cutoff_on_the_eve_of_tet_a_multi_day_dossier_leaves_that_evening() -> None:
    assert place(vn(2021, 2, 9, 14, 0)).transfer_at == vn(2021, 2, 9, 17, 0)


def test_a_utc_handover_is_read_in_vietnam_time() -> None:
    handed = datetime(2021, 6, 18, 2, 15, tzinfo=UTC)  # 09:15 in Hà Nội
    assert place(handed).transfer_at == vn(2021, 6, 18, 11, 30)


def test_a_province_cutoff_of_sixteen_hours_keeps_a_dossier_at_fifteen_thirty() -> None:
    assert place(vn(2021, 6, 18, 15, 30), cutoff=time(16, 0)).transfer_at == vn(2021, 6, 18, 17, 0)


def test_the_centres_own_office_hours_set_the_end_of_session() -> None:
    hours = OfficeHours(sessions=((time(7, 0), time(11, 0)), (time(13, 30), time(16, 30))))
    calendar = WorkingCalendar(hours=hours)
    assert place(vn(2021, 6, 18, 8, 0), calendar=calendar).transfer_at == vn(2021, 6, 18, 11, 0)
    assert place(vn(2021, 6, 18, 13, 0), calendar=calendar).transfer_at == vn(2021, 6, 18, 16, 30)
    assert place(vn(2021, 6, 18, 16, 0), calendar=calendar).transfer_at == vn(2021, 6, 21, 7, 0)


def test_a_local_day_off_is_skipped() -> None:
    days = WorkingDays([CalendarOverride(date(2021, 6, 21), False, "nghỉ địa phương")])
    calendar = WorkingCalendar(days=days)
    assert place(vn(2021, 6, 18, 16, 0), calendar=calendar).transfer_at == vn(2021, 6, 22, 7, 30)


@pytest.mark.parametrize(
    ("left", "days", "expected"),
    [
        (vn(2021, 6, 18, 7, 30), MULTI, vn(2021, 6, 18, 11, 30)),
        (vn(2021, 6, 18, 11, 30), MULTI, vn(2021, 6, 18, 17, 0)),
        (vn(2021, 6, 18, 11, 30), Decimal(1), vn(2021, 6, 18, 13, 0)),
        (vn(2021, 6, 18, 17, 0), MULTI, vn(2021, 6, 21, 7, 30)),
    ],
)
def test_after_a_closed_batch_comes_the_next_departure(
    left: datetime, days: Decimal, expected: datetime
) -> None:
    after = departure_after(left, days=days, same_day=False, cutoff=CUTOFF, calendar=CALENDAR)
    assert after.transfer_at == expected


def test_the_next_departure_after_a_closed_evening_batch_is_the_next_morning() -> None:
    closed = place(vn(2021, 6, 18, 14, 0))
    after = departure_after(closed, days=MULTI, same_day=False, cutoff=CUTOFF, calendar=CALENDAR)
    assert (after.transfer_at, after.kind) == (vn(2021, 6, 21, 7, 30), "session")


def test_naive_and_negative_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        place(datetime(2021, 6, 18, 9, 0))
    with pytest.raises(ValueError, match="negative"):
        place(vn(2021, 6, 18, 9, 0), Decimal(-1))


def test_a_result_travels_as_a_multi_day_item_at_the_end_of_the_session() -> None:
    assert place(vn(2021, 6, 18, 9, 0), RESULT_DAYS).transfer_at == vn(2021, 6, 18, 11, 30)
    assert place(vn(2021, 6, 18, 15, 30), RESULT_DAYS).transfer_at == vn(2021, 6, 21, 7, 30)
    assert place(vn(2021, 6, 18, 9, 0), RESULT_DAYS, same_day=True).kind == "immediate"


@pytest.mark.parametrize(
    ("paper", "across", "unit", "return_unit", "expected"),
    [
        (True, True, "A", "B", "B"),  # decided elsewhere, taken at B
        (True, True, "A", None, "A"),  # decided elsewhere, taken where received
        (True, False, "A", "B", "B"),  # decided on A's side, taken at B
        (True, False, "A", "A", None),  # a single unit: the result stays
        (True, False, "A", None, None),
        (False, True, "A", "B", None),  # online: no paper travels
        (True, True, None, None, None),  # units not known: received before units
    ],
)
def test_the_result_travels_to_the_return_unit_when_decided_or_taken_elsewhere(
    paper: bool, across: bool, unit: str | None, return_unit: str | None, expected: str | None
) -> None:
    assert (
        result_destination(
            paper=paper, received_across_boundary=across, unit_code=unit, return_unit_code=return_unit
        )
        == expected
    )


def test_papers_leave_the_receiving_unit_only_towards_the_first_agency_across_the_boundary() -> None:
    assert sending_unit(received_across_boundary=True, unit_code="A", from_agency_code=None) == "A"
    assert sending_unit(received_across_boundary=True, unit_code="A", from_agency_code="SO") is None
    assert sending_unit(received_across_boundary=False, unit_code="A", from_agency_code=None) is None
