"""Reporting reads every event it consumes with the payload type of `shared.events` its producer builds it
with: what those types require is what producers always send, so an event without it is poison (the
dead-letter table), never counted on the envelope's time."""

from typing import Any

import pytest

from services.reporting.processing.events import NAMES, events_of
from services.reporting.satisfaction.handlers import HANDLERS, step_row
from shared.events.registry import PAYLOADS
from shared.messaging.consumer import PoisonEvent
from shared.messaging.envelope import CloudEvent, event_type
from tests.reporting.test_satisfaction_e2e import Dossier, step_completed
from tests.reporting.timelines import Timeline, vn


def test_the_processing_read_model_reads_each_event_with_its_shared_type() -> None:
    assert dict(NAMES) == {name: PAYLOADS[name] for name in NAMES}


def test_the_satisfaction_read_model_handles_only_events_of_the_catalogue() -> None:
    names = {f"vn.motcua.{name}.v1" for name in PAYLOADS}
    assert {t for handlers in HANDLERS.values() for t in handlers} <= names


def _without(event: CloudEvent, *fields: str) -> CloudEvent:
    data: dict[str, Any] = {k: v for k, v in event.data.items() if k not in fields}
    return event.model_copy(update={"data": data})


def test_a_close_without_its_instant_is_poison_not_counted_on_the_envelopes_time() -> None:
    t = Timeline(received=vn(2021, 7, 1), due=vn(2021, 7, 15), resolved=vn(2021, 7, 10))
    resolved = next(e for e in t.events() if e.type == event_type("dossier.resolved"))
    assert len(events_of([resolved])) == 1
    with pytest.raises(PoisonEvent):
        events_of([_without(resolved, "resolved_at")])


def test_a_pause_without_its_reason_is_poison_and_one_for_a_financial_obligation_changes_nothing() -> None:
    t = Timeline(received=vn(2021, 7, 1), due=vn(2021, 7, 15), obligation=(vn(2021, 7, 2), vn(2021, 7, 5)))
    pauses = [
        e
        for e in t.events()
        if e.type in (event_type("dossier.step.paused"), event_type("dossier.step.resumed"))
    ]
    assert len(pauses) == 2
    assert events_of(pauses) == []
    with pytest.raises(PoisonEvent):
        events_of([_without(pauses[0], "reason")])


def test_a_step_outcome_without_a_group_is_poison_the_row_needs_one() -> None:
    d = Dossier.new("VPDK")
    done = step_completed(d, "VPDK", 1, assigned=vn(2025, 3, 3), due=vn(2025, 3, 7, 17), done=vn(2025, 3, 6))
    assert step_row(done)["group_no"] == 1
    grouped = done.data["step"]
    ungrouped = done.model_copy(update={"data": {**done.data, "step": {**grouped, "group": None}}})
    with pytest.raises(PoisonEvent):
        step_row(ungrouped)
