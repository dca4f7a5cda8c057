"""The deadline rules as pure functions: clocks derived from facts, pauses, warnings, extension decisions."""

import random
from datetime import datetime, time
from decimal import Decimal

from services.deadline.calendar.explain import explain
from services.deadline.clocks import rules
from services.deadline.clocks.rules import ClockFacts, Mark, Pause, Terms
from services.deadline.extensions.rules import Decision, decide_extension
from shared.calendar import CalendarOverride, WorkingCalendar, WorkingDays, due_at
from shared.clock import VIETNAM

CAL = WorkingCalendar()
SHIFT = Terms(policy="shift")
RESTART = Terms(policy="restart")
WARN = 8 * 60


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


DUE = vn(2021, 7, 2, 8, 30)  # 10 working days from Friday 18 June 2021, 08:30
PAUSE = Pause(vn(2021, 6, 21, 9), vn(2021, 6, 23, 9), "supplement")  # two working days


def _derive(terms: Terms = SHIFT, **facts: object) -> rules.Derived:
    values: dict[str, object] = {"original_due": DUE, "days": Decimal(10), **facts}
    return rules.derive(ClockFacts(**values), terms=terms, calendar=CAL, warn_minutes=WARN)  # type: ignore[arg-type]


def test_a_running_clock_warns_eight_working_hours_before_its_due() -> None:
    clock = _derive()
    assert (clock.state, clock.due_at, clock.extended_due_at) == ("running", DUE, None)
    assert clock.warn_at == vn(2021, 7, 1, 8, 30)
    monday_morning = _derive(original_due=vn(2021, 7, 5, 8, 30))
    assert monday_morning.warn_at == vn(2021, 7, 2, 8, 30), "the weekend is not counted back"


def test_shift_adds_the_paused_working_minutes_and_keeps_the_original_due() -> None:
    clock = _derive(pauses=[PAUSE])
    assert clock.paused_minutes == 960
    assert clock.due_at == vn(2021, 7, 6, 8, 30)
    assert clock.warn_at == vn(2021, 7, 5, 8, 30)


def test_restart_counts_the_full_days_afresh_from_the_resumption() -> None:
    clock = _derive(RESTART, pauses=[PAUSE])
    assert clock.due_at == due_at(vn(2021, 6, 23, 9), 10, calendar=CAL).due == vn(2021, 7, 7, 9)
    assert clock.paused_minutes == 960


def test_a_financial_obligation_always_shifts_even_under_a_restart_policy() -> None:
    obligation = Pause(PAUSE.start, PAUSE.end, "financial_obligation")
    assert _derive(RESTART, pauses=[obligation]).due_at == vn(2021, 7, 6, 8, 30)


def test_an_open_pause_holds_the_clock_and_its_due() -> None:
    clock = _derive(pauses=[Pause(vn(2021, 6, 21, 9), None, "supplement")])
    assert (clock.state, clock.paused_at, clock.due_at, clock.paused_minutes) == (
        "paused",
        vn(2021, 6, 21, 9),
        DUE,
        0,
    )


def test_a_stop_ends_the_clock_counts_a_pause_under_way_and_ignores_later_ones() -> None:
    stopped_at = vn(2021, 6, 22, 9)  # one working day into the pause
    late = Pause(vn(2021, 6, 24, 9), vn(2021, 6, 25, 9), "supplement")
    clock = _derive(
        pauses=[Pause(vn(2021, 6, 21, 9), None, "supplement"), late],
        stopped_at=stopped_at,
        stop_reason="withdrawn",
    )
    assert (clock.state, clock.stopped_at, clock.stop_reason) == ("stopped", stopped_at, "withdrawn")
    assert (clock.paused_minutes, clock.due_at) == (480, DUE)


def test_an_unknown_start_is_pending_and_an_imported_dossier_is_closed() -> None:
    assert _derive(original_due=None).state == "pending"
    imported = _derive(closed=True)
    assert (imported.state, imported.stop_reason) == ("stopped", "imported")


def test_a_granted_extension_stays_beyond_the_due_as_pauses_move_it() -> None:
    clock = _derive(pauses=[PAUSE], extension_minutes=2 * 480)
    assert clock.due_at == vn(2021, 7, 6, 8, 30), "lateness is still judged by the due without it"
    assert clock.extended_due_at == vn(2021, 7, 8, 8, 30)


