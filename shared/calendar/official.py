"""The official calendar, year by year: every day off and every weekend day worked, with its legal basis.

The project's own table, so that a year in it comes out the same whatever version of the ``holidays``
package is installed: ``WorkingDays`` decides a year of ``OFFICIAL_YEARS`` from this table alone
(Monday–Friday, minus the days off listed here, plus the weekend days worked listed here), and asks
the package only for the other years, which it calls provisional (tạm tính).

Sources, for the public sector (cán bộ, công chức, viên chức), whose calendar a centre keeps:

* Bộ luật Lao động 2019 (Law 45/2019/QH14), Điều 112(1): the holidays (ngày nghỉ lễ, tết) —
  (a) Tết Dương lịch 1/1; (b) Tết Âm lịch 5 days; (c) Ngày Chiến thắng 30/4; (d) Ngày Quốc tế Lao
  động 1/5; (đ) Quốc khánh 2/9 and one adjacent day, before or after; (e) Giỗ Tổ Hùng Vương 10/3 lunar.
  Điều 112(3): the Prime Minister decides which five days are Tết and which day is Quốc khánh's second.
* Điều 111(3): a weekly rest day (Saturday, Sunday in the public sector) that falls on a holiday of
  Điều 112(1) is made up on the next working day (nghỉ bù).
* Each year's notice (thông báo) of the ministry in charge — Bộ Lao động – Thương binh và Xã hội to
  2025, Bộ Nội vụ from 2026 — carrying the Prime Minister's decision, sometimes after a dispatch (công
  văn) of the Văn phòng Chính phủ: Tết's five days, Quốc khánh's adjacent day, and swaps (hoán đổi
  ngày làm việc: a weekday off, a Saturday worked), which no article of the Code provides for.
* From 2026, Ngày Văn hóa Việt Nam (24/11): Nghị quyết 28/2026/QH16 of the National Assembly, Điều 2,
  in force from 1 July 2026 (after Nghị quyết 80-NQ/TW of the Politburo); not in Điều 112(1).

Notice numbers were found in secondary sources (press reports, other projects' tables), not in the
official texts themselves; ``docs/rules.md`` ("Working days") says which, marked "(verify)". Adding a
year: its notices are issued in the autumn before; add an ``OfficialYear`` in a release, and until then
the centre's admin overrides (``/v1/calendar/overrides``) correct a provisional year.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Final


class DayKind(StrEnum):
    HOLIDAY = "holiday"  # ngày nghỉ lễ, tết: Điều 112(1), its adjacent day, Ngày Văn hóa Việt Nam
    COMPENSATORY = "compensatory"  # nghỉ bù: a holiday on a weekend day, made up (Điều 111(3))
    SWAP_OFF = "swap_off"  # nghỉ hoán đổi: a weekday off, worked back on a weekend day
    SWAP_WORKED = "swap_worked"  # ngày làm bù: the weekend day worked for it


@dataclass(frozen=True, slots=True)
class OfficialDay:
    """One day the official calendar decides: off (or, for ``SWAP_WORKED``, worked), and why."""

    day: date
    kind: DayKind
    name: str  # in Vietnamese, the reason a due's explanation shows
    basis: str  # the legal basis: article, notice or dispatch

    @property
    def working(self) -> bool:
        return self.kind is DayKind.SWAP_WORKED


@dataclass(frozen=True, slots=True)
class OfficialYear:
    """A year decided by the table alone: every weekday off and every weekend day worked is listed."""

    year: int
    decisions: tuple[str, ...]  # the notices and dispatches that decided it
    days: tuple[OfficialDay, ...]


HOLIDAY, COMPENSATORY = DayKind.HOLIDAY, DayKind.COMPENSATORY
SWAP_OFF, SWAP_WORKED = DayKind.SWAP_OFF, DayKind.SWAP_WORKED

_CODE = "Bộ luật Lao động 2019, Điều 112(1)"
NEW_YEAR: Final = f"{_CODE}(a)"
TET: Final = f"{_CODE}(b), 112(3)"
VICTORY: Final = f"{_CODE}(c)"
LABOUR: Final = f"{_CODE}(d)"
NATIONAL: Final = f"{_CODE}(đ)"
HUNG_KINGS: Final = f"{_CODE}(e)"
MAKE_UP: Final = "Bộ luật Lao động 2019, Điều 111(3)"
CULTURE_DAY: Final = "Nghị quyết 28/2026/QH16, Điều 2 (hiệu lực 01/7/2026)"

# Names, as the explanation shows them.
N_NEW_YEAR = "Tết Dương lịch"
N_TET = "Tết Nguyên Đán"
N_HUNG = "Ngày Giỗ Tổ Hùng Vương"
N_VICTORY = "Ngày Chiến thắng"
N_LABOUR = "Ngày Quốc tế Lao động"
N_NATIONAL = "Quốc khánh"
N_CULTURE = "Ngày Văn hóa Việt Nam"


def _d(y: int, m: int, d: int, kind: DayKind, name: str, basis: str) -> OfficialDay:
    return OfficialDay(date(y, m, d), kind, name, basis)


def _made_up(y: int, m: int, d: int, name: str, basis: str = MAKE_UP) -> OfficialDay:
    return _d(y, m, d, COMPENSATORY, f"{name} (nghỉ bù)", basis)


def _swap(off: date, worked: date, basis: str) -> tuple[OfficialDay, OfficialDay]:
    """A weekday off and the weekend day worked back for it (hoán đổi ngày làm việc)."""
    weekday = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu")[off.weekday()]
    return (
        OfficialDay(off, SWAP_OFF, f"nghỉ hoán đổi, làm bù thứ Bảy {worked:%d/%m/%Y}", basis),
        OfficialDay(worked, SWAP_WORKED, f"ngày làm bù cho {weekday} {off:%d/%m/%Y} ({basis})", basis),
    )


def _tet(y: int, days: tuple[tuple[int, int], ...], basis: str) -> tuple[OfficialDay, ...]:
    return tuple(_d(y, m, d, HOLIDAY, N_TET, f"{TET}; {basis}") for m, d in days)


# 2021 — Thông báo 4875/TB-LĐTBXH: Tết Wednesday 10 to Sunday 14 February (29 tháng Chạp to mùng 3),
# 13 and 14 on the weekend made up on 15 and 16; Quốc khánh 2 and 3 September.
_N2021 = "Thông báo 4875/TB-LĐTBXH"
_2021 = OfficialYear(
    2021,
    (f"{_N2021} (Bộ LĐTBXH): Tết Âm lịch và Quốc khánh năm 2021",),
    (
        _d(2021, 1, 1, HOLIDAY, N_NEW_YEAR, NEW_YEAR),
        *_tet(2021, ((2, 10), (2, 11), (2, 12), (2, 13), (2, 14)), _N2021),
        _made_up(2021, 2, 15, N_TET, f"{MAKE_UP}; {_N2021}"),
        _made_up(2021, 2, 16, N_TET, f"{MAKE_UP}; {_N2021}"),
        _d(2021, 4, 21, HOLIDAY, N_HUNG, HUNG_KINGS),
        _d(2021, 4, 30, HOLIDAY, N_VICTORY, VICTORY),
        _d(2021, 5, 1, HOLIDAY, N_LABOUR, LABOUR),  # a Saturday
        _made_up(2021, 5, 3, N_LABOUR),
        _d(2021, 9, 2, HOLIDAY, N_NATIONAL, NATIONAL),
        _d(2021, 9, 3, HOLIDAY, N_NATIONAL, f"{NATIONAL}, 112(3); {_N2021}"),
    ),
)

# 2022 — Công văn 245/VPCP-KGVX (11/1/2022), announced by Thông báo 119/TB-LĐTBXH (verify): Tết Monday
# 31 January to Friday 4 February; Quốc khánh 1 and 2 September.
_N2022 = "Công văn 245/VPCP-KGVX; Thông báo 119/TB-LĐTBXH (verify)"
_2022 = OfficialYear(
    2022,
    ("Công văn 245/VPCP-KGVX (11/01/2022)", "Thông báo 119/TB-LĐTBXH (verify)"),
    (
        _d(2022, 1, 1, HOLIDAY, N_NEW_YEAR, NEW_YEAR),  # a Saturday
        _made_up(2022, 1, 3, N_NEW_YEAR),
        *_tet(2022, ((1, 31), (2, 1), (2, 2), (2, 3), (2, 4)), _N2022),
        _d(2022, 4, 10, HOLIDAY, N_HUNG, HUNG_KINGS),  # a Sunday
        _made_up(2022, 4, 11, N_HUNG),
        _d(2022, 4, 30, HOLIDAY, N_VICTORY, VICTORY),  # a Saturday
        _d(2022, 5, 1, HOLIDAY, N_LABOUR, LABOUR),  # a Sunday
        _made_up(2022, 5, 2, N_VICTORY),
        _made_up(2022, 5, 3, N_LABOUR),
        _d(2022, 9, 1, HOLIDAY, N_NATIONAL, f"{NATIONAL}, 112(3); {_N2022}"),
        _d(2022, 9, 2, HOLIDAY, N_NATIONAL, NATIONAL),
    ),
)

# 2023 — Thông báo 5034/TB-LĐTBXH (verify): Tết Friday 20 to Tuesday 24 January, 21 and 22 on the
# weekend made up on 25 and 26; Quốc khánh 1 and 2 September, the 2nd a Saturday made up on the 4th.
_N2023 = "Thông báo 5034/TB-LĐTBXH (verify)"
_2023 = OfficialYear(
    2023,
    (f"{_N2023}: Tết Âm lịch và Quốc khánh năm 2023",),
    (
        _d(2023, 1, 1, HOLIDAY, N_NEW_YEAR, NEW_YEAR),  # a Sunday
        _made_up(2023, 1, 2, N_NEW_YEAR),
        *_tet(2023, ((1, 20), (1, 21), (1, 22), (1, 23), (1, 24)), _N2023),
        _made_up(2023, 1, 25, N_TET, f"{MAKE_UP}; {_N2023}"),
        _made_up(2023, 1, 26, N_TET, f"{MAKE_UP}; {_N2023}"),
        _d(2023, 4, 29, HOLIDAY, N_HUNG, HUNG_KINGS),  # a Saturday
        _d(2023, 4, 30, HOLIDAY, N_VICTORY, VICTORY),  # a Sunday
        _d(2023, 5, 1, HOLIDAY, N_LABOUR, LABOUR),
        _made_up(2023, 5, 2, N_HUNG),
        _made_up(2023, 5, 3, N_VICTORY),
        _d(2023, 9, 1, HOLIDAY, N_NATIONAL, f"{NATIONAL}, 112(3); {_N2023}"),
        _d(2023, 9, 2, HOLIDAY, N_NATIONAL, NATIONAL),  # a Saturday
        _made_up(2023, 9, 4, N_NATIONAL, f"{MAKE_UP}; {_N2023}"),
    ),
)

# 2024 — Thông báo 5015/TB-LĐTBXH (22/11/2023): Tết Thursday 8 to Monday 12 February, 10 and 11 on the
# weekend made up on 13 and 14; Quốc khánh 2 and 3 September. Công văn 2450/VPCP-KGVX (12/4/2024),
# announced by Thông báo 1570/TB-LĐTBXH (verify): off Monday 29 April, worked back Saturday 4 May.
_N2024 = "Thông báo 5015/TB-LĐTBXH"
_S2024 = "2450/VPCP-KGVX"
_2024 = OfficialYear(
    2024,
    (
        f"{_N2024} (22/11/2023): Tết Âm lịch và Quốc khánh năm 2024",
        f"Công văn {_S2024} (12/04/2024), Thông báo 1570/TB-LĐTBXH (verify): hoán đổi 29/4 – 4/5",
    ),
    (
        _d(2024, 1, 1, HOLIDAY, N_NEW_YEAR, NEW_YEAR),
        *_tet(2024, ((2, 8), (2, 9), (2, 10), (2, 11), (2, 12)), _N2024),
        _made_up(2024, 2, 13, N_TET, f"{MAKE_UP}; {_N2024}"),
        _made_up(2024, 2, 14, N_TET, f"{MAKE_UP}; {_N2024}"),
        _d(2024, 4, 18, HOLIDAY, N_HUNG, HUNG_KINGS),
        *_swap(date(2024, 4, 29), date(2024, 5, 4), _S2024),
        _d(2024, 4, 30, HOLIDAY, N_VICTORY, VICTORY),
        _d(2024, 5, 1, HOLIDAY, N_LABOUR, LABOUR),
        _d(2024, 9, 2, HOLIDAY, N_NATIONAL, NATIONAL),
        _d(2024, 9, 3, HOLIDAY, N_NATIONAL, f"{NATIONAL}, 112(3); {_N2024}"),
    ),
)

# 2025 — Công văn 8726/VPCP-KGVX (26/11/2024), announced by Thông báo 6150/TB-BLĐTBXH (3/12/2024):
# Tết Monday 27 to Friday 31 January; off Friday 2 May, worked back Saturday 26 April; Quốc khánh
# 1 and 2 September.
_N2025 = "Thông báo 6150/TB-BLĐTBXH"
_2025 = OfficialYear(
    2025,
    (
        "Công văn 8726/VPCP-KGVX (26/11/2024)",
        f"{_N2025} (03/12/2024): Tết Âm lịch, 30/4 – 1/5 và Quốc khánh năm 2025",
    ),
    (
        _d(2025, 1, 1, HOLIDAY, N_NEW_YEAR, NEW_YEAR),
        *_tet(2025, ((1, 27), (1, 28), (1, 29), (1, 30), (1, 31)), _N2025),
        _d(2025, 4, 7, HOLIDAY, N_HUNG, HUNG_KINGS),
        *_swap(date(2025, 5, 2), date(2025, 4, 26), "6150/TB-BLĐTBXH"),
        _d(2025, 4, 30, HOLIDAY, N_VICTORY, VICTORY),
        _d(2025, 5, 1, HOLIDAY, N_LABOUR, LABOUR),
        _d(2025, 9, 1, HOLIDAY, N_NATIONAL, f"{NATIONAL}, 112(3); {_N2025}"),
        _d(2025, 9, 2, HOLIDAY, N_NATIONAL, NATIONAL),
    ),
)

# 2026 — Công văn 12729/VPCP-KGVX (25/12/2025): off Friday 2 January, worked back Saturday 10 January.
# Thông báo 9441/TB-BNV (16/10/2025): Tết Monday 16 to Friday 20 February; Quốc khánh 1 and 2 September,
# and off Monday 31 August, worked back Saturday 22 August. Giỗ Tổ on Sunday 26 April, made up on the
# 27th; Công văn 3383/BNV-CVL (10/4/2026, verify): no swap around 30 April. Ngày Văn hóa Việt Nam,
# Tuesday 24 November.
_N2026 = "Thông báo 9441/TB-BNV"
_2026 = OfficialYear(
    2026,
    (
        "Công văn 12729/VPCP-KGVX (25/12/2025): hoán đổi 2/1 – 10/1",
        f"{_N2026} (16/10/2025): Tết Âm lịch và Quốc khánh năm 2026, hoán đổi 31/8 – 22/8",
        "Công văn 3383/BNV-CVL (10/04/2026, verify): không hoán đổi dịp 30/4 – 1/5",
        f"{CULTURE_DAY}: Ngày Văn hóa Việt Nam 24/11",
    ),
    (
        _d(2026, 1, 1, HOLIDAY, N_NEW_YEAR, NEW_YEAR),
        *_swap(date(2026, 1, 2), date(2026, 1, 10), "12729/VPCP-KGVX"),
        *_tet(2026, ((2, 16), (2, 17), (2, 18), (2, 19), (2, 20)), _N2026),
        _d(2026, 4, 26, HOLIDAY, N_HUNG, HUNG_KINGS),  # a Sunday
        _made_up(2026, 4, 27, N_HUNG),
        _d(2026, 4, 30, HOLIDAY, N_VICTORY, VICTORY),
        _d(2026, 5, 1, HOLIDAY, N_LABOUR, LABOUR),
        *_swap(date(2026, 8, 31), date(2026, 8, 22), "9441/TB-BNV"),
        _d(2026, 9, 1, HOLIDAY, N_NATIONAL, f"{NATIONAL}, 112(3); {_N2026}"),
        _d(2026, 9, 2, HOLIDAY, N_NATIONAL, NATIONAL),
        _d(2026, 11, 24, HOLIDAY, N_CULTURE, CULTURE_DAY),
    ),
)


def _checked(years: tuple[OfficialYear, ...]) -> Mapping[int, OfficialYear]:
    """The table by year, refused at import if a row contradicts itself."""
    table: dict[int, OfficialYear] = {}
    for entry in years:
        if entry.year in table:
            raise ValueError(f"the official table has {entry.year} twice")
        seen: set[date] = set()
        for row in entry.days:
            if row.day.year != entry.year or row.day in seen:
                raise ValueError(f"{row.day}: outside {entry.year} or listed twice")
            weekend = row.day.weekday() >= 5
            on_weekend = row.kind is SWAP_WORKED
            if on_weekend != weekend and (on_weekend or row.kind is not HOLIDAY):
                raise ValueError(f"{row.day}: a {row.kind} cannot fall on that weekday")
            seen.add(row.day)
        table[entry.year] = entry
    return MappingProxyType(table)


OFFICIAL_YEARS: Final[Mapping[int, OfficialYear]] = _checked((_2021, _2022, _2023, _2024, _2025, _2026))
