"""The receipt (giấy tiếp nhận hồ sơ và hẹn trả kết quả) as printable HTML and as PDF.

Form 01 of Circular 01/2018/TT-VPCP; the form number is data (`ReceiptView.form_number`) since
Circular 03/2025 may renumber the forms. Pure rendering: no database, no clock reads; times are
arguments and are shown in Vietnam time whatever zone they come in.

Both renderers draw the same `_Content`, so the HTML and the PDF say the same thing.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from html import escape
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import qrcode
import qrcode.constants
from fpdf import FPDF, FontFace
from fpdf.fonts import TTFFont

from shared.clock import VIETNAM

TITLE = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
MOTTO_COUNTRY = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
DOCUMENT_HEADINGS = ("STT", "Tên giấy tờ", "Bản chính/Bản sao", "Số lượng")
SIGN_HINT = "(Ký và ghi rõ họ tên)"

FONT_DIR = Path(__file__).parent / "fonts"
_FONT = "DejaVuSans"
_FONT_FILES = {"": FONT_DIR / "DejaVuSans-vi.ttf", "B": FONT_DIR / "DejaVuSans-Bold-vi.ttf"}


@dataclass(frozen=True)
class ReceiptDocument:
    """One paper of the dossier (thành phần hồ sơ)."""

    name: str
    original: bool  # bản chính (True) or bản sao (False)
    copies: int


@dataclass(frozen=True)
class ReceiptView:
    """Everything printed on the receipt, already looked up and masked by the caller."""

    centre_name: str
    dossier_code: str
    procedure_name: str
    procedure_code: str
    applicant_name: str
    applicant_address: str | None
    applicant_phone_masked: str | None
    received_at: datetime
    appointment_at: datetime
    documents: tuple[ReceiptDocument, ...]
    received_by: str
    lookup_url: str
    lookup_secret: str
    form_number: str = "01"


def vietnamese_date(moment: datetime) -> str:
    """`ngày 18 tháng 6 năm 2021` in Vietnam time; a day below 10 and months 1 and 2 take a
    leading zero, as official documents write them (Decree 30/2020, appendix I)."""
    local = _in_vietnam(moment)
    month = f"{local.month:02d}" if local.month <= 2 else str(local.month)
    return f"ngày {local.day:02d} tháng {month} năm {local.year}"


def vietnamese_datetime(moment: datetime) -> str:
    """`08 giờ 30 phút, ngày 18 tháng 6 năm 2021` in Vietnam time."""
    local = _in_vietnam(moment)
    return f"{local.hour:02d} giờ {local.minute:02d} phút, {vietnamese_date(local)}"


@lru_cache(maxsize=256)
def qr_matrix(data: str) -> tuple[tuple[bool, ...], ...]:
    """The QR modules for `data` (error correction M), quiet zone of 4 modules included."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(data)
    code.make(fit=True)
    return tuple(tuple(bool(cell) for cell in row) for row in code.get_matrix())


def _dark_runs(matrix: tuple[tuple[bool, ...], ...]) -> list[tuple[int, int, int]]:
    """Horizontal runs of dark modules as (x, y, length), so a drawing needs few shapes."""
    runs: list[tuple[int, int, int]] = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append((start, y, x - start))
            else:
                x += 1
    return runs


