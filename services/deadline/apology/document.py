"""The apology letter (phiếu xin lỗi và hẹn lại ngày trả kết quả, form 04) as printable HTML and as PDF.

The form (its number, title and the text that prescribes it) is that of the dossier's rule set
(`ApologyView.form`, from `shared.rule_sets`): form 04 of Circular 01/2018/TT-VPCP for a dossier
received before 1 July 2025, the 2025 set's after. Pure rendering: no database, no clock reads; times
are shown in Vietnam time. Both renderers draw the same
`_Content`, so the HTML and the PDF say the same thing. What deadline does not know (the applicant's
name, say, when the receipt event has not arrived) prints as a dotted line to fill in by hand.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from html import escape

from shared.printing import html as page
from shared.printing import one_line, paragraphs, vietnamese_date, vietnamese_datetime
from shared.printing.html import Signature
from shared.printing.pdf import OfficialPdf
from shared.rule_sets import Form

SIGN_HINT = "(Ký, ghi rõ họ tên và đóng dấu)"
BLANK = "…………………………"


@dataclass(frozen=True)
class ApologyView:
    """Everything printed on the letter, as recorded when it was issued."""

    agency_name: str
    dossier_code: str
    applicant_name: str | None
    procedure_name: str | None
    received_at: datetime | None
    appointment_at: datetime | None  # the return date on the receipt (thời hẹn trả kết quả)
    reason: str
    apology: str
    new_return_date: date
    signed_by_name: str
    signed_by_title: str
    issued_at: datetime
    form: Form  # the apology form of the dossier's rule set (that of its receipt day)


@dataclass(frozen=True)
class _Content:
    form_label: str
    basis: str
    title: str
    agency: str
    code_line: tuple[str, str]
    date_line: str
    to: tuple[str, str]
    facts: tuple[tuple[str, str], ...]
    late: str
    reason: tuple[str, str]
    apology: tuple[str, ...]
    new_date: tuple[str, str]
    thanks: str
    signature: Signature


def _content(view: ApologyView, fit: Callable[[str], str] = lambda text: text) -> _Content:
    """What the letter says; `fit` adapts the caller's strings to what the output can draw."""

    def _nfc(text: str | None) -> str:  # every string the caller gave goes through here
        return BLANK if text is None else fit(one_line(text))

    agency = _nfc(view.agency_name)
    return _Content(
        form_label=_nfc(view.form.label),
        basis=_nfc(view.form.basis_line),
        title=_nfc(view.form.title).upper(),
        agency=agency.upper(),
        code_line=("Mã hồ sơ: ", _nfc(view.dossier_code)),
        date_line=vietnamese_date(view.issued_at).capitalize(),
        to=("Kính gửi: ", _nfc(view.applicant_name)),
        facts=(
            (f"{agency} tiếp nhận hồ sơ đề nghị: ", _nfc(view.procedure_name)),
            ("Thời gian nhận hồ sơ: ", vietnamese_datetime(view.received_at) if view.received_at else BLANK),
            (
                "Thời gian hẹn trả kết quả giải quyết hồ sơ: ",
                vietnamese_datetime(view.appointment_at) if view.appointment_at else BLANK,
            ),
        ),
        late=f"{agency} không trả được kết quả giải quyết hồ sơ đúng thời gian đã hẹn.",
        reason=("Lý do: ", _nfc(view.reason)),
        apology=tuple(fit(p) for p in paragraphs(view.apology)),
        new_date=(
            f"{agency} xin hẹn lại ngày trả kết quả giải quyết hồ sơ: ",
            vietnamese_date(view.new_return_date).capitalize() + ".",
        ),
        thanks="Xin trân trọng cảm ơn sự hợp tác của Ông/Bà./.",
        signature=Signature(_nfc(view.signed_by_title).upper(), SIGN_HINT, _nfc(view.signed_by_name)),
    )


# --- HTML ---------------------------------------------------------------------------------------

_CSS = """
p.text { text-align: justify; text-indent: 10mm; }
"""


def apology_html(view: ApologyView) -> str:
    """A self-contained printable A4 page (inline CSS, nothing fetched)."""
    c = _content(view)
    return page.document(
        title=f"{c.title} – {c.code_line[1]}",
        css=_CSS,
        body=[
            page.form_number(c.form_label),
            page.form_number(c.basis),
            page.national_heading(c.agency),
            page.meta(*c.code_line, c.date_line),
            page.title(c.title),
            page.labelled(*c.to),
            *(page.labelled(label, value) for label, value in c.facts),
            f'<p class="text">{escape(c.late)}</p>',
            page.labelled(*c.reason),
            *(f'<p class="text">{escape(text)}</p>' for text in c.apology),
            page.labelled(*c.new_date),
            f'<p class="text">{escape(c.thanks)}</p>',
            page.signatures([None, c.signature]),
        ],
    )


# --- PDF ----------------------------------------------------------------------------------------


def apology_pdf(view: ApologyView) -> bytes:
    """The same letter as an A4 PDF, fonts embedded; the same view gives the same bytes."""
    pdf = OfficialPdf(created_at=view.issued_at)
    c = _content(view, pdf.fit)
    pdf.set_title(f"{c.title} – {c.code_line[1]}")
    pdf.add_page()
    pdf.form_number(c.form_label)
    pdf.form_number(c.basis)
    pdf.national_heading(c.agency)
    pdf.meta(*c.code_line, c.date_line)
    pdf.title_block(c.title)
    pdf.labelled(*c.to)
    for label, value in c.facts:
        pdf.labelled(label, value)
    pdf.paragraph(c.late, indent=True)
    pdf.labelled(*c.reason)
    for text in c.apology:
        pdf.paragraph(text, indent=True)
    pdf.labelled(*c.new_date)
    pdf.paragraph(c.thanks, indent=True)
    pdf.signatures([None, c.signature])
    return bytes(pdf.output())
