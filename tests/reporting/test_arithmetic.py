"""The report arithmetic on hand-built dossiers: every rule of docs/rules.md "Report arithmetic" and every
period boundary, through the same fold, counters and Fenwick tree the database keeps (in memory)."""

import random
import uuid
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from services.reporting.processing import arithmetic
from services.reporting.processing.definition import MemoryModel
from services.reporting.processing.events import events_of
from services.reporting.processing.models import TREE_SERIES
from services.reporting.processing.reports import processing_table, service_levels_table
from shared.messaging.envelope import CloudEvent
from tests.reporting.timelines import Appointment, Pause, Timeline, expected_rows, reconciles, vn

FROM, TO = date(2021, 7, 1), date(2021, 12, 31)


def feed(model: MemoryModel, events: list[CloudEvent]) -> None:
    for event in events_of(events):
        model.apply(event)


def row(
    *timelines: Timeline, period: tuple[date, date] = (FROM, TO), order: str = "as_happened"
) -> dict[str, int]:
    """The one row of these dossiers (all in one cell), checked against the brute force."""
    model = MemoryModel()
    events = [e for t in timelines for e in t.events()]
    if order == "reversed":
        events.reverse()
    feed(model, events)
    rows = {k: v for k, v in model.rows(*period).items() if v["total"]}
    assert rows == expected_rows(list(timelines), *period)
    assert len(rows) <= 1
    found = next(iter(rows.values()), dict.fromkeys(arithmetic.ROW_FIELDS, 0))
    assert reconciles(found)
    return found


def only(found: dict[str, int], **counts: int) -> None:
    """`found` has these counts and zero everywhere else."""
    assert {k: v for k, v in found.items() if v} == counts


def test_a_dossier_received_on_from_is_received_not_carried_over() -> None:
    t = Timeline(received=vn(2021, 7, 1, 7, 30), due=vn(2022, 1, 20))
    only(row(t), total=1, received=1, received_counter=1, pending_total=1, pending_within=1)


def test_a_dossier_received_the_day_before_from_and_still_open_is_carried_over() -> None:
    t = Timeline(received=vn(2021, 6, 30, 16, 45), due=vn(2022, 1, 20))
    only(row(t), total=1, carried_over=1, pending_total=1, pending_within=1)


def test_a_dossier_received_the_day_after_to_is_not_in_the_report() -> None:
    only(row(Timeline(received=vn(2022, 1, 1, 0, 5), due=vn(2022, 1, 20))))


def test_a_dossier_closed_before_from_is_not_in_the_report() -> None:
    t = Timeline(received=vn(2021, 6, 1), due=vn(2021, 6, 30), resolved=vn(2021, 6, 30, 23, 59))
    only(row(t))


def test_a_dossier_carried_over_and_resolved_on_from_counts_as_resolved() -> None:
    t = Timeline(received=vn(2021, 6, 1), due=vn(2021, 7, 5), resolved=vn(2021, 7, 1, 0, 1))
    only(row(t), total=1, carried_over=1, resolved_total=1, resolved_early=1)


def test_a_dossier_resolved_on_to_is_resolved_not_pending() -> None:
    t = Timeline(received=vn(2021, 12, 1), due=vn(2021, 12, 31, 17), resolved=vn(2021, 12, 31, 23, 59))
    only(row(t), total=1, received=1, received_counter=1, resolved_total=1, resolved_on_time=1)


def test_a_dossier_resolved_the_day_after_to_is_pending_at_to() -> None:
    t = Timeline(received=vn(2021, 12, 1), due=vn(2021, 12, 30), resolved=vn(2022, 1, 1, 0, 0))
    only(row(t), total=1, received=1, received_counter=1, pending_total=1, pending_overdue=1)


def test_a_dossier_due_on_to_and_open_is_within_the_deadline() -> None:
    t = Timeline(received=vn(2021, 12, 1), due=vn(2021, 12, 31, 8))
    only(row(t), total=1, received=1, received_counter=1, pending_total=1, pending_within=1)


