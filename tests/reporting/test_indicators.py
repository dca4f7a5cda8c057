"""Decision 766 indicators, pure: each rate from its counts, two decimals half up, full marks on the exact
counts, totals the sum of the rows. No servers (end to end: test_indicators_e2e.py)."""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.reporting.indicators.report import COLUMNS, DossierCounts, indicators_table
from services.reporting.satisfaction.report import BallotCount
from services.reporting.tables import Table

FROM, TO = date(2025, 1, 1), date(2025, 6, 30)
COUNT_KEYS = [c.key for c in COLUMNS if c.kind == "count"]
NAMES = {"VPDK": "Chi nhánh Văn phòng đăng ký đất đai"}


def table(dossiers: Sequence[DossierCounts], ballots: Sequence[BallotCount] = ()) -> Table:
    return indicators_table(
        period_from=FROM, period_to=TO, dossier_counts=dossiers, ballot_counts=ballots, names=NAMES
    )


def row(t: Table, key: str) -> dict[str, Any]:
    return next(r for r in t.rows if r["key"] == key)


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (1, 3, "33.33"),
        (2, 3, "66.67"),
        (1, 8, "12.50"),
        (1, 16, "6.25"),
        (1, 1600, "0.06"),
        (1, 16000, "0.01"),  # 0.00625: half up
        (2469, 20000, "12.35"),  # 12.345
        (0, 5, "0.00"),
        (3, 0, None),
    ],
)
def test_a_rate_is_rounded_half_up_to_two_decimals(part: int, whole: int, expected: str | None) -> None:
    online = row(table([DossierCounts("VPDK", received=whole, received_online=part)]), "VPDK")["online_rate"]
    assert online == (None if expected is None else Decimal(expected))
    assert online is None or str(online) == expected


def test_each_indicator_comes_from_its_own_counts() -> None:
    t = table(
        [
            DossierCounts(
                "VPDK",
                received=40,
                received_online=10,
                digitized=30,
                documents_digitized=120,
                documents_reused=18,
                resolved=25,
                resolved_in_time=24,
            )
        ],
        [
            BallotCount("VPDK", "simple", "very_satisfied", 7),
            BallotCount("VPDK", "complex", "satisfied", 2),
            BallotCount("VPDK", None, "unsatisfied", 1),
        ],
    )
    vpdk = row(t, "VPDK")
    assert vpdk["name"] == NAMES["VPDK"]
    assert vpdk["on_time_rate"] == Decimal("96.00")
    assert vpdk["online_rate"] == Decimal("25.00")
    assert vpdk["digitization_rate"] == Decimal("75.00")
    assert vpdk["reuse_rate"] == Decimal("15.00")
    assert (vpdk["ballots"], vpdk["ballots_satisfied"], vpdk["satisfaction_rate"]) == (
        10,
        9,
        Decimal("90.00"),
    )
    assert vpdk["satisfaction_full_marks"] is True


def test_full_marks_go_by_the_exact_counts_not_by_the_rounded_rate() -> None:
    # 17999 / 20000 = 89.995 % rounds to 90.00, but is not 90 %.
    ballots = [BallotCount("VPDK", None, "satisfied", 17999), BallotCount("VPDK", None, "unsatisfied", 2001)]
    t = table([], ballots)
    assert row(t, "VPDK")["satisfaction_rate"] == Decimal("90.00")
    assert row(t, "VPDK")["satisfaction_full_marks"] is False


def test_a_rate_with_nothing_to_divide_by_is_empty() -> None:
    t = table([DossierCounts("THUE", received=3, received_online=3)])
    thue = row(t, "THUE")
    assert thue["online_rate"] == Decimal("100.00")
    assert (thue["on_time_rate"], thue["reuse_rate"], thue["satisfaction_rate"]) == (None, None, None)
    assert thue["satisfaction_full_marks"] is None


def test_an_agency_with_only_ballots_or_only_dossiers_has_a_row() -> None:
    t = table([DossierCounts("THUE", received=1)], [BallotCount("STNMT", None, "satisfied", 1)])
    assert [r["key"] for r in t.rows] == ["STNMT", "THUE"]


def test_totals_sum_the_counts_and_compute_their_rates_from_the_sums() -> None:
    t = table(
        [
            DossierCounts("A", received=1, received_online=1, resolved=1, resolved_in_time=1),
            DossierCounts("B", received=3, received_online=0, resolved=3, resolved_in_time=1),
        ]
    )
    assert t.totals is not None
    assert (t.totals["received"], t.totals["received_online"], t.totals["online_rate"]) == (
        4,
        1,
        Decimal("25.00"),
    )
    assert t.totals["on_time_rate"] == Decimal("50.00")  # 2 / 4, not the mean of 100 % and 33.33 %


@given(
    st.lists(
        st.builds(
            lambda agency, received, online, resolved, in_time: DossierCounts(
                agency,
                received=received,
                received_online=min(online, received),
                resolved=resolved,
                resolved_in_time=min(in_time, resolved),
            ),
            st.sampled_from(["VPDK", "THUE", "STNMT"]),
            st.integers(0, 100),
            st.integers(0, 100),
            st.integers(0, 100),
            st.integers(0, 100),
        ),
        max_size=10,
    ),
    st.lists(
        st.builds(
            BallotCount,
            st.sampled_from(["VPDK", "THUE", "STNMT"]),
            st.none(),
            st.sampled_from(["very_satisfied", "satisfied", "unsatisfied"]),
            st.integers(1, 30),
        ),
        max_size=10,
    ),
)
def test_any_counts_reconcile(dossiers: list[DossierCounts], ballots: list[BallotCount]) -> None:
    t = table(dossiers, ballots)
    assert t.totals is not None
    for key in COUNT_KEYS:
        assert t.totals[key] == sum(r[key] for r in t.rows), key
    for r in [*t.rows, t.totals]:
        for value in (r["on_time_rate"], r["online_rate"], r["satisfaction_rate"]):
            assert value is None or (0 <= value <= 100 and value.as_tuple().exponent == -2)
