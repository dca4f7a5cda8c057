"""An imported line's pauses as the new appointments they gave, as a pure function: the procedure
version's terms and the calendar are arguments. Only lines with pauses pay for it."""

from decimal import Decimal

from services.intake.appointment.rules import Moved, Pause, Terms, moved_by
from services.intake.catalogue.rules import supplement_policy
from services.intake.importing.rows import Accepted
from shared.calendar import WorkingCalendar
from shared.rule_sets import rule_set


def moved_appointments(item: Accepted, calendar: WorkingCalendar) -> list[Moved]:
    """The line's pauses that moved its due (`item.due_at`, the receipt's), in time order, under the
    supplement policy of its procedure version for its rule set, as the deadline service moves a live
    dossier's; raises ValueError when a restarted due cannot be counted."""
    line, procedure = item.line, item.procedure
    online_days = procedure.online_processing_days if line.channel == "online" else None
    terms = Terms(
        policy=supplement_policy(procedure.supplement_policy, rule_set(item.rule_set)),
        days=Decimal(online_days or procedure.processing_days),
        kind=procedure.day_kind,
        same_day=procedure.same_day,
        cutoff=procedure.cutoff,
    )
    pauses = [Pause(p.kind, p.paused_at, p.resumed_at) for p in line.pauses]
    return moved_by(item.due_at, pauses, terms=terms, calendar=calendar)
