"""The pure rules of feedback and complaints: deadline, on time, routing choice, the summary."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.survey.feedback import rules
from shared.calendar import WorkingCalendar
from shared.clock import VIETNAM, vietnam_date

CALENDAR = WorkingCalendar()


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


def test_ten_working_days_skip_the_weekends_between() -> None:
    # Friday 18 June 2021: two weekends in between, due the second Friday after at the same time.
    assert rules.answer_due(vn(2021, 6, 18, 8, 30), 10, calendar=CALENDAR) == vn(2021, 7, 2, 8, 30)


def test_the_2021_tet_break_does_not_count() -> None:
    # Tuesday 9 February 2021, the eve of the break (10-16 February): counting resumes on the 17th.
    assert rules.answer_due(vn(2021, 2, 9, 9, 0), 10, calendar=CALENDAR) == vn(2021, 3, 2, 9, 0)
    assert rules.answer_due(vn(2021, 2, 5, 16, 0), 3, calendar=CALENDAR) == vn(2021, 2, 17, 16, 0)


def test_an_item_received_after_closing_counts_from_the_next_working_morning() -> None:
    # Friday evening: Monday is the first day; one working day ends at Monday's closing.
    assert rules.answer_due(vn(2021, 6, 18, 18, 30), 1, calendar=CALENDAR) == vn(2021, 6, 21, 17, 0)


def test_a_deadline_needs_at_least_one_day() -> None:
    with pytest.raises(ValueError, match="at least one"):
        rules.answer_due(vn(2021, 6, 18, 8, 30), 0, calendar=CALENDAR)


def test_answered_on_the_due_date_at_any_hour_is_on_time() -> None:
    due = vn(2021, 7, 2, 8, 30)
    assert rules.answered_on_time(vn(2021, 7, 2, 23, 59), due)
    assert rules.answered_on_time(vn(2021, 6, 30, 10, 0), due)
    assert not rules.answered_on_time(vn(2021, 7, 3, 0, 1), due)


def test_on_time_compares_dates_in_vietnam_not_in_utc() -> None:
    due = vn(2021, 7, 2, 8, 30)
    # 17:30 UTC on 2 July is 00:30 on 3 July in Vietnam: late, though the UTC date is the due date.
    assert not rules.answered_on_time(datetime(2021, 7, 2, 17, 30, tzinfo=UTC), due)
    assert rules.answered_on_time(datetime(2021, 7, 2, 16, 59, tzinfo=UTC), due)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        vietnam_date(datetime(2021, 7, 2, 8, 30))


def test_overdue_only_from_the_day_after_the_due_date_and_only_while_open() -> None:
    due = vn(2021, 7, 2, 8, 30)
    assert not rules.overdue(due, None, date(2021, 7, 2))
    assert rules.overdue(due, None, date(2021, 7, 3))
    assert not rules.overdue(due, vn(2021, 7, 5, 9, 0), date(2021, 7, 6))


def test_the_named_agency_wins_then_the_dossiers_lead_agency_then_nobody() -> None:
    assert rules.responsible_agency("THUE", "VPDK") == "THUE"
    assert rules.responsible_agency(None, "VPDK") == "VPDK"
    assert rules.responsible_agency(None, None) is None


def test_classify_judges_open_items_on_the_day_given() -> None:
    due = date(2021, 7, 2)
    assert rules.classify(due, date(2021, 7, 2), date(2021, 7, 31)) == "answered_on_time"
    assert rules.classify(due, date(2021, 7, 5), date(2021, 7, 31)) == "answered_late"
    assert rules.classify(due, None, date(2021, 7, 2)) == "open_within"
    assert rules.classify(due, None, date(2021, 7, 3)) == "open_overdue"
    # Answered after the day judged on: it was still open then.
    assert rules.classify(due, date(2021, 7, 5), date(2021, 7, 3)) == "open_overdue"


def test_as_of_is_the_period_end_or_today_while_it_runs() -> None:
    assert rules.as_of(date(2021, 6, 30), date(2021, 7, 15)) == date(2021, 6, 30)
    assert rules.as_of(date(2021, 7, 31), date(2021, 7, 15)) == date(2021, 7, 15)


days = st.dates(min_value=date(2021, 1, 1), max_value=date(2021, 12, 31))
groups = st.builds(
    rules.Group,
    agency_code=st.sampled_from(["VPDK", "THUE", "STNMT"]),
    due_date=days,
    answered_date=st.none() | days,
    items=st.integers(min_value=1, max_value=50),
)


@given(st.lists(groups, max_size=30), days)
def test_every_row_and_the_totals_reconcile(items: list[rules.Group], on: date) -> None:
    summary = rules.summarise(items, on=on)
    for counts in [*summary.rows.values(), summary.totals]:
        parts = counts.answered_on_time + counts.answered_late + counts.open_within + counts.open_overdue
        assert counts.received == parts
    assert summary.totals.received == sum(g.items for g in items)
    for field in ("received", "answered_on_time", "answered_late", "open_within", "open_overdue"):
        assert getattr(summary.totals, field) == sum(getattr(c, field) for c in summary.rows.values())


def test_a_day_has_no_hidden_timezone_shift() -> None:
    # The day boundary is midnight in Vietnam: 23:59 and 00:00 fall on two dates.
    assert vietnam_date(vn(2021, 7, 2, 23, 59)) + timedelta(days=1) == vietnam_date(vn(2021, 7, 3, 0, 0))