def _in_vietnam(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("receipt times must be timezone-aware")
    return moment.astimezone(VIETNAM)


def _clean(text: str) -> str:
    """NFC (so each Vietnamese letter is one code point the font has) on one line."""
    return " ".join(unicodedata.normalize("NFC", text).split())


@dataclass(frozen=True)
class _Content:
    form_label: str
    agency: str
    code_line: tuple[str, str]
    date_line: str
    fields: tuple[tuple[str, str], ...]
    documents_heading: str
    documents: tuple[tuple[str, str, str, str], ...]
    times: tuple[tuple[str, str], ...]
    lookup_heading: str
    lookup: tuple[tuple[str, str], ...]
    lookup_note: str
    lookup_url: str
    signatures: tuple[tuple[str, str], ...]


def _content(view: ReceiptView, fit: Callable[[str], str] = lambda text: text) -> _Content:
    """What the receipt says; `fit` adapts the caller's strings to what the output can draw."""

    def _nfc(text: str) -> str:  # every string the caller gave goes through here
        return fit(_clean(text))

    url = urlsplit(view.lookup_url)
    lookup_page = _nfc(urlunsplit((url.scheme, url.netloc, url.path, "", "")))
    fields = [(f"{_nfc(view.centre_name)} tiếp nhận hồ sơ của: ", _nfc(view.applicant_name))]
    if view.applicant_address:
        fields.append(("Địa chỉ: ", _nfc(view.applicant_address)))
    if view.applicant_phone_masked:
        fields.append(("Số điện thoại: ", _nfc(view.applicant_phone_masked)))
    fields.append(
        (
            "Nội dung yêu cầu giải quyết: ",
            f"{_nfc(view.procedure_name)} (mã thủ tục: {_nfc(view.procedure_code)})",
        )
    )
    return _Content(
        form_label=f"Mẫu số {_nfc(view.form_number)}",
        agency=_nfc(view.centre_name).upper(),
        code_line=("Mã hồ sơ: ", _nfc(view.dossier_code)),
        date_line=vietnamese_date(view.received_at).capitalize(),
        fields=tuple(fields),
        documents_heading="1. Thành phần hồ sơ nộp gồm:",
        documents=tuple(
            (str(i), _nfc(doc.name), "Bản chính" if doc.original else "Bản sao", str(doc.copies))
            for i, doc in enumerate(view.documents, start=1)
        ),
        times=(
            ("2. Thời gian nhận hồ sơ: ", vietnamese_datetime(view.received_at)),
            ("3. Thời gian trả kết quả giải quyết hồ sơ: ", vietnamese_datetime(view.appointment_at)),
        ),
        lookup_heading="4. Tra cứu tình trạng hồ sơ",
        lookup=(
            ("Trang tra cứu: ", lookup_page),
            ("Mã hồ sơ: ", _nfc(view.dossier_code)),
            ("Mã bí mật tra cứu: ", _nfc(view.lookup_secret)),
        ),
        lookup_note="Quét mã QR bên cạnh để tra cứu. Xin giữ kín mã bí mật tra cứu.",
        lookup_url=view.lookup_url,
        signatures=(
            ("NGƯỜI NỘP HỒ SƠ", _nfc(view.applicant_name)),
            ("NGƯỜI TIẾP NHẬN HỒ SƠ", _nfc(view.received_by)),
        ),
    )


# --- HTML ---------------------------------------------------------------------------------------

_CSS = """
@page { size: A4; margin: 20mm 15mm 20mm 25mm; }
* { box-sizing: border-box; }
body { margin: 0; font-family: "Times New Roman", Times, "DejaVu Serif", serif; font-size: 13pt;
  line-height: 1.35; color: #000; background: #eee; }
.page { width: 210mm; min-height: 297mm; margin: 10mm auto; padding: 20mm 15mm 20mm 25mm;
  background: #fff; box-shadow: 0 0 4mm rgba(0, 0, 0, .25); }
p { margin: .2em 0; }
.form-number { text-align: right; font-size: 11pt; }
.heading { display: flex; justify-content: space-between; gap: 4mm; text-align: center; font-size: 12pt;
  font-weight: bold; }
.heading .agency { flex: 0 0 40%; }
.heading .motto { flex: 1 1 auto; white-space: nowrap; }
.rule { width: 35%; margin: 1mm auto 0; border: 0; border-top: 1px solid #000; }
.meta { display: flex; justify-content: space-between; margin-top: 3mm; }
.meta .date { font-style: italic; }
h1 { font-size: 14pt; text-align: center; margin: 6mm 0 4mm; }
table.documents { width: 100%; border-collapse: collapse; margin: 1mm 0 2mm; font-size: 12pt; }
table.documents th, table.documents td { border: 1px solid #000; padding: 1mm 2mm; vertical-align: top; }
table.documents th { white-space: nowrap; }
table.documents td.n { text-align: center; }
table.documents td.kind, table.documents td.copies { text-align: center; white-space: nowrap; }
.lookup { display: flex; justify-content: space-between; align-items: flex-start; gap: 5mm;
  margin-top: 2mm; }
.lookup .text { flex: 1 1 auto; overflow-wrap: anywhere; }
.lookup svg { flex: 0 0 32mm; width: 32mm; height: 32mm; }
.note { font-style: italic; font-size: 11pt; }
.signatures { display: flex; justify-content: space-around; text-align: center; margin-top: 8mm;
  break-inside: avoid; page-break-inside: avoid; }
.signatures > div { flex: 1 1 0; }
.signatures .hint { font-style: italic; font-size: 11pt; }
.signatures .signer { margin-top: 22mm; font-weight: bold; }
@media print {
  body { background: none; }
  .page { width: auto; min-height: 0; margin: 0; padding: 0; box-shadow: none; }
  .lookup svg, table.documents { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  tr, .lookup { break-inside: avoid; page-break-inside: avoid; }
}
"""


_COLUMNS = (
    '<colgroup><col style="width:12mm"><col><col style="width:38mm"><col style="width:22mm"></colgroup>'
)


def qr_svg(data: str, *, size: str = "32mm") -> str:
    """The QR code for `data` as inline SVG: one unit per module, a path of dark runs."""
    matrix = qr_matrix(data)
    n = len(matrix)
    path = "".join(f"M{x} {y}h{length}v1h-{length}z" for x, y, length in _dark_runs(matrix))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}" width="{size}" height="{size}" '
        f'shape-rendering="crispEdges" role="img" aria-label="Mã QR tra cứu hồ sơ">'
        f'<rect width="{n}" height="{n}" fill="#fff"/><path fill="#000" d="{path}"/></svg>'
    )


