"""The historical import's rules as pure functions: split the stream, read a line, check its timeline,
and turn an accepted line into the rows and events it stores.

No I/O and no clock reads: the stream is an argument, and so are `now` and the ids.
"""

import functools
import os
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final
from uuid import UUID

from pydantic import ValidationError
from pydantic_core import to_json

from services.intake import events
from services.intake.import_schemas import ImportLine
from shared.calendar import DueResult
from shared.clock import VIETNAM
from shared.messaging.envelope import event_type
from shared.messaging.subjects import dossier_subject
from shared.text import search_key

MAX_LINE_BYTES = 64 * 1024
_BOM = b"\xef\xbb\xbf"


class LineTooLong(Exception):
    """A line past `MAX_LINE_BYTES`: the request stops there (413), since the reader will not buffer it."""

    def __init__(self, line: int) -> None:
        super().__init__(f"line {line} is longer than {MAX_LINE_BYTES} bytes")
        self.line = line


@dataclass(frozen=True, slots=True)
class LineProblem:
    code: str
    detail: str


async def ndjson_lines(
    chunks: AsyncIterable[bytes], max_bytes: int = MAX_LINE_BYTES
) -> AsyncIterator[tuple[int, bytes]]:
    """`(line number, bytes)` for every non-blank line, holding at most one line and one chunk.

    Line numbers count every line, blank ones included, as an editor shows them; `\\r\\n` endings and
    a UTF-8 byte-order mark (spreadsheet exports) are dropped. Raises `LineTooLong` as soon as a
    line is known to be too long, without reading it to its end.
    """
    rest = b""
    number = 0
    async for chunk in chunks:
        if not chunk:
            continue
        parts = (rest + chunk).split(b"\n")
        rest = parts.pop()
        for part in parts:
            number += 1
            line = _clean(part, number)
            if len(line) > max_bytes:
                raise LineTooLong(number)
            if line.strip():
                yield number, line
        if len(rest) > max_bytes:
            raise LineTooLong(number + 1)
    if rest:
        number += 1
        line = _clean(rest, number)
        if line.strip():
            yield number, line


def _clean(part: bytes, number: int) -> bytes:
    if part.endswith(b"\r"):
        part = part[:-1]
    if number == 1 and part.startswith(_BOM):
        part = part[len(_BOM) :]
    return part


def parse_line(raw: bytes) -> ImportLine | LineProblem:
    """The line as an `ImportLine`, or why not. Details name the fields, never echo their values."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return LineProblem(
            "invalid_encoding", f"The line is not UTF-8 (byte {exc.start}); export it as UTF-8."
        )
    try:
        return ImportLine.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False)
        if any(e["type"] == "json_invalid" for e in errors):
            return LineProblem("malformed_json", f"The line is not one JSON object: {errors[0]['msg']}.")
        where = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'line'}: {e['msg']}" for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        return LineProblem("validation_error", f"{where}{more}.")


def timeline_problem(line: ImportLine, now: datetime) -> LineProblem | None:
    """What is impossible in the line's timeline, or None.

    received ≤ resolved ≤ returned; received ≤ withdrawn; received ≤ due; a result is returned only
    once resolved, and a withdrawn dossier has no result. Nothing but the due date is in the future.
    """
    received = line.received_at
    for name, at in (
        ("received_at", received),
        ("resolved_at", line.resolved_at),
        ("returned_at", line.returned_at),
        ("withdrawn_at", line.withdrawn_at),
    ):
        if at is not None and at > now:
            return LineProblem("in_the_future", f"{name} is later than now; only due_at may be ahead.")
    if line.resolved_at is not None and line.withdrawn_at is not None:
        return LineProblem(
            "inconsistent_timeline", "A dossier is either resolved or withdrawn: give one of the two."
        )
    if line.returned_at is not None and line.resolved_at is None:
        return LineProblem(
            "inconsistent_timeline", "returned_at needs resolved_at: a result is returned once ready."
        )
    for earlier, later, name_earlier, name_later in (
        (received, line.due_at, "received_at", "due_at"),
        (received, line.resolved_at, "received_at", "resolved_at"),
        (line.resolved_at, line.returned_at, "resolved_at", "returned_at"),
        (received, line.withdrawn_at, "received_at", "withdrawn_at"),
    ):
        if earlier is not None and later is not None and later < earlier:
            return LineProblem("dates_out_of_order", f"{name_later} is before {name_earlier}.")
    return None


def receipt_day(line: ImportLine) -> date:
    """The receipt date in Vietnam: it picks the procedure version and the dossier code's counter."""
    return line.received_at.astimezone(VIETNAM).date()


