"""A report period cut at the rule sets' boundaries (`shared.rule_sets`).

A dossier is judged by the rule set in force on the day it was received, so the receipts of [from, to]
fall into one part per rule set the period meets, each counted by that set's template: from the
prefix sums, a part is just a shorter period (no schema change, no per-dossier scan).
"""

from dataclasses import dataclass
from datetime import date

from shared.rule_sets import RuleSet, rule_sets


@dataclass(frozen=True)
class RuleSetPeriod:
    """The days [start, end] of a report period whose receipts `rule_set` governs."""

    rule_set: RuleSet
    start: date
    end: date


def rule_set_periods(period_from: date, period_to: date) -> list[RuleSetPeriod]:
    """[from, to] cut at each rule set's first day, oldest first. Days before the first set are
    governed by the first (as `rule_set_on` judges them)."""
    parts = []
    for index, rule_set in enumerate(rule_sets()):
        first = period_from if index == 0 else max(period_from, rule_set.effective_from)
        last = period_to if rule_set.effective_to is None else min(period_to, rule_set.effective_to)
        if first <= last:
            parts.append(RuleSetPeriod(rule_set, first, last))
    return parts
