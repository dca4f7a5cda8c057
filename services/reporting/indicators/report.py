"""Service-quality indicators per agency and period, in the style of Decision 766/QĐ-TTg (Bộ chỉ số).

`indicators_table` is pure. Per lead agency (the dossier's; the agency rated, for ballots), with
`from` and `to` compared by date in Vietnam and both included:

- on-time rate (tỷ lệ giải quyết đúng hạn) = (resolved early + on time) / resolved in the period, each
  dossier judged against the due the law recognises: its original due moved by legitimate pauses (a
  supplement, a financial obligation), as the deadline service moves it; an apology's new date never
  makes it on time;
- online rate (tỷ lệ tiếp nhận trực tuyến) = received online / received in the period;
- digitization rate (tỷ lệ số hóa) = dossiers received in the period whose documents are digitized /
  received in the period;
- reuse rate (tỷ lệ tái sử dụng) = components reused from earlier dossiers / components digitized, over
  the dossiers received in the period;
- satisfaction rate (tỷ lệ hài lòng) = (very satisfied + satisfied) / ballots submitted in the period;
  full marks (đạt điểm tối đa) when it is at least 90 %, compared on the exact counts, not the rounded
  rate.

Rates are percentage points to two decimals, rounded half up from the exact counts (`percent.percent`;
each rate stands alone); a rate with nothing to divide by is null. The totals row sums the counts and
computes its rates from those sums.

The dossier counts are the processing read model's counters (the report tree,
`arithmetic.contributions`) summed by lead agency, as the processing report's are: a dossier's close is
its earliest close heard, so resolved, received and on time here are that report's numbers for the
agency.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, Final

from services.reporting.percent import percent
from services.reporting.satisfaction.report import BallotCount
from services.reporting.tables import Column, Table

CODE: Final = "indicators"
TITLE: Final = "Chỉ số đánh giá chất lượng giải quyết thủ tục hành chính (Quyết định 766/QĐ-TTg)"
FULL_MARKS_PCT: Final = 90  # satisfaction rate at which the indicator scores full marks
SATISFIED: Final = ("very_satisfied", "satisfied")


@dataclass(frozen=True)
class DossierCounts:
    """What dossier_facts says of one lead agency's dossiers in the period."""

    agency_code: str
    received: int = 0
    received_online: int = 0
    digitized: int = 0
    documents_digitized: int = 0
    documents_reused: int = 0
    resolved: int = 0
    resolved_in_time: int = 0  # early + on time


@dataclass
class _Counts:
    received: int = 0
    received_online: int = 0
    digitized: int = 0
    documents_digitized: int = 0
    documents_reused: int = 0
    resolved: int = 0
    resolved_in_time: int = 0
    ballots: int = 0
    ballots_satisfied: int = 0

    def add(self, other: "_Counts") -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


COLUMNS: Final = [
    Column("key", "Mã cơ quan", "text"),
    Column("name", "Cơ quan", "text"),
    Column("resolved", "Hồ sơ đã giải quyết"),
    Column("resolved_in_time", "Giải quyết trước hạn và đúng hạn"),
    Column("on_time_rate", "Tỷ lệ giải quyết đúng hạn (%)", "percent"),
    Column("received", "Hồ sơ tiếp nhận"),
    Column("received_online", "Tiếp nhận trực tuyến"),
    Column("online_rate", "Tỷ lệ tiếp nhận trực tuyến (%)", "percent"),
    Column("digitized", "Hồ sơ được số hóa"),
    Column("digitization_rate", "Tỷ lệ số hóa hồ sơ (%)", "percent"),
    Column("documents_digitized", "Thành phần hồ sơ đã số hóa"),
    Column("documents_reused", "Thành phần được tái sử dụng"),
    Column("reuse_rate", "Tỷ lệ tái sử dụng kết quả số hóa (%)", "percent"),
    Column("ballots", "Số phiếu đánh giá"),
    Column("ballots_satisfied", "Phiếu rất hài lòng và hài lòng"),
    Column("satisfaction_rate", "Tỷ lệ hài lòng (%)", "percent"),
    Column("satisfaction_full_marks", f"Đạt điểm tối đa (≥ {FULL_MARKS_PCT}%)", "text"),
]