def _labelled(label: str, value: str) -> str:
    return f"<p>{escape(label)}<strong>{escape(value)}</strong></p>"


def receipt_html(view: ReceiptView) -> str:
    """A self-contained printable A4 page (inline CSS and SVG, nothing fetched)."""
    c = _content(view)
    rows = "".join(
        f'<tr><td class="n">{escape(n)}</td><td>{escape(name)}</td>'
        f'<td class="kind">{escape(kind)}</td><td class="copies">{escape(copies)}</td></tr>'
        for n, name, kind, copies in c.documents
    )
    headings = "".join(f"<th>{escape(h)}</th>" for h in DOCUMENT_HEADINGS)
    signatures = "".join(
        f'<div><p><strong>{escape(role)}</strong></p><p class="hint">{escape(SIGN_HINT)}</p>'
        f'<p class="signer">{escape(name)}</p></div>'
        for role, name in c.signatures
    )
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="vi">',
            '<head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(TITLE)} – {escape(c.code_line[1])}</title>",
            f"<style>{_CSS}</style></head>",
            '<body><main class="page">',
            f'<p class="form-number">{escape(c.form_label)}</p>',
            '<header class="heading">',
            f'<div class="agency"><p>{escape(c.agency)}</p><hr class="rule"></div>',
            f'<div class="motto"><p>{escape(MOTTO_COUNTRY)}</p><p>{escape(MOTTO)}</p><hr class="rule"></div>',
            "</header>",
            '<div class="meta">',
            _labelled(*c.code_line),
            f'<p class="date">{escape(c.date_line)}</p>',
            "</div>",
            f"<h1>{escape(TITLE)}</h1>",
            *(_labelled(label, value) for label, value in c.fields),
            f"<p>{escape(c.documents_heading)}</p>",
            f'<table class="documents">{_COLUMNS}<thead><tr>{headings}</tr></thead>',
            f"<tbody>{rows}</tbody></table>",
            *(_labelled(label, value) for label, value in c.times),
            '<section class="lookup"><div class="text">',
            f"<p>{escape(c.lookup_heading)}:</p>",
            *(_labelled(label, value) for label, value in c.lookup),
            f'<p class="note">{escape(c.lookup_note)}</p>',
            f"</div>{qr_svg(c.lookup_url)}</section>",
            f'<section class="signatures">{signatures}</section>',
            "</main></body></html>",
            "",
        ]
    )


