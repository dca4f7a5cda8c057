"""The historical import's pauses (`pauses: [{kind, from, to}]`) on real PostgreSQL: each pause that
moved the due gives the dossier a new appointment and a `dossier.appointment_changed` between its
received and resolved events, as the deadline service would for a live one; bad pauses refuse the line
alone and store nothing of it."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from services.intake.appointment.rules import Pause, Terms, moved_by
from services.intake.dossiers.models import dossiers, timeline
from services.intake.models import messaging
from shared.calendar import OfficeHours, WorkingCalendar, WorkingDays, paused_minutes, shifted
from tests.intake.conftest import Intake, unique_code, vn
from tests.intake.importing.test_import import events_of, old, send, stored

RECEIVED = "2025-03-03T08:00:00+07:00"  # Monday


def line(**changes: Any) -> dict[str, Any]:
    """The issue's example: received Monday 3 March 2025, due Monday 10 March, resolved 18 March."""
    return old(
        received_at=RECEIVED,
        due_at="2025-03-10T08:00:00+07:00",
        resolved_at="2025-03-18T10:00:00+07:00",
        **changes,
    )


def pause(kind: str, start: str, end: str) -> dict[str, str]:
    return {"kind": kind, "from": start, "to": end}


async def in_2025(intake: Intake) -> None:
    intake.clock.set(vn(2025, 4, 1, 9, 0))  # the import refuses dates after now


async def test_the_issues_example_shifts_the_appointment_and_sends_it_between_received_and_resolved(
    intake: Intake,
) -> None:
    await in_2025(intake)
    example = line(pauses=[pause("supplement", "2025-03-04T08:00:00+07:00", "2025-03-14T08:00:00+07:00")])
    response = await send(intake, [example])
    assert response.json()["imported"] == 1, response.text

    # The pause is 8 working days (Tuesday 4 to Friday 14 March, no holiday): the due of Monday 10
    # March 08:00 shifts by them to Thursday 20 March 08:00 (01:00 UTC), after the result of the 18th.
    calendar = WorkingCalendar(days=WorkingDays(), hours=OfficeHours())
    minutes = paused_minutes(vn(2025, 3, 4, 8, 0), vn(2025, 3, 14, 8, 0), calendar)
    assert minutes == 8 * 480
    assert shifted(vn(2025, 3, 10, 8, 0), minutes, calendar) == vn(2025, 3, 20, 8, 0)

    dossier = await stored(intake, example["external_code"])
    assert dossier.due_at.isoformat() == "2025-03-10T01:00:00+00:00", "the receipt's due stays"
    assert dossier.appointment_at.isoformat() == "2025-03-20T01:00:00+00:00"
    assert dossier.appointment_reason == "supplement"
    assert (dossier.status, dossier.version) == ("resolved", 4)

    received, moved, resolved = await events_of(intake, dossier.code)
    assert [e["type"] for e in (received, moved, resolved)] == [
        "vn.motcua.dossier.received.v1",
        "vn.motcua.dossier.appointment_changed.v1",
        "vn.motcua.dossier.resolved.v1",
    ]
    assert [e["dossierversion"] for e in (received, moved, resolved)] == [2, 3, 4]
    assert moved["topic"] == "dossier.VPDK.appointment_changed"
    assert moved["data"] == {
        "dossier_id": str(dossier.id),
        "code": dossier.code,
        "portal_id": None,
        "agency_code": "VPDK",
        "due_at": "2025-03-20T01:00:00+00:00",
        "original_due_at": "2025-03-10T01:00:00+00:00",
        "reason": "supplement",
        "paused_at": "2025-03-04T01:00:00+00:00",
        "resumed_at": "2025-03-14T01:00:00+00:00",
        "imported": True,
    }
    assert resolved["data"]["due_at"] == "2025-03-10T01:00:00+00:00", "the line's due_at stays the original"

    shown = await intake.http.get(f"/v1/dossiers/{dossier.code}", headers=intake.auth("admin"))
    assert (shown.json()["due_at"], shown.json()["appointment_at"]) == (
        "2025-03-10T01:00:00Z",
        "2025-03-20T01:00:00Z",
    )


