"""Issue #16 on the real PostgreSQL and NATS, the events published on the DOSSIERS stream as intake and
the deadline service publish them: the report judges a dossier by the due the law recognises (moved by
`dossier.appointment_changed`, never by an apology letter), and splits the late ones by a timely
letter, a late letter or none."""

import csv
import io
from datetime import date
from typing import Any

from sqlalchemy import text

from services.reporting.processing.repository import Store
from shared.db.raw import driver
from shared.messaging.envelope import event_type
from tests.reporting.conftest import Reporting, eventually, fresh
from tests.reporting.test_processing_db import rows_by_key
from tests.reporting.timelines import Appointment, Timeline, expected_rows, reconciles, vn

MARCH = (date(2025, 3, 1), date(2025, 3, 31))
# Received 2025-03-03, due 2025-03-10; paused 03-04 -> 03-14 for a supplement, which under the shift
# policy moves the due by the pause's eight working days, to 2025-03-20.
SHIFTED = Appointment(paused=vn(2025, 3, 4, 10), resumed=vn(2025, 3, 14, 9), due=vn(2025, 3, 20, 17))


def here() -> dict[str, Any]:
    return {"procedure": fresh("P"), "field_code": fresh("F"), "agency": fresh("A")}


def issue_16(cell: dict[str, Any], **changes: Any) -> Timeline:
    return Timeline(**cell, received=vn(2025, 3, 3, 8), due=vn(2025, 3, 10, 17), **changes)


async def published_row(
    reporting: Reporting, timelines: list[Timeline], period: tuple[date, date] = MARCH
) -> dict[str, Any]:
    """The row of these dossiers' cell once the running consumer has applied them: the brute force's."""
    key = timelines[0].key
    expected = expected_rows(timelines, *period)[key]

    async def applied() -> bool:
        body = await reporting.report(period=period, by="procedure")
        return rows_by_key(body).get(key[0]) == expected

    await eventually(applied)
    assert reconciles(expected)
    return expected


async def test_a_dossier_resolved_within_its_moved_due_is_not_late_and_without_the_move_it_is(
    reporting: Reporting,
) -> None:
    moved, unmoved = here(), here()
    with_move = issue_16(moved, resolved=vn(2025, 3, 18, 15), appointments=[SHIFTED])
    without = issue_16(unmoved, resolved=vn(2025, 3, 18, 15))
    await reporting.publish(*with_move.events(), *without.events())
    found = await published_row(reporting, [with_move])
    assert (found["resolved_early"] + found["resolved_on_time"], found["resolved_late"]) == (1, 0)
    found = await published_row(reporting, [without])
    assert (found["resolved_late"], found["late_without_apology"]) == (1, 1)

    async with reporting.app.state.sessions() as session:
        stored = (
            await session.execute(
                text(
                    "SELECT due_date, original_due_date, appointment_resumed_at FROM dossier_facts "
                    "WHERE dossier_id = :d"
                ),
                {"d": with_move.dossier_id},
            )
        ).one()
    assert (stored.due_date, stored.original_due_date) == (date(2025, 3, 20), date(2025, 3, 10))
    assert stored.appointment_resumed_at == SHIFTED.resumed
    # The naive GROUP BY over the fact rows (and the delay report's query) read the same due.
    async with reporting.app.state.sessions() as session:
        conn = await driver(session)
        cells = {c.key: i for i, (c, _) in (await Store().all_cells(conn)).items()}
        naive = await Store().naive_rows(conn, *MARCH)
    assert naive[cells[with_move.key]]["resolved_late"] == 0
    assert naive[cells[without.key]]["resolved_late"] == 1


async def test_an_apology_letter_never_moves_the_due(reporting: Reporting) -> None:
    t = issue_16(here(), resolved=vn(2025, 3, 18, 15), letters=[True])
    await reporting.publish(*t.events())
    found = await published_row(reporting, [t])
    assert (found["resolved_late"], found["late_with_timely_apology"]) == (1, 1)


async def test_the_moved_due_heard_before_the_receipt_gives_the_same_report(reporting: Reporting) -> None:
    t = issue_16(here(), resolved=vn(2025, 3, 18, 15), appointments=[SHIFTED])
    changed = event_type("dossier.appointment_changed")
    events = t.events()
    first = [e for e in events if e.type == changed]
    await reporting.publish(*first, *reversed([e for e in events if e.type != changed]))
    found = await published_row(reporting, [t])
    assert (found["resolved_early"], found["resolved_late"]) == (1, 0)


async def test_a_pending_dossier_within_its_moved_due_is_within(reporting: Reporting) -> None:
    cell = here()
    moved = issue_16(cell, appointments=[SHIFTED])
    await reporting.publish(*moved.events())
    period = (date(2025, 3, 1), date(2025, 3, 18))  # past the original due, before the moved one
    found = await published_row(reporting, [moved], period)
    assert (found["pending_within"], found["pending_overdue"]) == (1, 0)


async def test_late_dossiers_are_split_by_a_timely_letter_a_late_letter_and_none(
    reporting: Reporting,
) -> None:
    cell = here()
    late: dict[str, Any] = {"resolved": vn(2025, 3, 12, 15)}
    timelines = [
        issue_16(cell, **late, letters=[False, True]),
        issue_16(cell, **late, letters=[False]),
        issue_16(cell, **late, apology=True),  # no `timely`: sent before letters were judged
        issue_16(cell, **late),
    ]
    await reporting.publish(*[e for t in timelines for e in t.events()])
    found = await published_row(reporting, timelines)
    assert found["late_with_apology"] == 3
    assert (found["late_with_timely_apology"], found["late_with_late_apology"]) == (1, 2)
    assert found["late_without_apology"] == 1
    async with reporting.app.state.sessions() as session:
        conn = await driver(session)
        cells = {c.key: i for i, (c, _) in (await Store().all_cells(conn)).items()}
        naive = await Store().naive_rows(conn, *MARCH)
    assert naive[cells[timelines[0].key]] == found


async def test_the_export_names_the_late_with_any_letter_and_the_three_kinds_of_late(
    reporting: Reporting,
) -> None:
    response = await reporting.http.get(
        "/v1/reports/processing",
        params={"from": "2025-03-01", "to": "2025-03-31", "format": "csv"},
        headers=reporting.auth(),
    )
    assert response.status_code == 200
    headings = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert headings[-4:] == [
        "Quá hạn có văn bản xin lỗi",
        "Quá hạn có văn bản xin lỗi: gửi đúng thời hạn",
        "Quá hạn có văn bản xin lỗi: gửi muộn",
        "Quá hạn không có văn bản xin lỗi",
    ]