# --- PDF ----------------------------------------------------------------------------------------

_LEFT, _TOP, _RIGHT = 25.0, 20.0, 15.0  # mm; Decree 30/2020 margins, on the narrow side
_SIZE = 10.5  # pt; DejaVu Sans is wide, so this matches 13pt Times New Roman in width
_LINE = 5.6  # mm
_QR_SIZE = 32.0  # mm


def receipt_pdf(view: ReceiptView) -> bytes:
    """The same receipt as an A4 PDF, fonts embedded (DejaVu Sans subsets), QR drawn as vectors."""
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_creation_date(_in_vietnam(view.received_at))  # deterministic bytes, not the wall clock
    pdf.set_lang("vi")
    pdf.set_margins(_LEFT, _TOP, _RIGHT)
    pdf.set_auto_page_break(True, margin=20)
    c = _content(view, _add_fonts(pdf))
    pdf.set_title(f"{TITLE} – {c.code_line[1]}")
    pdf.add_page()
    width = pdf.epw

    pdf.set_font(_FONT, "", 9)
    pdf.cell(width, 4, c.form_label, align="R", new_x="LMARGIN", new_y="NEXT")
    _pdf_heading(pdf, c, width)

    top = pdf.get_y()
    _pdf_labelled(pdf, *c.code_line)
    bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin, top)
    pdf.set_font(_FONT, "", _SIZE)
    pdf.cell(width, _LINE, c.date_line, align="R")
    pdf.set_y(bottom)

    pdf.ln(3)
    pdf.set_font(_FONT, "B", 13)
    pdf.multi_cell(width, 7, TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    for label, value in c.fields:
        _pdf_labelled(pdf, label, value)
    pdf.set_font(_FONT, "", _SIZE)
    pdf.multi_cell(width, _LINE, c.documents_heading, align="L", new_x="LMARGIN", new_y="NEXT")
    _pdf_documents(pdf, c)
    for label, value in c.times:
        _pdf_labelled(pdf, label, value)
    _pdf_lookup(pdf, c, width)
    _pdf_signatures(pdf, c, width)
    return bytes(pdf.output())


def _add_fonts(pdf: FPDF) -> Callable[[str], str]:
    """Embeds the fonts; returns what replaces the characters they cannot draw with "?", rather
    than let fpdf2 log them (a citizen's name is personal data and stays out of logs)."""
    for style, path in _FONT_FILES.items():
        pdf.add_font(_FONT, style, path)
    fonts = [font for font in pdf.fonts.values() if isinstance(font, TTFFont)]
    for font in fonts:
        # Subsetting keeps outlines as they are, so the stored glyph boxes stay right; skipping
        # their recomputation saves fpdf2 a third of the rendering time.
        font.ttfont.recalcBBoxes = False
    covered = frozenset.intersection(*(frozenset(font.cmap) for font in fonts))

    def fit(text: str) -> str:
        return "".join(ch if ord(ch) in covered else "?" for ch in text)

    return fit


def _pdf_heading(pdf: FPDF, c: _Content, width: float) -> None:
    agency_w = width * 0.42
    motto_w = width - agency_w
    top = pdf.get_y()
    pdf.set_font(_FONT, "B", 9.5)
    pdf.multi_cell(agency_w, 5, c.agency, align="C", new_x="LMARGIN", new_y="NEXT")
    agency_bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin + agency_w, top)
    pdf.multi_cell(motto_w, 5, f"{MOTTO_COUNTRY}\n{MOTTO}", align="C", new_x="LMARGIN", new_y="NEXT")
    motto_bottom = pdf.get_y()
    pdf.set_line_width(0.3)
    left = pdf.l_margin
    for x, w, y in ((left, agency_w, agency_bottom), (left + agency_w, motto_w, motto_bottom)):
        pdf.line(x + w * 0.3, y + 1, x + w * 0.7, y + 1)
    pdf.set_y(max(agency_bottom, motto_bottom) + 4)


