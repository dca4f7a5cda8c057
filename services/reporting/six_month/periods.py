"""The half-years the six-month report (báo cáo 6 tháng) covers.

The calendar halves by default (01/01–30/06, 01/07–31/12); `cutoff="day15"` gives the data cut-off of
Decree 09/2019/NĐ-CP, art. 12 (15/12 of the year before – 14/06, and 15/06 – 14/12), which
docs/rules.md asks to verify with the centre.
"""

from datetime import date
from typing import Literal

Cutoff = Literal["calendar", "day15"]


def six_month_period(year: int, half: int, cutoff: Cutoff = "calendar") -> tuple[date, date]:
    """The first and last day (both included) of half `half` (1 or 2) of `year`."""
    if half not in (1, 2):
        raise ValueError("half is 1 or 2")
    if cutoff == "day15":
        return (
            (date(year - 1, 12, 15), date(year, 6, 14))
            if half == 1
            else (date(year, 6, 15), date(year, 12, 14))
        )
    return (date(year, 1, 1), date(year, 6, 30)) if half == 1 else (date(year, 7, 1), date(year, 12, 31))
