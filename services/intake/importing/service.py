"""The historical import (nhập hồ sơ từ hệ thống cũ): old dossiers with their timelines, as if received here.

Semantics (the route's OpenAPI text says the same to callers):

* Streamed: the body is read line by line and committed in batches of `BATCH_SIZE` lines, one
  transaction each. A committed batch stays when a later line stops the request (413) or the client
  goes away; the import is idempotent, so the fix is to send the file again.
* Every line is checked in Python before its batch touches the database, so a bad line is reported
  with its number and never rolls back the good lines around it.
* `external_code` is unique: a line whose code is already imported (by this file or an earlier one)
  is `skipped`, not an error. Two imports of one file at once are safe too: the dossier insert is
  `ON CONFLICT (external_code) DO NOTHING`, and the loser's line counts as skipped.
* The procedure is the version in force on the receipt date (Vietnam time); an unknown code, or one
  with no version in force then, is an error. `due_at` and `service_level`, when absent, come from
  that version exactly as at the counter; given timestamps are kept as given (stored in UTC).
* Rule set: the one in force on the receipt day (`shared.rule_sets`), stored and sent in
  `dossier.received` as at the counter; a version without its own supplement policy takes that set's.
* Receiving unit: the line's `unit_code`, else the default unit; it must be registered and open on
  the receipt day (`unknown_unit`, `unit_closed`, `unit_not_open` fail the line alone).
* Dossier code: imported dossiers get a code in the usual format `<unit>-<yyMMdd>-<NNNN>`, with the
  receipt date and the next numbers of that unit's per-day counter for that date (after any number
  already used that day); within a unit and day, numbers follow the file's order. The old id stays in
  `external_code`. Imported dossiers have no look-up secret: citizens cannot look them up.
  A batch's numbers are reserved in a short transaction of their own just before the batch is
  written (so live receptions on that day never wait behind an import's batch); a batch that then
  fails to commit, or a line lost to a concurrent import of the same file, leaves its numbers unused.
* Pauses (`pauses`: supplement or financial obligation, each with its end): checked against the
  timeline (`pause_out_of_order`, `pause_outside_timeline`, `pauses_overlap`, `unknown_pause_kind`),
  then each that moved the due under the procedure's policy for the line's rule set (obligations always
  shift; `appointment/rules.py`, the deadline service's arithmetic on intake's working calendar) gives a
  new appointment; the dossier keeps the last one (`appointment_at`), `due_at` the receipt's. Only lines
  with pauses pay for the arithmetic.
* Events: those a live dossier would have caused, flagged `"imported": true`: `dossier.received`,
  then one `dossier.appointment_changed` a pause that moved the due (the deadline service's event for a
  live dossier), `dossier.resolved` (intake emits it only here: the routing happened in the old system),
  `dossier.returned` (delivery channel `counter`) and `dossier.withdrawn`, as the timeline has them.
  `dossierversion` is the dossier's version as for a live one: 2 once received, then +1 a step; the stored
  dossier keeps the last version and the status of its last step.
* One audit row per request (who, counts), none per line.

Speed: a pipeline — while one batch is written, the next is read, checked and turned into rows.
Procedure versions are read once per code and request, due dates are cached, and a batch is three
COPYs (applicants, timeline, outbox) and one `INSERT … SELECT FROM unnest(…)` (dossiers). SQL with
arrays and COPY go through the session's asyncpg connection, inside its transaction.
"""

import asyncio
import bisect
import contextlib
import uuid
from collections import Counter
from collections.abc import AsyncIterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.calendar import working_calendar
from services.intake.catalogue import repository as catalogue
from services.intake.catalogue.snapshot import received_snapshot
from services.intake.dossiers.models import applicants, timeline
from services.intake.dossiers.rules import appointment, dossier_code
from services.intake.importing import repository
from services.intake.importing.lines import LineProblem, LineTooLong, ndjson_lines, parse_line
from services.intake.importing.pauses import moved_appointments
from services.intake.importing.rows import (
    APPLICANT_COLUMNS,
    OUTBOX_COLUMNS,
    RECEIVED_VERSION,
    TIMELINE_COLUMNS,
    Accepted,
    Record,
    applicant_record,
    dossier_record,
    event_records,
    new_ids,
    timeline_records,
)
from services.intake.importing.rules import receipt_day, timeline_problem
from services.intake.importing.schemas import ImportLine, ImportSummary, LineError
from services.intake.models import audit_log, messaging
from services.intake.units import repository as units
from services.intake.units.rules import opening
from shared import audit
from shared.auth import Principal
from shared.calendar import DueResult, WorkingCalendar
from shared.clock import Clock
from shared.db.engine import Sessions, unit_of_work
from shared.db.raw import driver
from shared.errors import Problem
from shared.events.catalog import ProcedureSnapshot
from shared.rule_sets import rule_set, rule_set_on

