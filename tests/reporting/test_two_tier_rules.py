"""The pure rules behind issue #15's reports over the 2025 reform, in milliseconds: a period cut at the
rule sets' boundary, the service-level template of each rule set, names as they were, and old agencies
rolled up into their successors."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from services.reporting.processing.arithmetic import add_rows, contributions, row_counts
from services.reporting.processing.definition import MemoryModel
from services.reporting.processing.events import events_of
from services.reporting.processing.names import name_on, names_on
from services.reporting.processing.reports import service_levels_table
from services.reporting.processing.rule_periods import BUCKETS, LEVELS, rule_set_periods, service_bucket
from services.reporting.units.successors import Link, fold_sums, link_of, regroup, successor_on
from tests.reporting.timelines import Timeline, vn

# -- the period cut at the rule sets' boundary -------------------------------------------------------


def test_a_period_spanning_1_july_2025_is_cut_into_one_part_per_rule_set() -> None:
    parts = rule_set_periods(date(2021, 1, 1), date(2026, 12, 31))
    assert [(p.rule_set.code, p.start, p.end) for p in parts] == [
        ("nd61-2018", date(2021, 1, 1), date(2025, 6, 30)),
        ("nd118-2025", date(2025, 7, 1), date(2026, 12, 31)),
    ]
    assert [p.rule_set.online_scheme for p in parts] == ["levels", "classes"]


def test_a_period_inside_one_rule_set_is_one_part_and_days_before_the_first_set_are_judged_by_it() -> None:
    (h1,) = rule_set_periods(date(2025, 1, 1), date(2025, 6, 30))
    (h2,) = rule_set_periods(date(2025, 7, 1), date(2025, 12, 31))
    assert (h1.rule_set.code, h2.rule_set.code) == ("nd61-2018", "nd118-2025")
    (old,) = rule_set_periods(date(2005, 1, 1), date(2018, 12, 31))
    assert (old.rule_set.code, old.start, old.end) == ("nd61-2018", date(2005, 1, 1), date(2018, 12, 31))


# -- the service bucket of a dossier, fixed at receipt -------------------------------------------------


def test_a_dossier_s_bucket_is_its_receipt_day_s_scheme_and_its_level_under_it() -> None:
    assert service_bucket(date(2025, 6, 30), 4) == "levels_4"  # the last day of Decree 61/2018
    assert service_bucket(date(2025, 7, 1), 4) == "classes_full_online"  # the first of Decree 118/2025
    assert [service_bucket(date(2025, 7, 2), level) for level in (1, 2, 3, 4)] == [
        "classes_other",
        "classes_other",
        "classes_partial_online",
        "classes_full_online",
    ]
    assert [service_bucket(date(2021, 3, 1), level) for level in (1, 2, 3, 4)] == [
        "levels_1",
        "levels_2",
        "levels_3",
        "levels_4",
    ]
    # Before the first set (2018-06-21): judged by the first.
    assert service_bucket(date(2018, 6, 20), 2) == service_bucket(date(2005, 1, 1), 2) == "levels_2"
    assert service_bucket(date(2025, 7, 2), None) is None
    assert service_bucket(date(2025, 7, 2), 5) is None
    assert len(BUCKETS) == 7
    assert {
        service_bucket(day, level) for day in (date(2021, 1, 1), date(2026, 1, 1)) for level in LEVELS
    } == set(BUCKETS)


def test_a_dossier_counts_in_its_receipt_day_s_bucket_whatever_the_day_of_its_result() -> None:
    """Every counter of a dossier (received, resolved, open, overdue) is its receipt bucket's."""
    resolved_after = Timeline(received=vn(2025, 6, 20), due=vn(2025, 7, 1), level=4, resolved=vn(2025, 7, 10))
    model = _events([resolved_after])
    (facts,) = model.facts.values()
    series = {s for (_, _, s) in contributions(facts)}
    assert {s for s in series if s.startswith(("levels_", "classes_"))} == {
        "levels_4_received",
        "levels_4_open",
        "levels_4_late",
        "levels_4_overdue",
    }


# -- the service-level template of each rule set -----------------------------------------------------


def _events(timelines: list[Timeline]) -> MemoryModel:
    model = MemoryModel()
    for timeline in timelines:
        for event in events_of(timeline.events()):
            model.apply(event)
    return model


def _whole(model: MemoryModel, day: date) -> Counter[str]:
    total: Counter[str] = Counter()
    for counts in model.prefix(day).values():
        total.update(counts)
    return total


