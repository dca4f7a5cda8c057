"""A report as data: the one shape every report endpoint returns and every export renders.

Rows and totals are plain dicts keyed by column `key`; headings are the Vietnamese wording of the
official forms, so JSON, CSV, XLSX and the printed document say the same thing.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Column:
    key: str
    heading: str  # Vietnamese, as on the official form
    kind: str = "count"  # "text", "count", "percent" or "decimal" (two decimals, e.g. an average of days)


@dataclass(frozen=True)
class Unavailable:
    """An indicator the regulation asks for whose data this system cannot have, and why: a report says
    so rather than show it as 0."""

    code: str  # stable machine name
    name: str  # Vietnamese, as the regulation names it
    reason: str  # Vietnamese: what the system would need to know


@dataclass(frozen=True)
class Table:
    code: str  # stable machine name, e.g. "processing"; also the export file's name
    title: str  # Vietnamese title of the report
    period_from: date
    period_to: date
    columns: list[Column]
    rows: list[dict[str, Any]]
    totals: dict[str, Any] | None = None  # always the sum of the rows where a total makes sense
    notes: list[str] = field(default_factory=list)
    unavailable: list[Unavailable] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        shown: dict[str, Any] = {}
        if self.unavailable:
            shown["unavailable"] = [
                {"code": u.code, "name": u.name, "reason": u.reason} for u in self.unavailable
            ]
        return {
            "report": self.code,
            "title": self.title,
            "from": self.period_from.isoformat(),
            "to": self.period_to.isoformat(),
            "columns": [{"key": c.key, "heading": c.heading, "kind": c.kind} for c in self.columns],
            "rows": self.rows,
            "totals": self.totals,
            "notes": self.notes,
            **shown,
        }
