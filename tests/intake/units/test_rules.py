"""The rules of receiving units, without a database: a unit's period, and links that would loop."""

from datetime import date

from services.intake.history import loops_back, period_in_order


def test_a_unit_may_end_on_its_first_day_but_not_before() -> None:
    first = date(2025, 7, 1)
    assert period_in_order(first, None)
    assert period_in_order(first, first)
    assert not period_in_order(first, date(2025, 6, 30))


def test_a_link_back_to_the_unit_itself_is_a_cycle_however_long() -> None:
    successors = {"A": "B", "B": "C", "C": None}
    assert loops_back("C", "A", successors)  # C taken over by A, which leads on to C
    assert loops_back("A", "A", successors)
    assert not loops_back("D", "A", successors)
    assert not loops_back("A", "C", successors)


def test_a_loop_already_stored_ends_the_walk() -> None:
    parents = {"A": "B", "B": "A"}
    assert not loops_back("X", "A", parents)
