"""The receipt (giấy tiếp nhận hồ sơ và hẹn trả kết quả, form 01 of Circular 01/2018/TT-VPCP) as
printable HTML and as PDF.

The form (its number, title and the text that prescribes it) is that of the dossier's rule set
(`ReceiptView.form`, from `shared.rule_sets`): form 01 of Circular 01/2018/TT-VPCP for a dossier
received before 1 July 2025, the 2025 set's after. What it prints follows the items of form 01 as the
team read them (docs/rules.md, "Lifecycle": not confirmed against the official text): the receiving
unit, the applicant (address, phone masked, e-mail), the request, 1. the papers handed in, 2. the number
of sets, 3. the regulated processing time, 4. the receipt time, 5. the appointment, 6. where the result
is collected, the tracking book entry (the dossier code), then the look-up with its QR code.

The same form prints the new appointment (giấy hẹn lại ngày trả kết quả) when a pause of the clock
moved it (`ReceiptView.rescheduled`): the official lists (Circular 01/2018, the 2025 set) have no form of
their own for it (form 04 is the apology of a late agency, which never moves the appointment), so it is
form 01 again, its title saying it is a new appointment, with the receipt's appointment, the pause and
the new one.

The frame is `shared.printing.form`'s, shared with forms 02 and 03; only the look-up block is drawn
here. Pure rendering: no database, no clock reads; times are arguments and are shown in Vietnam time
whatever zone they come in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from html import escape
from itertools import count
from urllib.parse import urlsplit, urlunsplit

import qrcode
import qrcode.constants

from shared.printing import html as page
from shared.printing import one_line, vietnamese_date, vietnamese_datetime
from shared.printing.form import (
    SIGN_HINT,
    Applicant,
    Line,
    OfficialForm,
    Paragraph,
    Table,
    applicant_lines,
    form_html,
    form_pdf,
)
from shared.printing.html import Signature
from shared.printing.pdf import FONT, LINE, RIGHT, SIZE, OfficialPdf
from shared.rule_sets import Form

DOCUMENT_HEADINGS = ("STT", "Tên giấy tờ", "Bản chính/Bản sao", "Số lượng")
DOCUMENT_WIDTHS = (12.0, 94.0, 40.0, 24.0)  # mm; the PDF's 170 mm between margins
_DAY_KINDS = {"working": "ngày làm việc", "calendar": "ngày"}


@dataclass(frozen=True)
class ReceiptDocument:
    """One paper of the dossier (thành phần hồ sơ)."""

    name: str
    original: bool  # bản chính (True) or bản sao (False)
    copies: int


@dataclass(frozen=True)
class ProcessingTime:
    """The regulated processing time (thời gian giải quyết theo quy định) of the dossier's procedure:
    its days (the online days for an online dossier, when the procedure has them) and their kind."""

    days: Decimal
    kind: str = "working"  # working | calendar
    same_day: bool = False


@dataclass(frozen=True)
class Rescheduled:
    """A new appointment: the pause that moved it last (`reason`: supplement | obligation) and the
    appointment after it. The receipt's own stays in `ReceiptView.appointment_at`."""

    appointment_at: datetime
    reason: str
    paused_at: datetime
    resumed_at: datetime


_PAUSES = {
    "supplement": "Tạm dừng tính thời hạn để bổ sung hồ sơ",
    "obligation": "Tạm dừng tính thời hạn để thực hiện nghĩa vụ tài chính",
}
_RESCHEDULED_TITLE = "{title} (hẹn lại ngày trả kết quả)"


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
    applicant_email: str | None = None
    sets: int = 1  # số bộ hồ sơ: the dossier does not record it; one set is handed in
    processing_time: ProcessingTime | None = None
    return_unit_name: str | None = None  # where the result is collected; None: the receiving unit
    return_unit_address: str | None = None
    rescheduled: Rescheduled | None = None  # set: the notice of a new appointment