def test_marks_pair_in_time_order_whatever_order_they_were_heard_in() -> None:
    marks = [
        Mark("resume", vn(2021, 6, 23, 9), policy="shift"),
        Mark("pause", vn(2021, 6, 21, 9), "supplement"),
        Mark("pause", vn(2021, 6, 21, 9, 1), "supplement"),  # the same pause heard twice
        Mark("pause", vn(2021, 6, 28, 9), "financial_obligation"),
        Mark("resume", vn(2021, 6, 20, 9)),  # a resumption before any pause: nothing to close
    ]
    expected = [
        Pause(vn(2021, 6, 21, 9), vn(2021, 6, 23, 9), "supplement", "shift"),
        Pause(vn(2021, 6, 28, 9), None, "financial_obligation"),
    ]
    for _ in range(5):
        random.shuffle(marks)
        assert rules.pauses_of(marks) == expected


def test_the_dossier_pauses_while_any_step_does_overlaps_counted_once() -> None:
    a = Pause(vn(2021, 6, 21, 9), vn(2021, 6, 23, 9), "financial_obligation")
    b = Pause(vn(2021, 6, 22, 9), vn(2021, 6, 24, 9), "supplement")
    c = Pause(vn(2021, 6, 28, 9), None, "supplement")
    union = rules.merged([c, b, a], RESTART)
    assert union == [
        Pause(vn(2021, 6, 21, 9), vn(2021, 6, 24, 9), "financial_obligation", "restart"),
        Pause(vn(2021, 6, 28, 9), None, "supplement", "restart"),
    ]
    shifted = rules.derive(
        ClockFacts(DUE, Decimal(10), rules.merged([a, b], SHIFT)),
        terms=SHIFT,
        calendar=CAL,
        warn_minutes=WARN,
        uses_policy=False,
    )
    assert shifted.paused_minutes == 3 * 480, "three working days, not four"


def _decide(**changes: object) -> Decision:
    values: dict[str, object] = {
        "requested_at": vn(2021, 6, 28, 9),
        "reason": "Cần xác minh thực địa",
        "role": "leader",
        "days": 3,
        "current_due": DUE,
        "already_extended": False,
        "calendar": CAL,
        **changes,
    }
    return decide_extension(**values)  # type: ignore[arg-type]


def test_an_extension_asked_in_time_by_a_leader_with_a_reason_adds_working_days() -> None:
    decision = _decide()
    assert decision.granted
    assert decision.new_due_at == vn(2021, 7, 7, 8, 30)
    assert decision.minutes == 3 * 480


def test_an_extension_is_denied_with_a_stable_code_for_each_broken_rule() -> None:
    assert _decide(already_extended=True).denial_code == "already_extended"
    assert _decide(role="officer").denial_code == "not_a_leader"
    assert _decide(role=None).denial_code == "not_a_leader", "no role in the request: not a leader"
    assert _decide(reason="   ").denial_code == "no_reason"
    assert _decide(requested_at=DUE).denial_code == "after_due"
    denied = _decide(requested_at=vn(2021, 7, 5, 9), role="officer")
    assert (denied.granted, denied.denial_code, denied.new_due_at) == (False, "not_a_leader", None)
    assert denied.denial_text
    assert "lãnh đạo" in denied.denial_text


def test_the_explanation_names_the_receipt_day_after_closing_or_after_the_cutoff() -> None:
    after_closing = vn(2021, 6, 18, 17, 30)
    result = due_at(after_closing, 1, calendar=CAL)
    causes = [
        (s.day.day, s.cause)
        for s in explain(after_closing, result, calendar=CAL, overrides={}, same_day=False, cutoff=time(15))
    ]
    assert causes == [(18, "after_closing"), (19, "weekend"), (20, "weekend")]
    after_cutoff = vn(2021, 6, 17, 15, 30)
    same_day = due_at(after_cutoff, 1, calendar=CAL, same_day=True, cutoff=time(15))
    explained = explain(after_cutoff, same_day, calendar=CAL, overrides={}, same_day=True, cutoff=time(15))
    assert [(s.day.day, s.cause) for s in explained] == [(17, "after_cutoff")]
    assert "15:00" in explained[0].reason


def test_the_explanation_tells_an_admin_override_from_a_holiday_and_a_swap() -> None:
    override = CalendarOverride(vn(2025, 4, 28).date(), False, "nghỉ theo quyết định của tỉnh")
    calendar = WorkingCalendar(days=WorkingDays([override]))
    start = vn(2025, 4, 25, 9)
    result = due_at(start, 5, calendar=calendar)
    explained = explain(
        start, result, calendar=calendar, overrides={override.day: override}, same_day=False, cutoff=time(15)
    )
    by_day = {s.day.isoformat(): (s.cause, s.reason) for s in explained}
    assert by_day["2025-04-27"][0] == "weekend"
    assert by_day["2025-04-28"] == ("override", "nghỉ theo quyết định của tỉnh")
    assert by_day["2025-04-30"][0] == "holiday"
    assert by_day["2025-05-02"][0] == "swap"
    assert "2025-04-26" not in by_day, "the swapped Saturday was worked"
