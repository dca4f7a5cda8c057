"""A fetch of events applied together (the consumer's batch path: every inbox row and the batch
handler in one transaction) gives what the same events one at a time give, on real PostgreSQL."""

import asyncio
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from itertools import chain, zip_longest
from typing import Any

import pytest
from sqlalchemy import select

from services.deadline.clocks.models import clocks, dossiers, pause_marks
from services.deadline.extensions.models import extensions
from services.deadline.models import messaging
from shared.messaging.consumer import PoisonEvent
from shared.messaging.envelope import CloudEvent
from shared.messaging.subjects import dossier_subject
from tests.conftest import Stack
from tests.deadline.conftest import Deadline, Dossier, agency, iso, new_dossier, vn
from tests.platform.toy import connected_link

FIRST_DUE, DUE = vn(2021, 6, 25, 8, 30), vn(2021, 7, 2, 8, 30)


def _supplements(d: Dossier, second: str) -> list[CloudEvent]:
    """Two steps, a supplement and a financial obligation, resolved and returned."""
    first = {"position": 1, "days": "5", "assigned": d.received_at, "due": FIRST_DUE}
    then = {"position": 2, "days": "5", "assigned": vn(2021, 6, 25, 8), "due": DUE}
    return [
        d.received(),
        d.assigned(d.lead, **first),
        d.supplement_requested(d.lead, vn(2021, 6, 21, 9)),
        d.paused(d.lead, vn(2021, 6, 21, 9)),
        d.resumed(d.lead, vn(2021, 6, 22, 9)),
        d.completed(d.lead, vn(2021, 6, 25, 8), **first),
        d.assigned(second, **then),
        d.paused(second, vn(2021, 6, 28, 9), reason="financial_obligation"),
        d.resumed(second, vn(2021, 6, 28, 13), reason="financial_obligation"),
        d.completed(second, vn(2021, 7, 1, 10), **then),
        d.ended("resolved", vn(2021, 7, 1, 10)),
        d.ended("returned", vn(2021, 7, 2, 9)),
    ]


def _extensions(d: Dossier, second: str) -> list[CloudEvent]:
    """A leader's request granted; a second one for the step and an officer's for another denied."""
    first = {"position": 1, "days": "10", "assigned": d.received_at, "due": DUE}
    return [
        d.received(),
        d.assigned(d.lead, **first),
        d.extension_requested(d.lead, vn(2021, 6, 24, 9)),
        d.paused(d.lead, vn(2021, 6, 25, 9)),
        d.resumed(d.lead, vn(2021, 6, 28, 9)),
        d.extension_requested(d.lead, vn(2021, 6, 29, 9)),
        d.assigned(second, position=2, days="3", assigned=vn(2021, 6, 29, 8), due=vn(2021, 7, 2, 8)),
        d.extension_requested(second, vn(2021, 6, 30, 9), role="officer"),
        d.completed(d.lead, vn(2021, 7, 5, 10), **first),
    ]


def _out_of_order(d: Dossier, second: str) -> list[CloudEvent]:
    """The end before the receipt, a completion before its assignment, a resumption before its pause;
    a fact re-sent under a new id, and an event delivered twice."""
    step = {"position": 1, "days": "10", "assigned": d.received_at, "due": DUE}
    received = d.received()
    paused = d.paused(d.lead, vn(2021, 6, 22, 9))
    return [
        d.ended("resolved", vn(2021, 7, 1, 10)),
        d.completed(d.lead, vn(2021, 7, 1, 10), **step),
        d.resumed(d.lead, vn(2021, 6, 23, 9)),
        received,
        paused,
        d.assigned(d.lead, **step),
        received.model_copy(update={"id": uuid.uuid4()}),
        paused,
    ]


def _ended_twice(d: Dossier, second: str) -> list[CloudEvent]:
    """Rejected at a step after the dossier was withdrawn: the earliest end stops every clock."""
    rejected = d.event(
        "dossier.rejected", **d.about_step(d.lead), rejected_at=iso(vn(2021, 6, 23, 10)), reason="Thiếu"
    )
    return [
        d.received(),
        d.assigned(d.lead, position=1, days="10", assigned=d.received_at, due=DUE),
        rejected,
        d.ended("withdrawn", vn(2021, 6, 22, 10)),
        d.ended("returned", vn(2021, 6, 24, 9)),
    ]


Story = Callable[[Dossier, str], list[CloudEvent]]
STORIES: tuple[Story, ...] = (_supplements, _extensions, _out_of_order, _ended_twice)


