"""Names as they were: which name a procedure, field or lead agency goes by in a report over a period.

Intake renames things, and each dossier.received carries the names of its day (event-carried state).
A report over a period names each group as its latest receipt on or before the period's last day
named it, so an agency renamed in 2026 keeps its old name in the 2024 report; a group with no receipt
by then (a report counting only later receipts cannot have one, but a name is still owed) takes the
name of its earliest receipt after.

The read model keeps, per (kind, code, name), the first and last receipt under that name
(`name_spans`): a few rows a code, where keeping every receipt's name would be a row per dossier.
Among the names used by the cut-off, the one whose use reaches latest towards it wins, and of two
still in use at it, the one taken up later (a rename, or a rename taken back: A, B, A is named right
on every day). Only a name taken up, dropped, taken up and dropped again twice over (A, B, A, B) can
be named wrong between its spans.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Final

from services.reporting.processing.facts import Cell
from shared.clock import VIETNAM

# The groups whose names travel in dossier.received, and where the cell keeps each code and name.
NAMED_KINDS: Final = ("procedure", "field", "agency")

Span = tuple[str, datetime, datetime]  # (name, first receipt under it, last receipt under it)
SpanKey = tuple[str, str, str]  # (kind, code, name)


def cut_off(day: date) -> datetime:
    """The first instant after `day` ends in Vietnam: receipts before it are on or before `day`."""
    return datetime.combine(day + timedelta(days=1), time(), VIETNAM)


def name_on(spans: Sequence[Span], day: date) -> str:
    """The name of the latest receipt on or before `day`, else of the earliest after it."""
    end = cut_off(day)
    used = [span for span in spans if span[1] < end]
    if not used:
        return min(spans, key=lambda s: (s[1], s[0]))[0]
    return max(used, key=lambda s: (min(s[2], end), s[1], s[0]))[0]


def names_on(spans: Mapping[str, Sequence[Span]], day: date) -> dict[str, str]:
    """Per code, its name on `day` (`name_on`)."""
    return {code: name_on(found, day) for code, found in spans.items() if found}


def cell_names(cell: Cell) -> Iterable[tuple[str, str, str]]:
    """The (kind, code, name) a receipt under `cell` names."""
    yield ("procedure", cell.procedure_code, cell.procedure_name)
    yield ("field", cell.field_code, cell.field_name)
    yield ("agency", cell.agency_code, cell.agency_name)


def widen(spans: dict[SpanKey, tuple[datetime, datetime]], key: SpanKey, at: datetime) -> None:
    """Make the span of `key` cover a receipt at `at`."""
    found = spans.get(key)
    spans[key] = (at, at) if found is None else (min(found[0], at), max(found[1], at))


def covers(span: tuple[datetime, datetime] | None, other: tuple[datetime, datetime]) -> bool:
    """Whether `span` already holds `other`: writing `other` would change nothing."""
    return span is not None and span[0] <= other[0] and other[1] <= span[1]