def _sums(model: MemoryModel, start: date, end: date) -> tuple[Counter[str], Counter[str]]:
    """P(to) and P(from - 1) of the whole model: all the service-level report reads."""
    return _whole(model, end), _whole(model, start - timedelta(days=1))


def test_2021_dossiers_count_by_levels_and_2026_dossiers_by_classes_in_one_report() -> None:
    old = [Timeline(received=vn(2021, 3, 1), due=vn(2021, 3, 10), level=level) for level in (2, 3, 4, 4)]
    new = [Timeline(received=vn(2026, 3, 2), due=vn(2026, 3, 10), level=level) for level in (1, 2, 3, 4, 4)]
    model = _events(old + new)
    start, end = date(2021, 1, 1), date(2026, 12, 31)
    table = service_levels_table(period_from=start, period_to=end, sums=_sums(model, start, end))

    shown = [(r["rule_set"], r["key"], r["level"], r["class"], r["count"], r["pct"]) for r in table.rows]
    assert shown == [
        ("nd61-2018", "nd61-2018/1", 1, "other", 0, Decimal("0.00")),
        ("nd61-2018", "nd61-2018/2", 2, "other", 1, Decimal("25.00")),
        ("nd61-2018", "nd61-2018/3", 3, "partial_online", 1, Decimal("25.00")),
        ("nd61-2018", "nd61-2018/4", 4, "full_online", 2, Decimal("50.00")),
        ("nd118-2025", "nd118-2025/full_online", None, "full_online", 2, Decimal("40.00")),
        ("nd118-2025", "nd118-2025/partial_online", None, "partial_online", 1, Decimal("20.00")),
        ("nd118-2025", "nd118-2025/other", None, "other", 2, Decimal("40.00")),
    ]
    assert table.totals is not None
    assert table.totals["count"] == sum(r["count"] for r in table.rows) == 9
    assert any("Nghị định 118/2025" in note for note in table.notes)


def test_a_half_year_after_the_reform_has_the_classes_section_only() -> None:
    model = _events([Timeline(received=vn(2025, 7, 1), due=vn(2025, 7, 10), level=4)])
    start, end = date(2025, 7, 1), date(2025, 12, 31)
    table = service_levels_table(period_from=start, period_to=end, sums=_sums(model, start, end))
    assert {r["rule_set"] for r in table.rows} == {"nd118-2025"}
    assert [(r["class"], r["count"]) for r in table.rows] == [
        ("full_online", 1),
        ("partial_online", 0),
        ("other", 0),
    ]


RESULTS = (
    "count",
    "resolved_total",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "pending_total",
    "pending_within",
    "pending_overdue",
)


ACROSS = (date(2025, 6, 1), date(2025, 7, 31))
H2_2025 = (date(2025, 7, 1), date(2025, 12, 31))
# Per row: the RESULTS, then `pct` and `on_time_pct`, for `across_the_reform`'s dossiers over ACROSS:
# every count in the section of the dossier's receipt day, the June dossiers' July results and
# pending included.
ACROSS_ROWS: dict[str, tuple[Any, ...]] = {
    "nd61-2018/1": (0, 0, 0, 0, 0, 0, 0, 0, Decimal("0.00"), None),
    "nd61-2018/2": (0, 0, 0, 0, 0, 0, 0, 0, Decimal("0.00"), None),
    "nd61-2018/3": (2, 2, 1, 1, 0, 0, 0, 0, Decimal("50.00"), Decimal("100.00")),
    "nd61-2018/4": (2, 1, 0, 0, 1, 1, 0, 1, Decimal("50.00"), Decimal("0.00")),
    "nd118-2025/full_online": (0, 0, 0, 0, 0, 0, 0, 0, Decimal("0.00"), None),
    "nd118-2025/partial_online": (1, 0, 0, 0, 0, 0, 0, 0, Decimal("33.33"), None),
    "nd118-2025/other": (2, 1, 1, 0, 0, 1, 1, 0, Decimal("66.67"), Decimal("100.00")),
}
# The same dossiers over the second half of 2025: nothing received under Decree 61/2018 in it, but
# the June level-4 dossiers' late result (2 July) and overdue pending are still that section's.
H2_ROWS: dict[str, tuple[Any, ...]] = {
    "nd61-2018/1": (0, 0, 0, 0, 0, 0, 0, 0, None, None),
    "nd61-2018/2": (0, 0, 0, 0, 0, 0, 0, 0, None, None),
    "nd61-2018/3": (0, 0, 0, 0, 0, 0, 0, 0, None, None),
    "nd61-2018/4": (0, 1, 0, 0, 1, 1, 0, 1, None, Decimal("0.00")),
    "nd118-2025/full_online": (0, 0, 0, 0, 0, 0, 0, 0, Decimal("0.00"), None),
    "nd118-2025/partial_online": (1, 0, 0, 0, 0, 0, 0, 0, Decimal("33.33"), None),
    "nd118-2025/other": (2, 1, 1, 0, 0, 1, 0, 1, Decimal("66.67"), Decimal("100.00")),
}
ACROSS_TOTALS = (7, 4, 2, 1, 1, 2, 1, 1, Decimal("100.00"), Decimal("75.00"))  # on time: 3 of 4


