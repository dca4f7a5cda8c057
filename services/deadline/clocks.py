"""The SLA clocks' use cases: record what an event says, then derive the dossier's clocks again.

Every handler follows the same two steps under the dossier's advisory lock: store the FACT the
event carries (the receipt, a step's start or end, a pause mark, the dossier's end), then `recompute`
every clock of the dossier from all its facts with the pure rules. Nothing depends on the order the
facts came in: a step heard before the receipt gets its clock at once and the dossier's clock joins
it later; a resumption heard before its pause is paired when the pause arrives.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.deadline import repository, rules
from services.deadline.calendars import Calendars
from services.deadline.inbound import Identity, Received, Step
from shared.calendar import DEFAULT_CUTOFF, WorkingCalendar
from shared.clock import Clock
from shared.messaging.outbox import Outbox
from shared.messaging.subjects import dossier_subject


@dataclass(frozen=True)
class Context:
    """Where events go, what time it is, which days count, and when to warn."""

    outbox: Outbox
    clock: Clock
    calendars: Calendars
    due_soon_hours: int

    @property
    def warn_minutes(self) -> int:
        return self.due_soon_hours * 60


async def begin(session: AsyncSession, data: Identity) -> None:
    """Lock the dossier and make sure its row exists, whichever of its events comes first."""
    await repository.lock_dossier(session, data.dossier_id)
    await repository.ensure_dossier(
        session, dossier_id=data.dossier_id, code=data.code, portal_id=data.portal_id, lead=data.agency_code
    )


async def emit(
    session: AsyncSession, ctx: Context, dossier: Any, name: str, agency_code: str, data: dict[str, Any]
) -> None:
    """Stage `dossier.<name>` under `agency_code`, with the dossier's next deadline `sequence`."""
    await ctx.outbox.add(
        session,
        name=f"dossier.{name}",
        topic=dossier_subject(agency_code, name),
        data=data,
        subject=dossier.code,
        sequence=await repository.next_sequence(session, dossier.dossier_id),
    )


# -- facts -------------------------------------------------------------------------------------------


def _full_days(data: Received) -> Decimal:
    procedure = data.procedure
    if data.channel == "online" and procedure.online_processing_days:
        return procedure.online_processing_days
    return procedure.processing_days


async def received(session: AsyncSession, data: Received) -> None:
    """The dossier's clock starts at `clock_started_at`, due as intake promised on the receipt."""
    procedure = data.procedure
    await repository.save_procedure(session, procedure_row(procedure))
    started_at = data.clock_started_at or data.received_at
    first = await repository.record_received(
        session,
        data.dossier_id,
        {
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
        },
    )
    if first:
        await repository.ensure_clock(
            session,
            {
                **_identity_columns(data),
                "agency_code": data.agency_code,
                "started_at": started_at,
                "original_due_at": data.due_at,
                "imported": data.imported,
            },
        )


def procedure_row(procedure: Any) -> dict[str, Any]:
    return {
        "code": procedure.code,
        "version": procedure.version,
        "effective_from": procedure.effective_from,
        "name": procedure.name,
        "agency_code": procedure.agency_code,
        "processing_days": procedure.processing_days,
        "online_processing_days": procedure.online_processing_days,
        "day_kind": procedure.day_kind,
        "same_day": procedure.same_day,
        "cutoff": procedure.cutoff,
        "supplement_policy": procedure.supplement_policy,
    }


def _identity_columns(data: Identity) -> dict[str, Any]:
    return {
        "dossier_id": data.dossier_id,
        "code": data.code,
        "portal_id": data.portal_id,
        "lead_agency_code": data.agency_code,
    }


async def step_heard(
    session: AsyncSession,
    data: Identity,
    *,
    step_id: uuid.UUID,
    agency_code: str,
    step: Step | None = None,
    authoritative: bool = False,
) -> None:
    """A step's clock exists from the first event naming the step; its start comes with a step body."""
    await repository.ensure_clock(
        session, {**_identity_columns(data), "step_id": step_id, "agency_code": agency_code}
    )
    if step is not None and step.assigned_at is not None and step.due_at is not None:
        start = {
            "position": step.position,
            "days": step.days,
            "started_at": step.assigned_at,
            "original_due_at": step.due_at,
        }
        await repository.set_step_start(session, step_id, start, authoritative=authoritative)


