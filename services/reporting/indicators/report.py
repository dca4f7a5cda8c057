"""Service-quality indicators per agency and period: Decision 766/QĐ-TTg (2022, Bộ chỉ số chỉ đạo, điều
hành và đánh giá chất lượng phục vụ người dân, doanh nghiệp), the indicators this system has the data
for, each with its formula (docs/rules.md, "Decision 766 indicators", lists them with their sources).

`indicators_table` is pure. Per lead agency (the dossier's), with `from` and `to` compared by date in
Vietnam and both included:

- on-time rate (tỷ lệ giải quyết trước hạn, đúng hạn) = (resolved early + on time) ÷ resolved in the
  period, each dossier judged against the due the law recognises: its original due moved by legitimate
  pauses (a supplement, a financial obligation), as the deadline service moves it; an apology's new
  date never makes it on time;
- online rate (tỷ lệ hồ sơ trực tuyến) = received online ÷ received; and per class of the procedure's
  online service at receipt, full (toàn trình: level 4) and partial (một phần: level 3): that class's
  dossiers received online ÷ that class's dossiers received;
- digitization rate (tỷ lệ số hóa hồ sơ) = dossiers received in the period whose documents are
  digitized ÷ received; reuse rate (tỷ lệ khai thác, sử dụng lại kết quả số hóa) = components reused
  from earlier dossiers ÷ components digitized, over the dossiers received in the period;
- online payment rate (tỷ lệ thanh toán trực tuyến) = fee payments made online ÷ fee payments, paid in
  the period (routing records them at the financial obligation: dossier.fee_paid);
- feedback answered on time (tỷ lệ phản ánh, kiến nghị được trả lời đúng hạn) = items answered on time
  ÷ items whose answer is known or overdue at `to` (answered, or open past their due), over the items
  received in the period, under the agency that must answer them;
- satisfaction rate (tỷ lệ hài lòng) = (dossiers resolved in the period − those of them rated "not
  satisfied" on a ballot or named in a feedback item, petition or complaint) ÷ dossiers resolved in the
  period: the decision counts dossiers, not ballots. Full marks (đạt điểm tối đa) when it is at least
  90 %, compared on the exact counts, not the rounded rate. A ballot or feedback item heard after `to`
  still counts (invitations stay open `MOTCUA_SURVEY_INVITATION_DAYS` after the result): a period's
  rate is final once those days have passed.

Rates are percentage points to two decimals, rounded half up from the exact counts (`percent.percent`;
each rate stands alone); a rate with nothing to divide by is null, never 0. The totals row sums the
counts and computes its rates from those sums. The decision's indicators whose data this system cannot
have are listed in `UNAVAILABLE`, and each table says so (`Table.unavailable`, and a note).

The dossier counts are the processing read model's counters (the report tree,
`arithmetic.contributions`) summed by lead agency, as the processing report's are: a dossier's close is
its earliest close heard, so resolved, received and on time here are that report's numbers for the
agency.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, Final

from services.reporting.percent import percent
from services.reporting.satisfaction.report import FeedbackCount, feedback_state
from services.reporting.tables import Column, Table, Unavailable

CODE: Final = "indicators"
TITLE: Final = "Chỉ số đánh giá chất lượng giải quyết thủ tục hành chính (Quyết định 766/QĐ-TTg)"
FULL_MARKS_PCT: Final = 90  # satisfaction rate at which the indicator scores full marks

# Decision 766's indicators this system cannot compute, and why: the table says so instead of a 0.
UNAVAILABLE: Final = (
    Unavailable(
        "public_disclosure",
        "Công khai, minh bạch: tỷ lệ TTHC công khai trên Cơ sở dữ liệu quốc gia, hồ sơ đồng bộ lên Cổng "
        "Dịch vụ công quốc gia",
        "hệ thống không công bố thủ tục và không đồng bộ hồ sơ lên Cổng Dịch vụ công quốc gia, "
        "nên không biết các số liệu này",
    ),
    Unavailable(
        "electronic_results",
        "Tỷ lệ hồ sơ được cấp kết quả điện tử (số hóa kết quả giải quyết)",
        "sự kiện có kết quả (dossier.resolved) không cho biết kết quả được cấp dưới dạng điện tử hay không",
    ),
)


@dataclass(frozen=True)
class DossierCounts:
    """What the report tree says of one lead agency's (or unit's) dossiers in the period."""

    agency_code: str
    received: int = 0
    received_online: int = 0
    full_online_received: int = 0
    full_online_received_online: int = 0
    partial_online_received: int = 0
    partial_online_received_online: int = 0
    digitized: int = 0
    documents_digitized: int = 0
    documents_reused: int = 0
    resolved: int = 0
    resolved_in_time: int = 0  # early + on time
    fees_paid: int = 0
    fees_paid_online: int = 0


@dataclass(frozen=True)
class DissatisfiedCount:
    """Of one lead agency's (or unit's) dossiers resolved in the period, how many were rated "not
    satisfied" on a ballot or named in a feedback item, petition or complaint."""

    agency_code: str
    dossiers: int


