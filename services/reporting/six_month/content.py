"""What the six-month report (báo cáo 6 tháng) says, whichever way it is printed.

`content(tables, view)` takes the report `Table`s (whichever there are, in the order given: the route
passes processing by field, service levels, satisfaction by agency and the indicators) and lays out a
covering page — national heading, title, period, the legal basis, a summary in words of the processing
and satisfaction totals, the signature — then each table in full as a numbered annex ("Biểu số 1", …).

The legal basis is the rule set in force on the period's last day (`view.rule_set`): the document is
made under the frame in force when the period closes, so a half-year ending after 1 July 2025 cites
Decree 118/2025. Its tables still judge each dossier by its own receipt day (the service-level annex
counts every dossier, results and pending included, in the section of its receipt day's rule set).
The HTML (`html.py`) and the PDF (`pdf.py`) both draw this `Content`, so they say the same thing, with
the numbers of the JSON, CSV and XLSX of each report (every cell is the table's value, written the
Vietnamese way: 1.234, and a percentage with its two decimals, 89,10).
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

from services.reporting.percent import percent
from services.reporting.tables import Column, Table
from shared.printing import one_line, vietnamese_date
from shared.printing.html import Signature
from shared.rule_sets import RuleSet

TITLE: Final = "BÁO CÁO"
TOTAL_LABEL: Final = "Tổng cộng"
SIGN_HINT: Final = "(Ký, ghi rõ họ tên và đóng dấu)"
BLANK: Final = "…………………………"
HALF_NAMES: Final = {1: "6 tháng đầu năm", 2: "6 tháng cuối năm"}
SATISFACTION_WORDS: Final = (
    ("very_satisfied", "rất hài lòng"),
    ("satisfied", "hài lòng"),
    ("unsatisfied", "không hài lòng"),
)


@dataclass(frozen=True)
class SixMonthView:
    """What the covering page says besides the tables; what is not known prints as a dotted line."""

    year: int
    half: int
    period_from: date
    period_to: date
    issued_at: datetime  # the document's date (and the PDF's creation date: same view, same bytes)
    agency_name: str = "Trung tâm Phục vụ hành chính công"
    place: str | None = None  # "Phú Vang" → "Phú Vang, ngày … tháng … năm …"
    recipient: str | None = None  # Kính gửi: …
    signer_title: str = "Giám đốc"
    signer_name: str | None = None
    rule_set: RuleSet | None = None  # in force on `period_to`: the frame the document cites


def _basis(rule_set: RuleSet) -> tuple[str, tuple[str, ...]]:
    """The covering page's legal basis: the rule set's texts, one "Căn cứ" line each."""
    lines = tuple(f"Căn cứ {text};" for text in rule_set.legal_basis)
    return ("CĂN CỨ", (*lines, f"Báo cáo theo {rule_set.name}."))


# --- numbers, the Vietnamese way ----------------------------------------------------------------


def number(value: Any) -> str:
    """1.234 and 89,1 (at most two decimals, as the tables carry them); a percentage (a `Decimal`,
    `percent.percent`) with its two decimals, 12,30; "" for nothing."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    if isinstance(value, Decimal):
        whole, _, decimals = f"{value:,.2f}".partition(".")
        return whole.replace(",", ".") + "," + decimals
    if isinstance(value, float):
        if value.is_integer():
            return number(int(value))
        whole, _, decimals = f"{value:,.2f}".rstrip("0").partition(".")
        return whole.replace(",", ".") + ("," + decimals if decimals else "")
    return str(value)


def cell_text(column: Column, value: Any) -> str:
    if column.kind == "text" or isinstance(value, bool):
        return number(value) if isinstance(value, bool) else "" if value is None else str(value)
    text = number(value)
    if column.kind == "percent" and text and "%" not in column.heading:
        text += "%"
    return text


# --- what the document says ---------------------------------------------------------------------


@dataclass(frozen=True)
class Annex:
    label: str  # Biểu số 1
    title: str
    headings: tuple[str, ...]
    kinds: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    totals: tuple[str, ...] | None
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Content:
    agency: str
    number_line: tuple[str, str]
    date_line: str
    title: str
    subtitle: str
    period_line: str
    recipient: tuple[str, str] | None
    sections: tuple[tuple[str, tuple[str, ...]], ...]  # heading, paragraphs
    annexes: tuple[Annex, ...]
    signature: Signature


