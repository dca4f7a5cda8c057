"""The citizen's new appointment (`dossier.appointment_changed`): announced by the deadline service, in
the transaction that moves the dossier's due, once per resumption of the dossier's clock that moves it,
and never for an extension."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from services.deadline.clocks import rules
from shared.calendar import WorkingCalendar
from shared.events.deadline import AppointmentChanged
from tests.deadline.conftest import Deadline, Dossier, PauseReason, agency, new_dossier, vn

# The example: received Monday 3 March 2025, due in 5 working days on Monday 10 March.
RECEIVED = vn(2025, 3, 3, 9)
DUE = vn(2025, 3, 10, 9)
PAUSED = vn(2025, 3, 4, 9)  # a supplement asked on Tuesday 4 March...
RESUMED = vn(2025, 3, 14, 9)  # ...handed in on Friday 14 March: 8 working days paused


def _dossier(policy: str = "shift") -> Dossier:
    return new_dossier(policy=policy, processing_days="5", received_at=RECEIVED, due_at=DUE)


def _started(d: Dossier, *more: str) -> list[Any]:
    """The receipt and the lead's step (and steps of `more` agencies, in parallel), each due with the
    dossier."""
    events = [d.received()]
    for position, code in enumerate((d.lead, *more), start=1):
        events.append(d.assigned(code, position=position, days="5", assigned=RECEIVED, due=DUE))
    return events


def _supplement(d: Dossier, code: str, paused: datetime, resumed: datetime) -> list[Any]:
    """Routing's events of one supplement: the request and the pause at once, later the resumption."""
    return [d.supplement_requested(code, paused), d.paused(code, paused), d.resumed(code, resumed)]


async def _appointments(deadline: Deadline, d: Dossier) -> list[dict[str, Any]]:
    return [
        e
        for e in await deadline.outbox(subject=d.code)
        if e["type"] == "vn.motcua.dossier.appointment_changed.v1"
    ]


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


@pytest.mark.parametrize(
    ("policy", "new_due"),
    [
        ("shift", vn(2025, 3, 20, 9)),  # 10 March + the 8 working days paused
        ("restart", vn(2025, 3, 21, 9)),  # the 5 full working days again from Friday 14 March, 09:00
    ],
)
async def test_a_supplement_that_moves_the_dossiers_due_announces_the_new_appointment_once(
    deadline: Deadline, policy: str, new_due: datetime
) -> None:
    d = _dossier(policy)
    requested, paused, resumed = _supplement(d, d.lead, PAUSED, RESUMED)
    await deadline.deliver(*_started(d), requested, paused)
    assert await _appointments(deadline, d) == [], "nothing while the dossier waits"

    await deadline.deliver(resumed)
    [sent] = await _appointments(deadline, d)
    assert sent["topic"] == f"dossier.{d.lead}.appointment_changed"
    assert sent["subject"] == d.code
    assert sent["source"] == "/motcua/deadline"
    assert sent["dossierversion"] == 1
    data = AppointmentChanged.model_validate(sent["data"])
    assert (data.dossier_id, data.code, data.agency_code) == (d.id, d.code, d.lead)
    assert (data.due_at, data.original_due_at) == (new_due, DUE)
    assert (data.reason, data.paused_at, data.resumed_at, data.imported) == (
        "supplement",
        PAUSED,
        RESUMED,
        False,
    )
    clock = (await deadline.clocks(d.code))["clock"]
    assert _at(clock["due_at"]) == new_due, "the same due as the dossier's clock"

    # The resumption again (same id; the same fact under a new id), and later events of the dossier,
    # each deriving the clocks again: nothing more.
    resent = resumed.model_copy(update={"id": uuid.uuid4()})
    done = vn(2025, 3, 18, 10)
    completed = d.completed(d.lead, done, position=1, days="5", assigned=RECEIVED, due=DUE)
    await deadline.deliver(resumed, resent, completed, d.ended("resolved", done))
    await deadline.deliver_batch(resumed.model_copy(update={"id": uuid.uuid4()}), paused)
    assert len(await _appointments(deadline, d)) == 1


async def test_one_fetch_with_the_whole_pause_announces_once_and_a_redelivered_fetch_nothing_more(
    deadline: Deadline,
) -> None:
    d = _dossier()
    events = [*_started(d), *_supplement(d, d.lead, PAUSED, RESUMED)]
    await deadline.deliver_batch(*events)
    await deadline.deliver_batch(*events)
    await deadline.deliver_batch(*(e.model_copy(update={"id": uuid.uuid4()}) for e in events))
    [sent] = await _appointments(deadline, d)
    assert _at(sent["data"]["due_at"]) == vn(2025, 3, 20, 9)


async def test_parallel_steps_paused_together_announce_once_when_the_last_resumes(
    deadline: Deadline,
) -> None:
    d = _dossier()
    other = agency("TNMT")
    requested, paused, resumed = _supplement(d, d.lead, PAUSED, vn(2025, 3, 6, 9))
    await deadline.deliver(*_started(d, other), requested, paused)
    await deadline.deliver(d.paused(other, vn(2025, 3, 5, 9)))
    await deadline.deliver(resumed)
    assert await _appointments(deadline, d) == [], "the dossier still waits for the other step"

    await deadline.deliver(d.resumed(other, vn(2025, 3, 7, 9)))
    [sent] = await _appointments(deadline, d)
    data = sent["data"]
    assert (_at(data["paused_at"]), _at(data["resumed_at"])) == (PAUSED, vn(2025, 3, 7, 9))
    assert _at(data["due_at"]) == vn(2025, 3, 13, 9), "three working days paused, counted once"


