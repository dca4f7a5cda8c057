"""The facts events tell of dossiers, gathered without I/O and written in two statements.

Handlers record each event's facts here in the order heard (one event, or a whole fetch of them),
before the dossiers' locks are taken; `write`, under them, stores the rows that must exist first
(dossiers, procedures, clocks, marks), then the facts each dossier and step takes under its own
condition (a receipt once, the earliest end, `step.assigned` the authority on a step's start, a step's
earliest own end). Every kind of fact writes its own columns and its condition reads only those, so
one row a dossier or step, holding of each kind the fact that decides it, gives what writing event by
event gave: the first receipt; of the ends, the first of the earliest; of a step's starts, the latest
assignment from `step.assigned` (in whatever order two workers' fetches come: a re-assigned step keeps
its last start), else the first step body heard (it fills the step only if nothing did).
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.deadline.calendar.repository import procedure_row
from services.deadline.clocks import repository
from shared.events.catalog import ProcedureSnapshot
from shared.events.dossier import DossierIdentity, DossierReceived
from shared.events.steps import Step


@dataclass
class Facts:
    dossiers: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    procedures: dict[tuple[str, int], ProcedureSnapshot] = field(default_factory=dict)
    receipts: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    dossier_clocks: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    step_clocks: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    starts: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    stops: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    ends: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    marks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def dossier_ids(self) -> list[uuid.UUID]:
        return list(self.dossiers)

    def begin(self, data: DossierIdentity) -> None:
        """The dossier's row, whichever of its events comes first; a later one fills a missing portal id."""
        row = self.dossiers.setdefault(data.dossier_id, _identity(data))
        row["portal_id"] = data.portal_id if row["portal_id"] is None else row["portal_id"]

    def received(self, data: DossierReceived) -> None:
        """The dossier's clock starts at `clock_started_at`, due as intake promised on the receipt."""
        procedure = data.procedure
        self.procedures.setdefault((procedure.code, procedure.version), procedure)
        started_at = data.clock_started_at
        receipt = {
            "received_at": data.received_at,
            "clock_started_at": started_at,
            "original_due_at": data.due_at,
            "channel": data.channel,
            "procedure_code": procedure.code,
            "procedure_version": procedure.version,
            "procedure_name": procedure.name,
            "lead_agency_name": procedure.agency_name or None,
            "applicant_name": data.applicant.name or None,
            "full_days": _full_days(data),
            "day_kind": procedure.day_kind,
            "same_day": procedure.same_day,
            "cutoff": procedure.cutoff,
            "supplement_policy": procedure.supplement_policy,
            "imported": data.imported,
            "unit_code": data.unit_code,
            "return_unit_code": data.return_unit_code,
        }
        self.receipts.setdefault(data.dossier_id, receipt)
        # Made with the first receipt recorded; a dossier whose receipt was recorded before has it.
        self.dossier_clocks.setdefault(
            data.dossier_id,
            {
                **_identity(data),
                "scope": "dossier",
                "step_id": None,
                "agency_code": data.agency_code,
                "started_at": started_at,
                "original_due_at": data.due_at,
                "imported": data.imported,
            },
        )

    def step_heard(
        self,
        data: DossierIdentity,
        *,
        step_id: uuid.UUID,
        agency_code: str,
        step: Step | None = None,
        authoritative: bool = False,
    ) -> None:
        """A step's clock exists from the first event naming the step; its start comes with a step body."""
        self.step_clocks.setdefault(
            step_id, {**_identity(data), **_STEP_CLOCK, "step_id": step_id, "agency_code": agency_code}
        )
        current = self.starts.get(step_id)
        if step is not None and (
            current is None or (authoritative and step.assigned_at >= current["started_at"])
        ):
            self.starts[step_id] = {
                "authoritative": authoritative,
                "position": step.position,
                "days": step.days,
                "started_at": step.assigned_at,
                "original_due_at": step.due_at,
            }

    def mark(
        self,
        data: DossierIdentity,
        *,
        step_id: uuid.UUID,
        kind: str,
        at: datetime,
        reason: str | None,
        policy: str | None = None,
    ) -> None:
        """A pause or a resumption of a step, paired with the others when clocks are derived."""
        self.marks.append(
            {
                "dossier_id": data.dossier_id,
                "step_id": step_id,
                "kind": kind,
                "at": at,
                "reason": reason,
                "policy": policy,
            },
        )

    def stop_step(self, step_id: uuid.UUID, *, at: datetime, reason: str) -> None:
        _earliest(self.stops, step_id, {"step_ended_at": at, "step_end_reason": reason}, "step_ended_at")

    def end(self, dossier_id: uuid.UUID, *, at: datetime, reason: str) -> None:
        _earliest(self.ends, dossier_id, {"ended_at": at, "end_reason": reason}, "ended_at")

    async def write(self, session: AsyncSession) -> None:
        await repository.write_heard(
            session,
            dossier_rows=list(self.dossiers.values()),
            procedure_rows=[procedure_row(procedure) for procedure in self.procedures.values()],
            clock_rows=[*self.dossier_clocks.values(), *self.step_clocks.values()],
            mark_rows=self.marks,
        )
        await repository.write_facts(
            session,
            dossier_facts=[
                {
                    "dossier_id": dossier_id,
                    **_facts("received", self.receipts.get(dossier_id), repository.RECEIPT),
                    **_facts("ended", self.ends.get(dossier_id), repository.END),
                }
                for dossier_id in dict.fromkeys([*self.receipts, *self.ends])
            ],
            step_facts=[
                {
                    "step_id": step_id,
                    **_facts("started", self.starts.get(step_id), (*repository.START, "authoritative")),
                    **_facts("stopped", self.stops.get(step_id), repository.STOP),
                }
                for step_id in dict.fromkeys([*self.starts, *self.stops])
            ],
        )


def _identity(data: DossierIdentity) -> dict[str, Any]:
    return {
        "dossier_id": data.dossier_id,
        "code": data.code,
        "portal_id": data.portal_id,
        "lead_agency_code": data.agency_code,
    }


# What a step's clock row holds before its start is heard.
_STEP_CLOCK = {"scope": "step", "started_at": None, "original_due_at": None, "imported": False}


def _earliest(held: dict[uuid.UUID, dict[str, Any]], key: uuid.UUID, fact: dict[str, Any], at: str) -> None:
    """Keep the fact if it is the first heard or earlier than the one held (the first of equals stays)."""
    if key not in held or fact[at] < held[key][at]:
        held[key] = fact


def _facts(flag: str, fact: dict[str, Any] | None, columns: tuple[str, ...]) -> dict[str, Any]:
    """A row's columns of one kind of fact, and whether it carries one."""
    return {flag: fact is not None, **{column: fact[column] if fact else None for column in columns}}


def _full_days(data: DossierReceived) -> Decimal:
    procedure = data.procedure
    if data.channel == "online" and procedure.online_processing_days:
        return procedure.online_processing_days
    return procedure.processing_days
