"""The report arithmetic (docs/rules.md, "Report arithmetic") as pure functions, and why it is fast.

Every date is a calendar date in Vietnam; a period [from, to] is inclusive; a state "at `to`" is the
state at the END of day `to` (a dossier resolved on `to` is no longer pending at `to`).

Per dossier (`Facts`), with r = receipt date, c = close date (the earliest of resolved / rejected or
stopped / withdrawn; never before r) and due = the due the law recognises (`Facts.due_date`: the
original due as moved by legitimate pauses, dossier.appointment_changed; never by an apology letter):

* counted in [F, T] when r <= T and (no close or c >= F);
* carried over: r < F; received: F <= r <= T (online, or counter = direct + post);
* closed in the period (F <= c <= T): resolved early (c < due), on time (c = due), late (c > due),
  late with a timely apology letter, with a late one (or one of unknown timeliness), or without any;
  withdrawn; rejected (stopped counts as rejected);
* pending at T (no close, or c > T): overdue when due < T and not waiting for a supplement at T,
  otherwise within.

So total = carried over + received = resolved + pending + withdrawn + rejected, dossier by dossier.
`definition.classify` is that definition, written straight (the brute force the property test compares
with).

## Why any period is fast

Every count is either an event counted on its day (received on r, closed on c) or a state that holds
on an interval of days: open on [r, c); open AND overdue on [max(r, due + 1), c) minus the days it
waits for a supplement, clipped the same way. A state at T is then "intervals started on or before T"
minus "intervals ended on or before T". Each dossier therefore contributes a handful of signed
per-day counters (`contributions`): +1 `received` on r, +1 `resolved_late` on c, +1 `pending_overdue`
where its overdue interval starts and -1 where it ends. With P(x) the prefix sum of a counter over
days <= x, for any period:

    received in [F, T]   = P(T).received - P(F-1).received          (closed kinds alike)
    open at x            = P(x).received - P(x).closed              (closed = all closing kinds)
    carried over         = open at F-1,   pending total = open at T
    pending overdue      = P(T).pending_overdue

A dossier with an online service level counts a second time in the series of its *service bucket*
(`rule_periods.service_bucket`: the scheme of the rule set in force on its receipt day and its level
under it, fixed at receipt; `BUCKET_SERIES`: <bucket>_received on r, <bucket>_early / on_time / late
on c, <bucket>_open +1 on r and -1 on c, <bucket>_overdue like pending_overdue), so the service-level
report reads every count of a dossier in its receipt day's scheme from the same two prefix sums
(`bucket_counts`), whatever the cell and whatever the day of the count: a procedure's level may change
between its versions, and a dossier received under one rule set may be resolved under the next.

Decision 766's indicators add their own series the same way: the dossiers received of procedures
offered fully or partly online (their bucket) and of them those received online, on r; each fee payment
(and each paid online) on the day paid; and for a dossier resolved on c whose regulated time is known,
+1 `resolved_timed`, its regulated time and the time it took (`elapsed_tenths`) on c.

The two prefix sums P(T) and P(F-1) per group are the whole report. The counters live per day and
per *cell* (procedure x field x lead agency: a few hundred to a few thousand, however many dossiers)
in a Fenwick tree over days (`SIZE` days from `EPOCH`; node i holds the days (i - lowbit(i), i]):
adding to one day touches at most 16 nodes, and a prefix sum reads at most 15. A report reads at most
30 rows per cell, whatever the period and however many dossiers, and the database sums them per field,
agency or procedure (int4 columns: int8 sums, no numeric arithmetic). By receiving unit it reads the
same tree summed per unit (`report_unit_tree`, `ROW_SERIES` only), which the handlers and the rebuild
keep in step with the cell tree in the same transaction: a whole province's report by unit reads 30
rows a unit (some 120 units) instead of 30 a cell (some 17,000; issue #15, bench/province.py).

Why a Fenwick tree: plain per-day rows make a six-month report read 183 rows a cell, and "carried
over" (a state at F - 1) the whole history before it; month and day roll-ups read up to ~45 rows a
cell and point. "Pending overdue at T" looks two-dimensional (open at T AND due < T), but as an
interval of days, [max(r, due + 1), close) less the supplement waits, it is one signed counter.
Measured on 2 shared cores (bench/reporting.py): a six-month report by field at 5M dossiers answers
in tens of milliseconds over HTTP, the naive GROUP BY over the dossier rows in about two seconds.

A handler keeps the tree exact incrementally: it folds the event into the dossier's facts (`facts.fold`),
and adds the difference between the facts' contributions after and before (`delta`). Because the
contributions are a function of the facts alone, and `fold` sets each fact from the event that owns
it (earliest date wins, flags only turn on, marks are sets), any order and any repetition of one
dossier's events gives the same facts and so the same counters.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import TypeVar

from services.reporting.processing.facts import CellKey, Facts
from services.reporting.processing.rule_periods import BUCKETS, service_bucket
from shared.calendar.days import WorkingDays

EPOCH = date(1990, 1, 1)  # day index 1
SIZE = 1 << 15  # days in the tree: 1990-01-01 .. 2079-09-18
LAST_DAY = EPOCH + timedelta(days=SIZE - 1)
# Report periods allowed: P(from - 1) and P(to) must both be inside the tree.
FIRST_REPORT_DAY = date(2000, 1, 1)
LAST_REPORT_DAY = date(2078, 12, 31)

RECEIVED_SERIES = (
    "received",
    "received_online",
    "received_counter",
    "digitized",
    "documents_digitized",
    "documents_reused",
    "received_across_boundary",
)
CLOSED_SERIES = ("resolved_early", "resolved_on_time", "resolved_late", "withdrawn", "rejected")
# The service-level report's counts per service bucket (`rule_periods.BUCKETS`: levels_1 .. levels_4,
# classes_full_online, classes_partial_online, classes_other): received on r, resolved early / on time
# / late on the close day, and two states as signed interval counters: open (+1 on r, -1 on the close)
# and open and overdue (the bucket's share of `pending_overdue`).
BUCKET_RESULTS = ("received", "early", "on_time", "late", "open", "overdue")
BUCKET_SERIES = tuple(f"{bucket}_{kind}" for bucket in BUCKETS for kind in BUCKET_RESULTS)
# What the processing report, the indicators and the dashboard read; the service-level report reads
# only `BUCKET_SERIES`. A report sums only its own series: a province's whole-province report by field
# reads some 160,000 tree rows, and every column summed costs on each of them (bench/province.py).
# The tree summed per receiving unit (`report_unit_tree`) holds only these.
ROW_SERIES = (
    *RECEIVED_SERIES,
    *CLOSED_SERIES[:3],
    "late_with_apology",  # resolved late with any apology letter
    "late_with_timely_apology",  # ... with one sent in time (a late letter: the difference)
    *CLOSED_SERIES[3:],
    "pending_overdue",
)
# Decision 766's indicators beside the processing report's counts (`indicators/report.py`): dossiers
# received of procedures offered fully or partly online, and of them those received online, on r (the
# bucket of the receipt day's scheme: level 4 or "full online", level 3 or "partial online"); fee
# payments on the day paid, and of them those paid online (dossier.fee_paid). In the unit tree too.
ONLINE_CLASS_SERIES = (
    "full_online_received",
    "full_online_received_online",
    "partial_online_received",
    "partial_online_received_online",
)
PAYMENT_SERIES = ("fees_paid", "fees_paid_online")
# What the indicators read: their dossier counts, per agency or per unit.
INDICATOR_SERIES = (
    *RECEIVED_SERIES[:6],
    *CLOSED_SERIES[:3],
    *ONLINE_CLASS_SERIES,
    *PAYMENT_SERIES,
)
# The processing time of the dossiers resolved on c whose regulated time is known (`Facts.regulated_tenths`),
# in tenths of a day: how many, their regulated time and the time they took (`elapsed_tenths`), for the
# average per procedure against its regulated time. Only in the cell tree (read by procedure).
TIME_SERIES = ("resolved_timed", "regulated_tenths", "elapsed_tenths")
SERIES = (*ROW_SERIES, *ONLINE_CLASS_SERIES, *PAYMENT_SERIES, *BUCKET_SERIES, *TIME_SERIES)
# The series kept in the tree summed per receiving unit (`report_unit_tree`).
UNIT_SERIES = (*ROW_SERIES, *ONLINE_CLASS_SERIES, *PAYMENT_SERIES)
FULL_ONLINE_BUCKETS = frozenset({"levels_4", "classes_full_online"})
PARTIAL_ONLINE_BUCKETS = frozenset({"levels_3", "classes_partial_online"})
# The official working days (`shared.calendar`) a processing time is counted in. A province's own
# overrides (a day off it declared) are the deadline service's and not kept here: docs/rules.md.
WORKING_DAYS = WorkingDays()

COUNTER_CHANNELS = frozenset({"direct", "post"})  # tại quầy, bưu chính
ONLINE = "online"

K = TypeVar("K")
# One dossier's counters: (cell, day, series) -> signed count.
Contributions = Counter[tuple[CellKey, date, str]]


# -- what one dossier adds to the per-day counters --------------------------------------------------


def contributions(facts: Facts) -> Contributions:
    """The signed per-day counters of one dossier (see the module docstring)."""
    out: Contributions = Counter()
    if facts.cell is None or facts.received_date is None or facts.due_date is None:
        return out  # not received yet: it counts nowhere
    cell = facts.cell.key
    r, due = facts.received_date, facts.due_date

    def add(day: date | None, series: str, amount: int = 1) -> None:
        if day is not None and amount:
            out[(cell, day, series)] += amount

    # The bucket's series, when the dossier has a level: its receipt and results count in them too,
    # in the scheme of its receipt day's rule set whatever the day of the count.
    bucket = service_bucket(r, facts.service_level)
    add(r, "received")
    if facts.channel == ONLINE:
        add(r, "received_online")
    elif facts.channel in COUNTER_CHANNELS:
        add(r, "received_counter")
    if bucket is not None:
        add(r, f"{bucket}_received")
        add(r, f"{bucket}_open")
        online_class = "full_online" if bucket in FULL_ONLINE_BUCKETS else None
        if bucket in PARTIAL_ONLINE_BUCKETS:
            online_class = "partial_online"
        if online_class is not None:
            add(r, f"{online_class}_received")
            if facts.channel == ONLINE:
                add(r, f"{online_class}_received_online")
    for _, paid_on, online in facts.payments:
        add(paid_on, "fees_paid")
        if online:
            add(paid_on, "fees_paid_online")
    if facts.received_across_boundary:
        add(r, "received_across_boundary")
    if facts.digitized:
        add(r, "digitized")
        add(r, "documents_digitized", facts.documents_digitized)
        add(r, "documents_reused", facts.documents_reused)

    closed = facts.closure()
    close = None if closed is None else closed[1]
    if closed is not None:
        kind, c = closed
        if bucket is not None:
            add(c, f"{bucket}_open", -1)
        if kind == "resolved":
            outcome = resolution(c, due)
            add(c, f"resolved_{outcome}")
            if bucket is not None:
                add(c, f"{bucket}_{outcome}")
            if facts.regulated_tenths is not None:
                add(c, "resolved_timed")
                add(c, "regulated_tenths", facts.regulated_tenths)
                add(c, "elapsed_tenths", elapsed_tenths(facts.regulated_tenths, due, c, facts.day_kind))
            letter = facts.letter
            if outcome == "late" and letter != "none":
                add(c, "late_with_apology")
                if letter == "timely":
                    add(c, "late_with_timely_apology")
        else:
            add(c, kind)

    # Open and overdue on [max(r, due + 1), close), except while waiting for a supplement.
    overdue = ("pending_overdue",) if bucket is None else ("pending_overdue", f"{bucket}_overdue")
    overdue_from = max(r, due + timedelta(days=1))
    if close is None or overdue_from < close:
        for series in overdue:
            add(overdue_from, series, 1)
            add(close, series, -1)
            for start, end in facts.waiting_intervals():
                start = max(start, overdue_from)
                if end is None or start < end:
                    add(start, series, -1)
                    add(end, series, 1)
    return Counter({k: v for k, v in out.items() if v})


def resolution(resolved: date, due: date) -> str:
    """early (sớm hạn), on_time (đúng hạn) or late (trễ hạn), by date."""
    if resolved < due:
        return "early"
    return "on_time" if resolved == due else "late"


def elapsed_tenths(regulated_tenths: int, due: date, resolved: date, day_kind: str) -> int:
    """The time a dossier resolved on `resolved` took, in tenths of a day of its procedure's kind
    (working or calendar): its regulated time, less the days it was resolved before its due or plus
    those it was resolved after. Judged against the due the law recognises, so a legitimate pause (which
    moved the due) is not counted, an apology's new date is, and a dossier resolved on its due took
    exactly its regulated time. Never below 0."""
    if day_kind == "calendar":
        days = (resolved - due).days
    else:
        first = WORKING_DAYS.first_working_on_or_after
        days = WORKING_DAYS.working_days_between(first(due.toordinal()), first(resolved.toordinal()))
    return max(0, regulated_tenths + 10 * days)


def delta(before: Facts | None, after: Facts) -> Contributions:
    """What the counters must gain (or lose: negative) for the dossier to go from `before` to `after`."""
    change = Counter(contributions(after))
    if before is not None:
        change.subtract(contributions(before))
    return Counter({k: v for k, v in change.items() if v})


# -- the Fenwick tree over days ---------------------------------------------------------------------


def day_index(day: date) -> int | None:
    """1-based index of a day in the tree; days before the epoch count on its first day, days after
    its last are never reached by a report (None)."""
    if day > LAST_DAY:
        return None
    return max(1, (day - EPOCH).days + 1)


def update_nodes(day: date) -> list[int]:
    """The nodes whose ranges contain `day`: each gains what the day gains."""
    i = day_index(day)
    nodes: list[int] = []
    while i is not None and i <= SIZE:
        nodes.append(i)
        i += i & -i
    return nodes


def period_nodes(period_from: date, period_to: date) -> tuple[list[int], list[int]]:
    """The nodes of P(to) and of P(from - 1): a period's counts are their difference."""
    return prefix_nodes(period_to), prefix_nodes(period_from - timedelta(days=1))


