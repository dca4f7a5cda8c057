"""The printable A4 page every form shares: print CSS, national heading, labelled lines, signatures.

Every function escapes what it is given; callers pass plain text (already NFC, see `text`).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

from shared.printing import MOTTO, MOTTO_COUNTRY

# Decree 30/2020 margins; the screen shows the sheet, print drops the frame.
BASE_CSS = """
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
.note { font-style: italic; font-size: 11pt; }
.signatures { display: flex; justify-content: space-around; text-align: center; margin-top: 8mm;
  break-inside: avoid; page-break-inside: avoid; }
.signatures > div { flex: 1 1 0; }
.signatures .hint { font-style: italic; font-size: 11pt; }
.signatures .signer { margin-top: 22mm; font-weight: bold; }
@media print {
  body { background: none; }
  .page { width: auto; min-height: 0; margin: 0; padding: 0; box-shadow: none; }
}
"""


@dataclass(frozen=True)
class Signature:
    """One signature block: who signs (`role`, in capitals), how (`hint`), and the signer's name."""

    role: str
    hint: str
    name: str


def document(*, title: str, body: Iterable[str], css: str = "") -> str:
    """A self-contained printable A4 page (inline CSS, nothing fetched) around `body`'s HTML parts."""
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="vi">',
            '<head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(title)}</title>",
            f"<style>{BASE_CSS}{css}</style></head>",
            '<body><main class="page">',
            *body,
            "</main></body></html>",
            "",
        ]
    )


def form_number(label: str) -> str:
    return f'<p class="form-number">{escape(label)}</p>'


def national_heading(agency: str) -> str:
    """The issuing agency on the left, the national heading (quốc hiệu, tiêu ngữ) on the right."""
    return "\n".join(
        [
            '<header class="heading">',
            f'<div class="agency"><p>{escape(agency)}</p><hr class="rule"></div>',
            f'<div class="motto"><p>{escape(MOTTO_COUNTRY)}</p><p>{escape(MOTTO)}</p><hr class="rule"></div>',
            "</header>",
        ]
    )


def labelled(label: str, value: str) -> str:
    """`label` then `value` in bold, one paragraph."""
    return f"<p>{escape(label)}<strong>{escape(value)}</strong></p>"


def meta(label: str, value: str, date_line: str) -> str:
    """A labelled value on the left, the place-and-date line on the right, under the heading."""
    return f'<div class="meta">\n{labelled(label, value)}\n<p class="date">{escape(date_line)}</p>\n</div>'


def title(text: str) -> str:
    return f"<h1>{escape(text)}</h1>"


def signatures(columns: Sequence[Signature | None]) -> str:
    """Side by side, equal widths; `None` keeps a column empty (a lone signer sits on the right)."""
    blocks = "".join(
        "<div></div>"
        if column is None
        else f'<div><p><strong>{escape(column.role)}</strong></p><p class="hint">{escape(column.hint)}</p>'
        f'<p class="signer">{escape(column.name)}</p></div>'
        for column in columns
    )
    return f'<section class="signatures">{blocks}</section>'
