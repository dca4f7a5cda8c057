"""Delay attribution: for the dossiers resolved late in the period, whose step made them late.

The seed centre complained that land dossiers sat late at the environment step after the land office;
this report names the agency. `delays_table` is pure. A dossier is resolved late when its result date
(in Vietnam, within `from`..`to`) is after the due the law recognises (its original due moved by
legitimate pauses, never by an apology letter); its late steps are the
`dossier.step.completed` events with outcome `late` (each step judged by date against its own due, as
routing's control slip, form 05, does). Per step agency:

- `late_steps`: its late steps in those dossiers;
- `late_dossiers`: those dossiers with at least one late step of its own (a dossier late at two agencies
  counts in both rows: the column shows reach, it is not a partition);
- `first_late`: those dossiers whose FIRST late step (lowest position on the route, then the earliest
  completion, then the agency code) was its own; this column is a partition: a row "không xác định
  bước trễ" takes the late dossiers without any late step (an imported dossier, or steps all in time
  and the dossier still late), so the `first_late` column adds up to the number of late dossiers;
- `first_late_pct`: `first_late` as a share of the late dossiers, two decimals, rounded half up from
  the row's counts (`percent.percent`), the totals' from the totals' counts.

Totals are the sums of the rows, for every column.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final
from uuid import UUID

from services.reporting.percent import percent
from services.reporting.tables import Column, Table

CODE: Final = "delays"
TITLE: Final = "Hồ sơ giải quyết quá hạn theo cơ quan làm chậm"
UNATTRIBUTED: Final = ""  # the key of the row for late dossiers with no late step
UNATTRIBUTED_NAME: Final = "Không xác định bước trễ"

COLUMNS: Final = [
    Column("key", "Mã cơ quan", "text"),
    Column("name", "Cơ quan", "text"),
    Column("late_steps", "Số bước xử lý quá hạn"),
    Column("late_dossiers", "Hồ sơ quá hạn có bước quá hạn tại cơ quan"),
    Column("first_late", "Hồ sơ quá hạn bắt đầu từ cơ quan"),
    Column("first_late_pct", "Tỷ lệ hồ sơ quá hạn bắt đầu từ cơ quan (%)", "percent"),
]


@dataclass(frozen=True)
class LateStep:
    """A late step of a dossier resolved late in the period."""

    dossier_id: UUID
    agency_code: str
    position: int
    completed_at: datetime


def delays_table(
    *,
    period_from: date,
    period_to: date,
    late_dossiers: int,
    late_steps: Iterable[LateStep],
    names: Mapping[str, str],
) -> Table:
    """Rows per step agency (by code), then the unattributed row when there is one; totals = row sums.

    ``late_dossiers`` is how many dossiers were resolved late in the period; ``late_steps`` are the
    late steps of those dossiers, and of no other (`read_late_steps` joins them so)."""
    steps: dict[str, int] = {}
    reach: dict[str, set[UUID]] = {}
    first: dict[UUID, LateStep] = {}
    for step in late_steps:
        steps[step.agency_code] = steps.get(step.agency_code, 0) + 1
        reach.setdefault(step.agency_code, set()).add(step.dossier_id)
        known = first.get(step.dossier_id)
        if known is None or _order(step) < _order(known):
            first[step.dossier_id] = step
    first_late: dict[str, int] = {}
    for step in first.values():
        first_late[step.agency_code] = first_late.get(step.agency_code, 0) + 1
    unattributed = late_dossiers - len(first)
    keys = sorted(steps)
    rows: list[dict[str, Any]] = [
        {
            "key": code,
            "name": names.get(code, code),
            "late_steps": steps[code],
            "late_dossiers": len(reach[code]),
            "first_late": first_late.get(code, 0),
            "first_late_pct": percent(first_late.get(code, 0), late_dossiers),
        }
        for code in keys
    ]
    if unattributed:
        rows.append(
            {
                "key": UNATTRIBUTED,
                "name": UNATTRIBUTED_NAME,
                "late_steps": 0,
                "late_dossiers": 0,
                "first_late": unattributed,
                "first_late_pct": percent(unattributed, late_dossiers),
            }
        )
    totals: dict[str, Any] = {"key": None, "name": "Tổng cộng"}
    for key in ("late_steps", "late_dossiers", "first_late"):
        totals[key] = sum(row[key] for row in rows)
    totals["first_late_pct"] = percent(totals["first_late"], late_dossiers)
    return Table(
        code=CODE,
        title=TITLE,
        period_from=period_from,
        period_to=period_to,
        columns=list(COLUMNS),
        rows=rows,
        totals=totals,
        notes=[
            f"{late_dossiers} hồ sơ giải quyết quá hạn trong kỳ (so ngày có kết quả với hạn trả kết quả "
            "theo quy định: hạn ban đầu, lùi theo thời gian tạm dừng hợp lệ).",
            "Một hồ sơ quá hạn ở hai cơ quan được tính ở cả hai dòng của cột “có bước quá hạn”; "
            "cột “bắt đầu từ cơ quan” tính mỗi hồ sơ một lần, theo bước quá hạn đầu tiên trên quy trình.",
        ],
    )


def _order(step: LateStep) -> tuple[int, datetime, str]:
    return (step.position, step.completed_at, step.agency_code)