def prefix_nodes(day: date) -> list[int]:
    """The nodes whose sum is the prefix sum over every day <= `day`."""
    i = (day - EPOCH).days + 1
    if i < 1 or i > SIZE:
        raise ValueError(f"{day} is outside the report tree ({EPOCH} .. {LAST_DAY})")
    nodes: list[int] = []
    while i > 0:
        nodes.append(i)
        i -= i & -i
    return nodes


def tree_changes(change: Mapping[tuple[K, date, str], int]) -> dict[tuple[K, int], dict[str, int]]:
    """Per (cell, node), what each series gains: the tree rows a change of per-day counters touches."""
    rows: dict[tuple[K, int], dict[str, int]] = {}
    for (cell, day, series), amount in change.items():
        for node in update_nodes(day):
            row = rows.setdefault((cell, node), {})
            row[series] = row.get(series, 0) + amount
    return {key: row for key, row in rows.items() if any(row.values())}


# -- from two prefix sums to a report row ------------------------------------------------------------

ROW_FIELDS = (
    "total",
    "carried_over",
    "received",
    "received_online",
    "received_counter",
    "received_across_boundary",
    "resolved_total",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "pending_total",
    "pending_within",
    "pending_overdue",
    "withdrawn",
    "rejected",
    "late_with_apology",
    "late_with_timely_apology",
    "late_with_late_apology",
    "late_without_apology",
)


