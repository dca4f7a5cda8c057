"""The six-month report (báo cáo 6 tháng) as one printable document: HTML and PDF.

Pure rendering: `six_month_html(tables, view)` and `six_month_pdf(tables, view)` take the report
`Table`s (whichever there are, in the order given: the route passes processing by field, service
levels, satisfaction by agency and the indicators) and print a covering page — national heading, title,
period, a summary in words of the processing and satisfaction totals, the signature — then each table
in full as a numbered annex ("Biểu số 1", …) on landscape pages, as Vietnamese reports print their wide
tables. Both renderers draw the same `_Content`, so the HTML and the PDF say the same thing, with the
numbers of the JSON, CSV and XLSX of each report (every cell is the table's value, written the
Vietnamese way: 1.234 and 89,1).

Periods: the calendar halves by default (01/01–30/06, 01/07–31/12); `cutoff="day15"` gives the data
cut-off of Decree 09/2019/NĐ-CP, art. 12 (15/12 of the year before – 14/06, and 15/06 – 14/12), which
RULES.md asks to verify with the centre.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from typing import Any, Final, Literal

from fpdf.fonts import FontFace

from services.reporting.tables import Column, Table
from shared.printing import html as page
from shared.printing import one_line, vietnamese_date
from shared.printing.html import Signature
from shared.printing.pdf import FONT, HINT_SIZE, LINE, SIZE, OfficialPdf

TITLE: Final = "BÁO CÁO"
TOTAL_LABEL: Final = "Tổng cộng"
SIGN_HINT: Final = "(Ký, ghi rõ họ tên và đóng dấu)"
BLANK: Final = "…………………………"
Cutoff = Literal["calendar", "day15"]
HALF_NAMES: Final = {1: "6 tháng đầu năm", 2: "6 tháng cuối năm"}
SATISFACTION_WORDS: Final = (
    ("very_satisfied", "rất hài lòng"),
    ("satisfied", "hài lòng"),
    ("unsatisfied", "không hài lòng"),
)


def six_month_period(year: int, half: int, cutoff: Cutoff = "calendar") -> tuple[date, date]:
    """The first and last day (both included) of half `half` (1 or 2) of `year`."""
    if half not in (1, 2):
        raise ValueError("half is 1 or 2")
    if cutoff == "day15":
        return (
            (date(year - 1, 12, 15), date(year, 6, 14))
            if half == 1
            else (date(year, 6, 15), date(year, 12, 14))
        )
    return (date(year, 1, 1), date(year, 6, 30)) if half == 1 else (date(year, 7, 1), date(year, 12, 31))


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


# --- numbers, the Vietnamese way ----------------------------------------------------------------


def number(value: Any) -> str:
    """1.234 and 89,1 (at most two decimals, as the tables carry them); "" for nothing."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
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


def _rate(part: int, whole: int) -> str | None:
    if whole <= 0:
        return None
    return number(round(part / whole * 1000) / 10)


# --- what the document says ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Annex:
    label: str  # Biểu số 1
    title: str
    headings: tuple[str, ...]
    kinds: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    totals: tuple[str, ...] | None
    notes: tuple[str, ...]


@dataclass(frozen=True)
class _Content:
    agency: str
    number_line: tuple[str, str]
    date_line: str
    title: str
    subtitle: str
    period_line: str
    recipient: tuple[str, str] | None
    sections: tuple[tuple[str, tuple[str, ...]], ...]  # heading, paragraphs
    annexes: tuple[_Annex, ...]
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
        rate = _rate(t["resolved_early"] + t["resolved_on_time"], t["resolved_total"])
        if rate is not None:
            text += f"; tỷ lệ giải quyết đúng hạn (gồm trước hạn) {rate}%"
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
        lines.append(
            f"Hồ sơ quá hạn có phiếu xin lỗi và hẹn lại ngày trả kết quả: {number(t['late_with_apology'])}; "
            f"chưa có phiếu xin lỗi: {number(t['late_without_apology'])}."
        )
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


def _annex(index: int, table: Table, fit: Callable[[str], str]) -> _Annex:
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
    return _Annex(
        label=f"Biểu số {index}",
        title=fit(one_line(table.title)),
        headings=tuple(fit(one_line(c.heading)) for c in table.columns),
        kinds=tuple(c.kind for c in table.columns),
        rows=tuple(row_cells(row) for row in table.rows),
        totals=totals,
        notes=tuple(fit(one_line(n)) for n in table.notes),
    )


