"""The receipt (giấy tiếp nhận hồ sơ và hẹn trả kết quả) as printable HTML and as PDF.

The form (its number, title and the text that prescribes it) is that of the dossier's rule set
(`ReceiptView.form`, from `shared.rule_sets`): form 01 of Circular 01/2018/TT-VPCP for a dossier
received before 1 July 2025, the 2025 set's after. Pure rendering: no database, no clock reads; times
are arguments and are shown in Vietnam time whatever zone they come in.

Both renderers draw the same `_Content`, so the HTML and the PDF say the same thing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from html import escape
from urllib.parse import urlsplit, urlunsplit

import qrcode
import qrcode.constants
from fpdf import FontFace

from shared.printing import html as page
from shared.printing import one_line, vietnamese_date, vietnamese_datetime
from shared.printing.html import Signature
from shared.printing.pdf import FONT, LINE, RIGHT, SIZE, OfficialPdf
from shared.rule_sets import Form

DOCUMENT_HEADINGS = ("STT", "Tên giấy tờ", "Bản chính/Bản sao", "Số lượng")
SIGN_HINT = "(Ký và ghi rõ họ tên)"


@dataclass(frozen=True)
class ReceiptDocument:
    """One paper of the dossier (thành phần hồ sơ)."""

    name: str
    original: bool  # bản chính (True) or bản sao (False)
    copies: int


@dataclass(frozen=True)
class ReceiptView:
    """Everything printed on the receipt, already looked up and masked by the caller."""

    centre_name: str  # the receiving unit's name
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
    form: Form  # the receipt form of the dossier's rule set (that of its receipt day)
    unit_address: str | None = None  # the receiving unit's address, printed under its name


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


@dataclass(frozen=True)
class _Content:
    form_label: str
    basis: str
    title: str
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
    signatures: tuple[Signature, ...]


def _content(view: ReceiptView, fit: Callable[[str], str] = lambda text: text) -> _Content:
    """What the receipt says; `fit` adapts the caller's strings to what the output can draw."""

    def _nfc(text: str) -> str:  # every string the caller gave goes through here
        return fit(one_line(text))

    url = urlsplit(view.lookup_url)
    lookup_page = _nfc(urlunsplit((url.scheme, url.netloc, url.path, "", "")))
    fields = [("Địa chỉ đơn vị tiếp nhận: ", _nfc(view.unit_address))] if view.unit_address else []
    fields.append((f"{_nfc(view.centre_name)} tiếp nhận hồ sơ của: ", _nfc(view.applicant_name)))
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
        form_label=_nfc(view.form.label),
        basis=_nfc(view.form.basis_line),
        title=_nfc(view.form.title).upper(),
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
            Signature("NGƯỜI NỘP HỒ SƠ", SIGN_HINT, _nfc(view.applicant_name)),
            Signature("NGƯỜI TIẾP NHẬN HỒ SƠ", SIGN_HINT, _nfc(view.received_by)),
        ),
    )


# --- HTML ---------------------------------------------------------------------------------------

