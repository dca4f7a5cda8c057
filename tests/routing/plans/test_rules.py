"""The plan's rules as pure functions: plans, outcomes by date. (Step dues and pauses are the shared
calendar's, tested in tests/calendar/test_pause.py.)"""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from services.routing.plans import rules
from services.routing.plans.rules import PlannedStep
from tests.routing.conftest import vn


def plan(route: list[dict[str, object]], days: int = 10) -> list[PlannedStep]:
    return rules.build_plan(route, lead_agency_code="LEAD", processing_days=Decimal(days))


def test_an_empty_route_is_one_step_at_the_lead_agency_with_all_the_days() -> None:
    assert plan([], 15) == [PlannedStep(1, 1, "LEAD", Decimal(15))]


def test_a_route_is_one_group_per_agency_in_order_with_its_own_days() -> None:
    steps = plan(
        [
            {"agency_code": "VPDK", "days": 5},
            {"agency_code": "THUE", "days": 3},
            {"agency_code": "TNMT", "days": 2},
        ]
    )
    assert [(s.position, s.group, s.agency_code, s.days) for s in steps] == [
        (1, 1, "VPDK", Decimal(5)),
        (2, 2, "THUE", Decimal(3)),
        (3, 3, "TNMT", Decimal(2)),
    ]


def test_items_sharing_a_group_run_together_and_groups_keep_the_order_they_first_appear_in() -> None:
    steps = plan(
        [
            {"agency_code": "A", "days": 2, "group": 7},
            {"agency_code": "B", "days": 3, "group": 7},
            {"agency_code": "C", "days": 1},
            {"agency_code": "D", "days": 4, "group": 2},
        ]
    )
    assert [(s.agency_code, s.group) for s in steps] == [("A", 1), ("B", 1), ("C", 2), ("D", 3)]


def test_items_without_days_share_what_the_others_leave_in_half_days() -> None:
    steps = plan(
        [
            {"agency_code": "A", "days": 3, "group": 1},
            {"agency_code": "B", "group": 1},
            {"agency_code": "C"},
            {"agency_code": "D"},
        ],
        days=10,
    )
    # Group 1 lasts 3 days (its longest item, which B joins); C and D share the 7 left: 3.5 each.
    assert [(s.agency_code, s.days) for s in steps] == [
        ("A", 3),
        ("B", 3),
        ("C", Decimal("3.5")),
        ("D", Decimal("3.5")),
    ]
    uneven = plan([{"agency_code": "A"}, {"agency_code": "B"}, {"agency_code": "C"}], days=10)
    assert [s.days for s in uneven] == [Decimal("3.0"), Decimal("3.0"), Decimal("4.0")]


@pytest.mark.parametrize(
    "route",
    [
        [{"days": 2}],
        [{"agency_code": " ", "days": 2}],
        [{"agency_code": "A", "days": -1}],
        [{"agency_code": "A", "days": "two"}],
        [{"agency_code": "A", "days": 0.25}],
        [{"agency_code": "A", "days": 1, "group": True}],
        [{"agency_code": "A", "days": 1, "group": "1"}],
    ],
)
def test_a_route_that_cannot_be_planned_is_refused(route: list[dict[str, object]]) -> None:
    with pytest.raises(ValueError, match=r"route\[0\]"):
        plan(route)


def test_an_online_dossier_takes_the_online_time_where_the_procedure_has_one() -> None:
    assert rules.plan_days(Decimal(10), Decimal(7), "online") == 7
    assert rules.plan_days(Decimal(10), Decimal(7), "direct") == 10
    assert rules.plan_days(Decimal(10), None, "online") == 10


def test_the_outcome_compares_dates_in_vietnam_not_datetimes() -> None:
    due = vn(2021, 7, 6, 8)
    assert rules.outcome(vn(2021, 7, 5, 16), due) == "early"
    assert rules.outcome(vn(2021, 7, 6, 16, 59), due) == "on_time"
    assert rules.outcome(vn(2021, 7, 7, 7, 30), due) == "late"
    # 17:30 UTC on the 6th is 00:30 on the 7th in Vietnam: late, though the UTC dates agree.
    assert rules.outcome(datetime(2021, 7, 6, 17, 30, tzinfo=UTC), due) == "late"
