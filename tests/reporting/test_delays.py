"""Delay attribution, pure: late steps per agency in the dossiers resolved late, the first late step
of each, and the late dossiers no step explains. No servers (end to end: test_delays_e2e.py)."""

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from services.reporting.delays.report import UNATTRIBUTED, LateStep, delays_table
from services.reporting.percent import percent
from services.reporting.tables import Table

FROM, TO = date(2025, 1, 1), date(2025, 6, 30)
NAMES = {"VPDK": "Chi nhánh Văn phòng đăng ký đất đai", "STNMT": "Phòng Tài nguyên và Môi trường"}
T0 = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)


def table(late_dossiers: Sequence[UUID], steps: Sequence[LateStep]) -> Table:
    assert {s.dossier_id for s in steps} <= set(late_dossiers), "the query joins steps to late dossiers"
    return delays_table(
        period_from=FROM, period_to=TO, late_dossiers=len(late_dossiers), late_steps=steps, names=NAMES
    )


def row(t: Table, key: str) -> dict[str, Any]:
    return next(r for r in t.rows if r["key"] == key)


def step(dossier: UUID, agency: str, position: int, day: int = 0) -> LateStep:
    return LateStep(dossier, agency, position, T0 + timedelta(days=day))


def assert_reconciles(t: Table, late_dossiers: int) -> None:
    assert t.totals is not None
    for key in ("late_steps", "late_dossiers", "first_late"):
        assert t.totals[key] == sum(r[key] for r in t.rows)
    assert t.totals["first_late"] == late_dossiers
    for r in t.rows:  # each from its own counts, two decimals half up
        assert r["first_late_pct"] == percent(r["first_late"], late_dossiers)
    assert t.totals["first_late_pct"] == percent(late_dossiers, late_dossiers)
    if late_dossiers:  # each within half a hundredth: the rows may miss 100 by a few hundredths
        assert abs(sum(r["first_late_pct"] for r in t.rows) - 100) <= Decimal("0.005") * len(t.rows)


def test_land_dossiers_late_at_the_environment_step_are_attributed_to_environment() -> None:
    # The seed centre's complaint: land office (VPDK) on time, environment (STNMT) late.
    dossiers = [uuid.uuid4() for _ in range(3)]
    t = table(dossiers, [step(d, "STNMT", 2) for d in dossiers])
    stnmt = row(t, "STNMT")
    assert stnmt["name"] == NAMES["STNMT"]
    assert (stnmt["late_steps"], stnmt["late_dossiers"], stnmt["first_late"]) == (3, 3, 3)
    assert stnmt["first_late_pct"] == Decimal("100.00")
    assert [r["key"] for r in t.rows] == ["STNMT"]
    assert_reconciles(t, 3)


def test_a_dossier_late_at_two_agencies_counts_in_both_but_starts_at_the_first() -> None:
    both, only_env = uuid.uuid4(), uuid.uuid4()
    t = table(
        [both, only_env],
        [step(both, "VPDK", 1), step(both, "STNMT", 2, day=3), step(only_env, "STNMT", 2)],
    )
    vpdk, stnmt = row(t, "VPDK"), row(t, "STNMT")
    assert (vpdk["late_steps"], vpdk["late_dossiers"], vpdk["first_late"]) == (1, 1, 1)
    assert (stnmt["late_steps"], stnmt["late_dossiers"], stnmt["first_late"]) == (2, 2, 1)
    assert (vpdk["first_late_pct"], stnmt["first_late_pct"]) == (Decimal("50.00"), Decimal("50.00"))
    assert t.totals is not None
    assert t.totals["late_dossiers"] == 3  # reach: one dossier in two rows
    assert_reconciles(t, 2)


def test_parallel_steps_at_one_position_start_with_the_one_completed_first() -> None:
    d = uuid.uuid4()
    t = table([d], [step(d, "VPDK", 2, day=5), step(d, "STNMT", 2, day=1)])
    assert row(t, "STNMT")["first_late"] == 1
    assert row(t, "VPDK")["first_late"] == 0


def test_an_agency_late_twice_in_one_dossier_counts_two_steps_and_one_dossier() -> None:
    d = uuid.uuid4()
    t = table([d], [step(d, "VPDK", 1), step(d, "VPDK", 3, day=4)])
    assert (row(t, "VPDK")["late_steps"], row(t, "VPDK")["late_dossiers"]) == (2, 1)


def test_late_dossiers_without_a_late_step_are_counted_apart_so_the_column_adds_up() -> None:
    attributed, imported = uuid.uuid4(), uuid.uuid4()
    t = table([attributed, imported], [step(attributed, "STNMT", 2)])
    unexplained = row(t, UNATTRIBUTED)
    assert (unexplained["late_steps"], unexplained["first_late"]) == (0, 1)
    assert unexplained["first_late_pct"] == Decimal("50.00")
    assert t.rows[-1] is unexplained
    assert any("2 hồ sơ giải quyết quá hạn" in note for note in t.notes)
    assert_reconciles(t, 2)


def test_no_late_dossier_gives_an_empty_report() -> None:
    t = table([], [])
    assert t.rows == []
    assert t.totals is not None
    assert (t.totals["first_late"], t.totals["first_late_pct"]) == (0, None)


@given(
    st.integers(0, 30),
    st.lists(
        st.tuples(st.integers(0, 40), st.sampled_from(["VPDK", "THUE", "STNMT"]), st.integers(1, 4)),
        max_size=60,
    ),
)
def test_any_late_steps_reconcile(dossiers: int, raw: list[tuple[int, str, int]]) -> None:
    ids = [uuid.UUID(int=i + 1) for i in range(dossiers)]
    steps = [step(uuid.UUID(int=i + 1), agency, position) for i, agency, position in raw if i < dossiers]
    t = table(ids, steps)
    assert_reconciles(t, dossiers)
    assert t.totals is not None
    assert t.totals["late_steps"] == len(steps)


def test_three_agencies_first_late_in_one_dossier_each_show_33_33_and_the_total_100_00() -> None:
    dossiers = [uuid.uuid4() for _ in range(3)]
    t = table(dossiers, [step(d, a, 1) for d, a in zip(dossiers, ("STNMT", "THUE", "VPDK"), strict=True)])
    assert [r["first_late_pct"] for r in t.rows] == [Decimal("33.33")] * 3  # 99.99: each row alone
    assert t.totals is not None
    assert t.totals["first_late_pct"] == Decimal("100.00")  # from the totals' counts
