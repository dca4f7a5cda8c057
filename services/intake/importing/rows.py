"""An accepted line of the historical import as the rows and events it stores, as pure functions: no
I/O and no clock reads; `now` and the ids are arguments."""

import functools
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Final
from uuid import UUID

from pydantic_core import to_json

from services.intake import events
from services.intake.appointment.rules import TIMELINE_STATUS, Moved, timeline_note
from services.intake.dossiers.rules import received_across_boundary
from services.intake.importing.rules import final_status, later_steps
from services.intake.importing.schemas import ImportLine
from shared.calendar import DueResult
from shared.clock import VIETNAM
from shared.events.catalog import ProcedureSnapshot
from shared.events.fields import Payload
from shared.messaging.envelope import event_type
from shared.messaging.subjects import dossier_subject
from shared.text import search_key

SOURCE: Final = "/motcua/intake"
RECEIVED_VERSION: Final = 2  # a live dossier is version 1 when submitted, 2 once received
NOTES: Final = {
    "resolved": "Đã có kết quả, mời công dân nhận kết quả",
    "returned": "Đã trả kết quả",
    "withdrawn": "Công dân rút hồ sơ",
}
APPLICANT_COLUMNS: Final = ("id", "kind", "name", "search_key", "id_number", "phone", "email", "address")
DOSSIER_COLUMNS: Final = (
    "id",
    "code",
    "external_code",
    "status",
    "procedure_id",
    "applicant_id",
    "channel",
    "service_level",
    "unit_code",
    "received_across_boundary",
    "submitted_at",
    "received_at",
    "rule_set",
    "clock_started_at",
    "due_at",
    "appointment_at",
    "appointment_reason",
    "appointment_paused_at",
    "appointment_resumed_at",
    "resolved_at",
    "returned_at",
    "withdrawn_at",
    "return_channel",
    "imported",
    "version",
    "created_by",
    "updated_at",
)
TIMELINE_COLUMNS: Final = ("dossier_id", "at", "status", "public_note")
OUTBOX_COLUMNS: Final = ("event_id", "event_type", "topic", "payload")
Record = tuple[Any, ...]


def new_ids(count: int) -> Iterator[UUID]:
    """`count` random (version 4) UUIDs from one read of the system's randomness."""
    randomness = os.urandom(16 * count)
    return (UUID(bytes=randomness[i : i + 16], version=4) for i in range(0, 16 * count, 16))


@dataclass(slots=True)
class Accepted:
    """A line that passed every check, with what the catalogue and the counter gave it."""

    number: int
    line: ImportLine
    day: date
    procedure: Any = None  # the procedure version in force on `day` (a repository row)
    due: DueResult | None = None  # as computed at the counter; `due_at` may override its `due`
    code: str = ""
    unit: str = ""  # the receiving unit: the line's, or the default unit
    rule_set: str = ""  # the code of the rule set of `day`, which the dossier is judged by
    dossier_id: UUID | None = None
    applicant_id: UUID | None = None
    moved: list[Moved] = field(default_factory=list)  # the pauses that moved the due, in time order

    @property
    def due_at(self) -> datetime:
        assert self.due is not None
        return self.line.due_at or self.due.due

    @property
    def version(self) -> int:
        """The dossier's version after its last step: received, each new appointment, each later step."""
        return RECEIVED_VERSION + len(self.moved) + len(later_steps(self.line))

    @property
    def service_level(self) -> int:
        return self.line.service_level or int(self.procedure.service_level)


def applicant_record(item: Accepted) -> Record:
    person = item.line.applicant
    return (
        item.applicant_id,
        person.kind,
        person.name,
        search_key(person.name),
        person.id_number,
        person.phone,
        person.email,
        person.address,
    )


def dossier_record(item: Accepted, *, unit_code: str, created_by: str, now: datetime) -> Record:
    line, due = item.line, item.due
    assert due is not None
    received_at = line.received_at.astimezone(UTC)
    return (
        item.dossier_id,
        item.code,
        line.external_code,
        final_status(line),
        item.procedure.id,
        item.applicant_id,
        line.channel,
        item.service_level,
        unit_code,
        received_across_boundary(unit_code, item.procedure.agency_unit_code),
        received_at,  # submitted_at: the old system knew only the receipt
        received_at,
        item.rule_set,
        due.clock_start.astimezone(UTC),
        item.due_at.astimezone(UTC),
        *_appointment(item.moved[-1] if item.moved else None),
        _utc(line.resolved_at),
        _utc(line.returned_at),
        _utc(line.withdrawn_at),
        "counter" if line.returned_at is not None else None,
        True,
        item.version,
        created_by,
        now,
    )