async def test_a_pause_heard_late_that_changes_an_announced_due_announces_it_again_corrected(
    deadline: Deadline,
) -> None:
    d = _dossier()
    other = agency("TNMT")
    await deadline.deliver(*_started(d, other), *_supplement(d, d.lead, PAUSED, vn(2025, 3, 6, 9)))
    [first] = await _appointments(deadline, d)
    assert _at(first["data"]["due_at"]) == vn(2025, 3, 12, 9)

    # The other step's pause, begun before the lead's and ended within it, is heard only now: the
    # dossier waited from 3 March, 10:00, to the same resumption.
    await deadline.deliver(d.paused(other, vn(2025, 3, 3, 10)), d.resumed(other, vn(2025, 3, 5, 9)))
    first, corrected = await _appointments(deadline, d)
    data = corrected["data"]
    assert (_at(data["paused_at"]), _at(data["resumed_at"])) == (vn(2025, 3, 3, 10), vn(2025, 3, 6, 9))
    clock = (await deadline.clocks(d.code))["clock"]
    assert _at(data["due_at"]) == _at(clock["due_at"]) > vn(2025, 3, 12, 9)
    assert corrected["dossierversion"] > first["dossierversion"]

    await deadline.deliver(d.ended("resolved", vn(2025, 3, 12, 10)))
    assert len(await _appointments(deadline, d)) == 2, "the same facts announce nothing more"


async def test_a_financial_obligation_announces_a_shifted_appointment_even_under_restart(
    deadline: Deadline,
) -> None:
    d = _dossier("restart")
    obligation: PauseReason = "financial_obligation"
    await deadline.deliver(
        *_started(d),
        d.paused(d.lead, PAUSED, reason=obligation),
        d.resumed(d.lead, vn(2025, 3, 5, 9), reason=obligation),
    )
    [sent] = await _appointments(deadline, d)
    assert sent["data"]["reason"] == "obligation"
    assert _at(sent["data"]["due_at"]) == vn(2025, 3, 11, 9)


async def test_a_pause_outside_office_hours_moves_nothing_and_announces_nothing(
    deadline: Deadline,
) -> None:
    d = _dossier()
    saturday, sunday = vn(2025, 3, 8, 9), vn(2025, 3, 9, 9)
    await deadline.deliver(*_started(d), *_supplement(d, d.lead, saturday, sunday))
    assert _at((await deadline.clocks(d.code))["clock"]["due_at"]) == DUE
    assert await _appointments(deadline, d) == []


async def test_an_extension_announces_no_appointment(deadline: Deadline) -> None:
    d = _dossier()
    await deadline.deliver(*_started(d), *_supplement(d, d.lead, PAUSED, RESUMED))
    await deadline.deliver(d.extension_requested(d.lead, vn(2025, 3, 17, 9), days=2))
    granted = [e for e in await deadline.outbox(subject=d.code) if e["type"].endswith("extension_granted.v1")]
    assert len(granted) == 1
    assert len(await _appointments(deadline, d)) == 1, "only the supplement's"

    plain = _dossier()
    await deadline.deliver(*_started(plain), plain.extension_requested(plain.lead, vn(2025, 3, 5, 9)))
    assert await _appointments(deadline, plain) == []


async def test_an_imported_dossiers_pauses_are_left_to_intake(deadline: Deadline) -> None:
    d = _dossier()
    await deadline.deliver(d.received(imported=True), *_supplement(d, d.lead, PAUSED, RESUMED))
    assert await _appointments(deadline, d) == []


# -- the rule, without I/O --------------------------------------------------------------------------


def _resumption(due_after: datetime, due_before: datetime = DUE) -> rules.Resumption:
    return rules.Resumption(PAUSED, RESUMED, "supplement", due_before, due_after)


def test_a_resumption_is_announced_when_it_moves_the_due_and_again_only_if_its_due_changes() -> None:
    moved, still = _resumption(vn(2025, 3, 20, 9)), _resumption(DUE)
    assert rules.to_announce([moved, still], {}) == [moved]
    assert rules.to_announce([moved], {RESUMED: vn(2025, 3, 20, 9)}) == []
    corrected = _resumption(vn(2025, 3, 21, 9))
    assert rules.to_announce([corrected], {RESUMED: vn(2025, 3, 20, 9)}) == [corrected]


def test_the_dossiers_clock_lists_each_ended_pause_with_the_due_before_and_after() -> None:
    facts = rules.ClockFacts(
        original_due=DUE,
        days=Decimal(5),
        pauses=[rules.Pause(PAUSED, RESUMED, "supplement"), rules.Pause(vn(2025, 3, 24, 9), None)],
    )
    derived = rules.derive(
        facts, terms=rules.Terms(policy="shift"), calendar=WorkingCalendar(), warn_minutes=480
    )
    assert derived.resumptions == (
        rules.Resumption(PAUSED, RESUMED, "supplement", DUE, vn(2025, 3, 20, 9)),
    ), "the pause still open is no resumption"
