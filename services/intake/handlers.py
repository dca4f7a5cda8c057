"""What intake takes from other services' events: from routing's, the status the counter shows and when
a result is ready; from the deadline service's, a dossier's new appointment after a pause
(`appointment/handlers.py`) and the calendar's admin overrides for appointment dates."""

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.appointment.handlers import appointment_changed
from services.intake.dossiers import repository
from services.intake.models import calendar_overrides
from shared.calendar_replica import override_handlers
from shared.events.dossier import DossierResolved
from shared.events.fields import Payload
from shared.events.steps import DossierRejected, StepAssigned, SupplementRequested
from shared.messaging.consumer import Handler
from shared.messaging.envelope import CloudEvent, event_type
from shared.messaging.payloads import parse_data

P = TypeVar("P", bound=Payload)

# Where each status may come from: a late or repeated event never takes a dossier back
# (a `step.assigned` arriving after `resolved` changes nothing). Events across agencies' subjects
# may arrive in any order, so `received` may go straight to any later status.
#
# `supplement_requested` is left only by the citizen's supplement (reception/supplement.py, which also
# emits `dossier.supplement_received`), a result, a rejection or a withdrawal. Routing assigns no step
# while one waits for the citizen, so a `step.assigned` seen then was emitted before the request: moving
# the dossier to `in_processing` would hide the request from the counter and refuse the citizen's papers.
# After the supplement the dossier is `in_processing` already, and the same late event changes nothing.
_FROM = {
    "in_processing": ("received",),
    "supplement_requested": ("received", "in_processing"),
    "resolved": ("received", "in_processing", "supplement_requested"),
    "rejected": ("received", "in_processing", "supplement_requested"),
}

_PUBLIC_NOTES = {
    "in_processing": "Hồ sơ đang được giải quyết",
    "supplement_requested": "Cơ quan giải quyết yêu cầu bổ sung hồ sơ",
    "resolved": "Đã có kết quả, mời công dân nhận kết quả",
    "rejected": "Hồ sơ không được giải quyết",
}


def _moves_to(status: str, payload: type[P], stamp: Callable[[P], datetime]) -> Handler:
    """A handler moving the dossier named by the event's subject to `status`, at the time `stamp`
    reads from the event's data, read as its `payload` type (data that does not fit it is poison). Not
    one of intake's own changes (`dossiers.change`): it mirrors routing's, so it has no version, event
    or audit row here."""

    async def handle(event: CloudEvent, session: AsyncSession) -> None:
        if event.source == "/motcua/intake" or event.subject is None:
            return  # our own events (imports) already hold this state
        at = stamp(parse_data(payload, event))
        values: dict[str, object] = {"updated_at": at}
        if status == "resolved":
            values["resolved_at"] = at
        dossier_id = await repository.move_status(
            session, event.subject, status, only_from=_FROM[status], values=values
        )
        if dossier_id is not None:
            await repository.add_timeline(session, dossier_id, at, status, _PUBLIC_NOTES[status])

    return handle


HANDLERS: dict[str, Handler] = {
    event_type("dossier.step.assigned"): _moves_to(
        "in_processing", StepAssigned, lambda assigned: assigned.step.assigned_at
    ),
    event_type("dossier.supplement_requested"): _moves_to(
        "supplement_requested", SupplementRequested, lambda requested: requested.requested_at
    ),
    event_type("dossier.resolved"): _moves_to(
        "resolved", DossierResolved, lambda resolved: resolved.resolved_at
    ),
    event_type("dossier.rejected"): _moves_to(
        "rejected", DossierRejected, lambda rejected: rejected.rejected_at
    ),
    event_type("dossier.appointment_changed"): appointment_changed,
}
SUBJECTS = (
    "dossier.*.step.assigned",
    "dossier.*.supplement_requested",
    "dossier.*.resolved",
    "dossier.*.rejected",
    "dossier.*.appointment_changed",
)


# The working-day calendar's admin overrides, from the deadline service (stream CATALOG).
CALENDAR_HANDLERS = override_handlers(calendar_overrides)