def _pdf_labelled(pdf: FPDF, label: str, value: str) -> None:
    """`label` then `value` in bold, flowing and wrapping like one paragraph."""
    pdf.set_x(pdf.l_margin)
    pdf.set_font(_FONT, "", _SIZE)
    label_w = pdf.get_string_width(label)
    pdf.set_font(_FONT, "B", _SIZE)
    value_w = pdf.get_string_width(value)
    if label_w + value_w < pdf.epw - 1:  # one line: plain cells skip fpdf2's (slow) line breaking
        pdf.set_font(_FONT, "", _SIZE)
        pdf.cell(label_w, _LINE, label)
        pdf.set_font(_FONT, "B", _SIZE)
        pdf.cell(value_w, _LINE, value, new_x="LMARGIN", new_y="NEXT")
        return
    pdf.set_font(_FONT, "", _SIZE)
    pdf.write(_LINE, label)
    pdf.set_font(_FONT, "B", _SIZE)
    pdf.write(_LINE, value)
    pdf.ln(_LINE)


def _pdf_documents(pdf: FPDF, c: _Content) -> None:
    pdf.set_font(_FONT, "", _SIZE - 0.5)
    with pdf.table(
        col_widths=(12, 94, 40, 24),
        align="LEFT",
        text_align=("CENTER", "LEFT", "CENTER", "CENTER"),
        line_height=5.5,
        headings_style=FontFace(emphasis="BOLD"),
        padding=(1, 1.5),
        v_align="TOP",
    ) as table:
        for row in (DOCUMENT_HEADINGS, *c.documents):
            cells = table.row()
            for text in row:
                cells.cell(text)
    pdf.ln(2)


def _pdf_lookup(pdf: FPDF, c: _Content, width: float) -> None:
    if pdf.will_page_break(_QR_SIZE + 4):
        pdf.add_page()
    top = pdf.get_y() + 1
    qr_left = pdf.l_margin + width - _QR_SIZE
    _pdf_qr(pdf, c.lookup_url, qr_left, top, _QR_SIZE)
    pdf.set_y(top)
    pdf.set_right_margin(_RIGHT + _QR_SIZE + 4)  # the text flows beside the code
    pdf.set_font(_FONT, "", _SIZE)
    pdf.write(_LINE, f"{c.lookup_heading}:")
    pdf.ln(_LINE)
    for label, value in c.lookup:
        _pdf_labelled(pdf, label, value)
    pdf.set_font(_FONT, "", 9.5)
    pdf.set_x(pdf.l_margin)
    pdf.write(5, c.lookup_note)
    pdf.ln(5)
    pdf.set_right_margin(_RIGHT)
    pdf.set_y(max(pdf.get_y(), top + _QR_SIZE) + 3)


def _pdf_qr(pdf: FPDF, data: str, left: float, top: float, size: float) -> None:
    matrix = qr_matrix(data)
    module = size / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for x, y, length in _dark_runs(matrix):
        # A hair of overlap keeps viewers from drawing seams between adjacent modules.
        pdf.rect(left + x * module, top + y * module, length * module + 0.01, module + 0.01, style="F")


def _pdf_signatures(pdf: FPDF, c: _Content, width: float) -> None:
    if pdf.will_page_break(42):
        pdf.add_page()
    top = pdf.get_y() + 4
    column = width / len(c.signatures)
    for i, (role, name) in enumerate(c.signatures):
        x = pdf.l_margin + i * column
        pdf.set_xy(x, top)
        pdf.set_font(_FONT, "B", _SIZE)
        pdf.multi_cell(column, _LINE, role, align="C", new_x="LEFT", new_y="NEXT")
        pdf.set_font(_FONT, "", 9.5)
        pdf.multi_cell(column, 5, SIGN_HINT, align="C", new_x="LEFT", new_y="NEXT")
        pdf.set_xy(x, top + 30)
        pdf.set_font(_FONT, "B", _SIZE)
        pdf.multi_cell(column, _LINE, name, align="C", new_x="LEFT", new_y="NEXT")
