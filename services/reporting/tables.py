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
    kind: str = "count"  # "text", "count" or "percent"


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

    def as_json(self) -> dict[str, Any]:
        return {
            "report": self.code,
            "title": self.title,
            "from": self.period_from.isoformat(),
            "to": self.period_to.isoformat(),
            "columns": [{"key": c.key, "heading": c.heading, "kind": c.kind} for c in self.columns],
            "rows": self.rows,
            "totals": self.totals,
            "notes": self.notes,
        }
