"""Due-date computations per second on one core (pure: no servers).

Typical inputs: receipts at any minute of 2024–2026 (nights, weekends and Tết included), processing
times of 1..30 working days, half-days, calendar days and same-day procedures. Years are cached
before timing: a centre answers many dossiers with one calendar.
"""

import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from shared.calendar import WorkingCalendar, due_at
from shared.clock import VIETNAM

COUNT = 200_000


def _rate(label: str, compute: Callable[[datetime, int], object], inputs: list[tuple[datetime, int]]) -> None:
    began = time.perf_counter()
    for start, days in inputs:
        compute(start, days)
    elapsed = time.perf_counter() - began
    print(f"  {label:<34} {len(inputs) / elapsed:>10,.0f} /s", flush=True)


async def run() -> None:
    calendar = WorkingCalendar()
    rng = random.Random(2021)
    base = datetime(2024, 1, 1, tzinfo=VIETNAM)
    span = 3 * 365 * 24 * 60
    inputs = [(base + timedelta(minutes=rng.randrange(span)), rng.randint(1, 30)) for _ in range(COUNT)]
    for start, days in inputs[:2000]:  # fill the per-year caches, as a running service has
        due_at(start, days, calendar=calendar)
        due_at(start, days, calendar=calendar, kind="calendar")
    half = Decimal("0.5")
    _rate("working days (1..30)", lambda s, d: due_at(s, d, calendar=calendar), inputs)
    _rate("working days + half a day", lambda s, d: due_at(s, d + half, calendar=calendar), inputs)
    _rate("calendar days (1..30)", lambda s, d: due_at(s, d, calendar=calendar, kind="calendar"), inputs)
    _rate("same day", lambda s, d: due_at(s, 0, calendar=calendar, same_day=True), inputs)