BATCH_SIZE: Final = 500
MAX_ERRORS: Final = 1000
_DUE_CACHE_LIMIT: Final = 10_000
_LAST: Final = 2**63


@dataclass(frozen=True)
class ImportDesk:
    """Who imports, when, and the default receiving unit (of a line without `unit_code`); batches
    commit through `sessions`."""

    sessions: Sessions
    clock: Clock
    who: Principal
    unit_code: str


async def import_dossiers(
    desk: ImportDesk, chunks: AsyncIterable[bytes], *, batch_size: int = BATCH_SIZE
) -> ImportSummary:
    """Import an NDJSON stream of historical dossiers; raises a 413 `Problem` at a line too long.

    A pipeline: while one batch is written (the database's work), the next is read, checked and
    turned into rows (Python's work), so the two overlap.
    """
    run = _Run(desk)
    try:
        async for number, raw in ndjson_lines(chunks):
            run.read(number, raw)
            if len(run.batch.lines) >= batch_size:
                await run.hand_over()
            elif number % 32 == 0:
                await asyncio.sleep(0)  # let the batch being written go on while the stream is buffered
        await run.hand_over()
        await run.settle()
    except LineTooLong as exc:
        await run.hand_over()
        await run.settle()
        await run.record(aborted="line_too_long")
        raise Problem(
            413,
            "line_too_long",
            f"Line {exc.line} is longer than 64 KiB; the lines before it were processed (see the counts). "
            "Fix it and send the file again: what was imported is skipped.",
            extra={"line": exc.line, **run.summary().model_dump(mode="json")},
        ) from exc
    except BaseException as exc:
        # The client went away or the database failed: batches committed so far stay, and say so.
        with contextlib.suppress(Exception):
            await run.settle()
        with contextlib.suppress(Exception):
            await run.record(aborted=type(exc).__name__)
        raise
    await run.record()
    return run.summary()


@dataclass
class _Batch:
    lines: list[Accepted] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)


@dataclass
class _Rows:
    """A batch ready to write: every row built, every event serialised."""

    items: list[Accepted]
    applicants: list[Record]
    dossiers: list[Record]
    timeline: dict[str, list[Record]]  # by external code, to drop a dossier lost to a racing import
    events: dict[str, list[Record]]