def _interleaved(lists: Sequence[list[CloudEvent]]) -> list[CloudEvent]:
    """The dossiers' events as a stream holds them: mixed, each dossier's in its own order."""
    return [e for e in chain.from_iterable(zip_longest(*lists)) if e is not None]


FIELDS = (
    "agency_code",
    "position",
    "state",
    "started_at",
    "original_due_at",
    "due_at",
    "extended_due_at",
    "warn_at",
    "paused_at",
    "paused_minutes",
    "stopped_at",
    "stop_reason",
)


async def _state(deadline: Deadline, d: Dossier) -> dict[str, Any]:
    """What deadline made of a dossier, without its ids: its clocks, the decisions and the new
    appointments it sent."""
    body = await deadline.clocks(d.code)
    own = [] if body["clock"] is None else [body["clock"]]
    sent = await deadline.outbox(subject=d.code)
    decisions = [
        (
            e["type"].split(".")[3],
            e["data"]["step_agency_code"],
            e["data"]["reason"],
            e["data"].get("new_due_at"),
        )
        for e in sent
        if e["type"].startswith("vn.motcua.dossier.extension_")
    ]
    appointments = [
        tuple(e["data"][f] for f in ("reason", "paused_at", "resumed_at", "due_at", "original_due_at"))
        for e in sent
        if e["type"] == "vn.motcua.dossier.appointment_changed.v1"
    ]
    return {
        "clocks": [{f: c[f] for f in FIELDS} for c in [*own, *body["steps"]]],
        "decisions": decisions,
        "appointments": appointments,
    }


async def _twins(deadline: Deadline, *stories: Story) -> list[dict[str, Any]]:
    """Each story told about two dossiers of the same agencies: one's events delivered one at a time,
    the other's in one batch with all the stories' events. Both came out the same; what they became."""
    lead, second = agency("VPDK"), agency("THUE")
    pairs = [(new_dossier(lead), new_dossier(lead)) for _ in stories]
    for (alone, _), story in zip(pairs, stories, strict=True):
        await deadline.deliver(*story(alone, second))
    await deadline.deliver_batch(
        *_interleaved([story(batched, second) for (_, batched), story in zip(pairs, stories, strict=True)])
    )
    states = []
    for (alone, batched), story in zip(pairs, stories, strict=True):
        state = await _state(deadline, batched)
        assert state == await _state(deadline, alone), story.__name__
        states.append(state)
    return states