def row_counts(at_to: Mapping[str, int], before_from: Mapping[str, int]) -> dict[str, int]:
    """A processing-report row from P(to) and P(from - 1), the prefix sums of `SERIES`."""
    t, b = at_to.get, before_from.get
    early = t("resolved_early", 0) - b("resolved_early", 0)
    on_time = t("resolved_on_time", 0) - b("resolved_on_time", 0)
    late = t("resolved_late", 0) - b("resolved_late", 0)
    received = t("received", 0) - b("received", 0)
    closed_to = sum(t(k, 0) for k in CLOSED_SERIES)
    carried = b("received", 0) - sum(b(k, 0) for k in CLOSED_SERIES)  # open at the end of F - 1
    pending = t("received", 0) - closed_to  # open at the end of T
    overdue = t("pending_overdue", 0)
    late_with = t("late_with_apology", 0) - b("late_with_apology", 0)
    timely = t("late_with_timely_apology", 0) - b("late_with_timely_apology", 0)
    return {
        "total": carried + received,
        "carried_over": carried,
        "received": received,
        "received_online": t("received_online", 0) - b("received_online", 0),
        "received_counter": t("received_counter", 0) - b("received_counter", 0),
        "received_across_boundary": t("received_across_boundary", 0) - b("received_across_boundary", 0),
        "resolved_total": early + on_time + late,
        "resolved_early": early,
        "resolved_on_time": on_time,
        "resolved_late": late,
        "pending_total": pending,
        "pending_within": pending - overdue,
        "pending_overdue": overdue,
        "withdrawn": t("withdrawn", 0) - b("withdrawn", 0),
        "rejected": t("rejected", 0) - b("rejected", 0),
        "late_with_apology": late_with,
        "late_with_timely_apology": timely,
        "late_with_late_apology": late_with - timely,
        "late_without_apology": late - late_with,
    }


