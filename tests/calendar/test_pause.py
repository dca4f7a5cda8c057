"""A pause of an SLA clock: shift by the paused office time, or restart; dues in a procedure's days."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.calendar import (
    Dues,
    Policy,
    WorkingCalendar,
    due_after_pause,
    due_from,
    paused_minutes,
    resumed_dues,
    shifted,
    working_minutes_between,
)
from shared.clock import VIETNAM

CAL = WorkingCalendar()


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


def test_a_due_counts_its_days_in_the_procedures_kind() -> None:
    assert due_from(vn(2021, 6, 28, 10), Decimal(3), calendar=CAL) == vn(2021, 7, 1, 10)
    calendar_days = due_from(vn(2021, 6, 28, 10), Decimal("2.5"), calendar=CAL, kind="calendar")
    assert calendar_days == vn(2021, 7, 1, 10), "a fractional calendar budget is rounded up to whole days"
    after_cutoff = due_from(vn(2021, 6, 28, 15, 30), Decimal(1), calendar=CAL, same_day=True, cutoff=time(15))
    assert after_cutoff == vn(2021, 6, 29, 17)


def _resume(policy: Policy, *, due: datetime, extended: datetime | None = None) -> Dues:
    paused_at, resumed_at = vn(2021, 6, 21, 9), vn(2021, 6, 23, 9)
    return resumed_dues(
        policy=policy,
        sla_due_at=due,
        due_at=extended or due,
        paused_at=paused_at,
        resumed_at=resumed_at,
        restarted_due=due_from(resumed_at, Decimal(5), calendar=CAL),
        calendar=CAL,
    )


def test_shift_moves_the_due_later_by_the_paused_working_minutes() -> None:
    dues = _resume("shift", due=vn(2021, 6, 25, 8, 30))
    assert dues.paused_minutes == 960
    assert (dues.sla_due_at, dues.due_at) == (vn(2021, 6, 29, 8, 30), vn(2021, 6, 29, 8, 30))


def test_restart_counts_the_full_days_again_from_resumption_and_keeps_a_granted_extension() -> None:
    dues = _resume("restart", due=vn(2021, 6, 25, 8, 30), extended=vn(2021, 6, 28, 8, 30))
    assert dues.sla_due_at == vn(2021, 6, 30, 9)
    assert dues.due_at == vn(2021, 7, 1, 9), "the one extra working day of the extension stays"


def test_a_pause_over_a_weekend_only_counts_office_time() -> None:
    # Friday 16:00 to Monday 08:30: one hour on Friday, one on Monday; the weekend is not office time.
    assert paused_minutes(vn(2021, 6, 25, 16), vn(2021, 6, 28, 8, 30), CAL) == 120
    assert paused_minutes(vn(2021, 6, 28, 9), vn(2021, 6, 28, 8), CAL) == 0, "never negative"


def test_a_pause_of_no_working_time_leaves_a_closing_time_due_where_it_was() -> None:
    due = vn(2021, 6, 25, 17)
    dues = resumed_dues(
        policy="shift",
        sla_due_at=due,
        due_at=due,
        paused_at=vn(2021, 6, 26, 9),  # Saturday to Sunday: no office time passes
        resumed_at=vn(2021, 6, 27, 9),
        restarted_due=due,
        calendar=CAL,
    )
    assert (dues.paused_minutes, dues.sla_due_at) == (0, due)
    assert shifted(due, 0, CAL) is due


@settings(max_examples=60, deadline=None)
@given(
    pause_start=st.integers(min_value=0, max_value=30 * 24 * 60),
    pause_length=st.integers(min_value=0, max_value=20 * 24 * 60),
)
def test_shift_always_adds_exactly_the_paused_office_time(pause_start: int, pause_length: int) -> None:
    assigned = vn(2021, 6, 1, 8)
    due = due_from(assigned, Decimal(5), calendar=CAL)
    paused_at = assigned + timedelta(minutes=pause_start)
    resumed_at = paused_at + timedelta(minutes=pause_length)
    dues = resumed_dues(
        policy="shift",
        sla_due_at=due,
        due_at=due,
        paused_at=paused_at,
        resumed_at=resumed_at,
        restarted_due=due,
        calendar=CAL,
    )
    assert dues.sla_due_at >= due
    assert working_minutes_between(due, dues.sla_due_at, CAL) == dues.paused_minutes


def test_the_due_after_one_pause_shifts_or_counts_the_full_days_again() -> None:
    """The issue's example: received 2025-03-03, due Monday 2025-03-10 08:00, a supplement from
    Tuesday 2025-03-04 08:00 to Friday 2025-03-14 08:00 (eight working days)."""
    due, paused_at, resumed_at = vn(2025, 3, 10, 8), vn(2025, 3, 4, 8), vn(2025, 3, 14, 8)

    def after(policy: Policy, days: Decimal | None) -> Dues:
        return due_after_pause(
            due, policy=policy, paused_at=paused_at, resumed_at=resumed_at, days=days, calendar=CAL
        )

    shift = after("shift", Decimal(5))
    assert (shift.sla_due_at, shift.paused_minutes) == (vn(2025, 3, 20, 8), 8 * 8 * 60)
    assert after("restart", Decimal(5)).sla_due_at == vn(2025, 3, 21, 8), "five working days from then"
    assert after("restart", None).sla_due_at == due, "without the procedure's days the due stays"