def _shown(counts: _Counts, full_marks_pct: int) -> dict[str, Any]:
    c = counts
    return {
        "resolved": c.resolved,
        "resolved_in_time": c.resolved_in_time,
        "on_time_rate": percent(c.resolved_in_time, c.resolved),
        "received": c.received,
        "received_online": c.received_online,
        "online_rate": percent(c.received_online, c.received),
        "digitized": c.digitized,
        "digitization_rate": percent(c.digitized, c.received),
        "documents_digitized": c.documents_digitized,
        "documents_reused": c.documents_reused,
        "reuse_rate": percent(c.documents_reused, c.documents_digitized),
        "ballots": c.ballots,
        "ballots_satisfied": c.ballots_satisfied,
        "satisfaction_rate": percent(c.ballots_satisfied, c.ballots),
        "satisfaction_full_marks": (
            None if c.ballots == 0 else c.ballots_satisfied * 100 >= full_marks_pct * c.ballots
        ),
    }


def indicators_table(
    *,
    period_from: date,
    period_to: date,
    dossier_counts: Iterable[DossierCounts],
    ballot_counts: Iterable[BallotCount],
    names: Mapping[str, str],
    full_marks_pct: int = FULL_MARKS_PCT,
    headings: tuple[str, str] | None = None,
) -> Table:
    """One row per agency (or whatever group the counts' `agency_code` holds, under `headings`) with
    dossiers or ballots in the period (by code); totals are the row sums."""
    rows: dict[str, _Counts] = {}
    for d in dossier_counts:
        row = rows.setdefault(d.agency_code, _Counts())
        row.add(_Counts(**{f.name: getattr(d, f.name) for f in fields(d) if f.name != "agency_code"}))
    for b in ballot_counts:
        row = rows.setdefault(b.agency_code, _Counts())
        row.ballots += b.ballots
        row.ballots_satisfied += b.ballots if b.satisfaction in SATISFIED else 0
    totals = _Counts()
    for counts in rows.values():
        totals.add(counts)
    return Table(
        code=CODE,
        title=TITLE,
        period_from=period_from,
        period_to=period_to,
        columns=list(COLUMNS)
        if headings is None
        else [Column("key", headings[0], "text"), Column("name", headings[1], "text"), *COLUMNS[2:]],
        rows=[
            {"key": code, "name": names.get(code, code), **_shown(rows[code], full_marks_pct)}
            for code in sorted(rows)
        ],
        totals={"key": None, "name": "Tổng cộng", **_shown(totals, full_marks_pct)},
        notes=[
            "Tỷ lệ (%) làm tròn hai chữ số thập phân (từ 5 làm tròn lên); "
            "không có số liệu để tính thì để trống.",
            "Đúng hạn gồm trước hạn và đúng hạn, so ngày có kết quả với hạn trả kết quả theo quy định "
            "(hạn ban đầu, lùi theo thời gian tạm dừng hợp lệ; thư xin lỗi không đổi hạn).",
            f"Đạt điểm tối đa khi tỷ lệ hài lòng từ {full_marks_pct}% trở lên, "
            "tính trên số phiếu, không theo tỷ lệ đã làm tròn.",
        ],
    )


def dossier_counts(
    agency_code: str, at_to: Mapping[str, int], before_from: Mapping[str, int]
) -> DossierCounts:
    """One lead agency's counts for the period from the processing read model's prefix sums, P(to) and
    P(from - 1): the same counters as the processing report's, so its resolved and received agree with
    that report."""

    def period(*series: str) -> int:
        return sum(int(at_to.get(s, 0)) - int(before_from.get(s, 0)) for s in series)

    return DossierCounts(
        agency_code,
        received=period("received"),
        received_online=period("received_online"),
        digitized=period("digitized"),
        documents_digitized=period("documents_digitized"),
        documents_reused=period("documents_reused"),
        resolved=period("resolved_early", "resolved_on_time", "resolved_late"),
        resolved_in_time=period("resolved_early", "resolved_on_time"),
    )
