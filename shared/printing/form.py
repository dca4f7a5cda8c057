"""The layout the one-stop shop's paper forms share, drawn once as HTML and once as PDF.

Forms 01 (receipt), 02 (supplement guidance) and 03 (refusal) of Circular 01/2018/TT-VPCP have the
same frame: the form's number and basis in the corner, the issuing unit beside the national heading, a
reference (the dossier code) with the place-and-date line, the title, then lines, paragraphs and tables
in order, and signatures at the foot. A form is an `OfficialForm` of those blocks; `form_html` and
`form_pdf` draw it, so the HTML and the PDF of a form say the same thing. A form with a block of its
own (the receipt's QR code) passes it as `extra`, drawn after the blocks and before the signatures.

Callers give text on one line (`one_line`; `applicant_lines` does it itself); `form_pdf` replaces
what the fonts lack with "?" (`OfficialPdf.fit`), so nothing a citizen typed reaches fpdf2's log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from html import escape
from typing import Literal

from fpdf import FontFace

from shared.printing import html as page
from shared.printing.html import Signature
from shared.printing.pdf import FONT, HINT_SIZE, LINE, SIZE, OfficialPdf
from shared.printing.text import one_line

SIGN_HINT = "(Ký và ghi rõ họ tên)"


@dataclass(frozen=True)
class Line:
    """`label` then `value` in bold, one paragraph."""

    label: str
    value: str


@dataclass(frozen=True)
class Paragraph:
    """Plain text, or a smaller italic note."""

    text: str
    note: bool = False


@dataclass(frozen=True)
class Table:
    """A bordered table with a heading row; `widths` in mm on the PDF's 170 mm, shares of the HTML page."""

    headings: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]
    align: tuple[Literal["LEFT", "CENTER"], ...]


Block = Line | Paragraph | Table


@dataclass(frozen=True)
class OfficialForm:
    """Everything a form prints, in order, as plain text."""

    label: str  # "Mẫu số 01"
    basis: str  # "(Ban hành kèm theo Thông tư số …)"
    agency: str  # the issuing unit, printed in capitals beside the national heading
    reference: Line  # under the heading, left: "Mã hồ sơ: …"
    date_line: str  # under the heading, right: "Ngày 18 tháng 6 năm 2021"
    title: str  # printed in capitals
    blocks: tuple[Block, ...]
    signatures: tuple[Signature | None, ...]


@dataclass(frozen=True)
class Applicant:
    """Who the form is for, as it prints: the phone already masked, absent fields None."""

    name: str
    address: str | None = None
    phone_masked: str | None = None
    email: str | None = None


def applicant_lines(applicant: Applicant) -> tuple[Line, ...]:
    """The applicant's address, phone and e-mail lines of forms 01-03, those given only, on one line."""
    given = (
        ("Địa chỉ: ", applicant.address),
        ("Số điện thoại: ", applicant.phone_masked),
        ("Email: ", applicant.email),
    )
    return tuple(Line(label, one_line(value)) for label, value in given if value)


def _fitted(form: OfficialForm, fit: Callable[[str], str]) -> OfficialForm:
    def block(b: Block) -> Block:
        if isinstance(b, Line):
            return Line(fit(b.label), fit(b.value))
        if isinstance(b, Paragraph):
            return replace(b, text=fit(b.text))
        return replace(
            b, headings=tuple(map(fit, b.headings)), rows=tuple(tuple(map(fit, r)) for r in b.rows)
        )

    return replace(
        form,
        label=fit(form.label),
        basis=fit(form.basis),
        agency=fit(form.agency),
        reference=Line(fit(form.reference.label), fit(form.reference.value)),
        date_line=fit(form.date_line),
        title=fit(form.title),
        blocks=tuple(block(b) for b in form.blocks),
        signatures=tuple(
            None if s is None else Signature(fit(s.role), fit(s.hint), fit(s.name)) for s in form.signatures
        ),
    )


# --- HTML ---------------------------------------------------------------------------------------

