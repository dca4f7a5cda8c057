"""Property: for random dossier timelines and random periods, the processing read model fed event by
event (repeated and shuffled events included) gives exactly the rows a brute-force reading of the
timelines gives, and every row and the totals reconcile. In memory here (the same fold, counters and
Fenwick tree as the database); test_processing_db.py runs fewer examples through the real handlers and
PostgreSQL."""

import random
import uuid
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Literal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.reporting.processing.arithmetic import LEVEL_FIELDS, ROW_FIELDS, add_rows, bucket_counts
from services.reporting.processing.definition import MemoryModel, classify
from services.reporting.processing.events import events_of
from services.reporting.processing.rule_periods import BUCKETS, service_bucket
from shared.clock import VIETNAM
from shared.messaging.envelope import CloudEvent
from tests.reporting.timelines import Appointment, Pause, Timeline, expected_rows, reconciles

BASE = datetime(2021, 1, 1, tzinfo=VIETNAM)
# Receipts from here fall on both sides of 1 July 2025 (Decree 61/2018, then Decree 118/2025), closes
# and pending too: the service buckets of both schemes.
REFORM = datetime(2025, 5, 1, tzinfo=VIETNAM)
CELLS = [("P1", "F1", "A1"), ("P2", "F1", "A2"), ("P3", "F2", "A1")]
UNITS = ["000.00.12.H57", "000.00.13.H57"]  # receiving units: a cell is also per unit
PAUSE_REASONS: tuple[Literal["supplement", "obligation"], ...] = ("supplement", "obligation")


def instant(days: int, minutes: int, base: datetime = BASE) -> datetime:
    return base + timedelta(days=days, minutes=minutes)


# Minutes of the day, often near midnight in Vietnam (where UTC is still the day before).
minutes = st.one_of(st.integers(0, 24 * 60 - 1), st.sampled_from([0, 1, 6 * 60 + 59, 7 * 60, 23 * 60 + 59]))


@st.composite
def timelines(draw: st.DrawFn, base: datetime = BASE) -> Timeline:
    procedure, field_code, agency = draw(st.sampled_from(CELLS))
    received_day = draw(st.integers(0, 120))
    received = instant(received_day, draw(minutes), base)
    due = instant(received_day + draw(st.integers(0, 30)), draw(minutes), base)
    close_kind = draw(st.sampled_from([None, "resolved", "resolved", "withdrawn", "rejected", "stopped"]))
    close_day = received_day + draw(st.integers(0, 60))
    close = instant(close_day, draw(minutes), base) if close_kind else None
    if close is not None and close < received:
        close = received
    horizon = close_day if close else received_day + 90
    pauses = []
    steps = [uuid.uuid4() for _ in range(draw(st.integers(0, 2)))]
    for step in steps:
        for _ in range(draw(st.integers(0, 2))):
            start_day = draw(st.integers(received_day, max(received_day, horizon)))
            start = max(received, instant(start_day, draw(minutes), base))
            ends = draw(st.booleans())
            end = (
                start + timedelta(days=draw(st.integers(0, 20)), minutes=draw(st.integers(0, 600)))
                if ends
                else None
            )
            pauses.append(
                Pause(
                    step,
                    start,
                    end,
                    start_via=draw(st.sampled_from(["paused", "requested", "both"])),
                    end_via=draw(st.sampled_from(["resumed", "supplied", "both"])),
                )
            )
    # The deadline service's moved dues: any number, at any resumption, moving the due either way.
    appointments = []
    for _ in range(draw(st.integers(0, 2))):
        paused = instant(received_day + draw(st.integers(0, 30)), draw(minutes), base)
        resumed = paused + timedelta(days=draw(st.integers(0, 15)), minutes=draw(st.integers(0, 600)))
        moved = due + timedelta(days=draw(st.integers(-2, 25)), minutes=draw(st.integers(0, 600)))
        reason = draw(st.sampled_from(PAUSE_REASONS))
        appointments.append(Appointment(paused, resumed, moved, reason))
    obligation = None
    if draw(st.booleans()):
        start = received + timedelta(days=draw(st.integers(0, 10)))
        obligation = (start, start + timedelta(days=draw(st.integers(0, 10))))
    return Timeline(
        procedure=procedure,
        field_code=field_code,
        agency=agency,
        unit=draw(st.sampled_from(UNITS)),
        channel=draw(st.sampled_from(["direct", "post", "online"])),
        level=draw(st.integers(1, 4)),
        across=draw(st.booleans()),
        received=received,
        due=due,
        resolved=close if close_kind == "resolved" else None,
        withdrawn=close if close_kind == "withdrawn" else None,
        rejected=close if close_kind == "rejected" else None,
        stopped=close if close_kind == "stopped" else None,
        returned=close + timedelta(days=1)
        if close and close_kind == "resolved" and draw(st.booleans())
        else None,
        apology=draw(st.booleans()),
        letters=draw(st.lists(st.sampled_from([True, False, None]), max_size=2)),
        appointments=appointments,
        pauses=pauses,
        obligation=obligation,
        digitized=(2, 1) if draw(st.booleans()) else None,
        imported=draw(st.booleans()),
    )


