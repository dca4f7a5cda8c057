"""Satisfaction by agency (kết quả đánh giá sự hài lòng) and the feedback received and answered.

`satisfaction_table` is pure: it builds the report from the counts `repository.py` reads. Rows are the
agencies rated by a ballot submitted in the period, or answering a feedback item received in it, both
by date in Vietnam, `from` and `to` included. Every count in `totals` is the sum of the rows, and
each row's `ballots` is the number of ballots in it, so the report always reconciles (the seed report's
2,123 ballots did not match its rows).

Percentages (`*_pct`) are shares of the row's ballots in percentage points, two decimals, each rounded
half up from its own counts (`percent.percent`), so a question's options may add up to 99.99 or 100.01.
The totals' percentages are computed from the totals' counts, never averaged from the rows.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from services.reporting.percent import percent
from services.reporting.tables import Column, Table

CODE: Final = "satisfaction"
TITLE: Final = "Kết quả đánh giá sự hài lòng và tiếp nhận, trả lời phản ánh, kiến nghị"

COMPLEXITY: Final = "complexity"  # Ông/Bà thấy thủ tục hành chính này thế nào?
SATISFACTION: Final = "satisfaction"  # Ông/Bà có hài lòng với việc giải quyết TTHC không?
QUESTIONS: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    COMPLEXITY: (
        ("simple", "Thủ tục đơn giản"),
        ("fewer_papers", "Cần giảm bớt giấy tờ"),
        ("complex", "Thủ tục phức tạp"),
    ),
    SATISFACTION: (
        ("very_satisfied", "Rất hài lòng"),
        ("satisfied", "Hài lòng"),
        ("unsatisfied", "Không hài lòng"),
    ),
}
OPTION_CODES: Final = {question: {code for code, _ in options} for question, options in QUESTIONS.items()}
_OPTIONS: Final = frozenset().union(*OPTION_CODES.values())  # every option of every question
QUESTION_NAMES: Final = {COMPLEXITY: "về thủ tục", SATISFACTION: "về mức độ hài lòng"}
FEEDBACK_COLUMNS: Final = (
    ("feedback_received", "Phản ánh, kiến nghị tiếp nhận"),
    ("feedback_answered_on_time", "Đã trả lời đúng hạn"),
    ("feedback_answered_late", "Đã trả lời quá hạn"),
    ("feedback_open_within", "Chưa trả lời, trong hạn"),
    ("feedback_open_overdue", "Chưa trả lời, quá hạn"),
)
ROUNDING_NOTE: Final = (
    "Tỷ lệ (%) tính trên tổng số phiếu của từng dòng, làm tròn hai chữ số thập phân (từ 5 làm tròn lên), "
    "nên các lựa chọn của một câu hỏi có thể cộng lại lệch 100% vài phần trăm của 1%; "
    "dòng tổng cộng tính từ số phiếu tổng cộng."
)


# -- what the queries read --------------------------------------------------------------------------


@dataclass(frozen=True)
class BallotCount:
    """Ballots for one agency that gave the same answers to the two questions (None: not answered)."""

    agency_code: str
    complexity: str | None
    satisfaction: str | None
    ballots: int


@dataclass(frozen=True)
class FeedbackCount:
    """Feedback items received in the period, alike for the report: one responsible agency, due date,
    answer date and on-time judgement."""

    agency_code: str
    due_on: date | None
    answered_on: date | None
    answered_on_time: bool | None
    items: int


def feedback_state(item: FeedbackCount, on: date) -> str:
    """Where items stand on day ``on`` (`to`, or today while the period runs): answered on time or late
    if answered by then (as the survey service judged it), else open within its due date or past it."""
    if item.answered_on is not None and item.answered_on <= on:
        on_time = item.answered_on_time
        if on_time is None:  # the answer's own judgement is missing: judge it the same way, by date
            on_time = item.due_on is None or item.answered_on <= item.due_on
        return "feedback_answered_on_time" if on_time else "feedback_answered_late"
    return "feedback_open_within" if item.due_on is None or item.due_on >= on else "feedback_open_overdue"


# -- the table --------------------------------------------------------------------------------------


def columns(key_heading: str = "Mã cơ quan", name_heading: str = "Cơ quan") -> list[Column]:
    shown = [Column("key", key_heading, "text"), Column("name", name_heading, "text")]
    shown.append(Column("ballots", "Tổng số phiếu"))
    for options in QUESTIONS.values():
        for key, heading in options:
            shown += [Column(key, heading), Column(f"{key}_pct", f"{heading} (%)", "percent")]
    shown += [Column(key, heading) for key, heading in FEEDBACK_COLUMNS]
    return shown


def _counts_row() -> dict[str, int]:
    keys = ["ballots", *(k for options in QUESTIONS.values() for k, _ in options)]
    return dict.fromkeys([*keys, *(k for k, _ in FEEDBACK_COLUMNS)], 0)


def _with_percentages(counts: dict[str, int]) -> dict[str, Any]:
    """The counts, each option's followed by its share of the row's ballots (`percent`)."""
    out: dict[str, Any] = {}
    for key, value in counts.items():
        out[key] = value
        if key in _OPTIONS:
            out[f"{key}_pct"] = percent(value, counts["ballots"])
    return out


def satisfaction_table(
    *,
    period_from: date,
    period_to: date,
    as_of: date,
    ballot_counts: Iterable[BallotCount],
    feedback_counts: Iterable[FeedbackCount],
    names: Mapping[str, str],
    headings: tuple[str, str] | None = None,
) -> Table:
    """The report: one row per agency (by code; or whatever group the counts' `agency_code` holds,
    under `headings`), totals the sum of the rows; feedback judged on ``as_of``."""
    rows: dict[str, dict[str, int]] = {}
    unanswered = dict.fromkeys(QUESTIONS, 0)
    for group in ballot_counts:
        row = rows.setdefault(group.agency_code, _counts_row())
        row["ballots"] += group.ballots
        for question, answer in ((COMPLEXITY, group.complexity), (SATISFACTION, group.satisfaction)):
            if answer is not None and answer in OPTION_CODES[question]:
                row[answer] += group.ballots
            else:
                unanswered[question] += group.ballots
    for item in feedback_counts:
        row = rows.setdefault(item.agency_code, _counts_row())
        row["feedback_received"] += item.items
        row[feedback_state(item, as_of)] += item.items
    totals = _counts_row()
    for row in rows.values():
        for key, value in row.items():
            totals[key] += value
    notes = [
        ROUNDING_NOTE,
        f"Phản ánh, kiến nghị tiếp nhận trong kỳ; tình trạng trả lời tính đến ngày {as_of:%d/%m/%Y}.",
    ]
    notes += [
        f"{count} phiếu không có câu trả lời {QUESTION_NAMES[question]} theo các phương án trên "
        "(mẫu phiếu khác): tính vào tổng số phiếu, không vào phương án nào."
        for question, count in unanswered.items()
        if count
    ]
    return Table(
        code=CODE,
        title=TITLE,
        period_from=period_from,
        period_to=period_to,
        columns=columns() if headings is None else columns(*headings),
        rows=[
            {"key": code, "name": names.get(code, code), **_with_percentages(rows[code])}
            for code in sorted(rows)
        ],
        totals={"key": None, "name": "Tổng cộng", **_with_percentages(totals)},
        notes=notes,
    )
