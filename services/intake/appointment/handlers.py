"""`dossier.appointment_changed` from the deadline service: the dossier's new appointment, stored, shown
in the look-up's timeline, audited. Not one of intake's own changes (`dossiers.change`): the deadline
service decided it, so no version and no event here; the audit row names it as who."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.appointment import repository
from services.intake.appointment.rules import TIMELINE_STATUS, timeline_note
from services.intake.dossiers import repository as dossiers
from services.intake.models import audit_log
from shared import audit
from shared.auth import Principal
from shared.events.deadline import AppointmentChanged
from shared.messaging.envelope import CloudEvent
from shared.messaging.payloads import parse_data

INTAKE = "/motcua/intake"


async def appointment_changed(event: CloudEvent, session: AsyncSession) -> None:
    """Keep the appointment of the latest resumption (`repository.move_appointment`); the inbox has
    already dropped a redelivery. Intake's own (an import's) are stored with their dossier."""
    if event.source == INTAKE:
        return
    data = parse_data(AppointmentChanged, event)
    changed = await repository.move_appointment(
        session,
        data.dossier_id,
        appointment_at=data.due_at,
        reason=data.reason,
        paused_at=data.paused_at,
        resumed_at=data.resumed_at,
    )
    if changed is None:
        return  # a stale or repeated appointment, or a dossier intake never received
    await dossiers.add_timeline(
        session, data.dossier_id, data.resumed_at, TIMELINE_STATUS, timeline_note(data.reason, data.due_at)
    )
    detail: dict[str, Any] = {
        "event_id": str(event.id),
        **data.model_dump(
            mode="json", include={"due_at", "original_due_at", "reason", "paused_at", "resumed_at"}
        ),
    }
    await audit.record(
        session,
        audit_log,
        who=_system(event.source),
        at=data.resumed_at,
        action="dossier.appointment_changed",
        entity=f"dossier:{changed.code}",
        detail=detail,
    )


def _system(source: str) -> Principal:
    """The service that sent the event, as the audit's actor: `/motcua/deadline` → `system:deadline`."""
    name = source.rstrip("/").rsplit("/", 1)[-1] or "unknown"
    return Principal(sub=f"system:{name}", role="admin")