def final_status(line: ImportLine) -> str:
    """The dossier's status after the last step of its timeline."""
    if line.withdrawn_at is not None:
        return "withdrawn"
    if line.returned_at is not None:
        return "returned"
    if line.resolved_at is not None:
        return "resolved"
    return "received"


def later_steps(line: ImportLine) -> list[tuple[str, datetime]]:
    """The timeline after the receipt, in order (`timeline_problem` has checked that order)."""
    steps = [("resolved", line.resolved_at), ("returned", line.returned_at), ("withdrawn", line.withdrawn_at)]
    return [(status, at) for status, at in steps if at is not None]


# -- an accepted line as rows -------------------------------------------------------------------

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
    "submitted_at",
    "received_at",
    "clock_started_at",
    "due_at",
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
    dossier_id: UUID | None = None
    applicant_id: UUID | None = None

    @property
    def due_at(self) -> datetime:
        assert self.due is not None
        return self.line.due_at or self.due.due

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
        received_at,  # submitted_at: the old system knew only the receipt
        received_at,
        due.clock_start.astimezone(UTC),
        item.due_at.astimezone(UTC),
        _utc(line.resolved_at),
        _utc(line.returned_at),
        _utc(line.withdrawn_at),
        "counter" if line.returned_at is not None else None,
        True,
        RECEIVED_VERSION + len(later_steps(line)),
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
    later = [
        (item.dossier_id, at.astimezone(UTC), status, NOTES[status]) for status, at in later_steps(item.line)
    ]
    return [received, *later]


def event_records(
    item: Accepted, *, unit_code: str, snapshot: dict[str, Any], now: datetime, ids: Iterator[UUID]
) -> list[Record]:
    """The outbox rows of the events a live dossier with this timeline would have caused, flagged
    imported, with `sequence` the dossier's version after each step."""
    line, procedure, due = item.line, item.procedure, item.due
    assert due is not None
    assert item.dossier_id is not None
    identity = events.identity(
        dossier_id=item.dossier_id, code=item.code, portal_id=None, agency_code=procedure.agency_code
    )
    steps: list[tuple[str, dict[str, Any]]] = [
        (
            "received",
            events.received(
                identity=identity,
                procedure=snapshot,
                channel=line.channel,
                service_level=item.service_level,
                unit_code=unit_code,
                received_at=line.received_at,
                clock_started_at=due.clock_start,
                due_at=item.due_at,
                applicant_kind=line.applicant.kind,
                applicant_name=line.applicant.name,
                documents=[],
                imported=True,
            ),
        )
    ]
    for status, at in later_steps(line):
        if status == "resolved":
            data = events.resolved(identity=identity, resolved_at=at, due_at=item.due_at, imported=True)
        elif status == "returned":
            data = events.returned(
                identity=identity, returned_at=at, delivery_channel="counter", imported=True
            )
        else:
            data = events.withdrawn(identity=identity, withdrawn_at=at, imported=True)
        steps.append((status, data))
    records = []
    for offset, (status, data) in enumerate(steps):
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
            "data": data,
            "sequence": RECEIVED_VERSION + offset,
        }
        topic = _topic(procedure.agency_code, status)
        records.append((event_id, type_, topic, to_json(envelope).decode()))
    return records


@functools.lru_cache(maxsize=1024)
def _topic(agency_code: str, status: str) -> str:
    return dossier_subject(agency_code, status)


def _utc(at: datetime | None) -> datetime | None:
    return None if at is None else at.astimezone(UTC)