def test_a_dossier_due_the_day_before_to_and_open_is_overdue() -> None:
    t = Timeline(received=vn(2021, 12, 1), due=vn(2021, 12, 30, 17))
    only(row(t), total=1, received=1, received_counter=1, pending_total=1, pending_overdue=1)


def test_early_on_time_and_late_compare_dates_in_vietnam_not_instants() -> None:
    due = vn(2021, 8, 10, 17)
    early = Timeline(due=due, resolved=vn(2021, 8, 9, 23, 59), received=vn(2021, 8, 1))
    same_day_after_hours = Timeline(due=due, resolved=vn(2021, 8, 10, 22), received=vn(2021, 8, 1))
    # 00:30 in Vietnam is still the 10th in UTC: the day in Vietnam makes it late.
    next_morning = Timeline(due=due, resolved=vn(2021, 8, 11, 0, 30), received=vn(2021, 8, 1))
    found = row(early, same_day_after_hours, next_morning)
    assert (found["resolved_early"], found["resolved_on_time"], found["resolved_late"]) == (1, 1, 1)
    assert found["late_without_apology"] == 1


def test_late_with_and_without_an_apology_letter() -> None:
    late: dict[str, Any] = {"received": vn(2021, 8, 1), "due": vn(2021, 8, 10), "resolved": vn(2021, 8, 12)}
    found = row(Timeline(**late, apology=True), Timeline(**late), Timeline(**late))
    assert (found["resolved_late"], found["late_with_apology"], found["late_without_apology"]) == (3, 1, 2)


def test_an_apology_heard_after_the_resolution_still_counts() -> None:
    t = Timeline(received=vn(2021, 8, 1), due=vn(2021, 8, 10), resolved=vn(2021, 8, 12), apology=True)
    assert row(t, order="reversed")["late_with_apology"] == 1


def test_late_is_split_by_a_timely_letter_a_late_letter_and_none() -> None:
    late: dict[str, Any] = {"received": vn(2021, 8, 1), "due": vn(2021, 8, 10), "resolved": vn(2021, 8, 12)}
    found = row(
        Timeline(**late, letters=[True]),
        Timeline(**late, letters=[False, True]),  # a second letter in time: the dossier had one
        Timeline(**late, letters=[False]),
        Timeline(**late, letters=[False, False]),
        Timeline(**late, apology=True),  # a letter of unknown timeliness (sent before it was judged)
        Timeline(**late),
    )
    assert found["resolved_late"] == 6
    assert found["late_with_apology"] == 5
    assert (found["late_with_timely_apology"], found["late_with_late_apology"]) == (2, 3)
    assert found["late_without_apology"] == 1


def test_a_timely_letter_heard_after_a_late_one_and_the_resolution_still_makes_it_timely() -> None:
    t = Timeline(
        received=vn(2021, 8, 1), due=vn(2021, 8, 10), resolved=vn(2021, 8, 12), letters=[False, True]
    )
    for order in ("as_happened", "reversed"):
        found = row(t, order=order)
        assert (found["late_with_timely_apology"], found["late_with_late_apology"]) == (1, 0)


def test_letters_of_a_dossier_resolved_in_time_count_nowhere() -> None:
    t = Timeline(received=vn(2021, 8, 1), due=vn(2021, 8, 10), resolved=vn(2021, 8, 10), letters=[True])
    only(row(t), total=1, received=1, received_counter=1, resolved_total=1, resolved_on_time=1)


def test_the_timely_late_letter_counters_split_only_the_period_s_late_resolutions() -> None:
    before = Timeline(received=vn(2021, 6, 1), due=vn(2021, 6, 10), resolved=vn(2021, 6, 20), letters=[True])
    inside = Timeline(received=vn(2021, 6, 1), due=vn(2021, 6, 10), resolved=vn(2021, 7, 2), letters=[None])
    found = row(before, inside)
    assert (found["late_with_timely_apology"], found["late_with_late_apology"]) == (0, 1)