def _at(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


async def test_a_batch_gives_the_same_clocks_and_decisions_as_one_event_at_a_time(deadline: Deadline) -> None:
    supplements, extended, out_of_order, ended = await _twins(deadline, *STORIES)
    assert [c["state"] for c in supplements["clocks"]] == ["stopped"] * 3
    assert [c["paused_minutes"] for c in supplements["clocks"]] == [480 + 150, 480, 150]
    assert [a[0] for a in supplements["appointments"]] == ["supplement", "obligation"], "one per pause"
    assert len(out_of_order["appointments"]) == 1, "the resumption heard first, announced once paired"
    granted, again, officer = extended["decisions"]
    assert (granted[0], again[2], officer[2]) == ("extension_granted", "already_extended", "not_a_leader")
    step = extended["clocks"][1]
    assert _at(step["extended_due_at"]) == datetime.fromisoformat(step["due_at"]) + timedelta(days=2), (
        "2 working days on"
    )
    assert out_of_order["clocks"][1]["paused_minutes"] == 480, "the resumption heard first closed the pause"
    assert {(c["state"], c["stop_reason"]) for c in ended["clocks"]} == {("stopped", "withdrawn")}


def _announced_twice(first_due: datetime, then_due: datetime) -> Story:
    """Routing announces the step twice with different dues: the later announcement is the step."""

    def announced_twice(d: Dossier, second: str) -> list[CloudEvent]:
        return [
            d.received(),
            *(
                d.assigned(d.lead, position=1, days="10", assigned=d.received_at, due=due)
                for due in (first_due, then_due)
            ),
        ]

    return announced_twice


def _asked_after_assignment(d: Dossier, second: str) -> list[CloudEvent]:
    """Judged on the step's due as heard (2 July): granted."""
    return [
        d.assigned(d.lead, position=1, days="10", assigned=d.received_at, due=DUE),
        d.extension_requested(d.lead, vn(2021, 6, 24, 9), current_due=vn(2021, 6, 21, 8)),
    ]


def _asked_before_assignment(d: Dossier, second: str) -> list[CloudEvent]:
    """Before the step's start is heard only routing's `current_due_at` is known (21 June, passed)."""
    return _asked_after_assignment(d, second)[::-1]


async def test_events_of_one_dossier_in_one_batch_are_applied_in_stream_order(deadline: Deadline) -> None:
    early = vn(2021, 6, 30, 8, 30)
    forward, backward, after, before = await _twins(
        deadline,
        _announced_twice(early, DUE),
        _announced_twice(DUE, early),
        _asked_after_assignment,
        _asked_before_assignment,
    )
    assert _at(forward["clocks"][1]["original_due_at"]) == DUE
    assert _at(backward["clocks"][1]["original_due_at"]) == early
    assert [d[0] for d in after["decisions"]] == ["extension_granted"]
    assert [d[2] for d in before["decisions"]] == ["after_due"]


async def _rows(deadline: Deadline, ids: list[uuid.UUID]) -> list[Any]:
    """Every row deadline keeps about the dossiers, `updated_at` and `version` included."""
    async with deadline.app.state.sessions() as session:
        return [
            (await session.execute(select(table).where(table.c.dossier_id.in_(ids)).order_by(*order))).all()
            for table, order in (
                (dossiers, [dossiers.c.dossier_id]),
                (clocks, [clocks.c.id]),
                (pause_marks, [pause_marks.c.id]),
                (extensions, [extensions.c.requested_at]),
            )
        ]


async def test_a_redelivered_batch_changes_nothing(deadline: Deadline) -> None:
    second = agency("THUE")
    tales = [(new_dossier(), story) for story in STORIES]
    events = _interleaved([story(d, second) for d, story in tales])
    ids = [d.id for d, _ in tales]
    await deadline.deliver_batch(*events)
    applied = await _rows(deadline, ids)
    staged = [await deadline.outbox(subject=d.code) for d, _ in tales]

    await deadline.deliver_batch(*events)  # the whole fetch again: its acks were lost
    await deadline.deliver_batch(*events[5:], *events[:5])  # and in another order
    await deadline.deliver(*events)
    assert await _rows(deadline, ids) == applied
    assert [await deadline.outbox(subject=d.code) for d, _ in tales] == staged


async def test_an_event_deadline_cannot_read_fails_its_whole_batch_which_changes_nothing(
    deadline: Deadline,
) -> None:
    d = new_dossier()
    bad = d.event("dossier.step.paused", step_id="not-a-uuid", step_agency_code=d.lead, paused_at="soon")
    good = [d.received(), d.assigned(d.lead, position=1, days="10", assigned=d.received_at, due=DUE)]
    with pytest.raises(PoisonEvent):
        await deadline.deliver_batch(*good, bad)
    # The consumer then takes the fetch one event at a time: only the bad one goes to dead letters.
    assert await _rows(deadline, [d.id]) == [[], [], [], []]
    async with deadline.app.state.sessions() as session:
        inbox = messaging.inbox
        heard = await session.scalar(
            select(inbox.c.event_id).where(inbox.c.event_id.in_([e.id for e in good]))
        )
    assert heard is None


def _subject(event: CloudEvent, agency_code: str) -> str:
    name = event.type.removeprefix("vn.motcua.dossier.").removesuffix(".v1")
    return dossier_subject(agency_code, name)


async def _heard(deadline: Deadline, d: Dossier) -> bool:
    """Whether deadline has heard of the dossier yet (its clock answers 404 before)."""
    response = await deadline.http.get(f"/v1/dossiers/{d.code}/clock", headers=deadline.auth("auditor"))
    return response.status_code == 200


async def test_a_backlog_on_the_stream_is_applied_as_one_event_at_a_time_would_be(
    deadline: Deadline, stack: Stack
) -> None:
    lead, second = agency("VPDK"), agency("THUE")
    tales = [(new_dossier(lead), new_dossier(lead), story) for story in STORIES]
    for alone, _, story in tales:
        await deadline.deliver(*story(alone, second))
    backlog = _interleaved([story(streamed, second) for _, streamed, story in tales])
    async with connected_link(stack.nats_url) as link:
        # All at once, as a relay catching up publishes: the running consumer fetches them in batches.
        acks = [
            await link.jetstream.publish_async(
                _subject(e, lead), e.to_json().encode(), headers={"Nats-Msg-Id": str(e.id)}
            )
            for e in backlog
        ]
        await asyncio.gather(*acks)
    for alone, streamed, story in tales:
        expected = await _state(deadline, alone)
        found: dict[str, Any] | None = None
        for _ in range(400):  # the consumer may first catch up with the stream's earlier events
            found = await _state(deadline, streamed) if await _heard(deadline, streamed) else None
            if found == expected:
                break
            await asyncio.sleep(0.05)
        assert found == expected, story.__name__
