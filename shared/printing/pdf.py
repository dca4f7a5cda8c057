"""`OfficialPdf`: an A4 FPDF for official forms, with the Vietnamese fonts embedded and the shared blocks.

Deterministic: the creation date is the document's own time, never the wall clock, so the same form
gives the same bytes.
"""

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import TTFFont

from shared.printing import MOTTO, MOTTO_COUNTRY
from shared.printing.html import Signature
from shared.printing.text import in_vietnam

FONT = "DejaVuSans"
FONT_DIR = Path(__file__).parent / "fonts"
FONT_FILES = {"": FONT_DIR / "DejaVuSans-vi.ttf", "B": FONT_DIR / "DejaVuSans-Bold-vi.ttf"}

LEFT, TOP, RIGHT, BOTTOM = 25.0, 20.0, 15.0, 20.0  # mm; Decree 30/2020 margins, on the narrow side
SIZE = 10.5  # pt; DejaVu Sans is wide, so this matches 13pt Times New Roman in width
LINE = 5.6  # mm
HINT_SIZE = 9.5  # pt; notes and signing hints


class OfficialPdf(FPDF):
    """A4 portrait with the bundled DejaVu Sans subsets (regular and bold) as `FONT`.

    Text the caller did not write itself (names, reasons) goes through `fit`, which replaces a
    character the fonts cannot draw with "?" rather than let fpdf2 log it (a citizen's name is
    personal data and stays out of logs).
    """

    def __init__(self, *, created_at: datetime) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.set_creation_date(in_vietnam(created_at))
        self.set_lang("vi")
        self.set_margins(LEFT, TOP, RIGHT)
        self.set_auto_page_break(True, margin=BOTTOM)
        for style, path in FONT_FILES.items():
            self.add_font(FONT, style, path)
        fonts = [font for font in self.fonts.values() if isinstance(font, TTFFont)]
        for font in fonts:
            # Subsetting keeps outlines as they are, so the stored glyph boxes stay right; skipping
            # their recomputation saves fpdf2 a third of the rendering time.
            font.ttfont.recalcBBoxes = False
        self._covered = frozenset.intersection(*(frozenset(font.cmap) for font in fonts))

    def fit(self, text: str) -> str:
        """`text` with every character the embedded fonts lack replaced by "?"."""
        return "".join(ch if ord(ch) in self._covered else "?" for ch in text)

    # --- blocks every form has -----------------------------------------------------------------

    def form_number(self, label: str) -> None:
        self.set_font(FONT, "", 9)
        self.cell(self.epw, 4, label, align="R", new_x="LMARGIN", new_y="NEXT")

    def national_heading(self, agency: str) -> None:
        """The issuing agency on the left, the national heading on the right, each underlined."""
        width = self.epw
        agency_w = width * 0.42
        motto_w = width - agency_w
        top = self.get_y()
        self.set_font(FONT, "B", 9.5)
        self.multi_cell(agency_w, 5, agency, align="C", new_x="LMARGIN", new_y="NEXT")
        agency_bottom = self.get_y()
        self.set_xy(self.l_margin + agency_w, top)
        self.multi_cell(motto_w, 5, f"{MOTTO_COUNTRY}\n{MOTTO}", align="C", new_x="LMARGIN", new_y="NEXT")
        motto_bottom = self.get_y()
        self.set_line_width(0.3)
        left = self.l_margin
        for x, w, y in ((left, agency_w, agency_bottom), (left + agency_w, motto_w, motto_bottom)):
            self.line(x + w * 0.3, y + 1, x + w * 0.7, y + 1)
        self.set_y(max(agency_bottom, motto_bottom) + 4)

    def meta(self, label: str, value: str, date_line: str) -> None:
        """A labelled value on the left and the date line on the right, on the same line."""
        top = self.get_y()
        self.labelled(label, value)
        bottom = self.get_y()
        self.set_xy(self.l_margin, top)
        self.set_font(FONT, "", SIZE)
        self.cell(self.epw, LINE, date_line, align="R")
        self.set_y(bottom)

    def title_block(self, text: str) -> None:
        self.ln(3)
        self.set_font(FONT, "B", 13)
        self.multi_cell(self.epw, 7, text, align="C", new_x="LMARGIN", new_y="NEXT")
        self.ln(3)

    def labelled(self, label: str, value: str) -> None:
        """`label` then `value` in bold, flowing and wrapping like one paragraph."""
        self.set_x(self.l_margin)
        self.set_font(FONT, "", SIZE)
        label_w = self.get_string_width(label)
        self.set_font(FONT, "B", SIZE)
        value_w = self.get_string_width(value)
        if label_w + value_w < self.epw - 1:  # one line: plain cells skip fpdf2's (slow) line breaking
            self.set_font(FONT, "", SIZE)
            self.cell(label_w, LINE, label)
            self.set_font(FONT, "B", SIZE)
            self.cell(value_w, LINE, value, new_x="LMARGIN", new_y="NEXT")
            return
        self.set_font(FONT, "", SIZE)
        self.write(LINE, label)
        self.set_font(FONT, "B", SIZE)
        self.write(LINE, value)
        self.ln(LINE)

    def paragraph(self, text: str, *, size: float = SIZE, indent: bool = False) -> None:
        """A justified paragraph, its first line indented when `indent` (the body of a letter)."""
        self.set_x(self.l_margin)
        self.set_font(FONT, "", size)
        lead = "        " if indent else ""
        self.multi_cell(self.epw, LINE, lead + text, align="J", new_x="LMARGIN", new_y="NEXT")

    def signatures(self, columns: Sequence[Signature | None]) -> None:
        """Side by side, equal widths, room to sign; `None` keeps a column empty."""
        if self.will_page_break(42):
            self.add_page()
        top = self.get_y() + 4
        column = self.epw / len(columns)
        for i, signature in enumerate(columns):
            if signature is None:
                continue
            x = self.l_margin + i * column
            self.set_xy(x, top)
            self.set_font(FONT, "B", SIZE)
            self.multi_cell(column, LINE, signature.role, align="C", new_x="LEFT", new_y="NEXT")
            self.set_font(FONT, "", HINT_SIZE)
            self.multi_cell(column, 5, signature.hint, align="C", new_x="LEFT", new_y="NEXT")
            self.set_xy(x, top + 30)
            self.set_font(FONT, "B", SIZE)
            self.multi_cell(column, LINE, signature.name, align="C", new_x="LEFT", new_y="NEXT")