LEVEL_FIELDS = (
    "received",
    "resolved_total",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "pending_total",
    "pending_within",
    "pending_overdue",
)


def bucket_counts(at_to: Mapping[str, int], before_from: Mapping[str, int]) -> dict[str, dict[str, int]]:
    """Per service bucket (`rule_periods.BUCKETS`), from P(to) and P(from - 1): the bucket's dossiers
    received in the period, resolved in it early / on time / late, and pending at the end of `to`
    within or past the due, as the processing report counts them (`row_counts`), for the dossiers fixed
    in that bucket at receipt (whatever the day of the result)."""

    def period(series: str) -> int:
        return int(at_to.get(series, 0)) - int(before_from.get(series, 0))

    out: dict[str, dict[str, int]] = {}
    for bucket in BUCKETS:
        early, on_time, late = (period(f"{bucket}_{k}") for k in ("early", "on_time", "late"))
        pending, overdue = int(at_to.get(f"{bucket}_open", 0)), int(at_to.get(f"{bucket}_overdue", 0))
        out[bucket] = {
            "received": period(f"{bucket}_received"),
            "resolved_total": early + on_time + late,
            "resolved_early": early,
            "resolved_on_time": on_time,
            "resolved_late": late,
            "pending_total": pending,
            "pending_within": pending - overdue,
            "pending_overdue": overdue,
        }
    return out


def add_rows(rows: Iterable[Mapping[str, int]]) -> dict[str, int]:
    total = dict.fromkeys(ROW_FIELDS, 0)
    for row in rows:
        for key in ROW_FIELDS:
            total[key] += int(row[key])
    return total