def across_the_reform(**here: Any) -> list[Timeline]:
    """Dossiers received and resolved on both sides of 1 July 2025, for a report over ACROSS."""
    june: dict[str, Any] = {**here, "received": vn(2025, 6, 2), "due": vn(2025, 6, 10)}
    return [
        Timeline(**june, level=3, resolved=vn(2025, 6, 9)),  # early, in June: level 3
        Timeline(**june, level=3, resolved=vn(2025, 6, 10, 16)),  # on time, in June: level 3
        Timeline(**june, level=4, resolved=vn(2025, 7, 2)),  # late, in July: still level 4
        Timeline(**here, received=vn(2025, 6, 20), due=vn(2025, 7, 10), level=4),  # overdue at `to`: level 4
        Timeline(**here, received=vn(2025, 7, 1), due=vn(2025, 8, 29), level=1),  # within at `to`: other
        Timeline(**here, received=vn(2025, 7, 2), due=vn(2025, 7, 7), level=2, resolved=vn(2025, 7, 4)),
        Timeline(**here, received=vn(2025, 7, 3), due=vn(2025, 7, 20), level=3, withdrawn=vn(2025, 7, 5)),
        Timeline(**here, received=vn(2025, 5, 5), due=vn(2025, 5, 9), level=4, resolved=vn(2025, 5, 8)),
    ]


def shown_results(row: dict[str, Any]) -> tuple[Any, ...]:
    return (*(row[k] for k in RESULTS), row["pct"], row["on_time_pct"])


def test_every_count_of_a_dossier_is_in_the_section_of_its_receipt_day_with_pending_at_to() -> None:
    timelines = across_the_reform()
    model = _events(timelines)
    start, end = ACROSS
    table = service_levels_table(period_from=start, period_to=end, sums=_sums(model, start, end))

    assert {r["key"]: shown_results(r) for r in table.rows} == ACROSS_ROWS
    totals = table.totals
    assert totals is not None
    assert shown_results(totals) == ACROSS_TOTALS
    # The same dossiers' results as the processing report counts them (every one has a level).
    whole = row_counts(_whole(model, end), _whole(model, start - timedelta(days=1)))
    assert [totals[k] for k in RESULTS[1:]] == [whole[k] for k in RESULTS[1:]]
    assert totals["count"] == whole["received"]


def test_a_half_year_after_the_reform_shows_the_levels_section_for_dossiers_received_before_it() -> None:
    timelines = across_the_reform()
    model = _events(timelines)
    start, end = H2_2025
    table = service_levels_table(period_from=start, period_to=end, sums=_sums(model, start, end))
    assert {r["key"]: shown_results(r) for r in table.rows} == H2_ROWS
    totals = table.totals
    assert totals is not None
    whole = row_counts(*_sums(model, start, end))
    assert [totals[k] for k in RESULTS[1:]] == [whole[k] for k in RESULTS[1:]]
    assert totals["count"] == whole["received"] == 3


