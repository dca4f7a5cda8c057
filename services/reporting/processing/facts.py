"""What the processing read model knows of one dossier (`Facts`), and `fold`: the facts after one
more event.

Every fact is owned by one kind of event and set from it alone (earliest date wins, flags only turn
on, marks are sets, the appointment of the latest resumption wins), so any order and any repetition
of one dossier's events folds to the same facts, and so to the same counters
(`arithmetic.contributions`).
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from services.reporting.processing.events import DossierEvent, Importable
from shared.clock import vietnam_date
from shared.events.deadline import ApologyIssued, AppointmentChanged
from shared.events.dossier import (
    DossierDigitized,
    DossierReceived,
    DossierResolved,
    DossierReturned,
    DossierWithdrawn,
    SupplementReceived,
)
from shared.events.steps import (
    DossierRejected,
    DossierStopped,
    FeePaid,
    StepPaused,
    StepResumed,
    SupplementRequested,
)

CellKey = tuple[str, str, str, str]  # (procedure_code, field_code, agency_code, unit_code)
# The receiving unit of the cells made before reporting kept units (migration reporting_0007): their
# dossiers group under this key, "unknown unit", until a rebuild reads their units from the events.
UNKNOWN_UNIT = ""


@dataclass(frozen=True)
class Cell:
    """What a dossier is counted under, with the names its received event gave: its procedure, field,
    lead agency and receiving unit (`UNKNOWN_UNIT` for counters kept before reporting knew units)."""

    procedure_code: str
    procedure_name: str
    field_code: str
    field_name: str
    agency_code: str
    agency_name: str
    unit_code: str = UNKNOWN_UNIT

    @property
    def key(self) -> CellKey:
        return (self.procedure_code, self.field_code, self.agency_code, self.unit_code)


Mark = tuple[str, datetime]  # (step id, instant)
Payment = tuple[str, date, bool]  # (payment id, day paid in Vietnam, paid online)
# The due the law recognises after a legitimate pause: (the instant the pause ended, the due from then).
Appointment = tuple[datetime, date]
Letter = Literal["timely", "late", "none"]
PAUSE, END = 0, 1  # at the same instant a pause comes first: paused and resumed at once is no wait


@dataclass(frozen=True)
class Facts:
    """What reporting knows of one dossier; each field is owned by one kind of event."""

    dossier_id: UUID
    code: str | None = None
    cell: Cell | None = None
    channel: str | None = None
    service_level: int | None = None
    regulated_tenths: int | None = None  # the procedure's processing time for this dossier, in tenths
    day_kind: str = "working"  # ... of working or calendar days
    received_across_boundary: bool = False  # received at a unit other than the lead agency's
    received_at: datetime | None = None
    received_date: date | None = None
    original_due_date: date | None = None  # the appointment of the receipt
    appointment: Appointment | None = None  # the latest resumption's due (dossier.appointment_changed)
    resolved_date: date | None = None
    withdrawn_date: date | None = None
    rejected_date: date | None = None
    returned_date: date | None = None
    apology: bool = False  # an apology letter (form 04) was issued
    apology_timely: bool = False  # one of them in time (`ApologyIssued.timely` true)
    imported: bool = False
    digitized: bool = False
    documents_digitized: int = 0
    documents_reused: int = 0
    pauses: frozenset[Mark] = frozenset()  # supplement pauses per step
    resumes: frozenset[Mark] = frozenset()  # their resumptions per step
    supplied: frozenset[datetime] = frozenset()  # the citizen's supplements (resume every step)
    payments: frozenset[Payment] = frozenset()  # fees paid (dossier.fee_paid)

    @property
    def due_date(self) -> date | None:
        """The due the reports judge by (docs/rules.md, "Report arithmetic"): the appointment of the
        latest legitimate pause's end, as the deadline service moved it, else the original due. An
        apology letter never moves it."""
        return self.original_due_date if self.appointment is None else self.appointment[1]

    @property
    def letter(self) -> Letter:
        """The dossier's apology letters: "timely" if any was sent in time, else "late" if any was sent
        (late, or of unknown timeliness: sent before events said), else "none"."""
        if self.apology_timely:
            return "timely"
        return "late" if self.apology else "none"

    def closure(self) -> tuple[str, date] | None:
        """How and when the dossier closed: the earliest close heard (on a tie: resolved, then
        rejected, then withdrawn), never before its receipt."""
        kind, when = "resolved", self.resolved_date
        if self.rejected_date is not None and (when is None or self.rejected_date < when):
            kind, when = "rejected", self.rejected_date
        if self.withdrawn_date is not None and (when is None or self.withdrawn_date < when):
            kind, when = "withdrawn", self.withdrawn_date
        if when is None:
            return None
        if self.received_date is not None and when < self.received_date:
            when = self.received_date  # a close before the receipt is a data error: count it on r
        return kind, when

    def waiting_intervals(self) -> list[tuple[date, date | None]]:
        """Days [start, end) at whose end the dossier waits for a supplement, merged, before any close.

        A step waits from a supplement pause until the next resumption of that step or the next
        supplement the citizen hands in; the dossier waits while any step does."""
        closed = self.closure()
        spans = sorted(
            (vietnam_date(start), date.max if end is None else vietnam_date(end))
            for start, end in _step_waits(self.pauses, self.resumes, self.supplied)
        )
        if closed is not None:  # no waiting once closed
            spans = [(start, min(end, closed[1])) for start, end in spans]
        merged: list[tuple[date, date]] = []
        for start, end in spans:
            if end <= start:
                continue
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        return [(start, None if end == date.max else end) for start, end in merged]

    @property
    def supplement_waiting(self) -> bool:
        """Waiting for a supplement now (as of every fact heard): not closed, a step still paused."""
        if self.closure() is not None:
            return False
        return any(end is None for _, end in _step_waits(self.pauses, self.resumes, self.supplied))


def _step_waits(
    pauses: frozenset[Mark], resumes: frozenset[Mark], supplied: frozenset[datetime]
) -> Iterator[tuple[datetime, datetime | None]]:
    """Each step's waits as instants [pause, end): the first resumption or supplement after it."""
    by_step: dict[str, list[tuple[datetime, int]]] = {}
    for step, at in pauses:
        by_step.setdefault(step, []).append((at, PAUSE))
    for step, at in resumes:
        if step in by_step:
            by_step[step].append((at, END))
    ends = [(at, END) for at in supplied]
    for marks in by_step.values():
        waiting_since: datetime | None = None
        for at, kind in sorted([*marks, *ends]):
            if kind == PAUSE and waiting_since is None:
                waiting_since = at
            elif kind == END and waiting_since is not None:
                yield waiting_since, at
                waiting_since = None
        if waiting_since is not None:
            yield waiting_since, None