def _summary(tables: Sequence[Table]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Sentences from the totals the tables have; a sentence whose numbers are missing is left out."""
    by_code = {t.code: t for t in tables}
    sections: list[tuple[str, tuple[str, ...]]] = []

    def have(totals: Mapping[str, Any] | None, *keys: str) -> bool:
        return totals is not None and all(isinstance(totals.get(k), int) for k in keys)

    processing = by_code.get("processing")
    t = processing.totals if processing else None
    lines: list[str] = []
    if t is not None and have(t, "total", "carried_over", "received"):
        text = (
            f"Tổng số hồ sơ: {number(t['total'])}, trong đó kỳ trước chuyển sang "
            f"{number(t['carried_over'])}, tiếp nhận mới trong kỳ {number(t['received'])}"
        )
        if have(t, "received_online", "received_counter"):
            text += (
                f" (trực tuyến {number(t['received_online'])}; trực tiếp và qua dịch vụ bưu chính "
                f"{number(t['received_counter'])})"
            )
        lines.append(text + ".")
    if t is not None and have(t, "resolved_total", "resolved_early", "resolved_on_time", "resolved_late"):
        text = (
            f"Đã giải quyết: {number(t['resolved_total'])}, trong đó trước hạn "
            f"{number(t['resolved_early'])}, đúng hạn {number(t['resolved_on_time'])}, "
            f"quá hạn {number(t['resolved_late'])}"
        )
        rate = percent(t["resolved_early"] + t["resolved_on_time"], t["resolved_total"])
        if rate is not None:
            text += f"; tỷ lệ giải quyết đúng hạn (gồm trước hạn) {number(rate)}%"
        lines.append(text + ".")
    if t is not None and have(t, "pending_total", "pending_within", "pending_overdue"):
        lines.append(
            f"Đang giải quyết đến ngày cuối kỳ: {number(t['pending_total'])}, trong đó trong hạn "
            f"{number(t['pending_within'])}, quá hạn {number(t['pending_overdue'])}."
        )
    if t is not None and have(t, "withdrawn", "rejected"):
        lines.append(
            f"Rút hồ sơ: {number(t['withdrawn'])}; từ chối, dừng giải quyết: {number(t['rejected'])}."
        )
    if t is not None and have(t, "late_with_apology", "late_without_apology"):
        text = f"Hồ sơ quá hạn có phiếu xin lỗi và hẹn lại ngày trả kết quả: {number(t['late_with_apology'])}"
        if have(t, "late_with_timely_apology", "late_with_late_apology"):
            text += (
                f" (gửi đúng thời hạn {number(t['late_with_timely_apology'])}; "
                f"gửi muộn {number(t['late_with_late_apology'])})"
            )
        lines.append(text + f"; chưa có phiếu xin lỗi: {number(t['late_without_apology'])}.")
    if lines:
        sections.append(("I. TÌNH HÌNH TIẾP NHẬN VÀ GIẢI QUYẾT HỒ SƠ", tuple(lines)))

    satisfaction = by_code.get("satisfaction")
    s = satisfaction.totals if satisfaction else None
    lines = []
    if s is not None and have(s, "ballots", "very_satisfied", "satisfied", "unsatisfied"):
        parts = []
        for key, name in SATISFACTION_WORDS:
            share = s.get(f"{key}_pct")
            parts.append(f"{name} {number(s[key])}" + (f" ({number(share)}%)" if share is not None else ""))
        lines.append(f"Số phiếu đánh giá: {number(s['ballots'])}; " + ", ".join(parts) + ".")
    if s is not None and have(s, "feedback_received"):
        text = f"Phản ánh, kiến nghị tiếp nhận: {number(s['feedback_received'])}"
        if have(s, "feedback_answered_on_time", "feedback_answered_late"):
            text += (
                f"; đã trả lời đúng hạn {number(s['feedback_answered_on_time'])}, "
                f"quá hạn {number(s['feedback_answered_late'])}"
            )
        lines.append(text + ".")
    if lines:
        sections.append(("II. ĐÁNH GIÁ SỰ HÀI LÒNG, PHẢN ÁNH VÀ KIẾN NGHỊ", tuple(lines)))

    if tables:
        listed = tuple(f"Biểu số {i}: {table.title}." for i, table in enumerate(tables, start=1))
        sections.append((f"{_roman(len(sections) + 1)}. SỐ LIỆU CHI TIẾT (CÁC BIỂU KÈM THEO)", listed))
    return tuple(sections)


def _roman(n: int) -> str:
    return ["", "I", "II", "III", "IV", "V", "VI"][n]


def _annex(index: int, table: Table, fit: Callable[[str], str]) -> Annex:
    def row_cells(row: Mapping[str, Any]) -> tuple[str, ...]:
        return tuple(fit(one_line(cell_text(c, row.get(c.key)))) for c in table.columns)

    totals: tuple[str, ...] | None = None
    if table.totals is not None:
        cells = list(row_cells(table.totals))
        for i, column in enumerate(table.columns):
            if i == 0:
                cells[i] = TOTAL_LABEL
            elif column.kind == "text" and cells[i] == TOTAL_LABEL:
                cells[i] = ""
        totals = tuple(cells)
    return Annex(
        label=f"Biểu số {index}",
        title=fit(one_line(table.title)),
        headings=tuple(fit(one_line(c.heading)) for c in table.columns),
        kinds=tuple(c.kind for c in table.columns),
        rows=tuple(row_cells(row) for row in table.rows),
        totals=totals,
        notes=tuple(fit(one_line(n)) for n in table.notes),
    )


def content(tables: Sequence[Table], view: SixMonthView, fit: Callable[[str], str] = lambda s: s) -> Content:
    """What the document says; `fit` prepares each text for the renderer (the PDF's fonts)."""

    def _nfc(text: str | None) -> str:
        return BLANK if text is None else fit(one_line(text))

    date_line = vietnamese_date(view.issued_at)
    date_line = f"{_nfc(view.place)}, {date_line}" if view.place else date_line.capitalize()
    return Content(
        agency=_nfc(view.agency_name).upper(),
        number_line=("Số: ", "……/BC"),
        date_line=date_line,
        title=TITLE,
        subtitle=f"Kết quả giải quyết thủ tục hành chính {HALF_NAMES[view.half]} {view.year}",
        period_line=(f"(Số liệu từ ngày {view.period_from:%d/%m/%Y} đến ngày {view.period_to:%d/%m/%Y})"),
        recipient=("Kính gửi: ", _nfc(view.recipient)) if view.recipient else None,
        sections=((_basis(view.rule_set),) if view.rule_set else ()) + _summary(tables),
        annexes=tuple(_annex(i, table, fit) for i, table in enumerate(tables, start=1)),
        signature=Signature(_nfc(view.signer_title).upper(), SIGN_HINT, _nfc(view.signer_name)),
    )
