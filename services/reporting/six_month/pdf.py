"""The six-month report as a PDF (A4: the covering page portrait, the tables landscape), fonts
embedded, the tables on landscape pages as Vietnamese reports print their wide tables."""

from collections.abc import Sequence
from typing import Final

from fpdf.fonts import FontFace

from services.reporting.six_month.content import Annex, SixMonthView, content
from services.reporting.tables import Table
from shared.printing.pdf import FONT, HINT_SIZE, LINE, SIZE, OfficialPdf

# Signs the embedded DejaVu subsets lack, written the way a typist would.
_PDF_SUBSTITUTES: Final = str.maketrans({"≥": ">=", "≤": "<=", "≠": "!="})
_HEADING_FACE: Final = FontFace(family=FONT, emphasis="BOLD", fill_color=(230, 230, 230))
_TOTAL_FACE: Final = FontFace(family=FONT, emphasis="BOLD")


def _widths(annex: Annex) -> list[float]:
    """Relative widths: names wide, codes medium, numbers narrow."""
    widths = []
    for i, kind in enumerate(annex.kinds):
        if kind != "text":
            widths.append(1.0)
            continue
        longest = max((len(row[i]) for row in annex.rows), default=0)
        widths.append(3.2 if longest > 14 else 1.8)
    return widths


def _pdf_annex(pdf: OfficialPdf, annex: Annex) -> None:
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
    c = content(tables, view, lambda text: pdf.fit(text.translate(_PDF_SUBSTITUTES)))
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
