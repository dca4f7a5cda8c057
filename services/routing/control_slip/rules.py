"""The rows of the control slip (phiếu kiểm soát quá trình giải quyết hồ sơ, form 05), so lateness is
attributed to the agency that held the dossier. Pure: no I/O, no clock reads (`now` is an argument).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from services.routing.plans.rules import Outcome, outcome

CENTRE = "Trung tâm"  # the one-stop centre (Bộ phận tiếp nhận và trả kết quả) as a party of a hand-off
OUTCOME_LABELS: dict[str, str] = {"early": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn"}


@dataclass(frozen=True, slots=True)
class SlipStep:
    """What the control slip needs of one step."""

    position: int
    group: int
    agency_code: str
    state: str
    from_agency_code: str | None
    assigned_at: datetime | None
    closed_at: datetime | None
    original_due_at: datetime | None
    sla_due_at: datetime | None
    due_at: datetime | None
    extension_granted: bool
    note: str | None


@dataclass(frozen=True, slots=True)
class SlipRow:
    """One hand-off: the giving party, the receiving one, and how the receiving one did."""

    position: int | None  # the step received; None for the result handed back to the centre
    group: int | None
    giving: str
    receiving: str
    time_in: datetime | None  # handed over (giao, nhận hồ sơ)
    time_out: datetime | None  # the receiving party finished with it
    due_at: datetime | None  # the due the outcome is judged by
    original_due_at: datetime | None
    extended_due_at: datetime | None  # granted by the deadline service; never makes a late step on time
    outcome: Outcome | None  # None while open, for a cancelled step, and for the hand-back
    overdue_now: bool  # still open and already past its due date
    state: str
    note: str | None


def agency_names(lead_code: str, lead_name: str | None) -> dict[str, str]:
    """The agency names routing knows: the lead's, from the procedure snapshot of `dossier.received`;
    the route's other agencies arrive as codes only."""
    return {lead_code: lead_name} if lead_name else {}


def party_name(party: str, names: Mapping[str, str]) -> str:
    """A hand-off's party as printed: the centre as it is, an agency by name where known, else its code."""
    return names.get(party, party)


def coordinating_agencies(lead_code: str, route_codes: Sequence[str]) -> list[str]:
    """The route's agencies other than the lead (cơ quan phối hợp giải quyết), once each, in route order."""
    return [code for code in dict.fromkeys(route_codes) if code != lead_code]


def _finished(step: SlipStep) -> bool:
    return step.state in ("completed", "rejected", "stopped") and step.closed_at is not None


def control_slip_rows(
    plan_steps: Sequence[SlipStep], *, resolved_at: datetime | None, now: datetime
) -> list[SlipRow]:
    """One row per hand-off, in the order they happened (steps never assigned are left out).

    The outcome in a row is the RECEIVING agency's, by date against its due, so a late row names the
    agency that caused the delay. When the dossier is resolved, a last row hands the result back from
    the agency that finished last to the centre.
    """
    handed = [s for s in plan_steps if s.assigned_at is not None]
    handed.sort(key=lambda s: (s.assigned_at, s.position))
    rows: list[SlipRow] = []
    for step in handed:
        finished = _finished(step)
        judged = step.sla_due_at
        rows.append(
            SlipRow(
                position=step.position,
                group=step.group,
                giving=step.from_agency_code or CENTRE,
                receiving=step.agency_code,
                time_in=step.assigned_at,
                time_out=step.closed_at if finished else None,
                due_at=judged,
                original_due_at=step.original_due_at,
                extended_due_at=step.due_at if step.extension_granted else None,
                outcome=outcome(step.closed_at, judged) if finished and step.closed_at and judged else None,
                overdue_now=not finished
                and step.state != "cancelled"
                and judged is not None
                and outcome(now, judged) == "late",
                state=step.state,
                note=step.note,
            )
        )
    if resolved_at is not None and handed:
        last = max(
            (s for s in handed if s.state == "completed" and s.closed_at),
            key=lambda s: (s.closed_at, s.position),
            default=None,
        )
        rows.append(
            SlipRow(
                position=None,
                group=None,
                giving=last.agency_code if last else handed[-1].agency_code,
                receiving=CENTRE,
                time_in=resolved_at,
                time_out=None,
                due_at=None,
                original_due_at=None,
                extended_due_at=None,
                outcome=None,
                overdue_now=False,
                state="returned_to_centre",
                note=None,
            )
        )
    return rows
