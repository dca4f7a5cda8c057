"""Dossier timelines for the processing read model's tests: the events intake, routing and deadline
would publish for them, and the report rows docs/rules.md gives for them, computed straight from the
timeline (the brute force)."""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from services.reporting.processing.arithmetic import ROW_FIELDS
from shared.clock import VIETNAM
from shared.events.catalog import ProcedureSnapshot
from shared.events.deadline import ApologyIssued, AppointmentChanged
from shared.events.dossier import (
    Applicant,
    DossierDigitized,
    DossierIdentity,
    DossierReceived,
    DossierResolved,
    DossierReturned,
    DossierWithdrawn,
    SupplementReceived,
)
from shared.events.fields import Payload
from shared.events.steps import DossierRejected, DossierStopped, StepPaused, StepResumed, SupplementRequested
from shared.messaging.envelope import CloudEvent, event_type


def vn(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


def day_of(at: datetime) -> date:
    return at.astimezone(VIETNAM).date()


@dataclass
class Pause:
    """A supplement pause of one step; `end_via` says which event ends it: the step's resumption, the
    citizen's supplement (which resumes every step), or both at once."""

    step: uuid.UUID
    start: datetime
    end: datetime | None = None
    start_via: str = "paused"  # "paused", "requested" or "both"
    end_via: str = "resumed"  # "resumed", "supplied" or "both"


@dataclass
class Appointment:
    """A legitimate pause of the dossier's clock that moved its due (dossier.appointment_changed)."""

    paused: datetime
    resumed: datetime
    due: datetime  # the due the law recognises from `resumed` on
    reason: Literal["supplement", "obligation"] = "supplement"


@dataclass
class Timeline:
    procedure: str = "DD-01"
    field_code: str = "DAT_DAI"
    agency: str = "VPDK"
    agency_name: str | None = None  # the name the procedure snapshot gives it: "Cơ quan <code>" if None
    unit: str = "000.00.12.H57"  # the receiving unit
    channel: Literal["direct", "post", "online"] = "direct"
    level: int = 3
    across: bool = False  # received at a unit other than the lead agency's
    received: datetime = field(default_factory=lambda: vn(2021, 6, 1))
    due: datetime = field(default_factory=lambda: vn(2021, 6, 15, 17))
    resolved: datetime | None = None
    withdrawn: datetime | None = None
    rejected: datetime | None = None
    stopped: datetime | None = None
    returned: datetime | None = None
    apology: bool = False  # a letter sent before letters were judged (no `timely`)
    letters: list[bool | None] = field(default_factory=list)  # more letters: `timely` of each
    appointments: list[Appointment] = field(default_factory=list)
    pauses: list[Pause] = field(default_factory=list)
    obligation: tuple[datetime, datetime] | None = None  # a financial-obligation pause: never a wait
    digitized: tuple[int, int] | None = None  # (documents, reused)
    imported: bool = False
    dossier_id: uuid.UUID = field(default_factory=uuid.uuid4)
    code: str = field(default_factory=lambda: f"000.00.12.H57-210601-{uuid.uuid4().int % 10**4:04d}")

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.procedure, self.field_code, self.agency, self.unit)

    def identity(self) -> DossierIdentity:
        return DossierIdentity(dossier_id=self.dossier_id, code=self.code, agency_code=self.agency)

    def about_step(self, step: uuid.UUID) -> dict[str, Any]:
        """The identity and the step, for the payloads about one step."""
        return {**dict(self.identity()), "step_id": step, "step_agency_code": self.agency}

    def event(self, name: str, time: datetime, payload: Payload, source: str = "routing") -> CloudEvent:
        """The envelope of `payload`, built with the shared type its producer builds it with."""
        return CloudEvent(
            source=f"/motcua/{source}",
            type=event_type(name),
            subject=self.code,
            time=time,
            data=payload.data(),
        )

    def received_event(self) -> CloudEvent:
        procedure = ProcedureSnapshot(
            code=self.procedure,
            version=1,
            effective_from=date(2019, 1, 1),
            name=f"Thủ tục {self.procedure}",
            field_code=self.field_code,
            field_name=f"Lĩnh vực {self.field_code}",
            agency_code=self.agency,
            agency_name=self.agency_name or f"Cơ quan {self.agency}",
            processing_days=Decimal(10),
            service_level=self.level,
        )
        payload = DossierReceived(
            **dict(self.identity()),
            procedure=procedure,
            channel=self.channel,
            service_level=self.level,
            unit_code=self.unit,
            received_across_boundary=self.across,
            received_at=self.received,
            clock_started_at=self.received,
            due_at=self.due,
            applicant=Applicant(kind="person", name="Nguyễn Văn An"),
            imported=self.imported,
        )
        return self.event("dossier.received", self.received, payload, "intake")

    def events(self) -> list[CloudEvent]:
        """Every event of the timeline, in the order they would happen."""
        identity = dict(self.identity())
        out = [self.received_event()]
        if self.digitized is not None:
            documents, reused = self.digitized
            digitized = DossierDigitized(
                **identity, documents=documents, pages=documents, reused=reused, digitized_at=self.received
            )
            out.append(self.event("dossier.digitized", self.received, digitized, "intake"))
        for pause in self.pauses:
            out += self._pause_events(pause)
        if self.obligation is not None:
            about = self.about_step(uuid.uuid4())
            start, end = self.obligation
            reason = "financial_obligation"
            out.append(
                self.event("dossier.step.paused", start, StepPaused(**about, reason=reason, paused_at=start))
            )
            resumed = StepResumed(**about, reason=reason, resumed_at=end, due_at=end, policy="shift")
            out.append(self.event("dossier.step.resumed", end, resumed))
        for appointment in self.appointments:
            changed = AppointmentChanged(
                **identity,
                due_at=appointment.due,
                original_due_at=self.due,
                reason=appointment.reason,
                paused_at=appointment.paused,
                resumed_at=appointment.resumed,
                imported=self.imported,
            )
            source = "intake" if self.imported else "deadline"
            out.append(self.event("dossier.appointment_changed", appointment.resumed, changed, source))
        for timely in self.all_letters():
            at = self.due
            apology = ApologyIssued(
                **identity,
                scope="dossier",
                step_id=None,
                step_agency_code=self.agency,
                letter_id=uuid.uuid4(),
                reason="Chậm",
                new_return_date=day_of(self.due),
                due_at=self.due,
                original_due_at=self.due,
                signed_by="Nguyễn Văn B",
                signed_by_title="Giám đốc",
                issued_at=at,
                timely=timely,
            )
            out.append(self.event("dossier.apology_issued", at, apology, "deadline"))
        if self.resolved is not None:
            source = "intake" if self.imported else "routing"
            resolved = DossierResolved(
                **identity, resolved_at=self.resolved, due_at=self.due, imported=self.imported
            )
            out.append(self.event("dossier.resolved", self.resolved, resolved, source))
        if self.withdrawn is not None:
            withdrawn = DossierWithdrawn(**identity, withdrawn_at=self.withdrawn, imported=self.imported)
            out.append(self.event("dossier.withdrawn", self.withdrawn, withdrawn, "intake"))
        about = self.about_step(uuid.uuid4())
        if self.rejected is not None:
            rejected = DossierRejected(**about, rejected_at=self.rejected, reason="Không đủ điều kiện")
            out.append(self.event("dossier.rejected", self.rejected, rejected))
        if self.stopped is not None:
            stopped = DossierStopped(**about, stopped_at=self.stopped, reason="Dừng")
            out.append(self.event("dossier.stopped", self.stopped, stopped))
        if self.returned is not None:
            returned = DossierReturned(
                **identity, returned_at=self.returned, delivery_channel="counter", imported=self.imported
            )
            out.append(self.event("dossier.returned", self.returned, returned, "intake"))
        return out

    def _pause_events(self, pause: Pause) -> list[CloudEvent]:
        about = self.about_step(pause.step)
        out = []
        if pause.start_via in ("paused", "both"):
            paused = StepPaused(**about, reason="supplement", paused_at=pause.start)
            out.append(self.event("dossier.step.paused", pause.start, paused))
        if pause.start_via in ("requested", "both"):
            requested = SupplementRequested(**about, items=[], requested_at=pause.start, override_reason=None)
            out.append(self.event("dossier.supplement_requested", pause.start, requested))
        if pause.end is not None:
            if pause.end_via in ("supplied", "both"):
                supplied = SupplementReceived(
                    **dict(self.identity()), received_at=pause.end, note=None, imported=False
                )
                out.append(self.event("dossier.supplement_received", pause.end, supplied, "intake"))
            if pause.end_via in ("resumed", "both"):
                resumed = StepResumed(
                    **about, reason="supplement", resumed_at=pause.end, due_at=pause.end, policy="shift"
                )
                out.append(self.event("dossier.step.resumed", pause.end, resumed))
        return out

    def all_letters(self) -> list[bool | None]:
        first: list[bool | None] = [None] if self.apology else []
        return first + self.letters

    # -- the brute force: docs/rules.md, "Report arithmetic", read straight off the timeline ----------

    def judged_due(self) -> date:
        """The due the law recognises: the one the latest resumption gave, else the receipt's."""
        if not self.appointments:
            return day_of(self.due)
        latest = max(self.appointments, key=lambda a: (a.resumed, day_of(a.due)))
        return day_of(latest.due)

    def letter(self) -> str:
        """timely if any letter was sent in time, late if any was sent (unknown counts as late), none."""
        letters = self.all_letters()
        return "timely" if True in letters else "late" if letters else "none"

    def waiting_at(self, day: date) -> bool:
        """Some step paused for a supplement by the end of `day` with nothing ending it since: neither
        its own resumption nor a supplement the citizen handed in (which resumes every step)."""
        supplied = [p.end for p in self.pauses if p.end is not None and p.end_via in ("supplied", "both")]
        for pause in self.pauses:
            if day_of(pause.start) > day:
                continue
            ends = [
                p.end
                for p in self.pauses
                if p.step == pause.step and p.end is not None and p.end_via in ("resumed", "both")
            ]
            if not any(pause.start <= end and day_of(end) <= day for end in [*ends, *supplied]):
                return True
        return False

    def row(self, period_from: date, period_to: date) -> dict[str, int]:
        row = dict.fromkeys(ROW_FIELDS, 0)
        r, due = day_of(self.received), self.judged_due()
        closes = []
        if self.resolved is not None:
            closes.append((day_of(self.resolved), 0, "resolved"))
        ends = [day_of(at) for at in (self.rejected, self.stopped) if at is not None]
        if ends:
            closes.append((min(ends), 1, "rejected"))
        if self.withdrawn is not None:
            closes.append((day_of(self.withdrawn), 2, "withdrawn"))
        close = min(closes) if closes else None
        c = None if close is None else max(close[0], r)
        if r > period_to or (c is not None and c < period_from):
            return row
        row["total"] = 1
        if r < period_from:
            row["carried_over"] = 1
        else:
            row["received"] = 1
            row["received_online"] = int(self.channel == "online")
            row["received_counter"] = int(self.channel in ("direct", "post"))
            row["received_across_boundary"] = int(self.across)
        if close is not None and c is not None and c <= period_to:
            if close[2] == "resolved":
                row["resolved_total"] = 1
                outcome = "early" if c < due else "on_time" if c == due else "late"
                row[f"resolved_{outcome}"] = 1
                if outcome == "late":
                    letter = self.letter()
                    if letter == "none":
                        row["late_without_apology"] = 1
                    else:
                        row["late_with_apology"] = 1
                        row[f"late_with_{letter}_apology"] = 1
            else:
                row[close[2]] = 1
        else:
            row["pending_total"] = 1
            overdue = due < period_to and not self.waiting_at(period_to)
            row["pending_overdue" if overdue else "pending_within"] = 1
        return row


def expected_rows(
    timelines: list[Timeline], period_from: date, period_to: date
) -> dict[tuple[str, str, str, str], dict[str, int]]:
    """Per cell (procedure, field, agency, unit), the sum of each dossier's row; cells with nothing left
    out."""
    rows: dict[tuple[str, str, str, str], dict[str, int]] = {}
    for timeline in timelines:
        one = timeline.row(period_from, period_to)
        if one["total"]:
            into = rows.setdefault(timeline.key, dict.fromkeys(ROW_FIELDS, 0))
            for key, value in one.items():
                into[key] += value
    return rows


def reconciles(row: dict[str, int]) -> bool:
    return (
        row["total"]
        == row["carried_over"] + row["received"]
        == row["resolved_total"] + row["pending_total"] + row["withdrawn"] + row["rejected"]
        and row["resolved_total"] == row["resolved_early"] + row["resolved_on_time"] + row["resolved_late"]
        and row["pending_total"] == row["pending_within"] + row["pending_overdue"]
        and row["resolved_late"] == row["late_with_apology"] + row["late_without_apology"]
        and row["late_with_apology"] == row["late_with_timely_apology"] + row["late_with_late_apology"]
    )
