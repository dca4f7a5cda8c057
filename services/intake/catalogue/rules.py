"""What a procedure's version says of a dossier, as pure functions: its checklist (thành phần hồ sơ),
what is missing or unknown in what was handed in, which agencies it is routed through, whether an
agency is in force on a day, and the supplement policy that governs a dossier."""

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from shared.calendar import Policy
from shared.events.catalog import ChecklistItem
from shared.rule_sets import RuleSet


def checklist(documents: Iterable[dict[str, Any]]) -> list[ChecklistItem]:
    """A procedure's `documents` as stored, which are what events carry of them, as checklist items."""
    return [ChecklistItem.model_validate(d) for d in documents]


def missing_documents(checklist: Sequence[ChecklistItem], provided: Iterable[str]) -> list[ChecklistItem]:
    """The one complete list of what is missing (form 02 must name everything at once)."""
    given = set(provided)
    return [item for item in checklist if item.required and item.code not in given]


def unknown_documents(checklist: Sequence[ChecklistItem], provided: Iterable[str]) -> list[str]:
    known = {item.code for item in checklist}
    return sorted(set(provided) - known)


def route_agencies(procedure: Any) -> set[str]:
    """The agencies a dossier of `procedure` is routed through: its lead agency and every step's;
    their officers and leaders may see the dossier (`shared.visibility`)."""
    return {procedure.agency_code, *(step["agency_code"] for step in procedure.route)}


def in_force(effective_from: date, effective_to: date | None, day: date) -> bool:
    """Whether an agency is in force on `day`: from its first day to its last, both included."""
    return effective_from <= day and (effective_to is None or day <= effective_to)


def supplement_policy(own: Policy | None, rule_set: RuleSet) -> Policy:
    """The policy on resuming after a supplement that governs a dossier: the version's own, else the
    default of the dossier's rule set (that of its receipt day, never today's)."""
    return own or rule_set.supplement_policy
