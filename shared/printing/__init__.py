"""Official Vietnamese forms as printable HTML and as PDF: what every service's printed form shares.

- `text`: NFC on one line, dates in Vietnam time as official documents write them (Decree 30/2020).
- `html`: the A4 page, its print CSS, the national heading (quốc hiệu, tiêu ngữ) and signature blocks.
- `pdf`: `OfficialPdf`, an FPDF with the bundled DejaVu Sans subsets (Vietnamese letters) embedded,
  Decree 30/2020 margins, deterministic bytes, and the same heading and signature blocks drawn.
- `form`: the frame forms 01, 02 and 03 of Circular 01/2018/TT-VPCP share (number and basis, heading,
  reference and date, title, lines, tables, signatures) as an `OfficialForm`, drawn as HTML and PDF.

The fonts live in `fonts/` beside this file (licence and provenance in `fonts/README.txt`).
"""

from shared.printing.text import (
    in_vietnam,
    one_line,
    paragraphs,
    vietnamese_date,
    vietnamese_datetime,
)

MOTTO_COUNTRY = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"  # quốc hiệu
MOTTO = "Độc lập - Tự do - Hạnh phúc"  # tiêu ngữ

__all__ = [
    "MOTTO",
    "MOTTO_COUNTRY",
    "in_vietnam",
    "one_line",
    "paragraphs",
    "vietnamese_date",
    "vietnamese_datetime",
]