def processing_time_text(time: ProcessingTime) -> str:
    """`5 ngày làm việc`, `0,5 ngày làm việc`, `30 ngày`, or `Trong ngày` for a same-day procedure."""
    if time.same_day:
        return "Trong ngày"
    days = time.days.normalize()
    number = f"{days:f}".replace(".", ",")  # a decimal comma, as Vietnamese writes it
    return f"{number} {_DAY_KINDS.get(time.kind, 'ngày')}"


def _result_place(view: ReceiptView) -> str:
    """The return unit's name and address (the receiving unit's when the citizen chose it)."""
    if view.return_unit_name is None:
        name, address = view.centre_name, view.unit_address
    else:
        name, address = view.return_unit_name, view.return_unit_address
    return f"{name}, {address}" if address else name


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
class _Lookup:
    """The receipt's own block: how the citizen follows the dossier, beside its QR code."""

    heading: str
    lines: tuple[Line, ...]
    note: str
    url: str  # encoded in the QR code as given, never fitted


def _form(view: ReceiptView) -> tuple[OfficialForm, _Lookup]:
    """What the receipt says, every string the caller gave on one line, NFC."""
    n = one_line
    applicant = Applicant(
        name=n(view.applicant_name),
        address=view.applicant_address,
        phone_masked=view.applicant_phone_masked,
        email=view.applicant_email,
    )
    blocks: list[Line | Paragraph | Table] = []
    if view.unit_address:
        blocks.append(Line("Địa chỉ đơn vị tiếp nhận: ", n(view.unit_address)))
    blocks.append(Line(f"{n(view.centre_name)} tiếp nhận hồ sơ của: ", applicant.name))
    blocks.extend(applicant_lines(applicant))
    blocks.append(
        Line(
            "Nội dung yêu cầu giải quyết: ",
            f"{n(view.procedure_name)} (mã thủ tục: {n(view.procedure_code)})",
        )
    )
    item = count(1)  # the form's numbered items; the processing time may be left out
    blocks.append(Paragraph(f"{next(item)}. Thành phần hồ sơ nộp gồm:"))
    blocks.append(
        Table(
            headings=DOCUMENT_HEADINGS,
            rows=tuple(
                (str(i), n(doc.name), "Bản chính" if doc.original else "Bản sao", str(doc.copies))
                for i, doc in enumerate(view.documents, start=1)
            ),
            widths=DOCUMENT_WIDTHS,
            align=("CENTER", "LEFT", "CENTER", "CENTER"),
        )
    )
    blocks.append(Line(f"{next(item)}. Số lượng hồ sơ: ", f"{view.sets:02d} (bộ)"))
    if view.processing_time is not None:
        blocks.append(
            Line(
                f"{next(item)}. Thời gian giải quyết hồ sơ theo quy định: ",
                processing_time_text(view.processing_time),
            )
        )
    blocks.append(Line(f"{next(item)}. Thời gian nhận hồ sơ: ", vietnamese_datetime(view.received_at)))
    new = view.rescheduled
    if new is None:
        blocks.append(
            Line(
                f"{next(item)}. Thời gian trả kết quả giải quyết hồ sơ: ",
                vietnamese_datetime(view.appointment_at),
            )
        )
    else:
        blocks.append(
            Line(
                f"{next(item)}. Thời gian hẹn trả kết quả ban đầu: ",
                vietnamese_datetime(view.appointment_at),
            )
        )
        blocks.append(
            Line(
                "Lý do hẹn lại: ",
                f"{_PAUSES.get(new.reason, 'Tạm dừng tính thời hạn')} "
                f"từ {vietnamese_datetime(new.paused_at)} đến {vietnamese_datetime(new.resumed_at)}",
            )
        )
        blocks.append(
            Line(
                "Thời gian trả kết quả giải quyết hồ sơ (hẹn lại): ",
                vietnamese_datetime(new.appointment_at),
            )
        )
    blocks.append(Line(f"{next(item)}. Đăng ký nhận kết quả tại: ", n(_result_place(view))))
    # The tracking book (sổ theo dõi hồ sơ, form 06) numbers its entries by the dossier code.
    blocks.append(Line("Vào Sổ theo dõi hồ sơ, số: ", n(view.dossier_code)))
    url = urlsplit(view.lookup_url)
    lookup = _Lookup(
        heading=f"{next(item)}. Tra cứu tình trạng hồ sơ:",
        lines=(
            Line("Trang tra cứu: ", n(urlunsplit((url.scheme, url.netloc, url.path, "", "")))),
            Line("Mã hồ sơ: ", n(view.dossier_code)),
            Line("Mã bí mật tra cứu: ", n(view.lookup_secret)),
        ),
        note="Quét mã QR bên cạnh để tra cứu. Xin giữ kín mã bí mật tra cứu.",
        url=view.lookup_url,
    )
    form = OfficialForm(
        label=n(view.form.label),
        basis=n(view.form.basis_line),
        agency=n(view.centre_name).upper(),
        reference=Line("Mã hồ sơ: ", n(view.dossier_code)),
        # A new appointment is dated by the resumption that made it, so a reprint says the same.
        date_line=vietnamese_date(view.received_at if new is None else new.resumed_at).capitalize(),
        title=n(_RESCHEDULED_TITLE.format(title=view.form.title) if new else view.form.title).upper(),
        blocks=tuple(blocks),
        signatures=(
            Signature("NGƯỜI NỘP HỒ SƠ", SIGN_HINT, applicant.name),
            Signature("NGƯỜI TIẾP NHẬN HỒ SƠ", SIGN_HINT, n(view.received_by)),
        ),
    )
    return form, lookup


