"""The rule sets (`shared.rule_sets`) as the service-level report meets them: a report period cut at
the sets' boundaries, and the service bucket each dossier is fixed in at receipt.

A dossier is judged by the rule set in force on the day it was RECEIVED, for every count of it: its
receipt, its result (whenever it comes) and its pending state at any `to`. So its online service is
classified once, at receipt, into a *service bucket*: the receipt day's set's `online_scheme` and the
dossier's level under it (levels 1-4 under "levels"; full online = 4, partial online = 3, other = 1
and 2 under "classes"). The report's section of a scheme sums that scheme's buckets over the whole
period, so a level-4 dossier received on 2025-06-20 and resolved on 2025-07-10 is a level-4 result of
the levels section, never a "full online" one.
"""

from dataclasses import dataclass
from datetime import date
from typing import Final

from shared.rule_sets import OnlineScheme, RuleSet, rule_set_on, rule_sets


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


# -- the service bucket of a dossier -----------------------------------------------------------------

LEVELS: Final = (1, 2, 3, 4)  # online service levels (Decree 61/2018's; the classes derive from them)
# Decree 42/2022's classes from the levels 1-4 they replaced (docs/rules.md, "Service levels").
CLASS_OF_LEVEL: Final[dict[int, str]] = {1: "other", 2: "other", 3: "partial_online", 4: "full_online"}
# Each scheme's rows, in the order its section lists them: a bucket is "<scheme>_<key>".
SCHEME_KEYS: Final[dict[OnlineScheme, tuple[str, ...]]] = {
    "levels": ("1", "2", "3", "4"),
    "classes": ("full_online", "partial_online", "other"),
}
BUCKETS: Final = tuple(f"{scheme}_{key}" for scheme, keys in SCHEME_KEYS.items() for key in keys)


def scheme_key(scheme: OnlineScheme, level: int) -> str:
    """A level's row under a scheme: the level itself under "levels", its class under "classes"."""
    return str(level) if scheme == "levels" else CLASS_OF_LEVEL[level]


def service_bucket(received: date, level: int | None) -> str | None:
    """The bucket a dossier received on `received` (its Vietnam date) with online service `level`
    counts in, for good: the scheme of the rule set in force that day (`rule_set_on`; a day before the
    first set is the first set's) and the level's row under it, e.g. "levels_4" for a level-4 dossier
    received on 2025-06-20, "classes_full_online" for one received on 2025-07-02. None without a level
    1-4 (the dossier counts in no bucket)."""
    if level not in LEVELS:
        return None
    scheme = rule_set_on(received).online_scheme
    return f"{scheme}_{scheme_key(scheme, level)}"
