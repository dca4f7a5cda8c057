"""The SLA clocks derived from the facts heard.

Every handler follows the same two steps under the dossiers' advisory locks: store the FACTS its
events carry (facts.py: the receipt, a step's start or end, a pause mark, the dossier's end), then
`recompute` every clock of each dossier touched from all its facts with the pure rules, once per
dossier however many of its events came. Nothing depends on the order the facts came in: a step heard
before the receipt gets its clock at once and the dossier's clock joins it later; a resumption heard
before its pause is paired when the pause arrives. A resumption that moves the dossier's due is the
citizen's new appointment, announced in the same transaction (appointments.py).
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.deadline.clocks import appointments, repository, rules
from services.deadline.context import Context
from shared.calendar import DEFAULT_CUTOFF, WorkingCalendar


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


@dataclass(frozen=True)
class Derived:
    """A dossier as `recompute` left it: its row, its clocks with their derived values, its granted
    extensions, and the calendar they were derived with."""

    dossier: Any
    clocks: list[SimpleNamespace]
    granted: list[SimpleNamespace]
    calendar: WorkingCalendar


async def recompute(
    session: AsyncSession, ctx: Context, dossier_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Derived]:
    """Derive every clock of the dossiers again from their facts (read in one statement), and write
    what changed: a few statements for any number of dossiers. Returns each dossier as left."""
    dossiers = {row.dossier_id: row for row in await repository.facts_of(session, dossier_ids)}
    if not dossiers:
        return {}  # no facts heard of them: no clocks either
    revision = next(iter(dossiers.values())).calendar_revision
    calendar = (await ctx.calendars.as_of(session, int(revision or 0))).calendar
    changes: list[dict[str, Any]] = []
    resumptions: dict[uuid.UUID, tuple[rules.Resumption, ...]] = {}
    result: dict[uuid.UUID, Derived] = {}
    for dossier_id in dossier_ids:
        dossier = dossiers.get(dossier_id)
        clocks, marks, granted = (
            _records(dossier, name) for name in ("clock_rows", "mark_rows", "granted_rows")
        )
        derived, resumptions[dossier_id] = _derive(ctx, calendar, dossier, clocks, marks, granted)
        for row, values in derived:
            if any(getattr(row, k) != v for k, v in values.items()):
                changes.append({"id": row.id, **values})
                vars(row).update(values)  # the clock as written, for the caller deciding on it
        result[dossier_id] = Derived(dossier, clocks, granted, calendar)
    await repository.update_clocks(session, changes)
    announced = {dossier_id: _records(row, "announced_rows") for dossier_id, row in dossiers.items()}
    await appointments.announce(session, ctx, dossiers, resumptions, announced)
    return result


def _records(dossier: Any, name: str) -> list[SimpleNamespace]:
    """The dossier's rows of another table, as read whole by `repository.facts_of`: by name."""
    return [SimpleNamespace(**record) for record in getattr(dossier, name)] if dossier is not None else []


def _derive(
    ctx: Context,
    calendar: WorkingCalendar,
    dossier: Any,
    rows: Sequence[Any],
    mark_rows: Sequence[Any],
    granted: Sequence[Any],
) -> tuple[list[tuple[Any, dict[str, object]]], tuple[rules.Resumption, ...]]:
    """Each clock row of one dossier with its values derived from the dossier's facts, and the
    resumptions of the dossier's clock."""
    marks = _marks_by_step(mark_rows)
    minutes = {e.step_id: e.minutes or 0 for e in granted}
    terms = terms_of(dossier)
    ended_at = dossier.ended_at if dossier is not None else None
    end_reason = dossier.end_reason if dossier is not None else None
    imported = bool(dossier is not None and dossier.imported)
    step_pauses: list[rules.Pause] = []
    extended: list[datetime] = []
    result: list[tuple[Any, dict[str, object]]] = []
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
        result.append((row, derived.values()))
        if derived.extended_due_at is not None:
            extended.append(derived.extended_due_at)
    resumptions: tuple[rules.Resumption, ...] = ()
    for row in rows:
        if row.scope == "dossier" and dossier is not None:
            values, resumptions = _dossier_clock(ctx, dossier, terms, step_pauses, extended, calendar)
            result.append((row, values))
    return result, resumptions


def _dossier_clock(
    ctx: Context,
    dossier: Any,
    terms: rules.Terms,
    step_pauses: list[rules.Pause],
    extended: list[datetime],
    calendar: WorkingCalendar,
) -> tuple[dict[str, object], tuple[rules.Resumption, ...]]:
    """The dossier's clock: paused while any step is; its extended due is the latest step's beyond it.
    With the resumptions of its pauses (the merged ones), each with the due before and after."""
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
    return values, derived.resumptions
