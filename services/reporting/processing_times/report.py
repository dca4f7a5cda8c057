"""Average processing time per procedure against its regulated time (thời gian giải quyết trung bình so
với thời gian quy định), one of Decision 766/QĐ-TTg's indicators of processing progress.

`processing_times_table` is pure. Per procedure, over its dossiers resolved in the period whose
regulated time is known (`arithmetic.elapsed_tenths`: every dossier received since reporting kept it,
and every dossier after a rebuild):

- regulated time = the mean of the processing times the procedure gave them (its online time for one
  received online, when it has one), in its kind of days (working or calendar);
- time taken = the mean of the time each took: its regulated time, less the days it was resolved before
  the due the law recognises, or plus the days after it (a legitimate pause is not counted; an apology
  letter's new date is);
- share = time taken ÷ regulated time, in percent: above 100 the procedure takes longer than the law
  allows, on average.

Days to two decimals, percentages as every report's (`percent.percent`), rounded half up from the exact
sums; the totals row from the sums of all rows, never from the rounded rows.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from services.reporting.percent import percent, quotient
from services.reporting.tables import Column, Table

CODE: Final = "processing_times"
TITLE: Final = "Thời gian giải quyết trung bình theo thủ tục hành chính so với thời gian quy định"

COLUMNS: Final = [
    Column("key", "Mã thủ tục", "text"),
    Column("name", "Thủ tục hành chính", "text"),
    Column("agency_code", "Mã cơ quan chủ trì", "text"),
    Column("resolved", "Hồ sơ đã giải quyết"),
    Column("regulated_days", "Thời gian quy định bình quân (ngày)", "decimal"),
    Column("elapsed_days", "Thời gian giải quyết bình quân (ngày)", "decimal"),
    Column("elapsed_pct", "Thời gian giải quyết so với quy định (%)", "percent"),
]


@dataclass(frozen=True)
class ProcedureTimes:
    """One procedure's dossiers resolved in the period with a known regulated time, and the sums of
    their regulated and elapsed times in tenths of a day."""

    procedure_code: str
    agency_code: str
    resolved: int
    regulated_tenths: int
    elapsed_tenths: int


def _shown(resolved: int, regulated_tenths: int, elapsed_tenths: int) -> dict[str, Any]:
    return {
        "resolved": resolved,
        "regulated_days": quotient(regulated_tenths, 10 * resolved),
        "elapsed_days": quotient(elapsed_tenths, 10 * resolved),
        "elapsed_pct": percent(elapsed_tenths, regulated_tenths),
    }


def processing_times_table(
    *, period_from: date, period_to: date, procedures: list[ProcedureTimes], names: Mapping[str, str]
) -> Table:
    """One row per procedure with a dossier resolved in the period (by code); totals from the sums."""
    rows = [
        {
            "key": p.procedure_code,
            "name": names.get(p.procedure_code, p.procedure_code),
            "agency_code": p.agency_code,
            **_shown(p.resolved, p.regulated_tenths, p.elapsed_tenths),
        }
        for p in sorted(procedures, key=lambda p: p.procedure_code)
        if p.resolved
    ]
    kept = [p for p in procedures if p.resolved]
    totals = _shown(
        sum(p.resolved for p in kept),
        sum(p.regulated_tenths for p in kept),
        sum(p.elapsed_tenths for p in kept),
    )
    return Table(
        code=CODE,
        title=TITLE,
        period_from=period_from,
        period_to=period_to,
        columns=list(COLUMNS),
        rows=rows,
        totals={"key": None, "name": "Tổng cộng", "agency_code": None, **totals},
        notes=[
            "Tính trên hồ sơ đã giải quyết trong kỳ; ngày làm việc hoặc ngày theo lịch, như thời gian "
            "giải quyết của thủ tục.",
            "Thời gian giải quyết của một hồ sơ = thời gian quy định, trừ số ngày có kết quả trước hạn "
            "hoặc cộng số ngày quá hạn; thời gian tạm dừng hợp lệ (bổ sung hồ sơ, nghĩa vụ tài chính) "
            "không tính.",
            "Số ngày làm tròn hai chữ số thập phân, tỷ lệ (%) hai chữ số thập phân (từ 5 làm tròn lên), "
            "tính từ tổng số, không từ các dòng đã làm tròn.",
        ],
    )