async def mark(
    session: AsyncSession,
    data: Identity,
    *,
    step_id: uuid.UUID,
    kind: str,
    at: datetime,
    reason: str | None,
    policy: str | None = None,
) -> None:
    await repository.add_mark(
        session,
        {
            "dossier_id": data.dossier_id,
            "step_id": step_id,
            "kind": kind,
            "at": at,
            "reason": reason,
            "policy": policy,
        },
    )


# -- derivation ------------------------------------------------------------------------------------


def terms_of(dossier: Any) -> rules.Terms:
    if dossier is None or dossier.received_at is None:
        return rules.Terms()
    return rules.Terms(
        policy="restart" if dossier.supplement_policy == "restart" else "shift",
        kind=dossier.day_kind or "working",
        same_day=bool(dossier.same_day),
        cutoff=dossier.cutoff or DEFAULT_CUTOFF,
    )


def _marks_by_step(rows: Any) -> dict[uuid.UUID, list[rules.Mark]]:
    result: dict[uuid.UUID, list[rules.Mark]] = {}
    for row in rows:
        result.setdefault(row.step_id, []).append(rules.Mark(row.kind, row.at, row.reason, row.policy))
    return result


async def recompute(session: AsyncSession, ctx: Context, dossier_id: uuid.UUID) -> None:
    """Derive every clock of the dossier again from its facts, and write what changed."""
    calendar = (await ctx.calendars.current(session)).calendar
    dossier = await repository.dossier(session, dossier_id)
    rows = await repository.clocks_of(session, dossier_id)
    marks = _marks_by_step(await repository.marks_of(session, dossier_id))
    minutes = {e.step_id: e.minutes or 0 for e in await repository.granted_extensions(session, dossier_id)}
    terms = terms_of(dossier)
    ended_at = dossier.ended_at if dossier is not None else None
    end_reason = dossier.end_reason if dossier is not None else None
    imported = bool(dossier is not None and dossier.imported)
    step_pauses: list[rules.Pause] = []
    extended: list[datetime] = []
    for row in rows:
        if row.scope != "step":
            continue
        pauses = rules.pauses_of(marks.get(row.step_id, []))
        step_pauses.extend(pauses)
        # The step's own end, unless the dossier ended before it (withdrawn, rejected at another step).
        own_stop = row.step_ended_at is not None and (ended_at is None or row.step_ended_at <= ended_at)
        facts = rules.ClockFacts(
            original_due=row.original_due_at,
            days=row.days,
            pauses=pauses,
            stopped_at=row.step_ended_at if own_stop else ended_at,
            stop_reason=row.step_end_reason if own_stop else end_reason,
            extension_minutes=minutes.get(row.step_id, 0),
            closed=imported,
        )
        derived = rules.derive(facts, terms=terms, calendar=calendar, warn_minutes=ctx.warn_minutes)
        await _write(session, row, derived.values())
        if derived.extended_due_at is not None:
            extended.append(derived.extended_due_at)
    for row in rows:
        if row.scope == "dossier" and dossier is not None:
            await _write(session, row, _dossier_clock(ctx, dossier, terms, step_pauses, extended, calendar))


def _dossier_clock(
    ctx: Context,
    dossier: Any,
    terms: rules.Terms,
    step_pauses: list[rules.Pause],
    extended: list[datetime],
    calendar: WorkingCalendar,
) -> dict[str, object]:
    """The dossier's clock: paused while any step is; its extended due is the latest step's beyond it."""
    facts = rules.ClockFacts(
        original_due=dossier.original_due_at,
        days=dossier.full_days,
        pauses=rules.merged(step_pauses, terms),
        stopped_at=dossier.ended_at,
        stop_reason=dossier.end_reason,
        closed=dossier.imported,
    )
    derived = rules.derive(
        facts, terms=terms, calendar=calendar, warn_minutes=ctx.warn_minutes, uses_policy=False
    )
    values = derived.values()
    latest = max(extended, default=None)
    due = derived.due_at
    values["extended_due_at"] = latest if latest is not None and due is not None and latest > due else None
    return values


async def _write(session: AsyncSession, row: Any, values: dict[str, object]) -> None:
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    if changed:
        await repository.update_clock(session, row.id, changed)
