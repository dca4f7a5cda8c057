"""Percentages (docs/rules.md, "Report arithmetic"): two decimals, half up, from the exact counts,
never through a float."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.reporting.percent import percent


def test_12_345_percent_is_shown_12_35() -> None:
    assert percent(2469, 20000) == Decimal("12.35")
    assert str(percent(2469, 20000)) == "12.35"


def test_a_tie_rounds_up_where_a_float_would_round_down() -> None:
    assert percent(3, 20000) == Decimal("0.02")  # exactly 0.015
    assert round(3 / 20000 * 100, 2) == 0.01  # the float 0.015 is 0.01499999...: what it would say


@pytest.mark.parametrize(
    ("part", "whole", "shown"),
    [
        (1, 8, "12.50"),  # always two decimals
        (1, 3, "33.33"),
        (2, 3, "66.67"),
        (1, 800, "0.13"),  # 0.125: half up
        (1, 20000, "0.01"),  # 0.005: half up
        (1, 20001, "0.00"),  # 0.0049998...: down
        (3, 80000, "0.00"),  # 0.00375
        (1001, 8000, "12.51"),  # 12.5125
        (0, 7, "0.00"),
        (7, 7, "100.00"),
        (3, 2, "150.00"),  # a part may exceed its whole (reused components, say): still exact
        (10**18 + 5, 10**19, "10.00"),  # large counts: no float, no precision lost
    ],
)
def test_a_percentage_has_two_decimals_rounded_half_up(part: int, whole: int, shown: str) -> None:
    value = percent(part, whole)
    assert value is not None
    assert str(value) == shown
    assert value.as_tuple().exponent == -2


def test_nothing_to_divide_by_is_no_percentage() -> None:
    assert percent(0, 0) is None


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="percentage of counts"):
        percent(-1, 5)
    with pytest.raises(ValueError, match="percentage of counts"):
        percent(1, -5)


@given(whole=st.integers(1, 10**9), data=st.data())
def test_a_percentage_is_the_exact_one_rounded_half_up(whole: int, data: st.DataObject) -> None:
    part = data.draw(st.integers(0, whole))
    value = percent(part, whole)
    assert value is not None
    exact = Fraction(100 * part, whole)
    error = Fraction(value) - exact
    assert -Fraction(1, 200) < error <= Fraction(1, 200)  # nearest, and a tie goes up
    assert value.as_tuple().exponent == -2


def test_rows_are_rounded_alone_and_may_not_add_up_to_100() -> None:
    """Three equal thirds show 33.33 each (99.99): each row from its own counts, as the rule says."""
    shown = [percent(1, 3) for _ in range(3)]
    assert sum(s for s in shown if s is not None) == Decimal("99.99")