def _earliest(current: date | None, heard: date | None) -> date | None:
    if current is None:
        return heard
    if heard is None:
        return current
    return min(current, heard)


def _cell(received: DossierReceived) -> Cell:
    """The cell of the received event's procedure snapshot, under the lead agency, at the receiving unit."""
    procedure = received.procedure
    return Cell(
        procedure_code=procedure.code,
        procedure_name=procedure.name,
        field_code=procedure.field_code,
        field_name=procedure.field_name,
        agency_code=received.agency_code,
        agency_name=procedure.agency_name,
        unit_code=received.unit_code,
    )


def regulated_tenths(received: DossierReceived) -> int:
    """The processing time the procedure gives this dossier (its online time for one received online,
    when the procedure has one: as intake counted its appointment), in tenths of a day."""
    procedure = received.procedure
    days = procedure.processing_days
    if received.channel == "online" and procedure.online_processing_days:
        days = procedure.online_processing_days
    return int(days * 10)


def fold(facts: Facts | None, event: DossierEvent) -> Facts:
    """The facts after one event, as `events.events_of` read it (its shared payload type, instants as
    aware datetimes). Any order and any repetition of a dossier's events folds to the same facts."""
    now = facts or Facts(dossier_id=event.dossier_id)
    changes: dict[str, Any] = {}
    if now.code is None and event.code:
        changes["code"] = event.code
    if isinstance(event, Importable) and event.imported and not now.imported:
        changes["imported"] = True
    match event:
        case DossierReceived():
            if now.received_at is None or event.received_at < now.received_at:  # the first receipt owns these
                changes |= {
                    "cell": _cell(event),
                    "channel": event.channel,
                    "service_level": event.service_level,
                    "regulated_tenths": regulated_tenths(event),
                    "day_kind": event.procedure.day_kind,
                    "received_across_boundary": event.received_across_boundary,
                    "received_at": event.received_at,
                    "received_date": vietnam_date(event.received_at),
                    "original_due_date": vietnam_date(event.due_at),
                }
        case DossierResolved():
            changes["resolved_date"] = _earliest(now.resolved_date, vietnam_date(event.resolved_at))
            if now.received_at is None:
                # Until the receipt is heard, the resolution's copy of the original due stands in.
                changes["original_due_date"] = _earliest(now.original_due_date, vietnam_date(event.due_at))
        case DossierWithdrawn():
            changes["withdrawn_date"] = _earliest(now.withdrawn_date, vietnam_date(event.withdrawn_at))
        case DossierRejected():
            changes["rejected_date"] = _earliest(now.rejected_date, vietnam_date(event.rejected_at))
        case DossierStopped():  # stopped counts as rejected
            changes["rejected_date"] = _earliest(now.rejected_date, vietnam_date(event.stopped_at))
        case DossierReturned():
            changes["returned_date"] = _earliest(now.returned_date, vietnam_date(event.returned_at))
        case ApologyIssued():
            changes["apology"] = True
            if event.timely:
                changes["apology_timely"] = True
        case AppointmentChanged():  # the latest resumption owns the due (on a tie, the later due)
            heard = (event.resumed_at, vietnam_date(event.due_at))
            if now.appointment is None or heard > now.appointment:
                changes["appointment"] = heard
        case DossierDigitized():
            changes |= {
                "digitized": True,
                "documents_digitized": max(now.documents_digitized, event.documents),
                "documents_reused": max(now.documents_reused, event.reused),
            }
        case StepPaused():
            changes["pauses"] = now.pauses | {(str(event.step_id), event.paused_at)}
        case SupplementRequested():
            changes["pauses"] = now.pauses | {(str(event.step_id), event.requested_at)}
        case StepResumed():
            changes["resumes"] = now.resumes | {(str(event.step_id), event.resumed_at)}
        case SupplementReceived():
            changes["supplied"] = now.supplied | {event.received_at}
        case FeePaid():
            paid = (str(event.payment_id), vietnam_date(event.paid_at), event.channel == "online")
            changes["payments"] = now.payments | {paid}
    return _with(now, changes) if changes else now


def _with(facts: Facts, changes: Mapping[str, Any]) -> Facts:
    """`dataclasses.replace` at a tenth of its cost (a rebuild folds millions): Facts has no
    __post_init__ to run, so a copy of its fields with the changes is the same value."""
    new = object.__new__(Facts)
    new.__dict__.update(facts.__dict__)
    new.__dict__.update(changes)
    return new