# --- HTML ---------------------------------------------------------------------------------------

_CSS = """
.lookup { display: flex; justify-content: space-between; align-items: flex-start; gap: 5mm;
  margin-top: 2mm; }
.lookup .text { flex: 1 1 auto; overflow-wrap: anywhere; }
.lookup svg { flex: 0 0 32mm; width: 32mm; height: 32mm; }
@media print {
  .lookup svg { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .lookup { break-inside: avoid; page-break-inside: avoid; }
}
"""


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
    form, lookup = _form(view)
    section = [
        '<section class="lookup"><div class="text">',
        f"<p>{escape(lookup.heading)}</p>",
        *(page.labelled(line.label, line.value) for line in lookup.lines),
        f'<p class="note">{escape(lookup.note)}</p>',
        f"</div>{qr_svg(lookup.url)}</section>",
    ]
    return form_html(form, css=_CSS, extra=section)


# --- PDF ----------------------------------------------------------------------------------------

_QR_SIZE = 32.0  # mm


def receipt_pdf(view: ReceiptView) -> bytes:
    """The same receipt as an A4 PDF, fonts embedded (DejaVu Sans subsets), QR drawn as vectors."""
    form, lookup = _form(view)
    # Deterministic bytes: the receipt's own time (the new appointment's), not the wall clock.
    created_at = view.received_at if view.rescheduled is None else view.rescheduled.resumed_at
    return form_pdf(form, created_at=created_at, extra=lambda pdf: _pdf_lookup(pdf, lookup))


def _pdf_lookup(pdf: OfficialPdf, lookup: _Lookup) -> None:
    if pdf.will_page_break(_QR_SIZE + 4):
        pdf.add_page()
    top = pdf.get_y() + 1
    qr_left = pdf.l_margin + pdf.epw - _QR_SIZE
    _pdf_qr(pdf, lookup.url, qr_left, top, _QR_SIZE)
    pdf.set_y(top)
    pdf.set_right_margin(RIGHT + _QR_SIZE + 4)  # the text flows beside the code
    pdf.set_font(FONT, "", SIZE)
    pdf.write(LINE, pdf.fit(lookup.heading))
    pdf.ln(LINE)
    for line in lookup.lines:
        pdf.labelled(pdf.fit(line.label), pdf.fit(line.value))
    pdf.set_font(FONT, "", 9.5)
    pdf.set_x(pdf.l_margin)
    pdf.write(5, lookup.note)
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