# -- the due the law recognises (dossier.appointment_changed) ----------------------------------------

# Issue #16: received 2025-03-03, due 2025-03-10, paused 03-04 -> 03-14 for a supplement (shift
# policy: the due moves by the pause's working days), resolved 2025-03-18.
MARCH = (date(2025, 3, 1), date(2025, 3, 31))
SHIFTED = Appointment(paused=vn(2025, 3, 4, 10), resumed=vn(2025, 3, 14, 9), due=vn(2025, 3, 20, 17))


def _issue_16(**changes: Any) -> Timeline:
    return Timeline(received=vn(2025, 3, 3, 8), due=vn(2025, 3, 10, 17), **changes)


def test_a_dossier_resolved_within_its_moved_due_is_on_time_and_late_without_the_move() -> None:
    moved = row(_issue_16(resolved=vn(2025, 3, 18, 15), appointments=[SHIFTED]), period=MARCH)
    assert (moved["resolved_early"], moved["resolved_late"]) == (1, 0)
    unmoved = row(_issue_16(resolved=vn(2025, 3, 18, 15)), period=MARCH)
    assert (unmoved["resolved_late"], unmoved["late_without_apology"]) == (1, 1)


def test_an_apology_letter_never_moves_the_due() -> None:
    t = _issue_16(resolved=vn(2025, 3, 18, 15), letters=[True])  # its new return date is not a due
    found = row(t, period=MARCH)
    assert (found["resolved_late"], found["late_with_timely_apology"]) == (1, 1)


def test_the_moved_due_is_the_latest_resumption_s_in_any_order() -> None:
    later = Appointment(paused=vn(2025, 3, 17, 9), resumed=vn(2025, 3, 19, 9), due=vn(2025, 3, 24, 17))
    t = _issue_16(resolved=vn(2025, 3, 21, 15), appointments=[later, SHIFTED])  # heard latest first
    for order in ("as_happened", "reversed"):
        found = row(t, period=MARCH, order=order)
        assert (found["resolved_early"], found["resolved_late"]) == (1, 0), order
    model = MemoryModel()
    events = t.events()
    feed(model, [*events, *reversed(events), events[1]])  # repeated: the same facts
    (facts,) = model.facts.values()
    assert facts.due_date == date(2025, 3, 24)
    assert facts.original_due_date == date(2025, 3, 10)


def test_a_pending_dossier_within_its_moved_due_is_within_and_overdue_after_it() -> None:
    t = _issue_16(appointments=[SHIFTED])
    within = row(t, period=(date(2025, 3, 1), date(2025, 3, 18)))
    assert (within["pending_within"], within["pending_overdue"]) == (1, 0)
    assert row(t, period=(date(2025, 3, 1), date(2025, 3, 21)))["pending_overdue"] == 1
    unmoved = row(_issue_16(), period=(date(2025, 3, 1), date(2025, 3, 18)))
    assert unmoved["pending_overdue"] == 1


def test_a_moved_due_heard_before_the_receipt_gives_the_same_row() -> None:
    t = _issue_16(resolved=vn(2025, 3, 18, 15), appointments=[SHIFTED])
    assert row(t, period=MARCH, order="reversed") == row(t, period=MARCH)


def test_withdrawn_rejected_and_stopped_are_counted_apart() -> None:
    base: dict[str, Any] = {"received": vn(2021, 8, 1), "due": vn(2021, 8, 20)}
    found = row(
        Timeline(**base, withdrawn=vn(2021, 8, 3)),
        Timeline(**base, rejected=vn(2021, 8, 4)),
        Timeline(**base, stopped=vn(2021, 8, 5)),
    )
    only(found, total=3, received=3, received_counter=3, withdrawn=1, rejected=2)