@st.composite
def periods(draw: st.DrawFn, base: datetime = BASE) -> tuple[date, date]:
    start = base.date() + timedelta(days=draw(st.integers(-10, 200)))
    return start, start + timedelta(days=draw(st.integers(0, 200)))


def deliveries(all_timelines: list[Timeline], rng: random.Random) -> list[CloudEvent]:
    """Each dossier's events shuffled, some twice; dossiers interleaved."""
    events: list[CloudEvent] = []
    for timeline in all_timelines:
        mine = timeline.events()
        mine += rng.sample(mine, k=rng.randrange(0, len(mine) + 1))
        rng.shuffle(mine)
        events += mine
    rng.shuffle(events)
    return events


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    all_timelines=st.lists(timelines(), min_size=1, max_size=25),
    period_list=st.lists(periods(), min_size=1, max_size=4),
    seed=st.integers(0, 2**32 - 1),
)
def test_the_incremental_model_equals_the_brute_force_for_any_timelines_and_period(
    all_timelines: list[Timeline], period_list: list[tuple[date, date]], seed: int
) -> None:
    model = MemoryModel()
    for event in events_of(deliveries(all_timelines, random.Random(seed))):
        model.apply(event)
    for period_from, period_to in period_list:
        rows = {k: v for k, v in model.rows(period_from, period_to).items() if v["total"]}
        assert rows == expected_rows(all_timelines, period_from, period_to)
        for found in rows.values():
            assert reconciles(found)
        assert reconciles(add_rows(rows.values()))
        # The definition on the folded facts agrees too (the naive GROUP BY's Python twin).
        by_facts = add_rows(classify(f, period_from, period_to) for f in model.facts.values())
        assert by_facts == add_rows(rows.values()) or (not rows and by_facts == dict.fromkeys(ROW_FIELDS, 0))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    all_timelines=st.one_of(
        st.lists(timelines(), min_size=1, max_size=25),
        st.lists(timelines(REFORM), min_size=1, max_size=25),
        st.lists(st.one_of(timelines(), timelines(REFORM)), min_size=1, max_size=25),
    ),
    period_list=st.lists(st.one_of(periods(), periods(REFORM)), min_size=1, max_size=4),
    seed=st.integers(0, 2**32 - 1),
)
def test_the_results_per_service_bucket_equal_the_brute_force_over_that_bucket_s_dossiers(
    all_timelines: list[Timeline], period_list: list[tuple[date, date]], seed: int
) -> None:
    """The bucket series (`bucket_counts`) give, per service bucket, exactly the processing report's
    received, resolved and pending over the dossiers whose receipt day and level put them in that
    bucket (`service_bucket`), whatever the cells, the event order and the day of the results: a
    dossier received before 1 July 2025 and closed or pending after it stays in its levels bucket."""
    model = MemoryModel()
    for event in events_of(deliveries(all_timelines, random.Random(seed))):
        model.apply(event)
    for period_from, period_to in period_list:
        at_to, before = model.prefix(period_to), model.prefix(period_from - timedelta(days=1))
        found = bucket_counts(sum(at_to.values(), Counter()), sum(before.values(), Counter()))
        assert set(found) == set(BUCKETS)
        for bucket in BUCKETS:
            mine = [
                f
                for f in model.facts.values()
                if f.received_date is not None and service_bucket(f.received_date, f.service_level) == bucket
            ]
            expected = add_rows(classify(f, period_from, period_to) for f in mine)
            assert found[bucket] == {k: expected[k] for k in LEVEL_FIELDS}, bucket
