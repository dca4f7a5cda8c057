"""Percentages as every report, export and document shows them (docs/rules.md, "Report arithmetic").

`percent(part, whole)` is ``part`` of ``whole`` in percentage points to two decimals, rounded half up
from the exact counts (12.345 -> 12.35), in integer arithmetic: never a float, so never a float's
artefact (12.345 as a float is 12.3449999...). Each row's percentage comes from its own counts and a
totals row's from the totals' counts, never from rounded rows, so the shown shares of a whole may add up
to 99.99 or 100.01: that is the rule, not an error.

The value is a `Decimal` with exactly two places (`Decimal("12.30")`): CSV and the printed document
write both places; JSON carries it as a number (12.3), XLSX as a number formatted "0.00".
"""

from decimal import Decimal
from typing import Final

PLACES: Final = 2  # decimals of a shown percentage


def percent(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` in percentage points, two decimals, half up; None when ``whole`` is 0."""
    if part < 0 or whole < 0:
        raise ValueError(f"a percentage of counts: {part} of {whole}")
    return quotient(100 * part, whole)


def quotient(part: int, whole: int) -> Decimal | None:
    """``part`` ÷ ``whole`` to two decimals, half up, exactly (an average from its sum and its count);
    None when ``whole`` is 0."""
    if part < 0 or whole < 0:
        raise ValueError(f"a quotient of counts: {part} / {whole}")
    if whole == 0:
        return None
    scale = 10**PLACES
    # floor(part * scale / whole + 1/2), exactly: half up for a non-negative ratio.
    units = (2 * part * scale + whole) // (2 * whole)
    return Decimal(units).scaleb(-PLACES)