def _content(
    tables: Sequence[Table], view: SixMonthView, fit: Callable[[str], str] = lambda s: s
) -> _Content:
    def _nfc(text: str | None) -> str:
        return BLANK if text is None else fit(one_line(text))

    date_line = vietnamese_date(view.issued_at)
    date_line = f"{_nfc(view.place)}, {date_line}" if view.place else date_line.capitalize()
    return _Content(
        agency=_nfc(view.agency_name).upper(),
        number_line=("Số: ", "……/BC"),
        date_line=date_line,
        title=TITLE,
        subtitle=f"Kết quả giải quyết thủ tục hành chính {HALF_NAMES[view.half]} {view.year}",
        period_line=(f"(Số liệu từ ngày {view.period_from:%d/%m/%Y} đến ngày {view.period_to:%d/%m/%Y})"),
        recipient=("Kính gửi: ", _nfc(view.recipient)) if view.recipient else None,
        sections=_summary(tables),
        annexes=tuple(_annex(i, table, fit) for i, table in enumerate(tables, start=1)),
        signature=Signature(_nfc(view.signer_title).upper(), SIGN_HINT, _nfc(view.signer_name)),
    )


# --- HTML ---------------------------------------------------------------------------------------

_CSS = """
.subtitle { text-align: center; font-weight: bold; margin: 0; }
.period { text-align: center; font-style: italic; margin: 0 0 4mm; }
h2 { font-size: 13pt; margin: 4mm 0 2mm; }
p.text { text-align: justify; text-indent: 10mm; }
.page + .page { margin-top: 10mm; }
.page.landscape { width: 297mm; min-height: 210mm; padding: 15mm 15mm 15mm 20mm; page: annex; }
@page annex { size: A4 landscape; margin: 15mm 15mm 15mm 20mm; }
.annex h3 { font-size: 12pt; margin: 0 0 1mm; }
.annex .annex-title { font-weight: bold; text-align: center; margin: 0 0 3mm; }
table.report { border-collapse: collapse; width: 100%; font-family: Arial, "DejaVu Sans", sans-serif;
  font-size: 9pt; }
table.report.wide { font-size: 7.5pt; }
table.report th, table.report td { border: 1px solid #000; padding: .8mm 1.2mm; }
table.report th { background: #e6e6e6; vertical-align: middle; text-align: center; }
table.report td.num { text-align: right; white-space: nowrap; }
table.report td.text { min-width: 16mm; }
table.report tr.totals td { font-weight: bold; }
table.report thead { display: table-header-group; }
table.report tr { break-inside: avoid; }
.annex .note { font-size: 9pt; }
@media print {
  .page.landscape { width: auto; min-height: 0; padding: 0; }
  .page { break-after: page; }
  .page:last-child { break-after: auto; }
  .page + .page { margin-top: 0; }
}
"""


def _html_annex(annex: _Annex) -> str:
    wide = " wide" if len(annex.headings) > 12 else ""
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in annex.headings)

    def cells(values: Sequence[str]) -> str:
        return "".join(
            f'<td class="{"text" if kind == "text" else "num"}">{escape(v)}</td>'
            for kind, v in zip(annex.kinds, values, strict=True)
        )

    body = "".join(f"<tr>{cells(row)}</tr>" for row in annex.rows)
    foot = f'<tr class="totals">{cells(annex.totals)}</tr>' if annex.totals else ""
    notes = "".join(f'<p class="note">{escape(n)}</p>' for n in annex.notes)
    empty = "" if annex.rows else '<p class="note">Không có số liệu trong kỳ.</p>'
    return (
        f'<section class="page landscape annex"><h3>{escape(annex.label)}</h3>'
        f'<p class="annex-title">{escape(annex.title)}</p>'
        f'<table class="report{wide}"><thead><tr>{head}</tr></thead><tbody>{body}{foot}</tbody></table>'
        f"{empty}{notes}</section>"
    )


