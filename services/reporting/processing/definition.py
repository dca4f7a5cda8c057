"""The report's definition written straight, and the processing read model in memory: what the
property tests compare the fast path with.

`classify` is docs/rules.md, "Report arithmetic", applied to one dossier's facts (the brute force);
`MemoryModel` keeps the facts and the Fenwick tree exactly as the database does.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from uuid import UUID

from services.reporting.processing.arithmetic import (
    COUNTER_CHANNELS,
    ONLINE,
    ROW_FIELDS,
    delta,
    prefix_nodes,
    resolution,
    row_counts,
    tree_changes,
)
from services.reporting.processing.events import DossierEvent
from services.reporting.processing.facts import END, PAUSE, CellKey, Facts, fold
from shared.clock import vietnam_date


def waiting_at(facts: Facts, day: date) -> bool:
    """Waiting for a supplement at the end of `day`: some step's latest mark by then is a pause."""
    steps = {step for step, _ in facts.pauses}
    for step in steps:
        marks = [(at, PAUSE) for s, at in facts.pauses if s == step and vietnam_date(at) <= day]
        marks += [(at, END) for s, at in facts.resumes if s == step and vietnam_date(at) <= day]
        marks += [(at, END) for at in facts.supplied if vietnam_date(at) <= day]
        if marks and max(marks)[1] == PAUSE:
            return True
    return False


def classify(facts: Facts, period_from: date, period_to: date) -> dict[str, int]:
    """One dossier's report row for [from, to], from the rules as written (no prefix sums)."""
    row = dict.fromkeys(ROW_FIELDS, 0)
    if facts.cell is None or facts.received_date is None or facts.due_date is None:
        return row
    r, due = facts.received_date, facts.due_date
    closed = facts.closure()
    if r > period_to or (closed is not None and closed[1] < period_from):
        return row
    row["total"] = 1
    if r < period_from:
        row["carried_over"] = 1
    else:
        row["received"] = 1
        row["received_online"] = int(facts.channel == ONLINE)
        row["received_counter"] = int(facts.channel in COUNTER_CHANNELS)
        row["received_across_boundary"] = int(facts.received_across_boundary)
    if closed is not None and closed[1] <= period_to:
        kind, c = closed
        if kind == "resolved":
            outcome = resolution(c, due)
            row["resolved_total"] = 1
            row[f"resolved_{outcome}"] = 1
            if outcome == "late":
                letter = facts.letter
                if letter == "none":
                    row["late_without_apology"] = 1
                else:
                    row["late_with_apology"] = 1
                    row[f"late_with_{letter}_apology"] = 1
        else:
            row[kind] = 1
        return row
    row["pending_total"] = 1
    if due < period_to and not waiting_at(facts, period_to):
        row["pending_overdue"] = 1
    else:
        row["pending_within"] = 1
    return row


@dataclass
class MemoryModel:
    """The processing read model in memory, exactly as the database keeps it: facts per dossier, a
    Fenwick tree per cell.

    The property test feeds it events one by one and compares its reports with `classify`."""

    facts: dict[UUID, Facts] = field(default_factory=dict)
    tree: dict[tuple[CellKey, int], Counter[str]] = field(default_factory=dict)

    def apply(self, event: DossierEvent) -> None:
        before = self.facts.get(event.dossier_id)
        after = fold(before, event)
        self.facts[event.dossier_id] = after
        for key, row in tree_changes(delta(before, after)).items():
            self.tree.setdefault(key, Counter()).update(row)

    def prefix(self, day: date) -> dict[CellKey, Counter[str]]:
        nodes = set(prefix_nodes(day))
        sums: dict[CellKey, Counter[str]] = {}
        for (cell, node), row in self.tree.items():
            if node in nodes:
                sums.setdefault(cell, Counter()).update(row)
        return sums

    def rows(self, period_from: date, period_to: date) -> dict[CellKey, dict[str, int]]:
        at_to = self.prefix(period_to)
        before = self.prefix(period_from - timedelta(days=1))
        return {
            cell: row_counts(at_to.get(cell, Counter()), before.get(cell, Counter()))
            for cell in {*at_to, *before}
        }
