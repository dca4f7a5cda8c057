"""Satisfaction by agency, pure: percentages by largest remainder, totals the sum of the rows, feedback
received in the period judged on the right day. No servers (end to end: test_satisfaction_e2e.py)."""

from collections.abc import Sequence
from datetime import date
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.reporting.satisfaction.report import (
    BallotCount,
    FeedbackCount,
    columns,
    feedback_state,
    satisfaction_table,
)
from services.reporting.shares import shares
from services.reporting.tables import Table

FROM, TO = date(2025, 1, 1), date(2025, 6, 30)
COUNT_KEYS = [c.key for c in columns() if c.kind == "count"]
PCT_KEYS = [c.key for c in columns() if c.kind == "percent"]
QUESTION_OPTIONS = (("simple", "fewer_papers", "complex"), ("very_satisfied", "satisfied", "unsatisfied"))
NAMES = {"VPDK": "Chi nhánh Văn phòng đăng ký đất đai", "THUE": "Chi cục Thuế"}


def table(
    ballots: Sequence[BallotCount], feedback: Sequence[FeedbackCount] = (), *, as_of: date = TO
) -> Table:
    return satisfaction_table(
        period_from=FROM,
        period_to=TO,
        as_of=as_of,
        ballot_counts=ballots,
        feedback_counts=feedback,
        names=NAMES,
    )


def row(t: Table, key: str) -> dict[str, Any]:
    return next(r for r in t.rows if r["key"] == key)


def assert_reconciles(t: Table) -> None:
    assert t.totals is not None
    for key in COUNT_KEYS:
        assert t.totals[key] == sum(r[key] for r in t.rows), key
    for r in [*t.rows, t.totals]:
        for options in QUESTION_OPTIONS:
            assert sum(r[o] for o in options) <= r["ballots"]
            if r["ballots"] and sum(r[o] for o in options) == r["ballots"]:
                assert sum(round(r[f"{o}_pct"] * 10) for o in options) == 1000
        assert r["feedback_received"] == sum(
            r[k]
            for k in (
                "feedback_answered_on_time",
                "feedback_answered_late",
                "feedback_open_within",
                "feedback_open_overdue",
            )
        )


# -- shares ----------------------------------------------------------------------------------------


def test_thirds_add_up_to_exactly_one_hundred() -> None:
    assert shares([1, 1, 1], 3) == [33.4, 33.3, 33.3]


def test_the_larger_remainder_gets_the_last_tenth_not_the_earlier_option() -> None:
    # 2/7 = 28.571…, 2/7, 3/7 = 42.857…: the two 28.5s have the larger remainder (.71 > .57)
    assert shares([2, 2, 3], 7) == [28.6, 28.6, 42.8]
    assert sum(s or 0.0 for s in shares([2, 2, 3], 7)) == pytest.approx(100.0)


def test_ballots_that_did_not_answer_keep_their_share_hidden() -> None:
    assert shares([1, 1], 4) == [25.0, 25.0]
    assert shares([0, 0, 0], 5) == [0.0, 0.0, 0.0]


def test_no_ballots_means_no_percentage() -> None:
    assert shares([0, 0, 0], 0) == [None, None, None]


def test_counts_larger_than_the_whole_are_refused() -> None:
    with pytest.raises(ValueError, match="parts of the whole"):
        shares([3, 2], 4)


@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=6), st.integers(0, 500))
def test_shares_add_to_100_and_each_is_within_a_tenth_of_the_exact_share(
    counts: list[int], unanswered: int
) -> None:
    whole = sum(counts) + unanswered
    result = shares(counts, whole)
    if whole == 0:
        assert result == [None] * len(counts)
        return
    tenths = [round(s * 10) for s in result if s is not None]
    exact = [Fraction(c * 1000, whole) for c in counts]
    assert all(abs(t - e) < 1 for t, e in zip(tenths, exact, strict=True))
    if unanswered == 0:
        assert sum(tenths) == 1000
    else:
        assert sum(tenths) <= 1000


# -- the table -------------------------------------------------------------------------------------


def test_rows_count_each_option_with_its_share_and_totals_are_the_sum_of_the_rows() -> None:
    t = table(
        [
            BallotCount("VPDK", "simple", "very_satisfied", 5),
            BallotCount("VPDK", "complex", "unsatisfied", 1),
            BallotCount("VPDK", "fewer_papers", "satisfied", 3),
            BallotCount("THUE", "simple", "satisfied", 2),
        ]
    )
    assert [r["key"] for r in t.rows] == ["THUE", "VPDK"]
    vpdk = row(t, "VPDK")
    assert vpdk["name"] == NAMES["VPDK"]
    assert (vpdk["ballots"], vpdk["simple"], vpdk["fewer_papers"], vpdk["complex"]) == (9, 5, 3, 1)
    assert (vpdk["very_satisfied"], vpdk["satisfied"], vpdk["unsatisfied"]) == (5, 3, 1)
    # 5/9 = 55.56, 3/9 = 33.33, 1/9 = 11.11: the largest remainder (.56) takes the spare tenth
    assert (vpdk["simple_pct"], vpdk["fewer_papers_pct"], vpdk["complex_pct"]) == (55.6, 33.3, 11.1)
    assert t.totals is not None
    assert t.totals["ballots"] == 11
    assert t.totals["simple"] == 7
    assert t.totals["simple_pct"] == 63.6  # from the totals' counts, 7/11, not an average of the rows
    assert_reconciles(t)