def test_online_is_apart_from_counter_and_post() -> None:
    base: dict[str, Any] = {"received": vn(2021, 8, 1), "due": vn(2022, 8, 20)}
    found = row(
        Timeline(**base, channel="online"),
        Timeline(**base, channel="direct"),
        Timeline(**base, channel="post"),
    )
    assert (found["received"], found["received_online"], found["received_counter"]) == (3, 1, 2)


def test_received_across_the_boundary_counts_on_the_receipt_day_only_when_received_in_the_period() -> None:
    across: dict[str, Any] = {"due": vn(2022, 8, 20), "across": True}
    found = row(
        Timeline(**across, received=vn(2021, 8, 1)),
        Timeline(**across, received=vn(2021, 6, 30, 23, 30)),  # carried over: received before the period
        Timeline(received=vn(2021, 8, 2), due=vn(2022, 8, 20)),
    )
    assert (found["total"], found["received"], found["received_across_boundary"]) == (3, 2, 1)


def test_waiting_for_a_supplement_at_to_counts_as_within_the_deadline() -> None:
    step = uuid.uuid4()
    t = Timeline(received=vn(2021, 12, 1), due=vn(2021, 12, 10), pauses=[Pause(step, vn(2021, 12, 8))])
    only(row(t), total=1, received=1, received_counter=1, pending_total=1, pending_within=1)


def test_a_supplement_handed_in_before_to_makes_it_overdue_again() -> None:
    step = uuid.uuid4()
    pause = Pause(step, vn(2021, 12, 8), vn(2021, 12, 20), end_via="supplied")
    t = Timeline(received=vn(2021, 12, 1), due=vn(2021, 12, 10), pauses=[pause])
    assert row(t)["pending_overdue"] == 1


def test_resumed_on_to_is_no_longer_waiting_at_the_end_of_to() -> None:
    pause = Pause(uuid.uuid4(), vn(2021, 12, 8), vn(2021, 12, 31, 8))
    t = Timeline(received=vn(2021, 12, 1), due=vn(2021, 12, 10), pauses=[pause])
    assert row(t)["pending_overdue"] == 1


def test_paused_on_to_is_waiting_at_the_end_of_to() -> None:
    pause = Pause(uuid.uuid4(), vn(2021, 12, 31, 16), start_via="both")
    t = Timeline(received=vn(2021, 12, 1), due=vn(2021, 12, 10), pauses=[pause])
    assert row(t)["pending_within"] == 1


def test_a_supplement_ends_every_steps_wait_but_a_later_pause_waits_again() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    pauses = [
        Pause(a, vn(2021, 12, 5), vn(2021, 12, 12), end_via="supplied"),
        Pause(b, vn(2021, 12, 6)),  # ended by the supplement of the 12th too
    ]
    t = Timeline(received=vn(2021, 12, 1), due=vn(2021, 12, 10), pauses=pauses)
    assert row(t)["pending_overdue"] == 1
    later = [*pauses, Pause(b, vn(2021, 12, 20))]
    assert row(Timeline(received=vn(2021, 12, 1), due=vn(2021, 12, 10), pauses=later))["pending_within"] == 1


def test_a_financial_obligation_pause_is_not_a_supplement_wait() -> None:
    t = Timeline(received=vn(2021, 12, 1), due=vn(2021, 12, 10), obligation=(vn(2021, 12, 5), vn(2022, 1, 5)))
    assert row(t)["pending_overdue"] == 1


def test_the_wait_matters_only_at_to_a_past_wait_does_not_excuse_being_overdue_now() -> None:
    pause = Pause(uuid.uuid4(), vn(2021, 12, 2), vn(2021, 12, 4))
    t = Timeline(received=vn(2021, 12, 1), due=vn(2021, 12, 10), pauses=[pause])
    assert row(t)["pending_overdue"] == 1
    assert row(t, period=(date(2021, 12, 1), date(2021, 12, 3)))["pending_within"] == 1