def test_the_dated_examples_count_in_the_section_of_their_receipt_day() -> None:
    """Report 2025-07-01 .. 2025-12-31: a level-4 dossier received 2025-06-20 and resolved 2025-07-10
    is a level-4 result of the levels section, not a "full online" one; one received 2025-07-02 and
    resolved 2025-07-10 is full online; a level-3 dossier received 2025-06-25 and still open at
    2025-12-31 is pending at level 3 in the levels section."""
    model = _events(
        [
            Timeline(received=vn(2025, 6, 20), due=vn(2025, 7, 15), level=4, resolved=vn(2025, 7, 10)),
            Timeline(received=vn(2025, 7, 2), due=vn(2025, 7, 15), level=4, resolved=vn(2025, 7, 10)),
            Timeline(received=vn(2025, 6, 25), due=vn(2026, 3, 1), level=3),
        ]
    )
    start, end = H2_2025
    table = service_levels_table(period_from=start, period_to=end, sums=_sums(model, start, end))
    rows = {r["key"]: r for r in table.rows}
    counted = ("count", "resolved_total", "resolved_early", "pending_total", "pending_within")
    assert {key: tuple(r[k] for k in counted) for key, r in rows.items() if any(r[k] for k in counted)} == {
        "nd61-2018/4": (0, 1, 1, 0, 0),
        "nd61-2018/3": (0, 0, 0, 1, 1),
        "nd118-2025/full_online": (1, 1, 1, 0, 0),
    }
    level_4, level_3 = rows["nd61-2018/4"], rows["nd61-2018/3"]
    assert (level_4["rule_set"], level_4["scheme"], level_4["level"], level_4["class"]) == (
        "nd61-2018",
        "levels",
        4,
        "full_online",
    )
    assert (level_3["level"], level_3["pending_total"]) == (3, 1)
    assert rows["nd118-2025/full_online"]["on_time_pct"] == Decimal("100.00")
    # Every row has the same fields, whatever its section.
    assert len({tuple(sorted(r)) for r in table.rows}) == 1
    # Six months later the level-3 dossier, still open, keeps the levels section in the report.
    start, end = date(2026, 1, 1), date(2026, 6, 30)
    later = service_levels_table(period_from=start, period_to=end, sums=_sums(model, start, end))
    assert [r["rule_set"] for r in later.rows] == ["nd61-2018"] * 4 + ["nd118-2025"] * 3
    assert [r["pending_total"] for r in later.rows if r["level"] == 3] == [1]


def test_a_section_with_nothing_to_count_outside_its_days_is_left_out() -> None:
    model = _events(
        [Timeline(received=vn(2021, 3, 1), due=vn(2021, 3, 10), level=4, resolved=vn(2021, 3, 9))]
    )
    start, end = date(2021, 1, 1), date(2021, 12, 31)
    table = service_levels_table(period_from=start, period_to=end, sums=_sums(model, start, end))
    assert {r["rule_set"] for r in table.rows} == {"nd61-2018"}
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    table = service_levels_table(period_from=start, period_to=end, sums=_sums(model, start, end))
    assert {r["rule_set"] for r in table.rows} == {"nd118-2025"}, "the section its days meet, even empty"
    assert all(r["count"] == 0 and r["resolved_total"] == 0 for r in table.rows)


def test_a_row_s_on_time_rate_is_rounded_from_its_counts_and_the_total_s_from_the_totals() -> None:
    """2 of 3 (66.67) and 1 of 2 (50.00): the totals' 3 of 5 is 60.00, not a mean of the rounded rows."""
    base: dict[str, Any] = {"received": vn(2021, 3, 1), "due": vn(2021, 3, 10)}
    early, late = {**base, "resolved": vn(2021, 3, 5)}, {**base, "resolved": vn(2021, 3, 20)}
    timelines = [Timeline(**early, level=3), Timeline(**early, level=3), Timeline(**late, level=3)]
    timelines += [Timeline(**early, level=4), Timeline(**late, level=4)]
    model = _events(timelines)
    start, end = date(2021, 3, 1), date(2021, 3, 31)
    table = service_levels_table(period_from=start, period_to=end, sums=_sums(model, start, end))
    assert [r["on_time_pct"] for r in table.rows] == [None, None, Decimal("66.67"), Decimal("50.00")]
    assert table.totals is not None
    assert table.totals["on_time_pct"] == Decimal("60.00")


# -- names as they were ------------------------------------------------------------------------------


def at(day: date, hour: int = 9) -> datetime:
    return vn(day.year, day.month, day.day, hour)


def test_a_renamed_agency_keeps_its_old_name_in_periods_before_the_rename() -> None:
    spans = [
        ("Phòng Tài nguyên và Môi trường", at(date(2021, 1, 4)), at(date(2025, 6, 30), 16)),
        ("Phòng Nông nghiệp và Môi trường", at(date(2025, 7, 1)), at(date(2026, 3, 2))),
    ]
    assert name_on(spans, date(2021, 12, 31)) == "Phòng Tài nguyên và Môi trường"
    assert name_on(spans, date(2025, 6, 30)) == "Phòng Tài nguyên và Môi trường"
    assert name_on(spans, date(2025, 12, 31)) == "Phòng Nông nghiệp và Môi trường"
    # Nothing received by then: the earliest name after.
    assert name_on(spans, date(2020, 12, 31)) == "Phòng Tài nguyên và Môi trường"