COLUMNS: Final = [
    Column("key", "Mã cơ quan", "text"),
    Column("name", "Cơ quan", "text"),
    Column("resolved", "Hồ sơ đã giải quyết"),
    Column("resolved_in_time", "Giải quyết trước hạn và đúng hạn"),
    Column("on_time_rate", "Tỷ lệ giải quyết đúng hạn (%)", "percent"),
    Column("received", "Hồ sơ tiếp nhận"),
    Column("received_online", "Tiếp nhận trực tuyến"),
    Column("online_rate", "Tỷ lệ tiếp nhận trực tuyến (%)", "percent"),
    Column("full_online_received", "Hồ sơ của TTHC trực tuyến toàn trình"),
    Column("full_online_received_online", "Trong đó nộp trực tuyến"),
    Column("full_online_rate", "Tỷ lệ hồ sơ trực tuyến toàn trình (%)", "percent"),
    Column("partial_online_received", "Hồ sơ của TTHC trực tuyến một phần"),
    Column("partial_online_received_online", "Trong đó nộp trực tuyến"),
    Column("partial_online_rate", "Tỷ lệ hồ sơ trực tuyến một phần (%)", "percent"),
    Column("digitized", "Hồ sơ được số hóa"),
    Column("digitization_rate", "Tỷ lệ số hóa hồ sơ (%)", "percent"),
    Column("documents_digitized", "Thành phần hồ sơ đã số hóa"),
    Column("documents_reused", "Thành phần được tái sử dụng"),
    Column("reuse_rate", "Tỷ lệ tái sử dụng kết quả số hóa (%)", "percent"),
    Column("fees_paid", "Giao dịch nộp phí, lệ phí"),
    Column("fees_paid_online", "Thanh toán trực tuyến"),
    Column("online_payment_rate", "Tỷ lệ thanh toán trực tuyến (%)", "percent"),
    Column("feedback_due", "Phản ánh, kiến nghị đã đến hạn hoặc đã trả lời"),
    Column("feedback_answered_on_time", "Trả lời đúng hạn"),
    Column("feedback_on_time_rate", "Tỷ lệ trả lời phản ánh, kiến nghị đúng hạn (%)", "percent"),
    Column("dissatisfied", "Hồ sơ bị đánh giá không hài lòng hoặc bị phản ánh, kiến nghị"),
    Column("satisfaction_rate", "Tỷ lệ hài lòng (%)", "percent"),
    Column("satisfaction_full_marks", f"Đạt điểm tối đa (≥ {FULL_MARKS_PCT}%)", "text"),
]

ANSWERED_ON_TIME: Final = "feedback_answered_on_time"
DUE_STATES: Final = frozenset({ANSWERED_ON_TIME, "feedback_answered_late", "feedback_open_overdue"})


def satisfaction(resolved: int, dissatisfied: int) -> tuple[int, int]:
    """Decision 766's satisfaction as (satisfied dossiers, dossiers): the dossiers resolved less those
    rated unsatisfied or complained about, over the dossiers resolved."""
    if not 0 <= dissatisfied <= resolved:
        raise ValueError(f"{dissatisfied} dissatisfied of {resolved} dossiers resolved")
    return resolved - dissatisfied, resolved


def full_marks(satisfied: int, dossiers: int, full_marks_pct: int = FULL_MARKS_PCT) -> bool | None:
    """Full marks when satisfied ÷ dossiers ≥ `full_marks_pct` %, on the counts; None without dossiers."""
    return None if dossiers == 0 else satisfied * 100 >= full_marks_pct * dossiers


# Each rate shown: its column, and the counts it divides (part, whole).
RATES: Final = {
    "on_time_rate": ("resolved_in_time", "resolved"),
    "online_rate": ("received_online", "received"),
    "full_online_rate": ("full_online_received_online", "full_online_received"),
    "partial_online_rate": ("partial_online_received_online", "partial_online_received"),
    "digitization_rate": ("digitized", "received"),
    "reuse_rate": ("documents_reused", "documents_digitized"),
    "online_payment_rate": ("fees_paid_online", "fees_paid"),
    "feedback_on_time_rate": ("feedback_answered_on_time", "feedback_due"),
}
COUNT_KEYS: Final = tuple(c.key for c in COLUMNS if c.kind == "count")


