"""The six-month report as a self-contained printable HTML document (inline CSS, nothing fetched)."""

from collections.abc import Sequence
from html import escape

from services.reporting.six_month.content import Annex, SixMonthView, content
from services.reporting.tables import Table
from shared.printing import html as page

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


def _html_annex(annex: Annex) -> str:
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
    c = content(tables, view)
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
