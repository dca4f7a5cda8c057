"""Satisfaction by agency, pure: percentages to two decimals, half up, each from its own counts, totals
the sum of the rows, feedback received in the period judged on the right day. No servers (end to end:
test_satisfaction_e2e.py)."""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.reporting.percent import percent
from services.reporting.satisfaction.report import (
    BallotCount,
    FeedbackCount,
    columns,
    feedback_state,
    satisfaction_table,
)
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
            for o in options:  # each from its own counts: a row's, or the totals'
                assert r[f"{o}_pct"] == percent(r[o], r["ballots"])
            if r["ballots"] and sum(r[o] for o in options) == r["ballots"]:  # within a hundredth of 100
                assert abs(sum(r[f"{o}_pct"] for o in options) - 100) <= Decimal("0.01")
        assert r["feedback_received"] == sum(
            r[k]
            for k in (
                "feedback_answered_on_time",
                "feedback_answered_late",
                "feedback_open_within",
                "feedback_open_overdue",
            )
        )


# -- percentages ---------------------------------------------------------------------------------


def test_thirds_show_33_33_each_and_the_question_adds_up_to_99_99_as_the_rule_says() -> None:
    t = table([BallotCount("VPDK", answer, None, 1) for answer in ("simple", "fewer_papers", "complex")])
    vpdk = row(t, "VPDK")
    shown = [vpdk["simple_pct"], vpdk["fewer_papers_pct"], vpdk["complex_pct"]]
    assert shown == [Decimal("33.33")] * 3
    assert sum(shown) == Decimal("99.99")
    assert_reconciles(t)


def test_ballots_that_did_not_answer_count_in_the_whole_of_each_share() -> None:
    thue = row(table([BallotCount("THUE", "simple", None, 1), BallotCount("THUE", None, None, 7)]), "THUE")
    assert (thue["simple_pct"], thue["fewer_papers_pct"]) == (Decimal("12.50"), Decimal("0.00"))


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
    # 5/9 = 55.555…, 3/9 = 33.333…, 1/9 = 11.111…: each rounded alone (they add up to 100.00 here)
    assert (vpdk["simple_pct"], vpdk["fewer_papers_pct"], vpdk["complex_pct"]) == (
        Decimal("55.56"),
        Decimal("33.33"),
        Decimal("11.11"),
    )
    assert t.totals is not None
    assert t.totals["ballots"] == 11
    assert t.totals["simple"] == 7
    assert t.totals["simple_pct"] == Decimal("63.64")  # from the totals' counts, 7/11, not the rows
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
    assert (thue["simple"], thue["simple_pct"], thue["complex_pct"]) == (1, Decimal("25.00"), Decimal("0.00"))
    assert thue["satisfied_pct"] == Decimal("100.00")
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
