"""The facts events tell of dossiers, gathered without I/O and written in a few statements.

Handlers record each event's facts here in the order heard (one event, or a whole fetch of them);
`write` then stores them kind by kind: the rows that must exist first (dossiers, clocks, procedures,
marks), then each kind of update in the order heard, each under its own condition as ever (a receipt
once, the earliest end, `step.assigned` the authority on a step's start). Every kind of update writes
its own columns and its condition reads only those, so writing kind by kind gives what writing event
by event gave. The caller holds the dossiers' locks.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.deadline.calendar.repository import save_procedures
from services.deadline.clocks import repository
from shared.events.catalog import ProcedureSnapshot
from shared.events.dossier import DossierIdentity, DossierReceived
from shared.events.steps import Step


@dataclass
class Facts:
    dossiers: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    procedures: dict[tuple[str, int], ProcedureSnapshot] = field(default_factory=dict)
    receipts: list[dict[str, Any]] = field(default_factory=list)
    dossier_clocks: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    step_clocks: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    starts: list[dict[str, Any]] = field(default_factory=list)
    stops: list[dict[str, Any]] = field(default_factory=list)
    ends: list[dict[str, Any]] = field(default_factory=list)
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
        self.receipts.append({"b_dossier_id": data.dossier_id, **_set(receipt)})
        # Made with the first receipt recorded; a dossier whose receipt was recorded before has it.
        self.dossier_clocks.setdefault(
            data.dossier_id,
            {
                **_identity(data),
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
            step_id, {**_identity(data), "step_id": step_id, "agency_code": agency_code}
        )
        if step is not None:
            start = {
                "position": step.position,
                "days": step.days,
                "started_at": step.assigned_at,
                "original_due_at": step.due_at,
            }
            self.starts.append({"b_step_id": step_id, "b_authoritative": authoritative, **_set(start)})

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
        self.stops.append({"b_step_id": step_id, "v_step_ended_at": at, "v_step_end_reason": reason})

    def end(self, dossier_id: uuid.UUID, *, at: datetime, reason: str) -> None:
        self.ends.append({"b_dossier_id": dossier_id, "v_ended_at": at, "v_end_reason": reason})

    async def write(self, session: AsyncSession) -> None:
        await repository.ensure_dossiers(session, list(self.dossiers.values()))
        await save_procedures(session, list(self.procedures.values()))
        await repository.ensure_clocks(session, list(self.dossier_clocks.values()), step=False)
        await repository.ensure_clocks(session, list(self.step_clocks.values()), step=True)
        await repository.add_marks(session, self.marks)
        await repository.record_receipts(session, self.receipts)
        await repository.set_step_starts(session, self.starts)
        await repository.stop_steps(session, self.stops)
        await repository.end_dossiers(session, self.ends)


def _identity(data: DossierIdentity) -> dict[str, Any]:
    return {
        "dossier_id": data.dossier_id,
        "code": data.code,
        "portal_id": data.portal_id,
        "lead_agency_code": data.agency_code,
    }


def _set(values: dict[str, Any]) -> dict[str, Any]:
    """Values for the repository's SET clauses, which take `v_<column>`."""
    return {f"v_{name}": value for name, value in values.items()}


def _full_days(data: DossierReceived) -> Decimal:
    procedure = data.procedure
    if data.channel == "online" and procedure.online_processing_days:
        return procedure.online_processing_days
    return procedure.processing_days