def _shown(counts: Counter[str], full_marks_pct: int) -> dict[str, Any]:
    # Both counts come from the same dossiers, but by two statements: a dossier closed between them
    # could otherwise put a rate past 100 % for one request.
    dissatisfied = min(counts["dissatisfied"], counts["resolved"])
    satisfied, dossiers = satisfaction(counts["resolved"], dissatisfied)
    shown: dict[str, Any] = {key: counts[key] for key in COUNT_KEYS} | {"dissatisfied": dissatisfied}
    shown |= {rate: percent(counts[part], counts[whole]) for rate, (part, whole) in RATES.items()}
    shown["satisfaction_rate"] = percent(satisfied, dossiers)
    shown["satisfaction_full_marks"] = full_marks(satisfied, dossiers, full_marks_pct)
    return {c.key: shown[c.key] for c in COLUMNS[2:]}


def indicators_table(
    *,
    period_from: date,
    period_to: date,
    dossier_counts: Iterable[DossierCounts],
    dissatisfied: Iterable[DissatisfiedCount] = (),
    feedback_counts: Iterable[FeedbackCount] = (),
    names: Mapping[str, str],
    full_marks_pct: int = FULL_MARKS_PCT,
    headings: tuple[str, str] | None = None,
) -> Table:
    """One row per agency (or whatever group the counts' `agency_code` holds, under `headings`) with
    dossiers, payments or feedback in the period (by code); totals are the row sums. Feedback items are
    judged where they stand at the end of `to` (`satisfaction.report.feedback_state`)."""
    rows: dict[str, Counter[str]] = {}
    for d in dossier_counts:
        rows.setdefault(d.agency_code, Counter()).update(
            {f.name: getattr(d, f.name) for f in fields(d) if f.name != "agency_code"}
        )
    for n in dissatisfied:
        rows.setdefault(n.agency_code, Counter())["dissatisfied"] += n.dossiers
    for item in feedback_counts:
        state = feedback_state(item, period_to)
        if state in DUE_STATES:
            row = rows.setdefault(item.agency_code, Counter())
            row["feedback_due"] += item.items
            row["feedback_answered_on_time"] += item.items if state == ANSWERED_ON_TIME else 0
    totals: Counter[str] = Counter()
    for counts in rows.values():
        totals.update(counts)
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
            "Tỷ lệ hồ sơ trực tuyến toàn trình (một phần): hồ sơ nộp trực tuyến trên tổng số hồ sơ của "
            "các TTHC cung cấp dịch vụ công trực tuyến toàn trình (một phần) khi tiếp nhận.",
            "Tỷ lệ thanh toán trực tuyến: giao dịch nộp phí, lệ phí thanh toán trực tuyến trên tổng số "
            "giao dịch nộp phí, lệ phí trong kỳ.",
            "Tỷ lệ trả lời đúng hạn: phản ánh, kiến nghị tiếp nhận trong kỳ đã trả lời đúng hạn, trên số đã "
            "trả lời hoặc đã quá hạn trả lời đến cuối ngày báo cáo.",
            "Tỷ lệ hài lòng = (số hồ sơ đã giải quyết − số hồ sơ bị đánh giá không hài lòng hoặc bị phản "
            "ánh, kiến nghị) / số hồ sơ đã giải quyết trong kỳ; "
            f"đạt điểm tối đa khi từ {full_marks_pct}% trở lên, "
            "so trên số hồ sơ, không theo tỷ lệ đã làm tròn.",
            *(f"Chưa tính được chỉ số “{u.name}”: {u.reason}." for u in UNAVAILABLE),
        ],
        unavailable=list(UNAVAILABLE),
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
        full_online_received=period("full_online_received"),
        full_online_received_online=period("full_online_received_online"),
        partial_online_received=period("partial_online_received"),
        partial_online_received_online=period("partial_online_received_online"),
        digitized=period("digitized"),
        documents_digitized=period("documents_digitized"),
        documents_reused=period("documents_reused"),
        resolved=period("resolved_early", "resolved_on_time", "resolved_late"),
        resolved_in_time=period("resolved_early", "resolved_on_time"),
        fees_paid=period("fees_paid"),
        fees_paid_online=period("fees_paid_online"),
    )