class _Run:
    def __init__(self, desk: ImportDesk) -> None:
        self.desk = desk
        self.now = desk.clock.now()
        self.import_id = uuid.uuid4()
        self.batch = _Batch()
        self.lines = self.imported = self.skipped = self.failed = 0
        self.errors: list[LineError] = []
        self._writing: asyncio.Task[None] | None = None
        self._in_flight: set[str] = set()  # external codes of the batch being written
        self._versions: dict[str, list[tuple[date, int, int]]] = {}
        self._procedures: dict[int, Row[Any]] = {}
        self._snapshots: dict[tuple[int, str], ProcedureSnapshot] = {}  # by version and rule set
        self._dues: dict[tuple[int, datetime, bool], DueResult] = {}
        self._calendar: WorkingCalendar | None = None  # the one `_dues` were computed with
        self._units: dict[str, Row[Any] | None] = {}  # receiving units by code, read once each

    def read(self, number: int, raw: bytes) -> None:
        """Check one line in Python; a good one waits for its batch."""
        self.lines += 1
        parsed = parse_line(raw)
        if isinstance(parsed, LineProblem):
            self._fail(self.batch, number, parsed)
            return
        problem = timeline_problem(parsed, self.now)
        if problem is not None:
            self._fail(self.batch, number, problem, parsed.external_code)
            return
        self.batch.lines.append(Accepted(number, parsed, receipt_day(parsed)))

    def _fail(
        self, batch: _Batch, number: int, problem: LineProblem, external_code: str | None = None
    ) -> None:
        self.failed += 1
        batch.errors.append(
            LineError(line=number, code=problem.code, detail=problem.detail, external_code=external_code)
        )

    async def hand_over(self) -> None:
        """Prepare the batch read so far, then write it once the batch before it is written."""
        batch, self.batch = self.batch, _Batch()
        rows = await self._prepare(batch) if batch.lines else None
        batch.errors.sort(key=lambda e: e.line)
        self.errors.extend(batch.errors[: max(0, MAX_ERRORS - len(self.errors))])
        await self.settle()
        if rows is not None:
            self._in_flight = {item.line.external_code for item in rows.items}
            self._writing = asyncio.create_task(self._write(rows))

    async def settle(self) -> None:
        """Wait for the batch being written; its failure is raised here."""
        writing, self._writing = self._writing, None
        if writing is not None:
            await writing
        self._in_flight = set()

    async def _prepare(self, batch: _Batch) -> _Rows | None:
        """Procedures, due dates, duplicates and dossier numbers (reserved in a short transaction of
        their own, so the batch being written holds no counter row), then every row of the batch."""
        async with unit_of_work(self.desk.sessions) as session:
            ready = await self._with_procedures(session, batch)
            ready = await self._without_existing(session, ready)
            if not ready:
                return None
            first: dict[tuple[str, date], int] = {}
            conn = await driver(session)
            for unit in sorted({item.unit for item in ready}):  # one order: two imports never deadlock
                counts = Counter(item.day for item in ready if item.unit == unit)
                reserved = await repository.reserve_dossier_numbers(conn, unit, counts)
                first.update({(unit, day): number for day, number in reserved.items()})
        now = self.desk.clock.now()
        ids = new_ids(2 * len(ready))
        for item in ready:
            item.code = dossier_code(item.unit, item.day, first[item.unit, item.day])
            first[item.unit, item.day] += 1
            item.dossier_id, item.applicant_id = next(ids), next(ids)
        event_ids = new_ids(sum(item.version - RECEIVED_VERSION + 1 for item in ready))
        return _Rows(
            items=ready,
            applicants=[applicant_record(item) for item in ready],
            dossiers=[
                dossier_record(item, unit_code=item.unit, created_by=self.desk.who.sub, now=now)
                for item in ready
            ],
            timeline={item.line.external_code: timeline_records(item) for item in ready},
            events={
                item.line.external_code: event_records(
                    item, unit_code=item.unit, snapshot=self._snapshot(item), now=now, ids=event_ids
                )
                for item in ready
            },
        )

    async def _with_procedures(self, session: AsyncSession, batch: _Batch) -> list[Accepted]:
        ready: list[Accepted] = []
        seen: set[str] = set()
        calendar = await working_calendar(session)
        for item in batch.lines:
            line = item.line
            procedure = await self._procedure(session, line.procedure_code, item.day)
            if procedure is None:
                problem = self._why_no_procedure(line.procedure_code, item.day)
                self._fail(batch, item.number, problem, line.external_code)
                continue
            if line.external_code in seen:
                self.skipped += 1
                continue
            item.unit = line.unit_code or self.desk.unit_code
            unit_problem = await self._unit_problem(session, item.unit, item.day)
            if unit_problem is not None:
                self._fail(batch, item.number, unit_problem, line.external_code)
                continue
            item.procedure = procedure
            item.rule_set = rule_set_on(item.day).code
            try:
                item.due = self._due(procedure, line, calendar)
                if line.pauses:
                    item.moved = moved_appointments(item, calendar)
            except ValueError as exc:
                problem = LineProblem("due_not_computable", str(exc))
                self._fail(batch, item.number, problem, line.external_code)
                continue
            seen.add(line.external_code)
            ready.append(item)
        return ready

    async def _procedure(self, session: AsyncSession, code: str, day: date) -> Row[Any] | None:
        """The version in force on `day`, picked as the catalogue's `procedure_in_force` picks it, from
        the code's versions read once per request: a file spans hundreds of days, a query a day is slow."""
        versions = self._versions.get(code)
        if versions is None:
            versions = self._versions[code] = await repository.procedure_versions(session, code)
        index = bisect.bisect_right(versions, (day, _LAST, _LAST))
        if index == 0:
            return None
        procedure_id = versions[index - 1][2]
        if procedure_id not in self._procedures:
            self._procedures[procedure_id] = await catalogue.procedure_by_id(session, procedure_id)
        return self._procedures[procedure_id]

    def _snapshot(self, item: Accepted) -> ProcedureSnapshot:
        """What `dossier.received` carries of the line's version, its supplement policy resolved for
        the line's rule set; made once per version and rule set of the request."""
        key = (item.procedure.id, item.rule_set)
        snapshot = self._snapshots.get(key)
        if snapshot is None:
            snapshot = self._snapshots[key] = received_snapshot(item.procedure, rule_set(item.rule_set))
        return snapshot

    async def _unit_problem(self, session: AsyncSession, code: str, day: date) -> LineProblem | None:
        """Why the line cannot be received at unit `code` on `day`, as at the counter; None if it can."""
        if code not in self._units:
            self._units[code] = await units.unit(session, code)
        row = self._units[code]
        if row is None:
            return LineProblem("unknown_unit", f"There is no receiving unit {code}; register it first.")
        why = opening(row.effective_from, row.effective_to, day)
        if why is not None:
            return LineProblem(
                why,
                f"Unit {code} was not open on {day:%d/%m/%Y} "
                f"(open from {row.effective_from:%d/%m/%Y}"
                + (f" to {row.effective_to:%d/%m/%Y})." if row.effective_to else ")."),
            )
        return None

    def _why_no_procedure(self, code: str, day: date) -> LineProblem:
        if self._versions.get(code):
            return LineProblem(
                "procedure_not_in_force", f"Procedure {code} had no version in force on {day:%d/%m/%Y}."
            )
        return LineProblem("unknown_procedure", f"There is no procedure {code} in the catalogue.")

    def _due(self, procedure: Row[Any], line: ImportLine, calendar: WorkingCalendar) -> DueResult:
        if calendar is not self._calendar:  # the admin overrides changed during the import
            self._dues.clear()
            self._calendar = calendar
        online = line.channel == "online"
        key = (procedure.id, line.received_at, online)
        due = self._dues.get(key)
        if due is None:
            if len(self._dues) >= _DUE_CACHE_LIMIT:
                self._dues.clear()
            due = self._dues[key] = appointment(line.received_at, procedure, online=online, calendar=calendar)
        return due

    async def _without_existing(self, session: AsyncSession, ready: list[Accepted]) -> list[Accepted]:
        """Drop what an earlier batch or import has stored, or the batch being written holds."""
        codes = [item.line.external_code for item in ready]
        stored = await repository.existing_external_codes(await driver(session), codes)
        existing = stored | self._in_flight
        kept = [item for item in ready if item.line.external_code not in existing]
        self.skipped += len(ready) - len(kept)
        return kept

    async def _write(self, rows: _Rows) -> None:
        """One batch, one transaction. The dossier insert skips an external code that a concurrent
        import stored meanwhile; that dossier's other rows are then left out too."""
        async with unit_of_work(self.desk.sessions) as session:
            conn = await driver(session)
            await repository.copy(conn, applicants, APPLICANT_COLUMNS, rows.applicants)
            inserted = await repository.insert_dossiers(conn, rows.dossiers)
            kept = [item for item in rows.items if item.line.external_code in inserted]
            if len(kept) < len(rows.items):
                lost = [item.applicant_id for item in rows.items if item.line.external_code not in inserted]
                await repository.drop_applicants(session, lost)
            codes = [item.line.external_code for item in kept]
            timeline_rows = [r for c in codes for r in rows.timeline[c]]
            await repository.copy(conn, timeline, TIMELINE_COLUMNS, timeline_rows)
            event_rows = [r for c in codes for r in rows.events[c]]
            await repository.copy(conn, messaging.outbox, OUTBOX_COLUMNS, event_rows)
        self.imported += len(kept)
        self.skipped += len(rows.items) - len(kept)

    async def record(self, aborted: str | None = None) -> None:
        """The one audit row of this import: who, when, and the counts (no personal data)."""
        detail: dict[str, Any] = {
            "lines": self.lines,
            "imported": self.imported,
            "skipped": self.skipped,
            "failed": self.failed,
        }
        if aborted:
            detail["aborted"] = aborted
        async with unit_of_work(self.desk.sessions) as session:
            await audit.record(
                session,
                audit_log,
                who=self.desk.who,
                at=self.desk.clock.now(),
                action="dossiers.imported",
                entity=f"import:{self.import_id}",
                detail=detail,
            )

    def summary(self) -> ImportSummary:
        return ImportSummary(
            lines=self.lines,
            imported=self.imported,
            skipped=self.skipped,
            failed=self.failed,
            errors=self.errors,
            errors_omitted=self.failed - len(self.errors),
        )
