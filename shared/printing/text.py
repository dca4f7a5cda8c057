"""Text as official forms print it: NFC, and dates in Vietnam time written the official way."""

import unicodedata
from datetime import date, datetime

from shared.clock import VIETNAM


def one_line(text: str) -> str:
    """NFC (so each Vietnamese letter is one code point the font has) on one line."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def paragraphs(text: str) -> tuple[str, ...]:
    """The non-blank lines of `text`, each as `one_line` gives it: a typed letter keeps its paragraphs."""
    return tuple(line for line in (one_line(raw) for raw in text.splitlines()) if line)


def in_vietnam(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("printed times must be timezone-aware")
    return moment.astimezone(VIETNAM)


def vietnamese_date(moment: datetime | date) -> str:
    """`ngày 18 tháng 6 năm 2021` (an instant is taken in Vietnam time); a day below 10 and months 1
    and 2 take a leading zero, as official documents write them (Decree 30/2020, appendix I)."""
    day = in_vietnam(moment).date() if isinstance(moment, datetime) else moment
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def vietnamese_datetime(moment: datetime) -> str:
    """`08 giờ 30 phút, ngày 18 tháng 6 năm 2021` in Vietnam time."""
    local = in_vietnam(moment)
    return f"{local.hour:02d} giờ {local.minute:02d} phút, {vietnamese_date(local)}"
