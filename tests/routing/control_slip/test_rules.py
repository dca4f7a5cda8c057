"""The control slip's rows as a pure function: lateness attributed to the agency that held the dossier."""

from services.routing.control_slip import rules
from services.routing.control_slip.rules import SlipStep
from tests.routing.conftest import vn


def _step(position: int, agency: str, *, group: int | None = None, **values: object) -> SlipStep:
    base: dict[str, object] = {
        "position": position,
        "group": group or position,
        "agency_code": agency,
        "state": "completed",
        "from_agency_code": None,
        "assigned_at": None,
        "closed_at": None,
        "original_due_at": None,
        "sla_due_at": None,
        "due_at": None,
        "extension_granted": False,
        "note": None,
    }
    return SlipStep(**{**base, **values})  # type: ignore[arg-type]


def test_the_slip_attributes_lateness_to_the_agency_that_held_the_dossier() -> None:
    steps = [
        _step(
            1, "A", assigned_at=vn(2021, 6, 1, 8), closed_at=vn(2021, 6, 3, 9), sla_due_at=vn(2021, 6, 4, 8)
        ),
        _step(
            2,
            "B",
            from_agency_code="A",
            assigned_at=vn(2021, 6, 3, 9),
            closed_at=vn(2021, 6, 9, 9),
            sla_due_at=vn(2021, 6, 8, 9),
            due_at=vn(2021, 6, 10, 9),
            extension_granted=True,
        ),
        _step(
            3,
            "C",
            from_agency_code="B",
            assigned_at=vn(2021, 6, 9, 9),
            closed_at=vn(2021, 6, 10, 16),
            sla_due_at=vn(2021, 6, 10, 9),
        ),
    ]
    rows = rules.control_slip_rows(steps, resolved_at=vn(2021, 6, 10, 16), now=vn(2021, 6, 11))
    assert [(r.giving, r.receiving, r.outcome) for r in rows] == [
        ("Trung tâm", "A", "early"),
        ("A", "B", "late"),
        ("B", "C", "on_time"),
        ("C", "Trung tâm", None),
    ]
    assert rows[1].extended_due_at == vn(2021, 6, 10, 9)
    assert rows[1].due_at == vn(2021, 6, 8, 9)


def test_the_slip_shows_open_steps_without_an_outcome_and_flags_them_when_already_overdue() -> None:
    steps = [
        _step(
            1,
            "A",
            group=1,
            assigned_at=vn(2021, 6, 1, 8),
            closed_at=vn(2021, 6, 2, 8),
            sla_due_at=vn(2021, 6, 3, 8),
        ),
        _step(
            2,
            "B",
            group=2,
            state="in_progress",
            from_agency_code="A",
            assigned_at=vn(2021, 6, 2, 8),
            sla_due_at=vn(2021, 6, 4, 8),
        ),
        _step(
            3,
            "C",
            group=2,
            state="in_progress",
            from_agency_code="A",
            assigned_at=vn(2021, 6, 2, 8),
            sla_due_at=vn(2021, 6, 9, 8),
        ),
        _step(4, "D", group=3, state="pending"),
    ]
    rows = rules.control_slip_rows(steps, resolved_at=None, now=vn(2021, 6, 7, 9))
    assert [(r.receiving, r.outcome, r.overdue_now) for r in rows] == [
        ("A", "early", False),
        ("B", None, True),
        ("C", None, False),
    ]
    assert rows[1].time_out is None
