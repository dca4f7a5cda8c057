"""Apology letters (form 04) as pure rules, with dated examples: when a letter is timely (no later than
one working day before the due, by the working calendar), and one new return date at a time per
dossier (a second letter only once that date is missed)."""

from datetime import UTC, date, datetime

import pytest

from services.deadline.apology import rules
from shared.calendar import CalendarOverride, WorkingDays
from shared.clock import VIETNAM

DAYS = WorkingDays()
DUE_MONDAY = date(2025, 3, 10)  # Monday 10 March 2025, an ordinary week


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


# --- timely: no later than one working day before the due -------------------------------------------


def test_the_last_timely_day_for_a_monday_due_is_the_friday_before() -> None:
    assert rules.last_timely_day(DUE_MONDAY, DAYS) == date(2025, 3, 7)
    assert rules.last_timely_day(date(2025, 3, 12), DAYS) == date(2025, 3, 11), "Wednesday → Tuesday"


@pytest.mark.parametrize(
    ("issued_at", "timely"),
    [
        (vn(2025, 3, 6, 10, 0), True),  # Thursday: two working days ahead
        (vn(2025, 3, 7, 16, 0), True),  # Friday 16:00: the working day before the due
        (vn(2025, 3, 7, 16, 59), True),  # Friday, a minute before closing
        (vn(2025, 3, 7, 20, 0), True),  # Friday evening: still Friday, judged by date
        (vn(2025, 3, 8, 9, 0), False),  # Saturday: after the last working day before the due
        (vn(2025, 3, 9, 9, 0), False),  # Sunday: the same
        (vn(2025, 3, 10, 9, 0), False),  # a letter on the due day: late, still recorded
        (vn(2025, 3, 11, 9, 0), False),  # after the due
    ],
)
def test_a_letter_for_a_monday_due_is_timely_until_the_friday_before(
    issued_at: datetime, timely: bool
) -> None:
    assert rules.is_timely(issued_at, DUE_MONDAY, DAYS) is timely


def test_timeliness_is_judged_by_the_vietnam_date_of_issue() -> None:
    assert rules.is_timely(datetime(2025, 3, 7, 16, 59, tzinfo=UTC), DUE_MONDAY, DAYS) is True  # 23:59 Fri
    assert rules.is_timely(datetime(2025, 3, 7, 17, 0, tzinfo=UTC), DUE_MONDAY, DAYS) is False  # 00:00 Sat


def test_a_saturday_worked_by_a_swap_is_the_working_day_before_a_monday_due() -> None:
    swapped = WorkingDays([CalendarOverride(date(2025, 3, 8), True, "ngày làm bù")])
    assert rules.last_timely_day(DUE_MONDAY, swapped) == date(2025, 3, 8)
    assert rules.is_timely(vn(2025, 3, 8, 9, 0), DUE_MONDAY, swapped) is True
    assert rules.is_timely(vn(2025, 3, 9, 9, 0), DUE_MONDAY, swapped) is False  # Sunday


def test_holidays_and_days_off_swapped_away_are_skipped() -> None:
    # 30/4 and 1/5/2025 are holidays, Friday 2/5 was swapped off (worked back on Saturday 26/4).
    assert rules.last_timely_day(date(2025, 5, 5), DAYS) == date(2025, 4, 29)
    assert rules.is_timely(vn(2025, 4, 30, 9, 0), date(2025, 5, 5), DAYS) is False
    # Tết 2025: 25 January to 2 February off; a due on Monday 3 February.
    assert rules.last_timely_day(date(2025, 2, 3), DAYS) == date(2025, 1, 24)
    # A due on a day off counts from the next working day (a due always falls on one).
    assert rules.last_timely_day(date(2025, 3, 9), DAYS) == date(2025, 3, 7)


def test_an_admin_day_off_before_the_due_moves_the_last_timely_day_earlier() -> None:
    closed_friday = WorkingDays([CalendarOverride(date(2025, 3, 7), False, "bão")])
    assert rules.last_timely_day(DUE_MONDAY, closed_friday) == date(2025, 3, 6)
    assert rules.is_timely(vn(2025, 3, 7, 9, 0), DUE_MONDAY, closed_friday) is False


def test_an_unknown_due_leaves_timeliness_unknown() -> None:
    assert rules.is_timely(vn(2025, 3, 7, 9, 0), None, DAYS) is None
    assert rules.judged_due_day(None, None) is None


def test_the_first_letter_is_judged_by_its_clocks_due_a_later_one_by_the_missed_new_date() -> None:
    due = datetime(2025, 3, 9, 17, 30, tzinfo=UTC)  # 00:30 on Monday 10 March in Vietnam
    assert rules.judged_due_day(due, None) == DUE_MONDAY
    assert rules.judged_due_day(due, date(2025, 3, 14)) == date(2025, 3, 14)


# --- one new return date at a time, per dossier -----------------------------------------------------


def test_the_first_letter_of_a_dossier_is_never_pending_refused() -> None:
    assert rules.check_return_date_pending(None, now=vn(2025, 3, 7, 16, 0)) is None


def test_a_three_step_dossiers_letters_one_new_date_at_a_time() -> None:
    """Due Monday 10 March 2025. Step 1's agency sends a timely letter on Friday 7 March, new return
    date Friday 14 March; steps 2 and 3 ask in turn and are refused while 14 March stands; from
    Saturday 15 March the date is missed and one more letter may set another, judged late."""
    # Step 1, Friday 7 March 16:00: no letter yet, timely.
    assert rules.check_return_date_pending(None, now=vn(2025, 3, 7, 16, 0)) is None
    first_judged = rules.judged_due_day(vn(2025, 3, 10, 17, 0), None)
    assert rules.is_timely(vn(2025, 3, 7, 16, 0), first_judged, DAYS) is True
    pending = date(2025, 3, 14)

    # Step 2 on Wednesday 12 March, step 3 on the new date itself: refused, naming the date.
    for now in (vn(2025, 3, 12, 9, 0), vn(2025, 3, 14, 16, 59), vn(2025, 3, 14, 23, 59)):
        refused = rules.check_return_date_pending(pending, now=now)
        assert refused is not None, now
        assert (refused.status, refused.code) == (409, "return_date_pending")
        assert refused.extra == {"pending_return_date": "2025-03-14"}
        assert "2025-03-14" in refused.detail
        assert "2025-03-15" in refused.detail  # from when another letter may be issued

    # Saturday 15 March: 14 March was missed; step 2's letter is accepted, and late by construction.
    assert rules.check_return_date_pending(pending, now=vn(2025, 3, 15, 0, 0)) is None
    second_judged = rules.judged_due_day(vn(2025, 3, 20, 17, 0), pending)
    assert second_judged == pending
    assert rules.last_timely_day(second_judged, DAYS) == date(2025, 3, 13)
    assert rules.is_timely(vn(2025, 3, 17, 9, 0), second_judged, DAYS) is False

    # Step 3 while step 2's new date (Friday 21 March) stands: refused again.
    refused = rules.check_return_date_pending(date(2025, 3, 21), now=vn(2025, 3, 19, 9, 0))
    assert refused is not None
    assert refused.extra == {"pending_return_date": "2025-03-21"}