def six_month_html(tables: Sequence[Table], view: SixMonthView) -> str:
    """A self-contained printable document (inline CSS, nothing fetched): a portrait covering page,
    then one landscape page per table."""
    c = _content(tables, view)
    cover = [
        '<section class="page cover">',
        page.national_heading(c.agency),
        page.meta(*c.number_line, c.date_line),
        page.title(c.title),
        f'<p class="subtitle">{escape(c.subtitle)}</p>',
        f'<p class="period">{escape(c.period_line)}</p>',
    ]
    if c.recipient:
        cover.append(page.labelled(*c.recipient))
    for heading, paragraphs in c.sections:
        cover.append(f"<h2>{escape(heading)}</h2>")
        cover += [f'<p class="text">{escape(p)}</p>' for p in paragraphs]
    cover += [page.signatures([None, c.signature]), "</section>"]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="vi">',
            '<head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(c.title)} {escape(c.subtitle)}</title>",
            f"<style>{page.BASE_CSS}{_CSS}</style></head>",
            "<body>",
            *cover,
            *(_html_annex(a) for a in c.annexes),
            "</body></html>",
            "",
        ]
    )


# --- PDF ----------------------------------------------------------------------------------------

# Signs the embedded DejaVu subsets lack, written the way a typist would.
_PDF_SUBSTITUTES: Final = str.maketrans({"≥": ">=", "≤": "<=", "≠": "!="})
_HEADING_FACE: Final = FontFace(family=FONT, emphasis="BOLD", fill_color=(230, 230, 230))
_TOTAL_FACE: Final = FontFace(family=FONT, emphasis="BOLD")


def _widths(annex: _Annex) -> list[float]:
    """Relative widths: names wide, codes medium, numbers narrow."""
    widths = []
    for i, kind in enumerate(annex.kinds):
        if kind != "text":
            widths.append(1.0)
            continue
        longest = max((len(row[i]) for row in annex.rows), default=0)
        widths.append(3.2 if longest > 14 else 1.8)
    return widths


def _pdf_annex(pdf: OfficialPdf, annex: _Annex) -> None:
    pdf.add_page(orientation="landscape")
    pdf.set_font(FONT, "B", SIZE)
    pdf.cell(pdf.epw, LINE, annex.label, new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(pdf.epw, LINE, annex.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    size = 6.5 if len(annex.headings) > 14 else 7.5 if len(annex.headings) > 8 else 9
    pdf.set_font(FONT, "", size)
    with pdf.table(
        col_widths=_widths(annex),
        width=pdf.epw,
        align="LEFT",  # from the left margin (CENTER would centre on the paper, not between margins)
        line_height=size * 0.45,
        headings_style=_HEADING_FACE,
        text_align=tuple("LEFT" if k == "text" else "RIGHT" for k in annex.kinds),
        padding=0.8,
        repeat_headings=1,
        v_align="MIDDLE",
    ) as table:
        heading = table.row()
        for text in annex.headings:
            heading.cell(text, align="CENTER")
        for values in annex.rows:
            row = table.row()
            for text in values:
                row.cell(text)
        if annex.totals is not None:
            row = table.row()
            for text in annex.totals:
                row.cell(text, style=_TOTAL_FACE)
    pdf.set_font(FONT, "", HINT_SIZE)
    if not annex.rows:
        pdf.ln(1)
        pdf.multi_cell(pdf.epw, 4.5, "Không có số liệu trong kỳ.", new_x="LMARGIN", new_y="NEXT")
    for note in annex.notes:
        pdf.ln(1)
        pdf.multi_cell(pdf.epw, 4.5, note, new_x="LMARGIN", new_y="NEXT")


def six_month_pdf(tables: Sequence[Table], view: SixMonthView) -> bytes:
    """The same document as a PDF (A4: the covering page portrait, the tables landscape), fonts
    embedded; the same tables and view give the same bytes."""
    pdf = OfficialPdf(created_at=view.issued_at)
    c = _content(tables, view, lambda text: pdf.fit(text.translate(_PDF_SUBSTITUTES)))
    pdf.set_title(f"{c.title} {c.subtitle}")
    pdf.add_page()
    pdf.national_heading(c.agency)
    pdf.meta(*c.number_line, c.date_line)
    pdf.title_block(c.title)
    pdf.set_font(FONT, "B", SIZE)
    pdf.multi_cell(pdf.epw, LINE, c.subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", HINT_SIZE)
    pdf.multi_cell(pdf.epw, LINE, c.period_line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    if c.recipient:
        pdf.labelled(*c.recipient)
    for heading, paragraphs in c.sections:
        pdf.ln(2)
        pdf.set_font(FONT, "B", SIZE)
        pdf.multi_cell(pdf.epw, LINE, heading, new_x="LMARGIN", new_y="NEXT")
        for text in paragraphs:
            pdf.paragraph(text, indent=True)
    pdf.signatures([None, c.signature])
    for annex in c.annexes:
        _pdf_annex(pdf, annex)
    return bytes(pdf.output())