def test_a_resolution_heard_before_the_receipt_ends_in_the_same_row() -> None:
    t = Timeline(
        received=vn(2021, 8, 1), due=vn(2021, 8, 10), resolved=vn(2021, 8, 12), returned=vn(2021, 8, 13)
    )
    assert row(t, order="reversed") == row(t)


def test_repeated_and_shuffled_events_give_the_same_counters() -> None:
    pauses = [Pause(uuid.uuid4(), vn(2021, 8, 3), vn(2021, 8, 5), start_via="both", end_via="both")]
    t = Timeline(
        received=vn(2021, 8, 1),
        due=vn(2021, 8, 10),
        resolved=vn(2021, 8, 12),
        apology=True,
        pauses=pauses,
        digitized=(4, 1),
    )
    once = MemoryModel()
    feed(once, t.events())
    shuffled = MemoryModel()
    events = t.events() * 3
    random.Random(7).shuffle(events)
    feed(shuffled, events)
    assert shuffled.facts == once.facts
    assert {k: v for k, v in shuffled.tree.items() if any(v.values())} == {
        k: v for k, v in once.tree.items() if any(v.values())
    }


def test_an_imported_dossier_counts_exactly_like_a_live_one() -> None:
    live: dict[str, Any] = {
        "received": vn(2021, 3, 1),
        "due": vn(2021, 3, 15),
        "resolved": vn(2021, 3, 16),
        "returned": vn(2021, 3, 17),
    }
    period = (date(2021, 1, 1), date(2021, 6, 30))
    assert row(Timeline(**live, imported=True), period=period) == row(Timeline(**live), period=period)


def test_a_close_dated_before_the_receipt_counts_on_the_receipt_day() -> None:
    t = Timeline(received=vn(2021, 8, 5), due=vn(2021, 8, 10), resolved=vn(2021, 8, 4))
    only(row(t), total=1, received=1, received_counter=1, resolved_total=1, resolved_early=1)


def test_the_fenwick_prefix_is_the_sum_of_the_days() -> None:
    rng = random.Random(3)
    days = [arithmetic.EPOCH + timedelta(days=rng.randrange(0, arithmetic.SIZE)) for _ in range(300)]
    tree: dict[int, int] = {}
    for day in days:
        for node in arithmetic.update_nodes(day):
            tree[node] = tree.get(node, 0) + 1
    for probe in [arithmetic.EPOCH, date(2021, 6, 30), arithmetic.LAST_DAY, *days[:50]]:
        expected = sum(1 for d in days if d <= probe)
        assert sum(tree.get(n, 0) for n in arithmetic.prefix_nodes(probe)) == expected
    assert max(len(arithmetic.prefix_nodes(d)) for d in days) <= 15


def test_a_day_before_the_epoch_counts_on_its_first_day_and_one_after_the_tree_nowhere() -> None:
    assert arithmetic.update_nodes(date(1980, 1, 1)) == arithmetic.update_nodes(arithmetic.EPOCH)
    assert arithmetic.update_nodes(arithmetic.LAST_DAY + timedelta(days=1)) == []
    with pytest.raises(ValueError, match="outside"):
        arithmetic.prefix_nodes(date(1989, 12, 31))


def _grouped(timelines: list[Timeline], by: str | None) -> dict[str, Any]:
    """P(to) and P(from - 1) per group, summed over its cells, as `Store.group_sums` reads them."""
    model = MemoryModel()
    feed(model, [e for t in timelines for e in t.events()])
    at_to, before = model.prefix(TO), model.prefix(FROM - timedelta(days=1))
    position = {"procedure": 0, "field": 1, "agency": 2, "unit": 3}
    sums: dict[str, Any] = {}
    for cell in {*at_to, *before}:
        key = "" if by is None else cell[position[by]]
        pair = sums.setdefault(key, (Counter(), Counter()))
        pair[0].update(at_to.get(cell, {}))
        pair[1].update(before.get(cell, {}))
    return sums