async def test_a_restart_procedure_counts_afresh_after_a_supplement_and_an_obligation_always_shifts(
    intake: Intake,
) -> None:
    code = unique_code("RS-")
    published = await intake.post(
        "/v1/procedures",
        {
            "code": code,
            "name": "Thủ tục tính lại từ đầu sau bổ sung",
            "field_code": "DAT_DAI",
            "agency_code": "VPDK",
            "processing_days": 5,
            "service_level": 2,
            "supplement_policy": "restart",
            "effective_from": "2025-01-01",
        },
        role="admin",
    )
    assert published.status_code == 201, published.text
    await in_2025(intake)
    restarted = old(
        procedure_code=code,
        received_at=RECEIVED,
        resolved_at="2025-03-14T10:00:00+07:00",
        pauses=[
            # Listed out of order: the pauses are applied in time order.
            pause("obligation", "2025-03-07T08:00:00+07:00", "2025-03-10T08:00:00+07:00"),
            pause("supplement", "2025-03-04T08:00:00+07:00", "2025-03-06T14:00:00+07:00"),
        ],
    )
    assert (await send(intake, [restarted])).json()["imported"] == 1
    dossier = await stored(intake, restarted["external_code"])
    # Due Monday 10 March 08:00; the supplement restarts 5 days from Thursday 6 March 14:00: Thursday
    # 13 March 14:00; the obligation (one working day, Friday 08:00 to Monday 08:00) shifts it to
    # Friday 14 March 14:00 (07:00 UTC).
    assert dossier.due_at.isoformat() == "2025-03-10T01:00:00+00:00"
    assert dossier.appointment_at.isoformat() == "2025-03-14T07:00:00+00:00"
    assert dossier.appointment_reason == "obligation"
    steps = await events_of(intake, dossier.code)
    assert [(e["type"].split(".")[3], e["dossierversion"]) for e in steps] == [
        ("received", 2),
        ("appointment_changed", 3),
        ("appointment_changed", 4),
        ("resolved", 5),
    ]
    assert [(e["data"]["reason"], e["data"]["due_at"]) for e in steps[1:3]] == [
        ("supplement", "2025-03-13T07:00:00+00:00"),
        ("obligation", "2025-03-14T07:00:00+00:00"),
    ]
    assert dossier.version == 5


async def test_bad_pauses_refuse_their_line_with_a_code_and_store_nothing_of_it(intake: Intake) -> None:
    await in_2025(intake)
    within = pause("supplement", "2025-03-04T08:00:00+07:00", "2025-03-05T08:00:00+07:00")
    bad = [
        line(pauses=[within, pause("obligation", "2025-03-05T07:59:00+07:00", "2025-03-06T08:00:00+07:00")]),
        line(pauses=[pause("supplement", "2025-03-03T07:00:00+07:00", "2025-03-04T08:00:00+07:00")]),
        line(pauses=[pause("supplement", "2025-03-17T08:00:00+07:00", "2025-03-19T08:00:00+07:00")]),
        line(pauses=[pause("apology", "2025-03-04T08:00:00+07:00", "2025-03-05T08:00:00+07:00")]),
        line(pauses=[pause("supplement", "2025-03-05T08:00:00+07:00", "2025-03-05T08:00:00+07:00")]),
        line(pauses=[{"kind": "supplement", "from": "2025-03-04T08:00:00+07:00"}]),
        old(
            received_at=RECEIVED,
            withdrawn_at="2025-03-05T08:00:00+07:00",
            pauses=[pause("supplement", "2025-03-04T08:00:00+07:00", "2025-03-06T08:00:00+07:00")],
        ),
    ]
    good = line(
        pauses=[within, pause("obligation", "2025-03-05T08:00:00+07:00", "2025-03-06T08:00:00+07:00")]
    )
    response = await send(intake, [*bad, good])
    assert response.status_code == 200, response.text
    summary = response.json()
    assert (summary["imported"], summary["failed"]) == (1, 7)
    assert [(e["line"], e["code"]) for e in summary["errors"]] == [
        (1, "pauses_overlap"),
        (2, "pause_outside_timeline"),
        (3, "pause_outside_timeline"),
        (4, "unknown_pause_kind"),
        (5, "pause_out_of_order"),
        (6, "validation_error"),
        (7, "pause_outside_timeline"),
    ]
    assert "pauses.0 and pauses.1 overlap" in summary["errors"][0]["detail"]
    assert "resolved_at" in summary["errors"][2]["detail"]
    assert "pauses.0.to" in summary["errors"][5]["detail"]
    assert "withdrawn_at" in summary["errors"][6]["detail"]

    codes = [item["external_code"] for item in bad]
    async with intake.app.state.sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(dossiers).where(dossiers.c.external_code.in_(codes))
        )
        outbox = await session.scalar(
            select(func.count())
            .select_from(messaging.outbox)
            .where(messaging.outbox.c.payload.contains(f'"code":"{intake.unit_code}-250303-0002"'))
        )
    assert (count, outbox) == (0, 0), "nothing of the refused lines, not even a dossier number"
    kept = await stored(intake, good["external_code"])
    assert kept.code == f"{intake.unit_code}-250303-0001"
    assert kept.appointment_at is not None, "touching pauses do not overlap"
    async with intake.app.state.sessions() as session:
        notes = list(
            await session.scalars(
                select(timeline.c.public_note)
                .where(timeline.c.dossier_id == kept.id, timeline.c.status == "appointment_changed")
                .order_by(timeline.c.at)
            )
        )
    assert len(notes) == 2


def test_a_pause_that_leaves_the_due_where_it_was_moves_nothing() -> None:
    calendar = WorkingCalendar(days=WorkingDays(), hours=OfficeHours())
    terms = Terms(policy="shift", days=Decimal(5))
    due = vn(2025, 3, 10, 8, 0)
    night = Pause("supplement", vn(2025, 3, 4, 18, 0), vn(2025, 3, 5, 7, 0))  # no office time
    assert moved_by(due, [night], terms=terms, calendar=calendar) == []
    day = Pause("supplement", vn(2025, 3, 4, 8, 0), vn(2025, 3, 5, 8, 0))
    [moved] = moved_by(due, [night, day], terms=terms, calendar=calendar)
    assert (moved.due_at, moved.pause) == (vn(2025, 3, 11, 8, 0), day)
    assert isinstance(moved.due_at, datetime)