def test_the_seed_reports_mismatch_cannot_happen_totals_always_equal_the_rows() -> None:
    # The seed report said 2123 ballots in total; its rows did not add up to that. Ours always do.
    groups = [
        BallotCount(f"A{i:02d}", answer, mood, n)
        for i, (answer, mood, n) in enumerate(
            [
                ("simple", "very_satisfied", 812),
                ("fewer_papers", "satisfied", 604),
                ("complex", "unsatisfied", 17),
                ("simple", "satisfied", 443),
                ("fewer_papers", "very_satisfied", 246),
            ]
        )
    ]
    t = table(groups)
    assert t.totals is not None
    assert t.totals["ballots"] == sum(r["ballots"] for r in t.rows) == 2122
    assert_reconciles(t)


def test_a_ballot_on_a_form_without_a_question_counts_as_a_ballot_and_is_noted() -> None:
    t = table([BallotCount("THUE", None, "satisfied", 3), BallotCount("THUE", "simple", "satisfied", 1)])
    thue = row(t, "THUE")
    assert thue["ballots"] == 4
    assert (thue["simple"], thue["simple_pct"], thue["complex_pct"]) == (1, 25.0, 0.0)
    assert thue["satisfied_pct"] == 100.0
    assert any("3 phiếu không có câu trả lời về thủ tục" in note for note in t.notes)
    assert_reconciles(t)


def test_an_agency_with_feedback_but_no_ballots_has_a_row_without_percentages() -> None:
    t = table([], [FeedbackCount("VPDK", date(2025, 3, 14), date(2025, 3, 10), True, 2)])
    vpdk = row(t, "VPDK")
    assert vpdk["ballots"] == 0
    assert all(vpdk[k] is None for k in PCT_KEYS)
    assert (vpdk["feedback_received"], vpdk["feedback_answered_on_time"]) == (2, 2)
    assert_reconciles(t)


def test_an_unknown_agency_shows_its_code_as_its_name() -> None:
    assert row(table([BallotCount("XYZ", "simple", "satisfied", 1)]), "XYZ")["name"] == "XYZ"


def test_an_empty_period_has_no_rows_and_zero_totals() -> None:
    t = table([])
    assert t.rows == []
    assert t.totals is not None
    assert t.totals["ballots"] == 0
    assert t.totals["simple_pct"] is None


# -- feedback --------------------------------------------------------------------------------------

DUE = date(2025, 6, 20)


@pytest.mark.parametrize(
    ("answered_on", "on_time", "on", "state"),
    [
        (date(2025, 6, 20), True, TO, "feedback_answered_on_time"),  # on the due date, any hour
        (date(2025, 6, 23), False, TO, "feedback_answered_late"),
        (None, None, date(2025, 6, 20), "feedback_open_within"),  # due today: still within
        (None, None, date(2025, 6, 21), "feedback_open_overdue"),
        (date(2025, 7, 2), False, TO, "feedback_open_overdue"),  # answered after `to`: open at `to`
        (date(2025, 6, 19), None, TO, "feedback_answered_on_time"),  # no judgement: by date
    ],
)
def test_a_feedback_item_stands_where_its_dates_put_it(
    answered_on: date | None, on_time: bool | None, on: date, state: str
) -> None:
    assert feedback_state(FeedbackCount("VPDK", DUE, answered_on, on_time, 1), on) == state


def test_feedback_is_judged_on_the_day_given_so_a_running_period_shows_open_items_within() -> None:
    items = [FeedbackCount("THUE", date(2025, 6, 25), None, None, 4)]
    assert row(table([], items, as_of=date(2025, 6, 24)), "THUE")["feedback_open_within"] == 4
    assert row(table([], items, as_of=TO), "THUE")["feedback_open_overdue"] == 4


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["VPDK", "THUE", "STNMT"]),
            st.sampled_from([None, "simple", "fewer_papers", "complex", "other"]),
            st.sampled_from([None, "very_satisfied", "satisfied", "unsatisfied"]),
            st.integers(1, 50),
        ),
        max_size=20,
    ),
    st.lists(
        st.tuples(
            st.sampled_from(["VPDK", "THUE", "STNMT"]),
            st.dates(date(2025, 1, 1), date(2025, 8, 1)),
            st.none() | st.dates(date(2025, 1, 1), date(2025, 8, 1)),
            st.integers(1, 9),
        ),
        max_size=20,
    ),
)
def test_any_ballots_and_feedback_reconcile(
    ballots: list[tuple[str, str | None, str | None, int]], feedback: list[tuple[str, date, date | None, int]]
) -> None:
    t = table(
        [BallotCount(*b) for b in ballots],
        [FeedbackCount(a, due, answered, None, n) for a, due, answered, n in feedback],
    )
    assert_reconciles(t)
    assert t.totals is not None
    assert t.totals["ballots"] == sum(b[3] for b in ballots)
    assert t.totals["feedback_received"] == sum(f[3] for f in feedback)