FORM_CSS = """
table.items { width: 100%; border-collapse: collapse; margin: 1mm 0 2mm; font-size: 12pt; }
table.items th, table.items td { border: 1px solid #000; padding: 1mm 2mm; vertical-align: top; }
table.items td.c { text-align: center; white-space: nowrap; }
@media print {
  table.items { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  tr { break-inside: avoid; page-break-inside: avoid; }
}
"""


def _table_html(table: Table) -> str:
    total = sum(table.widths)
    columns = "".join(f'<col style="width:{100 * w / total:.1f}%">' for w in table.widths)
    headings = "".join(f"<th>{escape(h)}</th>" for h in table.headings)
    rows = "".join(
        "<tr>"
        + "".join(
            f'<td class="c">{escape(cell)}</td>' if align == "CENTER" else f"<td>{escape(cell)}</td>"
            for cell, align in zip(row, table.align, strict=True)
        )
        + "</tr>"
        for row in table.rows
    )
    return (
        f'<table class="items"><colgroup>{columns}</colgroup><thead><tr>{headings}</tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def _block_html(block: Block) -> str:
    if isinstance(block, Line):
        return page.labelled(block.label, block.value)
    if isinstance(block, Paragraph):
        css = ' class="note"' if block.note else ""
        return f"<p{css}>{escape(block.text)}</p>"
    return _table_html(block)


def form_html(form: OfficialForm, *, css: str = "", extra: Iterable[str] = ()) -> str:
    """A self-contained printable A4 page (inline CSS, nothing fetched); `extra` is HTML of the
    caller's, already escaped, placed after the blocks."""
    return page.document(
        title=f"{form.title} – {form.reference.value}",
        css=FORM_CSS + css,
        body=[
            page.form_number(form.label),
            page.form_number(form.basis),
            page.national_heading(form.agency),
            page.meta(form.reference.label, form.reference.value, form.date_line),
            page.title(form.title),
            *(_block_html(b) for b in form.blocks),
            *extra,
            page.signatures(form.signatures),
        ],
    )


# --- PDF ----------------------------------------------------------------------------------------


def _table_pdf(pdf: OfficialPdf, table: Table) -> None:
    pdf.set_font(FONT, "", SIZE - 0.5)
    with pdf.table(
        col_widths=table.widths,
        align="LEFT",
        text_align=table.align,
        line_height=5.5,
        headings_style=FontFace(emphasis="BOLD"),
        padding=(1, 1.5),
        v_align="TOP",
    ) as drawn:
        for row in (table.headings, *table.rows):
            cells = drawn.row()
            for text in row:
                cells.cell(text)
    pdf.ln(2)


def _block_pdf(pdf: OfficialPdf, block: Block) -> None:
    if isinstance(block, Line):
        pdf.labelled(block.label, block.value)
    elif isinstance(block, Paragraph):
        pdf.set_x(pdf.l_margin)
        pdf.set_font(FONT, "", HINT_SIZE if block.note else SIZE)
        pdf.multi_cell(pdf.epw, LINE, block.text, align="L", new_x="LMARGIN", new_y="NEXT")
    else:
        _table_pdf(pdf, block)


def form_pdf(
    form: OfficialForm,
    *,
    created_at: datetime,
    extra: Callable[[OfficialPdf], None] | None = None,
) -> bytes:
    """The form as an A4 PDF, fonts embedded; the same bytes for the same form (`created_at` is the
    form's own time, never the wall clock). `extra` draws the caller's own block after the others,
    fitting its text itself (`OfficialPdf.fit`)."""
    pdf = OfficialPdf(created_at=created_at)
    form = _fitted(form, pdf.fit)
    pdf.set_title(f"{form.title} – {form.reference.value}")
    pdf.add_page()
    pdf.form_number(form.label)
    pdf.form_number(form.basis)
    pdf.national_heading(form.agency)
    pdf.meta(form.reference.label, form.reference.value, form.date_line)
    pdf.title_block(form.title)
    for block in form.blocks:
        _block_pdf(pdf, block)
    if extra is not None:
        extra(pdf)
    pdf.signatures(form.signatures)
    return bytes(pdf.output())