def timeline_records(item: Accepted) -> list[Record]:
    due = item.due_at.astimezone(VIETNAM)
    received = (
        item.dossier_id,
        item.line.received_at.astimezone(UTC),
        "received",
        f"Đã tiếp nhận, hẹn trả kết quả {due:%H:%M %d/%m/%Y}",
    )
    moved = [
        (
            item.dossier_id,
            m.pause.resumed_at.astimezone(UTC),
            TIMELINE_STATUS,
            timeline_note(m.pause.kind, m.due_at),
        )
        for m in item.moved
    ]
    later = [
        (item.dossier_id, at.astimezone(UTC), status, NOTES[status]) for status, at in later_steps(item.line)
    ]
    return [received, *moved, *later]


def event_records(
    item: Accepted, *, unit_code: str, snapshot: ProcedureSnapshot, now: datetime, ids: Iterator[UUID]
) -> list[Record]:
    """The outbox rows of the events a live dossier with this timeline would have caused, flagged
    imported, with `dossierversion` the dossier's version after each step."""
    line, procedure, due = item.line, item.procedure, item.due
    assert due is not None
    assert item.dossier_id is not None
    identity = events.identity(
        dossier_id=item.dossier_id, code=item.code, portal_id=None, agency_code=procedure.agency_code
    )
    steps: list[tuple[str, Payload]] = [
        (
            "received",
            events.received(
                identity=identity,
                procedure=snapshot,
                channel=line.channel,
                service_level=item.service_level,
                unit_code=unit_code,
                received_across_boundary=received_across_boundary(unit_code, procedure.agency_unit_code),
                received_at=line.received_at,
                clock_started_at=due.clock_start,
                due_at=item.due_at,
                applicant_kind=line.applicant.kind,
                applicant_name=line.applicant.name,
                documents=[],
                imported=True,
                rule_set=item.rule_set,
            ),
        )
    ]
    for m in item.moved:
        moved = events.appointment_changed(
            identity=identity,
            due_at=m.due_at,
            original_due_at=item.due_at,
            reason=m.pause.kind,
            paused_at=m.pause.paused_at,
            resumed_at=m.pause.resumed_at,
        )
        steps.append(("appointment_changed", moved))
    for status, at in later_steps(line):
        if status == "resolved":
            later: Payload = events.resolved(
                identity=identity, resolved_at=at, due_at=item.due_at, imported=True
            )
        elif status == "returned":
            later = events.returned(
                identity=identity, returned_at=at, delivery_channel="counter", imported=True
            )
        else:
            later = events.withdrawn(identity=identity, withdrawn_at=at, imported=True)
        steps.append((status, later))
    records = []
    for offset, (status, payload) in enumerate(steps):
        event_id, type_ = next(ids), event_type(f"dossier.{status}")
        envelope = {
            # A `CloudEvent` as `CloudEvent.to_json` writes it, serialised without building the model
            # (it was a sixth of the import's time); the tests parse these payloads back as CloudEvents.
            "specversion": "1.0",
            "id": event_id,
            "source": SOURCE,
            "type": type_,
            "subject": item.code,
            "time": now,
            "datacontenttype": "application/json",
            "data": payload.data(),
            "dossierversion": RECEIVED_VERSION + offset,
        }
        topic = _topic(procedure.agency_code, status)
        records.append((event_id, type_, topic, to_json(envelope).decode()))
    return records


@functools.lru_cache(maxsize=1024)
def _topic(agency_code: str, status: str) -> str:
    return dossier_subject(agency_code, status)


def _utc(at: datetime | None) -> datetime | None:
    return None if at is None else at.astimezone(UTC)


def _appointment(moved: Moved | None) -> Record:
    """`appointment_at`, `appointment_reason`, `appointment_paused_at`, `appointment_resumed_at`: of
    the last pause that moved the due, as `dossier.appointment_changed` would have stored them."""
    if moved is None:
        return (None, None, None, None)
    pause = moved.pause
    return (
        moved.due_at.astimezone(UTC),
        pause.kind,
        pause.paused_at.astimezone(UTC),
        pause.resumed_at.astimezone(UTC),
    )