def test_the_processing_table_groups_cells_and_its_totals_are_the_sum_of_its_rows() -> None:
    base: dict[str, Any] = {"received": vn(2021, 8, 1), "due": vn(2021, 8, 10)}
    timelines = [
        Timeline(**base, procedure="P1", field_code="F1", agency="A1", resolved=vn(2021, 8, 9)),
        Timeline(**base, procedure="P2", field_code="F1", agency="A2", resolved=vn(2021, 8, 11)),
        Timeline(**base, procedure="P3", field_code="F2", agency="A1"),
    ]
    names = {"F1": "Lĩnh vực F1", "F2": "Lĩnh vực F2"}
    table = processing_table(
        period_from=FROM, period_to=TO, by="field", sums=_grouped(timelines, "field"), names=names
    )
    assert [(r["key"], r["name"]) for r in table.rows] == [("F1", "Lĩnh vực F1"), ("F2", "Lĩnh vực F2")]
    assert table.rows[0]["resolved_total"] == 2
    assert table.rows[1]["pending_overdue"] == 1
    assert table.totals is not None
    for key in arithmetic.ROW_FIELDS:
        assert table.totals[key] == sum(r[key] for r in table.rows)
    by_agency = processing_table(
        period_from=FROM, period_to=TO, by="agency", sums=_grouped(timelines, "agency"), names={}
    )
    assert {r["key"]: r["total"] for r in by_agency.rows} == {"A1": 2, "A2": 1}


def test_service_levels_count_the_dossiers_received_in_2021_by_levels_with_percentages() -> None:
    base: dict[str, Any] = {"received": vn(2021, 8, 1), "due": vn(2021, 8, 10)}
    timelines = [Timeline(**base, level=level) for level in (1, 2, 3, 3, 4, 4, 4, 4)]
    timelines.append(Timeline(received=vn(2021, 6, 1), due=vn(2021, 6, 10), level=4))  # before the period
    table = service_levels_table(period_from=FROM, period_to=TO, sums=_grouped(timelines, None)[""])
    assert [(r["rule_set"], r["level"], r["count"], r["pct"]) for r in table.rows] == [
        ("nd61-2018", 1, 1, Decimal("12.50")),
        ("nd61-2018", 2, 1, Decimal("12.50")),
        ("nd61-2018", 3, 2, Decimal("25.00")),
        ("nd61-2018", 4, 4, Decimal("50.00")),
    ]
    assert [r["class"] for r in table.rows] == ["other", "other", "partial_online", "full_online"]
    assert table.totals is not None
    assert table.totals["count"] == sum(r["count"] for r in table.rows) == 8


def test_the_tree_columns_are_the_series_of_the_arithmetic() -> None:
    """(The migration's columns are held to the models by test_rebuild's comparison.)"""
    assert TREE_SERIES == arithmetic.SERIES


def test_the_processing_table_by_unit_has_a_row_per_receiving_unit_and_the_same_totals() -> None:
    base: dict[str, Any] = {"received": vn(2021, 8, 1), "due": vn(2021, 8, 10), "procedure": "P1"}
    timelines = [
        Timeline(**base, unit="U1", resolved=vn(2021, 8, 9)),
        Timeline(**base, unit="U1", resolved=vn(2021, 8, 11)),
        Timeline(**base, unit="U2"),
    ]
    names = {"U1": "Trung tâm phường Một", "": "Chưa rõ đơn vị tiếp nhận"}
    table = processing_table(
        period_from=FROM, period_to=TO, by="unit", sums=_grouped(timelines, "unit"), names=names
    )
    assert [(r["key"], r["name"], r["total"]) for r in table.rows] == [
        ("U1", "Trung tâm phường Một", 2),
        ("U2", "U2", 1),  # a unit not yet registered shows its code
    ]
    by_procedure = processing_table(
        period_from=FROM, period_to=TO, by="procedure", sums=_grouped(timelines, "procedure"), names={}
    )
    assert table.totals is not None
    assert table.totals == by_procedure.totals  # the same dossiers, however grouped
