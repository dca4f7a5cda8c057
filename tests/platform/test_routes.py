"""The route rule both intake and routing apply: groups in order of first appearance, in parallel."""

from decimal import Decimal

from shared.routes import group_numbers, route_days


def test_items_without_a_label_are_groups_of_their_own() -> None:
    assert group_numbers([None, None, None]) == [1, 2, 3]


def test_labels_are_renumbered_in_order_of_first_appearance() -> None:
    assert group_numbers([7, 7, None, 2, 7]) == [1, 1, 2, 3, 1]


def test_an_empty_route_has_no_groups_and_takes_no_days() -> None:
    assert group_numbers([]) == []
    assert route_days([]) == 0


def test_a_route_takes_each_groups_longest_item_one_after_another() -> None:
    items = [(None, Decimal(2)), (4, Decimal(3)), (4, Decimal("1.5")), (None, Decimal("0.5"))]
    assert route_days(items) == Decimal("5.5")


def test_a_sequential_route_takes_the_sum_of_its_days() -> None:
    assert route_days([(None, Decimal(5)), (None, Decimal(3)), (None, Decimal(2))]) == 10
