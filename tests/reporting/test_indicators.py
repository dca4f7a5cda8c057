"""Decision 766 indicators, pure: each rate from its counts, two decimals half up, satisfaction counted on
dossiers, full marks on the exact counts, totals the sum of the rows, the indicators without data named.
No servers (end to end: test_indicators_e2e.py)."""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.reporting.indicators.report import (
    COLUMNS,
    UNAVAILABLE,
    DissatisfiedCount,
    DossierCounts,
    indicators_table,
    satisfaction,
)
from services.reporting.satisfaction.report import FeedbackCount
from services.reporting.tables import Table

FROM, TO = date(2025, 1, 1), date(2025, 6, 30)
COUNT_KEYS = [c.key for c in COLUMNS if c.kind == "count"]
NAMES = {"VPDK": "Chi nhánh Văn phòng đăng ký đất đai"}


def table(
    dossiers: Sequence[DossierCounts],
    dissatisfied: Sequence[DissatisfiedCount] = (),
    feedback: Sequence[FeedbackCount] = (),
) -> Table:
    return indicators_table(
        period_from=FROM,
        period_to=TO,
        dossier_counts=dossiers,
        dissatisfied=dissatisfied,
        feedback_counts=feedback,
        names=NAMES,
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
                full_online_received=8,
                full_online_received_online=6,
                partial_online_received=20,
                partial_online_received_online=4,
                digitized=30,
                documents_digitized=120,
                documents_reused=18,
                resolved=25,
                resolved_in_time=24,
                fees_paid=16,
                fees_paid_online=4,
            )
        ],
        [DissatisfiedCount("VPDK", 2)],
        [
            FeedbackCount("VPDK", date(2025, 6, 20), date(2025, 6, 18), True, 3),  # answered on time
            FeedbackCount("VPDK", date(2025, 6, 20), date(2025, 6, 25), False, 1),  # answered late
            FeedbackCount("VPDK", date(2025, 6, 27), None, None, 1),  # open past its due at `to`
            FeedbackCount("VPDK", date(2025, 7, 10), None, None, 5),  # open, due after `to`: not judged
        ],
    )
    vpdk = row(t, "VPDK")
    assert vpdk["name"] == NAMES["VPDK"]
    assert vpdk["on_time_rate"] == Decimal("96.00")
    assert vpdk["online_rate"] == Decimal("25.00")
    assert vpdk["full_online_rate"] == Decimal("75.00")
    assert vpdk["partial_online_rate"] == Decimal("20.00")
    assert vpdk["digitization_rate"] == Decimal("75.00")
    assert vpdk["reuse_rate"] == Decimal("15.00")
    assert vpdk["online_payment_rate"] == Decimal("25.00")
    assert (vpdk["feedback_due"], vpdk["feedback_answered_on_time"]) == (5, 3)
    assert vpdk["feedback_on_time_rate"] == Decimal("60.00")
    assert (vpdk["dissatisfied"], vpdk["satisfaction_rate"]) == (2, Decimal("92.00"))  # (25 - 2) / 25
    assert vpdk["satisfaction_full_marks"] is True


def test_the_766_satisfaction_formula_on_a_worked_case() -> None:
    """Twenty dossiers resolved. Ballots: nine satisfied, three not satisfied (dossiers 1-3); feedback
    items name dossier 3 (again) and dossier 4. Counting ballots gives 9 / 12 = 75 %; the decision
    counts dossiers: (20 - 4) / 20 = 80 %, short of full marks."""
    assert satisfaction(resolved=20, dissatisfied=4) == (16, 20)
    t = table([DossierCounts("VPDK", resolved=20, resolved_in_time=20)], [DissatisfiedCount("VPDK", 4)])
    vpdk = row(t, "VPDK")
    assert (vpdk["resolved"], vpdk["dissatisfied"], vpdk["satisfaction_rate"]) == (20, 4, Decimal("80.00"))
    assert vpdk["satisfaction_full_marks"] is False
    with pytest.raises(ValueError, match="dissatisfied"):
        satisfaction(resolved=3, dissatisfied=4)


def test_full_marks_go_by_the_exact_counts_not_by_the_rounded_rate() -> None:
    # 17999 / 20000 = 89.995 % rounds to 90.00, but is not 90 %.
    t = table([DossierCounts("VPDK", resolved=20000)], [DissatisfiedCount("VPDK", 2001)])
    assert row(t, "VPDK")["satisfaction_rate"] == Decimal("90.00")
    assert row(t, "VPDK")["satisfaction_full_marks"] is False
    t = table([DossierCounts("VPDK", resolved=20000)], [DissatisfiedCount("VPDK", 2000)])
    assert row(t, "VPDK")["satisfaction_full_marks"] is True


def test_a_rate_with_nothing_to_divide_by_is_empty() -> None:
    t = table([DossierCounts("THUE", received=3, received_online=3)])
    thue = row(t, "THUE")
    assert thue["online_rate"] == Decimal("100.00")
    empty = ("on_time_rate", "reuse_rate", "full_online_rate", "online_payment_rate", "satisfaction_rate")
    assert [thue[k] for k in empty] == [None] * len(empty)
    assert (thue["feedback_on_time_rate"], thue["satisfaction_full_marks"]) == (None, None)


def test_the_indicators_without_data_are_named_not_shown_as_zero() -> None:
    t = table([DossierCounts("THUE", received=1)])
    assert [u["code"] for u in t.as_json()["unavailable"]] == ["public_disclosure", "electronic_results"]
    assert all(any(u.name in note for note in t.notes) for u in UNAVAILABLE)
    assert not {"public_disclosure", "electronic_results"} & {c.key for c in t.columns}


def test_an_agency_with_only_feedback_or_only_dossiers_has_a_row() -> None:
    feedback = [FeedbackCount("STNMT", date(2025, 6, 1), date(2025, 6, 1), True, 1)]
    t = table([DossierCounts("THUE", received=1)], feedback=feedback)
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
            DissatisfiedCount,
            st.sampled_from(["VPDK", "THUE", "STNMT"]),
            st.integers(0, 3),
        ),
        max_size=10,
    ),
)
def test_any_counts_reconcile(dossiers: list[DossierCounts], dissatisfied: list[DissatisfiedCount]) -> None:
    # Of one agency's resolved dossiers, never more dissatisfied than resolved (as the read model gives).
    left = dict.fromkeys(["VPDK", "THUE", "STNMT"], 0)
    for d in dossiers:
        left[d.agency_code] += d.resolved
    kept = []
    for count in dissatisfied:
        if count.dossiers <= left[count.agency_code]:
            left[count.agency_code] -= count.dossiers
            kept.append(count)
    t = table(dossiers, kept)
    assert t.totals is not None
    for key in COUNT_KEYS:
        assert t.totals[key] == sum(r[key] for r in t.rows), key
    for r in [*t.rows, t.totals]:
        for value in (r["on_time_rate"], r["online_rate"], r["satisfaction_rate"]):
            assert value is None or (0 <= value <= 100 and value.as_tuple().exponent == -2)