_CSS = """
table.documents { width: 100%; border-collapse: collapse; margin: 1mm 0 2mm; font-size: 12pt; }
table.documents th, table.documents td { border: 1px solid #000; padding: 1mm 2mm; vertical-align: top; }
table.documents th { white-space: nowrap; }
table.documents td.n { text-align: center; }
table.documents td.kind, table.documents td.copies { text-align: center; white-space: nowrap; }
.lookup { display: flex; justify-content: space-between; align-items: flex-start; gap: 5mm;
  margin-top: 2mm; }
.lookup .text { flex: 1 1 auto; overflow-wrap: anywhere; }
.lookup svg { flex: 0 0 32mm; width: 32mm; height: 32mm; }
@media print {
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


def receipt_html(view: ReceiptView) -> str:
    """A self-contained printable A4 page (inline CSS and SVG, nothing fetched)."""
    c = _content(view)
    rows = "".join(
        f'<tr><td class="n">{escape(n)}</td><td>{escape(name)}</td>'
        f'<td class="kind">{escape(kind)}</td><td class="copies">{escape(copies)}</td></tr>'
        for n, name, kind, copies in c.documents
    )
    headings = "".join(f"<th>{escape(h)}</th>" for h in DOCUMENT_HEADINGS)
    return page.document(
        title=f"{c.title} – {c.code_line[1]}",
        css=_CSS,
        body=[
            page.form_number(c.form_label),
            page.form_number(c.basis),
            page.national_heading(c.agency),
            page.meta(*c.code_line, c.date_line),
            page.title(c.title),
            *(page.labelled(label, value) for label, value in c.fields),
            f"<p>{escape(c.documents_heading)}</p>",
            f'<table class="documents">{_COLUMNS}<thead><tr>{headings}</tr></thead>',
            f"<tbody>{rows}</tbody></table>",
            *(page.labelled(label, value) for label, value in c.times),
            '<section class="lookup"><div class="text">',
            f"<p>{escape(c.lookup_heading)}:</p>",
            *(page.labelled(label, value) for label, value in c.lookup),
            f'<p class="note">{escape(c.lookup_note)}</p>',
            f"</div>{qr_svg(c.lookup_url)}</section>",
            page.signatures(c.signatures),
        ],
    )


# --- PDF ----------------------------------------------------------------------------------------

_QR_SIZE = 32.0  # mm


def receipt_pdf(view: ReceiptView) -> bytes:
    """The same receipt as an A4 PDF, fonts embedded (DejaVu Sans subsets), QR drawn as vectors."""
    pdf = OfficialPdf(created_at=view.received_at)  # deterministic bytes, not the wall clock
    c = _content(view, pdf.fit)
    pdf.set_title(f"{c.title} – {c.code_line[1]}")
    pdf.add_page()
    pdf.form_number(c.form_label)
    pdf.form_number(c.basis)
    pdf.national_heading(c.agency)
    pdf.meta(*c.code_line, c.date_line)
    pdf.title_block(c.title)
    for label, value in c.fields:
        pdf.labelled(label, value)
    pdf.set_font(FONT, "", SIZE)
    pdf.multi_cell(pdf.epw, LINE, c.documents_heading, align="L", new_x="LMARGIN", new_y="NEXT")
    _pdf_documents(pdf, c)
    for label, value in c.times:
        pdf.labelled(label, value)
    _pdf_lookup(pdf, c)
    pdf.signatures(c.signatures)
    return bytes(pdf.output())


def _pdf_documents(pdf: OfficialPdf, c: _Content) -> None:
    pdf.set_font(FONT, "", SIZE - 0.5)
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


def _pdf_lookup(pdf: OfficialPdf, c: _Content) -> None:
    if pdf.will_page_break(_QR_SIZE + 4):
        pdf.add_page()
    top = pdf.get_y() + 1
    qr_left = pdf.l_margin + pdf.epw - _QR_SIZE
    _pdf_qr(pdf, c.lookup_url, qr_left, top, _QR_SIZE)
    pdf.set_y(top)
    pdf.set_right_margin(RIGHT + _QR_SIZE + 4)  # the text flows beside the code
    pdf.set_font(FONT, "", SIZE)
    pdf.write(LINE, f"{c.lookup_heading}:")
    pdf.ln(LINE)
    for label, value in c.lookup:
        pdf.labelled(label, value)
    pdf.set_font(FONT, "", 9.5)
    pdf.set_x(pdf.l_margin)
    pdf.write(5, c.lookup_note)
    pdf.ln(5)
    pdf.set_right_margin(RIGHT)
    pdf.set_y(max(pdf.get_y(), top + _QR_SIZE) + 3)


def _pdf_qr(pdf: OfficialPdf, data: str, left: float, top: float, size: float) -> None:
    matrix = qr_matrix(data)
    module = size / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for x, y, length in _dark_runs(matrix):
        # A hair of overlap keeps viewers from drawing seams between adjacent modules.
        pdf.rect(left + x * module, top + y * module, length * module + 0.01, module + 0.01, style="F")
