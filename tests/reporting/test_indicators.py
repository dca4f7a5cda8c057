"""Decision 766 indicators, pure: each rate from its counts, rounded half up, full marks on the exact
counts, totals the sum of the rows. No servers (end to end: test_indicators_e2e.py)."""

from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.reporting.indicators.report import COLUMNS, DossierCounts, indicators_table, rate
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
    [(1, 3, 33.3), (2, 3, 66.7), (1, 8, 12.5), (1, 16, 6.3), (1, 1600, 0.1), (0, 5, 0.0), (3, 0, None)],
)
def test_a_rate_is_rounded_half_up_to_a_tenth(part: int, whole: int, expected: float | None) -> None:
    assert rate(part, whole) == expected


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
    assert vpdk["on_time_rate"] == 96.0
    assert vpdk["online_rate"] == 25.0
    assert vpdk["digitization_rate"] == 75.0
    assert vpdk["reuse_rate"] == 15.0
    assert (vpdk["ballots"], vpdk["ballots_satisfied"], vpdk["satisfaction_rate"]) == (10, 9, 90.0)
    assert vpdk["satisfaction_full_marks"] is True


def test_full_marks_go_by_the_exact_counts_not_by_the_rounded_rate() -> None:
    # 8999 / 10000 = 89.99 % rounds to 90.0, but is not 90 %.
    ballots = [BallotCount("VPDK", None, "satisfied", 8999), BallotCount("VPDK", None, "unsatisfied", 1001)]
    t = table([], ballots)
    assert row(t, "VPDK")["satisfaction_rate"] == 90.0
    assert row(t, "VPDK")["satisfaction_full_marks"] is False


def test_a_rate_with_nothing_to_divide_by_is_empty() -> None:
    t = table([DossierCounts("THUE", received=3, received_online=3)])
    thue = row(t, "THUE")
    assert thue["online_rate"] == 100.0
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
    assert (t.totals["received"], t.totals["received_online"], t.totals["online_rate"]) == (4, 1, 25.0)
    assert t.totals["on_time_rate"] == 50.0  # 2 / 4, not the mean of 100 % and 33.3 %


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
            assert value is None or 0.0 <= value <= 100.0