def test_a_day_is_a_day_in_vietnam_and_a_name_taken_back_is_named_right() -> None:
    late_evening = vn(2025, 6, 30, 23, 30)  # 16:30 UTC: still 30 June in Vietnam
    spans = [("A", at(date(2024, 1, 2)), at(date(2024, 12, 31))), ("B", late_evening, late_evening)]
    assert name_on(spans, date(2025, 6, 30)) == "B"
    assert name_on(spans, date(2025, 6, 29)) == "A"
    # A, then B for 2025, then A again from 2026.
    taken_back = [
        ("A", at(date(2024, 1, 2)), at(date(2026, 5, 5))),
        ("B", at(date(2025, 1, 2)), at(date(2025, 12, 1))),
    ]
    assert [name_on(taken_back, day) for day in (date(2024, 6, 1), date(2025, 6, 1), date(2026, 6, 1))] == [
        "A",
        "B",
        "A",
    ]
    assert names_on({"X": taken_back, "Y": []}, date(2025, 6, 1)) == {"X": "B"}


# -- old agencies rolled up into their successors ------------------------------------------------------

LINKS = {
    "A": Link(date(2025, 6, 30), "B"),  # A merged into B on 1 July 2025
    "B": Link(date(2026, 3, 31), "C"),  # B into C on 1 April 2026
    "D": Link(date(2025, 6, 30), None),  # closed, nobody took over
    "X": Link(date(2025, 6, 30), "Y"),  # bad data: a circle
    "Y": Link(date(2025, 6, 30), "X"),
}


def test_a_closed_agency_answers_through_its_successor_in_force_at_the_period_s_end() -> None:
    assert successor_on("A", date(2025, 6, 30), LINKS) == "A"  # still in force on its last day
    assert successor_on("A", date(2025, 12, 31), LINKS) == "B"
    assert successor_on("A", date(2026, 12, 31), LINKS) == "C"  # A -> B -> C
    assert successor_on("D", date(2026, 12, 31), LINKS) == "D"
    assert successor_on("Z", date(2026, 12, 31), LINKS) == "Z"  # never heard of
    assert successor_on("X", date(2026, 1, 1), LINKS) == "Y"  # the circle stops


def test_a_closing_wins_over_the_dates_the_registration_gave() -> None:
    assert link_of(None, None, date(2025, 6, 30), "B") == Link(date(2025, 6, 30), "B")
    assert link_of(date(2025, 6, 30), "B", None, None) == Link(date(2025, 6, 30), "B")
    assert link_of(date(2030, 1, 1), "B", date(2025, 6, 30), None) == Link(date(2025, 6, 30), "B")


def test_folding_agencies_into_successors_keeps_the_totals() -> None:
    base: dict[str, Any] = {"received": vn(2025, 6, 2), "due": vn(2025, 7, 15)}
    timelines = [
        Timeline(**base, agency="A", resolved=vn(2025, 7, 20)),
        Timeline(**base, agency="A"),
        Timeline(received=vn(2025, 8, 1), due=vn(2025, 8, 15), agency="B", resolved=vn(2025, 8, 14)),
        Timeline(received=vn(2025, 8, 1), due=vn(2025, 8, 15), agency="E"),
    ]
    model = _events(timelines)
    start, end = date(2025, 7, 1), date(2025, 12, 31)
    at_end, before = model.prefix(end), model.prefix(start - timedelta(days=1))
    sums: dict[str, tuple[Counter[str], Counter[str]]] = {}
    for cell in {*at_end, *before}:
        pair = sums.setdefault(cell[2], (Counter(), Counter()))
        pair[0].update(at_end.get(cell, {}))
        pair[1].update(before.get(cell, {}))

    folded = fold_sums(sums, {"A": "B", "B": "B", "E": "E"})
    rows = {key: row_counts(*pair) for key, pair in folded.items()}
    assert set(rows) == {"B", "E"}
    assert (rows["B"]["carried_over"], rows["B"]["received"], rows["B"]["total"]) == (2, 1, 3)
    assert add_rows(rows.values()) == add_rows(row_counts(*pair) for pair in sums.values())


@dataclass(frozen=True)
class Counted:
    agency_code: str
    ballots: int


def test_counts_read_per_agency_move_to_the_successor_s_row() -> None:
    moved = regroup([Counted("A", 2), Counted("B", 3), Counted("E", 1)], {"A": "B"})
    assert moved == [Counted("B", 2), Counted("B", 3), Counted("E", 1)]
